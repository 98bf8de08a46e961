package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// The two dialects keep identical version numbers (a test checks), so
// "version N" means the same schema on every engine.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// provider builds a goose provider for this store. It is built per call on
// purpose: a goose Provider remembers (sync.Once) that it tried to create its
// version table even when that attempt failed because the database was down,
// and would then never try again.
func (s *Store) provider() (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if s.dialect == DialectPostgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(s.log),
	}
	// Two PostgreSQL instances starting together must not both migrate.
	// CockroachDB has no advisory locks; its schema changes are
	// transactional, so the loser fails and can be restarted.
	if s.dialect == DialectPostgres && !s.cockroach {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("store: migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration, then makes sure the network row
// exists (EnsureNetwork). Running it on an up-to-date database changes nothing.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return mapErr("migrate", err)
	}
	for _, r := range results {
		s.log.InfoContext(ctx, "applied migration", "migration", path.Base(r.Source.Path), "duration", r.Duration)
	}
	s.migrated.Store(true)
	return s.EnsureNetwork(ctx)
}

// MigrationStatus counts the known migrations that are applied and pending.
func (s *Store) MigrationStatus(ctx context.Context) (applied, pending int, err error) {
	st, err := s.status(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, m := range st {
		if m.State == goose.StateApplied {
			applied++
		} else {
			pending++
		}
	}
	return applied, pending, nil
}

// MigrationPlan lists the file names of the pending migrations in the order
// Migrate would apply them, for `migrate sql` to show before asking.
func (s *Store) MigrationPlan(ctx context.Context) ([]string, error) {
	st, err := s.status(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range st {
		if m.State == goose.StatePending {
			names = append(names, path.Base(m.Source.Path))
		}
	}
	return names, nil
}

func (s *Store) status(ctx context.Context) ([]*goose.MigrationStatus, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, mapErr("migration status", err)
	}
	return st, nil
}

// NotReadyError is Ready's answer. Check names what failed, as Kratos's
// /health/ready reports it: "database" (cannot be reached) or "migrations"
// (some are pending).
type NotReadyError struct {
	Check string
	Err   error
}

func (e *NotReadyError) Error() string { return e.Check + ": " + e.Err.Error() }
func (e *NotReadyError) Unwrap() error { return e.Err }

// Ready reports whether the store can serve: the database answers a ping and
// no migration is pending. Errors are *NotReadyError. The migration check
// does not take the migration lock, so a running migration does not block
// the health check.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return &NotReadyError{Check: "database", Err: mapErr("ping", err)}
	}
	if s.migrated.Load() {
		return nil
	}
	p, err := s.provider()
	if err != nil {
		return &NotReadyError{Check: "migrations", Err: err}
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		var check = "migrations"
		if isUnavailable(err) {
			check = "database"
		}
		return &NotReadyError{Check: check, Err: mapErr("migration status", err)}
	}
	if pending {
		return &NotReadyError{Check: "migrations", Err: errors.New("migrations are pending: run `warden migrate sql`")}
	}
	s.migrated.Store(true)
	return nil
}
