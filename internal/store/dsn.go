package store

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// sqliteBusyTimeout is how long a SQLite writer waits for another process's
// write lock before giving up. Writers inside this process queue on the
// store's write gate instead, so this only matters across processes.
const sqliteBusyTimeout = 10 * time.Second

// target is a parsed DSN: what to hand to database/sql and how to size the pool.
type target struct {
	dialect   string // DialectSQLite or DialectPostgres
	driverDSN string // the string given to the driver
	memory    bool   // SQLite in memory: keep one connection open or the data vanishes
	cockroach bool   // CockroachDB speaks the PostgreSQL wire but has no advisory locks
	pool      poolSettings
}

type poolSettings struct {
	maxOpen     int
	maxIdle     int
	maxLifetime time.Duration
	maxIdleTime time.Duration
}

// poolKeys are the pool parameters Kratos (ory/x sqlcon) reads from the DSN.
// They are removed before the DSN reaches a driver: PostgreSQL would reject
// them as unknown runtime parameters.
var poolKeys = []string{"max_conns", "max_idle_conns", "max_conn_lifetime", "max_conn_idle_time"}

// sqliteOwnedKeys are mattn/go-sqlite3 and modernc parameters that Kratos
// DSNs carry (e.g. `_fk=true`) or that would override the settings Warden
// always applies. They are accepted and dropped; Warden's own values win.
var sqliteOwnedKeys = []string{
	"_fk", "_foreign_keys", "_journal", "_journal_mode", "_busy_timeout", "_timeout",
	"_txlock", "_sync", "_synchronous", "_loc", "_mutex", "_cache_size", "_auth",
	"_auth_user", "_auth_pass", "_auth_crypt", "_auth_salt", "_locking", "_locking_mode",
	"_recursive_triggers", "_rt", "_secure_delete", "_case_sensitive_like", "_cslike",
	"_defer_foreign_keys", "_defer_fk", "_ignore_check_constraints", "_query_only",
	"_writable_schema", "_time_format", "_time_integer_format", "_inttotime", "_texttotime",
	"_timezone", "cache", "mode",
}

// parseDSN understands the DSN forms of decision D3. Every error names `dsn`
// so a configuration mistake points at the key to fix.
func parseDSN(dsn string) (target, error) {
	dsn = strings.TrimSpace(dsn)
	switch {
	case dsn == "":
		return target{}, fmt.Errorf("dsn: must not be empty")
	case dsn == "memory":
		return sqliteTarget("", nil, true)
	case hasPrefixFold(dsn, "sqlite://"), hasPrefixFold(dsn, "sqlite3://"):
		rest := dsn[strings.Index(dsn, "://")+3:]
		path, query, err := splitQuery(rest)
		if err != nil {
			return target{}, err
		}
		return sqliteTarget(path, query, isMemoryPath(path))
	case hasPrefixFold(dsn, "file:"):
		path, query, err := splitQuery(dsn)
		if err != nil {
			return target{}, err
		}
		return sqliteTarget(path, query, isMemoryPath(path) || query.Get("mode") == "memory")
	case hasPrefixFold(dsn, "postgres://"), hasPrefixFold(dsn, "postgresql://"):
		return postgresTarget(dsn, false)
	case hasPrefixFold(dsn, "cockroach://"):
		return postgresTarget("postgres://"+dsn[len("cockroach://"):], true)
	}
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok {
		return target{}, fmt.Errorf("dsn: %q is not a supported DSN: use memory, sqlite://PATH, postgres://… or cockroach://…", redact(dsn))
	}
	return target{}, fmt.Errorf("dsn: unsupported scheme %q: use memory, sqlite://, postgres://, postgresql:// or cockroach://", scheme)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func splitQuery(s string) (string, url.Values, error) {
	path, raw, _ := strings.Cut(s, "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", nil, fmt.Errorf("dsn: invalid query: %w", err)
	}
	return path, q, nil
}

func isMemoryPath(path string) bool {
	return path == ":memory:" || strings.HasPrefix(path, "file::memory:")
}

// sqliteTarget builds a modernc DSN that always carries the settings the
// store depends on:
//   - _txlock=immediate: a write transaction takes the write lock at BEGIN, so
//     two writers never both read and then fail to upgrade (SQLITE_BUSY);
//   - WAL: readers do not block the writer nor it them;
//   - busy_timeout: another process's writer is waited for, not failed on;
//   - foreign_keys: ON DELETE CASCADE is how an identity's rows go away;
//   - synchronous NORMAL: durable in WAL mode up to the last checkpointed commit.
func sqliteTarget(path string, q url.Values, memory bool) (target, error) {
	if q == nil {
		q = url.Values{}
	}
	pool, err := takePool(q)
	if err != nil {
		return target{}, err
	}
	for _, k := range sqliteOwnedKeys {
		q.Del(k)
	}
	if memory {
		// A named memdb database is shared by every connection of this
		// process and uses ordinary locking (busy_timeout applies), unlike
		// shared-cache ":memory:" whose table locks fail at once.
		path = "file:/warden-" + strings.ToLower(rand.Text())
		q.Set("vfs", "memdb")
	} else if path == "" {
		return target{}, fmt.Errorf("dsn: sqlite DSN has no path, e.g. sqlite://./warden.sqlite")
	}
	q.Set("_txlock", "immediate")
	q["_pragma"] = append(q["_pragma"],
		fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()),
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
	)
	return target{
		dialect:   DialectSQLite,
		driverDSN: path + "?" + q.Encode(),
		memory:    memory,
		pool:      pool,
	}, nil
}

func postgresTarget(dsn string, cockroach bool) (target, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return target{}, fmt.Errorf("dsn: invalid postgres URL: %w", redactURLError(err))
	}
	q := u.Query()
	pool, err := takePool(q)
	if err != nil {
		return target{}, err
	}
	u.Scheme = "postgres"
	u.RawQuery = q.Encode()
	return target{dialect: DialectPostgres, driverDSN: u.String(), cockroach: cockroach, pool: pool}, nil
}

// takePool reads and removes the Kratos pool parameters. Defaults keep a warm
// pool sized to the machine; idle connections are not closed on a timer
// because reconnecting costs more than an idle socket.
func takePool(q url.Values) (poolSettings, error) {
	p := poolSettings{maxOpen: 4 * runtime.NumCPU()}
	p.maxIdle = p.maxOpen
	if v := q.Get("max_conns"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fmt.Errorf("dsn: max_conns must be a positive integer, got %q", v)
		}
		p.maxOpen, p.maxIdle = n, n
	}
	if v := q.Get("max_idle_conns"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, fmt.Errorf("dsn: max_idle_conns must be a non-negative integer, got %q", v)
		}
		p.maxIdle = n
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
	}{{"max_conn_lifetime", &p.maxLifetime}, {"max_conn_idle_time", &p.maxIdleTime}} {
		if v := q.Get(d.key); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t < 0 {
				return p, fmt.Errorf("dsn: %s must be a duration like 30s, got %q", d.key, v)
			}
			*d.dst = t
		}
	}
	for _, k := range poolKeys {
		q.Del(k)
	}
	return p, nil
}

// redact hides a password in a DSN that is echoed in an error. Only a URL
// with userinfo can be masked field by field; any other DSN that may hold a
// secret (libpq's "host=… password=…", MySQL's "user:pass@tcp(…)/db", a
// URL that does not parse) is not echoed at all.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err == nil && u.User != nil && u.Host != "" {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	if err != nil || strings.ContainsAny(dsn, "@=:") {
		return "[redacted]"
	}
	return dsn
}

// redactURLError drops the URL (which may hold a password) from a parse error.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
