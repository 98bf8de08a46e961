package cli_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/cli"
	"github.com/warden-id/warden/internal/store"
)

// run executes the CLI in-process with only the given environment.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = cli.Run(context.Background(), args, cli.Env{
		Getenv:  func(k string) string { return env[k] },
		Environ: environ(env),
		Stdin:   strings.NewReader(stdin),
		Stdout:  &out,
		Stderr:  &errOut,
	})
	return out.String(), errOut.String(), err
}

func environ(env map[string]string) []string {
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func TestVersion(t *testing.T) {
	out, _, err := run(t, "", nil, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "Version: ") || strings.Count(out, "\n") != 1 {
		t.Errorf("version output = %q", out)
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string // flags or subcommands the help must list
	}{
		{[]string{"--help"}, []string{"serve", "migrate", "version"}},
		{[]string{"help"}, []string{"serve", "migrate", "version"}},
		{[]string{"serve", "--help"}, []string{"--config", "-c", "--dev", "--watch-courier", "--sqa-opt-out"}},
		{[]string{"migrate", "--help"}, []string{"sql"}},
		{[]string{"migrate", "sql", "--help"}, []string{"--read-from-env", "-e", "--yes", "-y", "--config"}},
		{[]string{"version", "--help"}, []string{"version"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, _, err := run(t, "", nil, tt.args...)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(out, "Usage:") {
				t.Errorf("no usage in %q", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"nope"},
		{"serve", "--bogus"},
		{"serve", "extra-argument"},
		{"serve", "-c"},
		{"migrate", "sql", "--bogus"},
		{"migrate", "sql", "a", "b"},
		{"version", "extra"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			_, _, err := run(t, "", nil, args...)
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestMigrateWithoutDSN(t *testing.T) {
	_, _, err := run(t, "", nil, "migrate", "sql")
	if err == nil || !strings.Contains(err.Error(), "DSN") {
		t.Errorf("migrate sql without a DSN: %v", err)
	}
	// -e with neither a config file nor DSN in the environment.
	_, _, err = run(t, "", nil, "migrate", "sql", "-e", "--yes")
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "dsn") {
		t.Errorf("migrate sql -e without a DSN: %v", err)
	}
	// An unknown scheme names the key.
	_, _, err = run(t, "", nil, "migrate", "sql", "--yes", "mysql://root@localhost/x")
	if err == nil || !strings.HasPrefix(err.Error(), "dsn") {
		t.Errorf("migrate sql mysql://…: %v", err)
	}
}

// TestMigrateConfirmation: without --yes migrate asks; anything but yes
// applies nothing. --yes applies, and a second run has nothing to do.
func TestMigrateConfirmation(t *testing.T) {
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "w.sqlite")
	for _, answer := range []string{"n\n", "\n", "", "nope\n"} {
		out, _, err := run(t, answer, nil, "migrate", "sql", dsn)
		if err == nil || !strings.Contains(err.Error(), "aborted") {
			t.Errorf("answer %q: err = %v, want aborted", answer, err)
		}
		if !strings.Contains(out, "[y/N]") || !strings.Contains(out, "00001_") {
			t.Errorf("answer %q: the plan and the question are not shown:\n%s", answer, out)
		}
	}
	applied, pending := migrationStatus(t, dsn)
	if applied != 0 || pending == 0 {
		t.Fatalf("after aborting: %d applied, %d pending; want nothing applied", applied, pending)
	}

	out, _, err := run(t, "", nil, "migrate", "sql", "--yes", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Applied") {
		t.Errorf("--yes output:\n%s", out)
	}
	if applied, left := migrationStatus(t, dsn); applied != pending || left != 0 {
		t.Errorf("after --yes: %d applied, %d pending; want %d, 0", applied, left, pending)
	}
	out, _, err = run(t, "", nil, "migrate", "sql", "--yes", dsn)
	if err != nil || !strings.Contains(out, "up to date") {
		t.Errorf("second run: %v\n%s", err, out)
	}
}

// TestMigrateAnswerYes: "y" on stdin applies, as --yes does.
func TestMigrateAnswerYes(t *testing.T) {
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "w.sqlite")
	if _, _, err := run(t, "y\n", nil, "migrate", "sql", dsn); err != nil {
		t.Fatal(err)
	}
	if _, pending := migrationStatus(t, dsn); pending != 0 {
		t.Errorf("%d migrations pending after answering y", pending)
	}
}

// TestMigrateFromEnv: -e reads DSN from the environment, as Kratos.
func TestMigrateFromEnv(t *testing.T) {
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "w.sqlite")
	if _, _, err := run(t, "", map[string]string{"DSN": dsn}, "migrate", "sql", "-e", "--yes"); err != nil {
		t.Fatal(err)
	}
	if _, pending := migrationStatus(t, dsn); pending != 0 {
		t.Errorf("%d migrations pending after migrate -e", pending)
	}
}

func migrationStatus(t *testing.T, dsn string) (applied, pending int) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	applied, pending, err = st.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return applied, pending
}

// TestServeInProcess runs `serve --dev` without a config on an in-memory
// database and port 0, calls it, and stops it by cancelling the context.
func TestServeInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"DSN": "memory", "SERVE_PUBLIC_PORT": "0", "SERVE_ADMIN_PORT": "0"}
	ready := make(chan [2]string, 1)
	stderr := &lockedBuffer{}
	errc := make(chan error, 1)
	go func() {
		errc <- cli.Run(ctx, []string{"serve", "--dev"}, cli.Env{
			Getenv:  func(k string) string { return env[k] },
			Environ: environ(env),
			Stdin:   strings.NewReader(""),
			Stdout:  io.Discard,
			Stderr:  stderr,
			Ready:   func(public, admin string) { ready <- [2]string{public, admin} },
		})
	}()
	var addrs [2]string
	select {
	case addrs = <-ready:
	case err := <-errc:
		t.Fatalf("serve ended before it was ready: %v\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("serve was not ready within 30s")
	}
	for _, u := range []string{"http://" + addrs[0] + "/health/ready", "http://" + addrs[1] + "/admin/health/ready"} {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", u, res.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20s of cancel")
	}
}

// TestServeErrorIsOneLine: a cause spanning several lines (pgx lists each
// address it tried) still gives a one-line error.
func TestServeErrorIsOneLine(t *testing.T) {
	env := map[string]string{
		// Without sslmode, pgx tries TLS and then plain text: two causes.
		"DSN":               "postgres://postgres@127.0.0.1:1/x?connect_timeout=5",
		"SERVE_PUBLIC_PORT": "0", "SERVE_ADMIN_PORT": "0",
	}
	_, _, err := run(t, "", env, "serve", "--dev")
	if err == nil {
		t.Fatal("serve on an unreachable database must fail")
	}
	if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "dsn") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error = %q, want one line naming dsn", err)
	}
	if errors.Unwrap(err) == nil {
		t.Error("the one-line error must keep its cause")
	}
}

// lockedBuffer is a bytes.Buffer safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
