package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// wardenBin is the binary built once for the whole package.
var wardenBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "warden-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wardenBin = filepath.Join(dir, "warden")
	build := exec.Command("go", "build", "-o", wardenBin, "../../cmd/warden")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building warden:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// dialects lists the databases to run against: SQLite always, PostgreSQL
// when WARDEN_TEST_POSTGRES_DSN is set. Under CI=true a missing DSN fails.
func dialects(t *testing.T) []string {
	t.Helper()
	if os.Getenv("WARDEN_TEST_POSTGRES_DSN") != "" {
		return []string{"sqlite", "postgres"}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but WARDEN_TEST_POSTGRES_DSN is not set: the PostgreSQL tests would be skipped")
	}
	return []string{"sqlite"}
}

// forEachDialect runs f once per database as a subtest.
func forEachDialect(t *testing.T, f func(t *testing.T, dialect string)) {
	t.Helper()
	for _, d := range dialects(t) {
		t.Run("database="+d, func(t *testing.T) { f(t, d) })
	}
}

// postgresSchemaDSN creates a schema of its own for one test and returns a
// DSN whose search_path points at it; the schema is dropped at cleanup.
func postgresSchemaDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv("WARDEN_TEST_POSTGRES_DSN")
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	schema := "warden_e2e_" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		_ = db.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// Server is a running warden process.
type Server struct {
	PublicURL string // e.g. http://127.0.0.1:41233
	AdminURL  string
	Dir       string // working directory holding kratos.yml
	DSN       string

	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
}

// Logs returns what the server wrote to stderr so far.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

type lockedWriter struct{ s *Server }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.stderr.Write(p)
}

// ServerOptions configure Start.
type ServerOptions struct {
	Dialect string   // "sqlite" (default) or "postgres"
	Env     []string // extra KEY=VALUE overrides
	// NoConfig starts `serve --dev` without -c, on built-in defaults.
	NoConfig bool
}

// Start copies the compat config into a temp dir, migrates, serves, and
// waits for /health/ready. The process is stopped with SIGTERM at cleanup,
// and a non-zero exit fails the test.
func Start(t *testing.T, o ServerOptions) *Server {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"kratos.yml", "identity.schema.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "compat", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pub, adm := freePort(t), freePort(t)
	s := &Server{
		PublicURL: "http://127.0.0.1:" + strconv.Itoa(pub),
		AdminURL:  "http://127.0.0.1:" + strconv.Itoa(adm),
		Dir:       dir,
		done:      make(chan error, 1),
	}
	switch o.Dialect {
	case "", "sqlite":
		s.DSN = "sqlite://" + filepath.Join(dir, "warden.sqlite") + "?_fk=true"
	case "postgres":
		s.DSN = postgresSchemaDSN(t)
	default:
		t.Fatalf("unknown dialect %q", o.Dialect)
	}
	env := append(os.Environ(),
		"DSN="+s.DSN,
		"SERVE_PUBLIC_PORT="+strconv.Itoa(pub), "SERVE_PUBLIC_BASE_URL="+s.PublicURL+"/",
		"SERVE_ADMIN_PORT="+strconv.Itoa(adm), "SERVE_ADMIN_BASE_URL="+s.AdminURL+"/",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_ADMIN_HOST=127.0.0.1",
		"HASHERS_BCRYPT_COST=4", // honoured because of --dev; keeps tests fast
	)
	env = append(env, o.Env...)

	args := []string{"serve", "--dev"}
	if !o.NoConfig {
		args = append(args, "-c", "kratos.yml")
		if o.Dialect == "postgres" {
			runWarden(t, dir, env, "migrate", "sql", "-e", "--yes", "-c", "kratos.yml")
		}
	}
	s.cmd = exec.Command(wardenBin, args...)
	s.cmd.Dir = dir
	s.cmd.Env = env
	s.cmd.Stderr = lockedWriter{s}
	s.cmd.Stdout = lockedWriter{s}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.Stop(t) })
	s.waitReady(t)
	return s
}

// Stop sends SIGTERM and expects a clean exit.
func (s *Server) Stop(t *testing.T) {
	t.Helper()
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("warden exited with %v; logs:\n%s", err, s.Logs())
		}
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Errorf("warden did not stop within 20s of SIGTERM; logs:\n%s", s.Logs())
	}
}

func (s *Server) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			t.Fatalf("warden exited before it was ready (%v); logs:\n%s", err, s.Logs())
		default:
		}
		res, err := http.Get(s.AdminURL + "/admin/health/ready")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("warden was not ready within 30s; logs:\n%s", s.Logs())
}

// runWarden runs a warden command to completion and returns its output.
func runWarden(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, wardenBin, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("warden %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// noRedirect is an HTTP client that returns redirects instead of following them.
var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}
