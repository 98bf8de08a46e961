package store

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		name      string
		dsn       string
		dialect   string
		prefix    string // driverDSN starts with this
		memory    bool
		cockroach bool
		absent    []string // query keys that must not reach the driver
		maxOpen   int
	}{
		{name: "memory", dsn: "memory", dialect: DialectSQLite, prefix: "file:/warden-", memory: true},
		{name: "sqlite absolute", dsn: "sqlite:///var/lib/warden/db.sqlite?_fk=true", dialect: DialectSQLite, prefix: "/var/lib/warden/db.sqlite?", absent: []string{"_fk"}},
		{name: "sqlite relative", dsn: "sqlite://./warden.sqlite?_fk=true&mode=rwc", dialect: DialectSQLite, prefix: "./warden.sqlite?", absent: []string{"_fk", "mode"}},
		{name: "sqlite bare", dsn: "sqlite://warden.sqlite", dialect: DialectSQLite, prefix: "warden.sqlite?"},
		{name: "sqlite memory uri", dsn: "sqlite://file::memory:?_fk=true", dialect: DialectSQLite, prefix: "file:/warden-", memory: true},
		{name: "file uri", dsn: "file:/tmp/w.sqlite?cache=shared", dialect: DialectSQLite, prefix: "file:/tmp/w.sqlite?", absent: []string{"cache"}},
		{name: "sqlite pool", dsn: "sqlite://w.sqlite?max_conns=3", dialect: DialectSQLite, prefix: "w.sqlite?", absent: []string{"max_conns"}, maxOpen: 3},
		{name: "postgres", dsn: "postgres://u:p@localhost:5432/db?sslmode=disable&max_conns=7&max_idle_conns=2", dialect: DialectPostgres, prefix: "postgres://u:p@localhost:5432/db?", absent: []string{"max_conns", "max_idle_conns"}, maxOpen: 7},
		{name: "postgresql", dsn: "postgresql://localhost/db", dialect: DialectPostgres, prefix: "postgres://localhost/db"},
		{name: "cockroach", dsn: "cockroach://root@localhost:26257/defaultdb?sslmode=disable", dialect: DialectPostgres, prefix: "postgres://root@localhost:26257/defaultdb?", cockroach: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDSN(tt.dsn)
			if err != nil {
				t.Fatalf("parseDSN(%q): %v", tt.dsn, err)
			}
			if got.dialect != tt.dialect || got.memory != tt.memory || got.cockroach != tt.cockroach {
				t.Errorf("dialect/memory/cockroach = %s/%v/%v, want %s/%v/%v", got.dialect, got.memory, got.cockroach, tt.dialect, tt.memory, tt.cockroach)
			}
			if !strings.HasPrefix(got.driverDSN, tt.prefix) {
				t.Errorf("driverDSN = %q, want prefix %q", got.driverDSN, tt.prefix)
			}
			_, raw, _ := strings.Cut(got.driverDSN, "?")
			q, err := url.ParseQuery(raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.absent {
				if q.Has(k) {
					t.Errorf("driverDSN %q still has %s", got.driverDSN, k)
				}
			}
			if tt.dialect == DialectSQLite {
				if q.Get("_txlock") != "immediate" {
					t.Errorf("driverDSN %q: want _txlock=immediate", got.driverDSN)
				}
				pragmas := strings.Join(q["_pragma"], ",")
				for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "busy_timeout(10000)"} {
					if !strings.Contains(pragmas, p) {
						t.Errorf("driverDSN %q: missing _pragma=%s", got.driverDSN, p)
					}
				}
			}
			if tt.maxOpen != 0 && got.pool.maxOpen != tt.maxOpen {
				t.Errorf("maxOpen = %d, want %d", got.pool.maxOpen, tt.maxOpen)
			}
		})
	}
}

func TestParseDSNMemoryIsUnique(t *testing.T) {
	a, errA := parseDSN("memory")
	b, errB := parseDSN("memory")
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a.driverDSN == b.driverDSN {
		t.Errorf("two memory DSNs share a database: %q", a.driverDSN)
	}
}

func TestParseDSNErrors(t *testing.T) {
	for _, dsn := range []string{
		"", "mysql://u@localhost/db", "kratos.sqlite", "sqlite://", "sqlite://x?max_conns=zero",
		"postgres://localhost/db?max_conn_lifetime=forever",
	} {
		_, err := parseDSN(dsn)
		if err == nil {
			t.Errorf("parseDSN(%q) = nil error", dsn)
			continue
		}
		if !strings.HasPrefix(err.Error(), "dsn: ") {
			t.Errorf("parseDSN(%q) error %q does not name dsn", dsn, err)
		}
	}
}

func TestParseDSNPoolDurations(t *testing.T) {
	got, err := parseDSN("postgres://localhost/db?max_conn_lifetime=30s&max_conn_idle_time=1m")
	if err != nil {
		t.Fatal(err)
	}
	if got.pool.maxLifetime != 30*time.Second || got.pool.maxIdleTime != time.Minute {
		t.Errorf("pool = %+v", got.pool)
	}
	if strings.Contains(got.driverDSN, "max_conn") {
		t.Errorf("driverDSN %q still has pool keys", got.driverDSN)
	}
}

func TestParseDSNRedactsPassword(t *testing.T) {
	for _, dsn := range []string{
		"mysql://user:secret@localhost/db",
		// Not URLs: the password must not be echoed either.
		"host=db user=warden password=secret dbname=x",
		"warden:secret@tcp(db:5432)/x",
		"user:secret@db/x",
		"postgres://u:secret@ho st/db",
	} {
		_, err := parseDSN(dsn)
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("parseDSN(%q) error %v leaks the password", dsn, err)
		}
	}
	// A DSN without secrets is still shown, so the mistake can be found.
	if _, err := parseDSN("kratos.sqlite"); err == nil || !strings.Contains(err.Error(), "kratos.sqlite") {
		t.Errorf("parseDSN(kratos.sqlite) error %v does not name the DSN", err)
	}
}
