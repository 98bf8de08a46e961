package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/warden-id/warden/internal/identity"
)

var _ identity.Store = (*Store)(nil)

// Options are the store's dependencies. Zero values are usable.
type Options struct {
	// Now is the clock for created_at/updated_at; time.Now when nil.
	Now func() time.Time
	// Logger receives migration progress; discarded when nil.
	Logger *slog.Logger
}

// Store is the SQL persistence for SQLite and PostgreSQL/CockroachDB. It is
// safe for concurrent use.
type Store struct {
	db        *sql.DB
	dialect   string
	cockroach bool
	now       func() time.Time
	log       *slog.Logger

	// pin keeps an in-memory SQLite database alive: memdb drops the data
	// when its last connection closes, and the pool may close idle ones.
	pin *sql.Conn

	// writeGate serialises this process's SQLite write transactions in Go.
	// SQLite admits one writer at a time anyway; queueing here instead of in
	// SQLite's busy handler avoids its sleep-and-poll back-off, so 32
	// concurrent writers wait only for each other. Nil for PostgreSQL.
	writeGate chan struct{}

	// nid is the network every query filters on (foundation §12), set once
	// by EnsureNetwork. netMu serialises the first lookup.
	nid   atomic.Pointer[uuid.UUID]
	netMu sync.Mutex

	// migrated caches a successful "nothing pending" check for Ready:
	// applied migrations do not become pending while the process runs.
	migrated atomic.Bool

	// credTypes maps credential type names to their seeded ids; nil until
	// loaded (see credentialTypes).
	credTypes atomic.Pointer[map[identity.CredentialsType]uuid.UUID]
	typesMu   sync.Mutex

	// stmts caches prepared statements of hot read paths by query text
	// (see prepared in session_stmt.go); whoami holds whoami's.
	stmts  sync.Map
	whoami atomic.Pointer[preparedWhoami]
}

// Open parses dsn (decision D3), opens the connection pool and returns the
// store. It neither connects eagerly nor migrates: a database that is down at
// startup makes requests answer 503 until it is back.
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	t, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{dialect: t.dialect, cockroach: t.cockroach, now: o.Now, log: o.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	switch t.dialect {
	case DialectSQLite:
		s.db, err = sql.Open("sqlite", t.driverDSN)
		if err != nil {
			return nil, fmt.Errorf("dsn: open sqlite: %w", err)
		}
		s.writeGate = make(chan struct{}, 1)
	case DialectPostgres:
		cfg, err := pgx.ParseConfig(t.driverDSN)
		if err != nil {
			return nil, fmt.Errorf("dsn: %w", err)
		}
		s.db = stdlib.OpenDB(*cfg)
	}
	if t.memory {
		// The pinned connection counts against the limit; leave room for work.
		t.pool.maxOpen = max(t.pool.maxOpen, 2)
	}
	s.db.SetMaxOpenConns(t.pool.maxOpen)
	s.db.SetMaxIdleConns(t.pool.maxIdle)
	s.db.SetConnMaxLifetime(t.pool.maxLifetime)
	s.db.SetConnMaxIdleTime(t.pool.maxIdleTime)
	if t.memory {
		if s.pin, err = s.db.Conn(ctx); err != nil {
			return nil, errors.Join(fmt.Errorf("dsn: open in-memory sqlite: %w", err), s.db.Close())
		}
	}
	return s, nil
}

// Dialect is "sqlite" or "postgres" (CockroachDB included).
func (s *Store) Dialect() string { return s.dialect }

// Close closes the pool. An in-memory database is gone afterwards.
func (s *Store) Close() error {
	var pinErr error
	if s.pin != nil {
		pinErr = s.pin.Close()
	}
	return errors.Join(pinErr, s.db.Close())
}

// clock is the store's time, as the database will store it.
func (s *Store) clock() time.Time { return truncate(s.now()) }

// maxTxAttempts bounds re-runs after serialization failures (PostgreSQL
// SERIALIZABLE, CockroachDB's "restart transaction").
const maxTxAttempts = 5

// inTx runs fn in a write transaction and commits. fn must be safe to run
// again: after a serialization failure the whole transaction is retried with
// a short back-off. fn must use only tx (never s.db, never another inTx): on
// SQLite it holds the write gate, and with a small pool a second connection
// may never come. Errors are returned unmapped.
func (s *Store) inTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, opts, fn)
		if err == nil || attempt == maxTxAttempts || !isSerializationFailure(err) {
			return err
		}
		s.log.DebugContext(ctx, "retrying transaction after a serialization failure", "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

func (s *Store) runTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *sql.Tx) error) (err error) {
	if s.writeGate != nil && (opts == nil || !opts.ReadOnly) {
		select {
		case s.writeGate <- struct{}{}:
			defer func() { <-s.writeGate }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			// Keep the original error first; a failed rollback is reported
			// with it (the connection is discarded by database/sql).
			if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// serializable asks PostgreSQL for SERIALIZABLE isolation. SQLite's
// immediate transactions are serial already and take no options.
func (s *Store) serializable() *sql.TxOptions {
	if s.dialect == DialectPostgres {
		return &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	return nil
}
