// Package storetest opens real stores for tests: a temporary SQLite file, or
// a fresh schema in the PostgreSQL named by WARDEN_TEST_POSTGRES_DSN. Tests
// run the same code against every dialect listed by Dialects.
//
// When CI=true the PostgreSQL DSN is required: a CI run without it fails
// rather than silently testing SQLite only.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create and drop test schemas

	"github.com/warden-id/warden/internal/store"
)

// EnvPostgresDSN names the PostgreSQL server used by tests, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each test gets its
// own schema in it, dropped afterwards, so parallel runs do not collide.
const EnvPostgresDSN = "WARDEN_TEST_POSTGRES_DSN"

// Dialects lists the dialects to test: "sqlite" always, "postgres" when
// WARDEN_TEST_POSTGRES_DSN is set. With CI=true and no DSN it fails the test.
func Dialects(t testing.TB) []string {
	t.Helper()
	if os.Getenv(EnvPostgresDSN) != "" {
		return []string{store.DialectSQLite, store.DialectPostgres}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("storetest: CI=true but %s is empty: the store contract must be tested on PostgreSQL in CI", EnvPostgresDSN)
	}
	return []string{store.DialectSQLite}
}

// Run runs fn once per dialect as t.Run("database=<dialect>"), each with a
// fresh migrated store.
func Run(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run("database="+d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a migrated store on a fresh database of the dialect, closed
// (and its database removed) when the test ends.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	s := OpenEmpty(t, dialect)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("storetest: migrate %s: %v", dialect, err)
	}
	return s
}

// OpenEmpty is Open without migrating, for tests of the migrations.
func OpenEmpty(t testing.TB, dialect string) *store.Store {
	t.Helper()
	return OpenDSN(t, NewDSN(t, dialect))
}

// OpenDSN opens a store on dsn (as from NewDSN), closed when the test ends.
// Several stores may share one DSN.
func OpenDSN(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return s
}

// NewDSN creates an empty database for the dialect and returns its DSN: a
// SQLite file in t.TempDir, or a new PostgreSQL schema (search_path set in
// the DSN) that is dropped when the test ends.
func NewDSN(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case store.DialectSQLite:
		return "sqlite://" + filepath.Join(t.TempDir(), "warden.sqlite") + "?_fk=true"
	case store.DialectPostgres:
		return newSchema(t)
	}
	t.Fatalf("storetest: unknown dialect %q", dialect)
	return ""
}

func newSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgresDSN)
	if base == "" {
		t.Fatalf("storetest: postgres requested but %s is not set", EnvPostgresDSN)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("storetest: %s must be a postgres:// URL", EnvPostgresDSN)
	}
	schema := "warden_test_" + strings.ToLower(rand.Text())
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: open postgres: %v", err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: create schema: %v", errors.Join(err, admin.Close()))
	}
	// Registered before any store on the schema, so it runs after their Close.
	t.Cleanup(func() {
		_, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		if err := errors.Join(err, admin.Close()); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
