package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

// TestServeDevWithoutConfig: `warden serve --dev` with no config file at
// all, in an empty directory, serves both ports on built-in defaults and
// keeps its SQLite file there (issue 2 "Done when", decision D2).
func TestServeDevWithoutConfig(t *testing.T) {
	t.Parallel()
	s := Start(t, ServerOptions{NoConfig: true})
	if _, err := os.Stat(filepath.Join(s.Dir, "warden.sqlite")); err != nil {
		t.Errorf("warden.sqlite in the working directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "kratos.yml")); !os.IsNotExist(err) {
		t.Fatalf("the directory must hold no config: %v", err)
	}
	for _, u := range []string{s.PublicURL + "/health/ready", s.AdminURL + "/admin/health/ready", s.PublicURL + "/schemas/default"} {
		if r := call(t, "GET", u, nil); r.Status != http.StatusOK {
			t.Errorf("GET %s = %d %s", u, r.Status, r.Body)
		}
	}
	// The built-in schema: email is the password identifier and the
	// verification and recovery address; name is optional.
	body := client.NewCreateIdentityBody("default", map[string]any{"email": "Dev@Example.org"})
	id, res, err := s.Admin().IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(*body).Execute()
	must(t, err)
	wantPasswordIdentifiers(t, id, "dev@example.org")
	wantAddresses(t, id, "dev@example.org")
	// Base URLs follow the listeners: http on loopback.
	if id.SchemaUrl != s.PublicURL+"/schemas/ZGVmYXVsdA" || res.Header.Get("Location") != s.AdminURL+"/admin/identities/"+id.Id {
		t.Errorf("schema_url %q, Location %q", id.SchemaUrl, res.Header.Get("Location"))
	}
}

// TestServeWithoutDevMigratesSQLite: plain `serve -c kratos.yml` migrates an
// SQLite database by itself (decision D3).
func TestServeWithoutDevMigratesSQLite(t *testing.T) {
	t.Parallel()
	s := Start(t, ServerOptions{NoDev: true})
	newIdentity(t, s, "prod@example.org")
}

// TestCompatConfigUnchanged runs the compat folder exactly as its header
// says, with nothing overridden: migrate, then serve on 4433/4434. This is
// the only test that uses the compat ports.
func TestCompatConfigUnchanged(t *testing.T) {
	for _, port := range []int{4433, 4434} {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("port %d is in use: %v", port, err)
			}
			t.Skipf("port %d is in use (another Kratos or Warden?): %v", port, err)
		}
		_ = l.Close()
	}
	dir := t.TempDir()
	copyCompat(t, dir)
	env := baseEnv()
	out := runWarden(t, dir, env, "migrate", "sql", "-e", "--yes", "-c", "kratos.yml")
	if !strings.Contains(out, "Applied") {
		t.Errorf("migrate output: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "compat.sqlite")); err != nil {
		t.Fatalf("the DSN sqlite://./compat.sqlite is relative to the working directory: %v", err)
	}
	if out := runWarden(t, dir, env, "migrate", "sql", "-e", "--yes", "-c", "kratos.yml"); !strings.Contains(out, "up to date") {
		t.Errorf("second migrate: %s", out)
	}

	s := launch(t, dir, env, []string{"serve", "-c", "kratos.yml", "--dev"}, "http://127.0.0.1:4433", "http://127.0.0.1:4434")
	id := newIdentity(t, s, "compat@example.org")
	if id.SchemaUrl != "http://localhost:4433/schemas/ZGVmYXVsdA" {
		t.Errorf("schema_url = %q, want it on the configured public base URL", id.SchemaUrl)
	}
	r := call(t, "POST", s.AdminURL+"/admin/identities", map[string]any{"traits": map[string]any{"email": "compat2@example.org"}})
	if r.Header.Get("Location") != "http://localhost:4434/admin/identities/"+r.object(t)["id"].(string) {
		t.Errorf("Location = %q, want it on the configured admin base URL", r.Header.Get("Location"))
	}
	if !strings.Contains(s.Logs(), `"level":"INFO"`) {
		t.Errorf("log.format json: the logs are not JSON:\n%s", s.Logs())
	}
}

// TestEnvOverrides: every key can be set from the environment, upper-cased
// with "." → "_" (decision D2). The harness itself sets the ports and base
// URLs this way; here a few more keys change what the API answers.
func TestEnvOverrides(t *testing.T) {
	t.Parallel()
	s := Start(t, ServerOptions{Env: []string{
		multiSchemaEnv(),
		"IDENTITY_DEFAULT_SCHEMA_ID=username",
		"SERVE_PUBLIC_BASE_URL=https://auth.example.com/warden/",
	}})
	// The default schema is now "username".
	r := call(t, "POST", s.AdminURL+"/admin/identities", `{"traits":{"username":"envy"}}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("create with the overridden default schema: %d %s", r.Status, r.Body)
	}
	m := r.object(t)
	if m["schema_id"] != "username" || m["schema_url"] != "https://auth.example.com/warden/schemas/dXNlcm5hbWU" {
		t.Errorf("schema_id %v, schema_url %v", m["schema_id"], m["schema_url"])
	}
	// Environment beats the file: kratos.yml says 4433, SERVE_PUBLIC_PORT won.
	if portOf(t, s.PublicURL) == 4433 {
		t.Error("the public port was not overridden")
	}
}

func portOf(t *testing.T, u string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStartupErrors: a bad configuration or database stops `serve` with a
// non-zero exit and one line on stderr that names the key (decision D2,
// issue 2 item 2).
func TestStartupErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   []string
		args  []string
		files map[string]string
		want  []string // parts of the error line
	}{
		{name: "bad duration", env: []string{"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=abc"},
			want: []string{"selfservice.flows.settings.privileged_session_max_age", "abc"}},
		{name: "unknown required_aal", env: []string{"SESSION_WHOAMI_REQUIRED_AAL=aal3"},
			want: []string{"session.whoami.required_aal", "aal3"}},
		{name: "bad port", env: []string{"SERVE_PUBLIC_PORT=http"}, want: []string{"serve.public.port"}},
		{name: "bad base URL", env: []string{"SERVE_PUBLIC_BASE_URL=::not a url"}, want: []string{"serve.public.base_url"}},
		{name: "unknown DSN scheme", env: []string{"DSN=mysql://root@localhost/x"}, want: []string{"dsn"}},
		{name: "missing schema file", env: []string{`IDENTITY_SCHEMAS=[{"id":"default","url":"file://./missing.json"}]`},
			want: []string{"identity.schemas", "missing.json"}},
		{name: "default schema id not configured", env: []string{"IDENTITY_DEFAULT_SCHEMA_ID=nope"},
			want: []string{"identity.default_schema_id"}},
		{name: "broken YAML", args: []string{"serve", "-c", "broken.yml"}, files: map[string]string{"broken.yml": "serve: [\n"},
			want: []string{"broken.yml"}},
		{name: "missing config file", args: []string{"serve", "-c", "nope.yml"}, want: []string{"nope.yml"}},
		{name: "unknown flag", args: []string{"serve", "--bogus"}, want: []string{"--bogus"}},
		{name: "unreachable PostgreSQL", env: []string{"DSN=postgres://127.0.0.1:1/x"},
			want: []string{"dsn", "127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			copyCompat(t, dir)
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args := tt.args
			if args == nil {
				args = []string{"serve", "-c", "kratos.yml"}
			}
			env := append(baseEnv(), "SERVE_PUBLIC_PORT="+strconv.Itoa(freePort(t)), "SERVE_ADMIN_PORT="+strconv.Itoa(freePort(t)))
			r := runWardenResult(t, dir, append(env, tt.env...), args...)
			line := wantOneErrorLine(t, r)
			for _, part := range tt.want {
				if !strings.Contains(line, part) {
					t.Errorf("error line %q does not mention %q", line, part)
				}
			}
			if r.Took > 10*time.Second {
				t.Errorf("failing took %v", r.Took)
			}
		})
	}
}

// TestPostgresNeedsMigrations: without --dev, serve refuses an unmigrated
// PostgreSQL database and says how to migrate it (decision D3).
func TestPostgresNeedsMigrations(t *testing.T) {
	t.Parallel()
	dsn := postgresSchemaDSN(t)
	dir := t.TempDir()
	copyCompat(t, dir)
	env := append(baseEnv(), "DSN="+dsn, "SERVE_PUBLIC_PORT="+strconv.Itoa(freePort(t)), "SERVE_ADMIN_PORT="+strconv.Itoa(freePort(t)))
	line := wantOneErrorLine(t, runWardenResult(t, dir, env, "serve", "-c", "kratos.yml"))
	if !strings.Contains(line, "migrate sql") || !strings.Contains(line, "pending") {
		t.Errorf("error line %q does not say to run `migrate sql`", line)
	}
	// After `migrate sql -e`, the same command serves.
	runWarden(t, dir, env, "migrate", "sql", "-e", "--yes", "-c", "kratos.yml")
	pub, adm := freePort(t), freePort(t)
	env = append(env, "SERVE_PUBLIC_PORT="+strconv.Itoa(pub), "SERVE_ADMIN_PORT="+strconv.Itoa(adm))
	s := launch(t, dir, env, []string{"serve", "-c", "kratos.yml"},
		"http://127.0.0.1:"+strconv.Itoa(pub), "http://127.0.0.1:"+strconv.Itoa(adm))
	newIdentity(t, s, "migrated@example.org")
}

// wantOneErrorLine checks a failed command: non-zero exit, and exactly one
// line on stderr that is not a JSON log record, starting with "warden: ".
func wantOneErrorLine(t *testing.T, r result) string {
	t.Helper()
	if r.Code == 0 {
		t.Fatalf("exit 0, want a failure; stderr:\n%s", r.Stderr)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
		if !strings.HasPrefix(l, "{") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "warden: ") {
		t.Fatalf("stderr has %d non-log lines, want one \"warden: …\" line:\n%s", len(lines), r.Stderr)
	}
	return lines[0]
}

// TestGracefulShutdown: SIGTERM lets an in-flight request finish, then
// warden exits 0; SIGINT too.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	// bcrypt cost 14 makes the create take a noticeable while.
	s := Start(t, ServerOptions{Env: []string{"HASHERS_BCRYPT_COST=14"}})
	body, err := json.Marshal(withPassword("slow@example.org", "correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		res, err := http.Post(s.AdminURL+"/admin/identities", "application/json", bytes.NewReader(body))
		if err != nil {
			done <- -1
			return
		}
		_ = res.Body.Close()
		done <- res.StatusCode
	}()
	time.Sleep(150 * time.Millisecond) // the request is being hashed now
	if err := s.Signal(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit after SIGTERM: %v; logs:\n%s", err, s.Logs())
	}
	select {
	case status := <-done:
		if status != http.StatusCreated {
			t.Errorf("in-flight request: status %d (-1: connection failed), want 201", status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request did not finish")
	}
	if _, err := http.Get(s.AdminURL + "/admin/health/alive"); err == nil {
		t.Error("still serving after SIGTERM")
	}

	s2 := Start(t, ServerOptions{})
	if err := s2.Signal(t, syscall.SIGINT); err != nil {
		t.Errorf("exit after SIGINT: %v; logs:\n%s", err, s2.Logs())
	}
}
