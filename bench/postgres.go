package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// pgSchema is a dedicated PostgreSQL schema for one bench run, so a run
// neither sees nor leaves rows in the database's other schemas: warden
// gets a DSN whose search_path is the new schema, and drop removes it with
// everything warden migrated into it.
type pgSchema struct {
	name string
	db   *sql.DB
}

// newPGSchema creates schema name (a random bench_… name when empty) and
// returns it with the DSN warden should use.
func newPGSchema(ctx context.Context, base, name string) (*pgSchema, string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, "", fmt.Errorf("-dsn must be a postgres:// URL")
	}
	if name == "" {
		name = "bench_" + strings.ToLower(rand.Text()[:10])
	}
	for _, c := range name {
		// The name is spliced into DDL: allow plain identifiers only.
		if !(c == '_' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return nil, "", fmt.Errorf("-pg-schema %q: use lower-case letters, digits and _", name)
		}
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return nil, "", fmt.Errorf("open postgres: %w", err)
	}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return nil, "", errors.Join(fmt.Errorf("create schema %s: %w", name, err), db.Close())
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return &pgSchema{name: name, db: db}, u.String(), nil
}

// drop removes the schema and everything in it.
func (p *pgSchema) drop() error {
	_, err := p.db.ExecContext(context.Background(), "DROP SCHEMA "+p.name+" CASCADE")
	return errors.Join(err, p.db.Close())
}
