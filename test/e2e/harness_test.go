package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
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

// requirePostgres skips a PostgreSQL-only test when no DSN is configured
// (and fails it under CI=true, like dialects).
func requirePostgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("WARDEN_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but WARDEN_TEST_POSTGRES_DSN is not set")
		}
		t.Skip("WARDEN_TEST_POSTGRES_DSN is not set")
	}
	return dsn
}

// postgresSchemaDSN creates a schema of its own for one test and returns a
// DSN whose search_path points at it; the schema is dropped at cleanup.
func postgresSchemaDSN(t *testing.T) string {
	t.Helper()
	base := requirePostgres(t)
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

// baseEnv is the environment every warden process starts from: only what a
// Go program needs, so no stray DSN or SERVE_* variable of the machine
// running the tests changes the configuration under test.
func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// copyCompat copies the compat config and schema into dir, unchanged.
func copyCompat(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"kratos.yml", "identity.schema.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "compat", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// Server is a running warden process.
type Server struct {
	PublicURL string // e.g. http://127.0.0.1:41233
	AdminURL  string
	Dir       string // working directory (holds kratos.yml unless NoConfig)
	DSN       string

	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
	exit   error // set once the process has exited
	exited bool
}

// Logs returns what the server wrote to stdout and stderr so far.
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
	Env     []string // extra KEY=VALUE overrides, applied last
	// NoConfig starts `serve --dev` without -c, on built-in defaults, in an
	// empty directory. Only the ports are set (SERVE_*_PORT); no DSN, so the
	// built-in SQLite file is used.
	NoConfig bool
	// NoDev starts `serve` without --dev.
	NoDev bool
	// DSN replaces the per-test database; the caller owns it. A PostgreSQL
	// DSN is migrated first, like the per-test one.
	DSN string
}

// Start copies the compat config into a temp dir, migrates (PostgreSQL),
// serves, and waits for /health/ready. The process is stopped with SIGTERM
// at cleanup, and an unclean exit fails the test.
func Start(t *testing.T, o ServerOptions) *Server {
	t.Helper()
	dir := t.TempDir()
	if o.Dialect == "postgres" && o.DSN == "" {
		o.DSN = postgresSchemaDSN(t)
	}
	// The ports are free when picked but not held: another test's server
	// may take one before this one binds it. Such a start is tried again
	// on new ports.
	for attempt := 1; ; attempt++ {
		s, err := start(t, dir, o, attempt == 1)
		if err == nil {
			return s
		}
		if attempt < 3 && strings.Contains(s.Logs(), "address already in use") {
			continue
		}
		t.Fatal(err)
	}
}

// start is one attempt of Start; first tells whether the directory and
// database are still to be prepared.
func start(t *testing.T, dir string, o ServerOptions, first bool) (*Server, error) {
	t.Helper()
	pub, adm := freePort(t), freePort(t)
	publicURL := "http://127.0.0.1:" + strconv.Itoa(pub)
	adminURL := "http://127.0.0.1:" + strconv.Itoa(adm)
	env := append(baseEnv(), "SERVE_PUBLIC_PORT="+strconv.Itoa(pub), "SERVE_ADMIN_PORT="+strconv.Itoa(adm))

	var dsn string
	args := []string{"serve"}
	if !o.NoDev {
		args = append(args, "--dev")
	}
	if o.NoConfig {
		dsn = "sqlite://./warden.sqlite" // the built-in default
		if o.Dialect == "postgres" {
			dsn = o.DSN
			env = append(env, "DSN="+dsn)
		}
	} else {
		if first {
			copyCompat(t, dir)
		}
		switch {
		case o.DSN != "":
			dsn = o.DSN
		case o.Dialect == "" || o.Dialect == "sqlite":
			dsn = "sqlite://" + filepath.Join(dir, "warden.sqlite") + "?_fk=true"
		default:
			t.Fatalf("unknown dialect %q", o.Dialect)
		}
		env = append(env,
			"DSN="+dsn,
			"SERVE_PUBLIC_BASE_URL="+publicURL+"/", "SERVE_ADMIN_BASE_URL="+adminURL+"/",
			"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_ADMIN_HOST=127.0.0.1",
			"HASHERS_BCRYPT_COST=4", // honoured because of --dev; keeps tests fast
		)
		args = append(args, "-c", "kratos.yml")
		if first && strings.HasPrefix(dsn, "postgres") {
			runWarden(t, dir, append(env, o.Env...), "migrate", "sql", "-e", "--yes", "-c", "kratos.yml")
		}
	}
	env = append(env, o.Env...)
	s, err := tryLaunch(t, dir, env, args, publicURL, adminURL)
	if s != nil {
		s.DSN = dsn
	}
	return s, err
}

// launch starts warden with exactly this environment and these arguments and
// waits until adminURL/admin/health/ready answers 200.
func launch(t *testing.T, dir string, env, args []string, publicURL, adminURL string) *Server {
	t.Helper()
	s, err := tryLaunch(t, dir, env, args, publicURL, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tryLaunch is launch returning the failure to get ready instead of
// failing the test (with the server, whose logs tell why).
func tryLaunch(t *testing.T, dir string, env, args []string, publicURL, adminURL string) (*Server, error) {
	t.Helper()
	s := &Server{PublicURL: publicURL, AdminURL: adminURL, Dir: dir, done: make(chan error, 1)}
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
	return s, s.waitReady()
}

// Signal sends sig and waits for the exit, returning the exit error (nil
// for exit status 0).
func (s *Server) Signal(t *testing.T, sig os.Signal) error {
	t.Helper()
	if s.exited {
		return s.exit
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case s.exit = <-s.done:
		s.exited = true
		return s.exit
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		s.exit, s.exited = <-s.done, true
		t.Fatalf("warden did not stop within 20s of %v; logs:\n%s", sig, s.Logs())
		return nil
	}
}

// Stop sends SIGTERM and expects a clean exit (status 0).
func (s *Server) Stop(t *testing.T) {
	t.Helper()
	if s.exited {
		return
	}
	if err := s.Signal(t, syscall.SIGTERM); err != nil {
		t.Errorf("warden exited with %v after SIGTERM; logs:\n%s", err, s.Logs())
	}
}

func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.exit, s.exited = err, true
			return fmt.Errorf("warden exited before it was ready (%v); logs:\n%s", err, s.Logs())
		default:
		}
		res, err := http.Get(s.AdminURL + "/admin/health/ready")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("warden was not ready within 30s; logs:\n%s", s.Logs())
}

// runWarden runs a warden command to completion and returns its output.
func runWarden(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	r := runWardenResult(t, dir, env, args...)
	if r.Code != 0 {
		t.Fatalf("warden %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout + r.Stderr
}

// result is a finished warden command.
type result struct {
	Code           int
	Stdout, Stderr string
	Took           time.Duration
}

// runWardenResult runs a warden command that is expected to end by itself
// within 30 seconds, and reports how it ended.
func runWardenResult(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, wardenBin, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{Stdout: stdout.String(), Stderr: stderr.String(), Took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	default:
		t.Fatalf("warden %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("warden %s did not finish within 30s\nstderr:\n%s", strings.Join(args, " "), r.Stderr)
	}
	return r
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
