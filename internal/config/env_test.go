package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEnvOverrides(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		got  func(c *Config) any
		want any
	}{
		{"DSN memory", []string{"DSN=memory"}, func(c *Config) any { return c.DSN }, "memory"},
		{"DSN postgres", []string{"DSN=postgres://u:p@db:5432/k?sslmode=disable"},
			func(c *Config) any { return c.DSN }, "postgres://u:p@db:5432/k?sslmode=disable"},
		{"port", []string{"SERVE_PUBLIC_PORT=14433"}, func(c *Config) any { return c.Serve.Public.Port }, 14433},
		{"admin host", []string{"SERVE_ADMIN_HOST=10.0.0.1"}, func(c *Config) any { return c.Serve.Admin.Host }, "10.0.0.1"},
		{"base url", []string{"SERVE_PUBLIC_BASE_URL=https://id.example.com/"},
			func(c *Config) any { return c.Serve.Public.BaseURL.String() }, "https://id.example.com/"},
		{"max age", []string{"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=1s"},
			func(c *Config) any { return c.Selfservice.Flows.Settings.PrivilegedSessionMaxAge }, time.Second},
		{"login throttle per identifier", []string{"SELFSERVICE_FLOWS_LOGIN_THROTTLE_MAX_FAILURES_PER_IDENTIFIER=7"},
			func(c *Config) any { return c.Selfservice.Flows.Login.Throttle.MaxFailuresPerIdentifier }, 7},
		{"login throttle off", []string{"SELFSERVICE_FLOWS_LOGIN_THROTTLE_ENABLED=false", "SELFSERVICE_FLOWS_LOGIN_THROTTLE_WINDOW=90s"},
			func(c *Config) any {
				t := c.Selfservice.Flows.Login.Throttle
				return []any{t.Enabled, t.Window}
			}, []any{false, 90 * time.Second}},
		{"underscored key", []string{"SELFSERVICE_DEFAULT_BROWSER_RETURN_URL=https://app.example.com/home"},
			func(c *Config) any { return c.Selfservice.DefaultBrowserReturnURL.String() }, "https://app.example.com/home"},
		{"underscored method", []string{"SELFSERVICE_METHODS_LOOKUP_SECRET_ENABLED=true"},
			func(c *Config) any { return c.Selfservice.Methods.LookupSecret.Enabled }, true},
		{"whoami aal", []string{"SESSION_WHOAMI_REQUIRED_AAL=aal1"},
			func(c *Config) any { return c.Session.Whoami.RequiredAAL }, "aal1"},
		{"secrets JSON array", []string{`SECRETS_COOKIE=["first-secret-0123456","second-secret-012345"]`},
			func(c *Config) any { return c.Secrets.Cookie }, []string{"first-secret-0123456", "second-secret-012345"}},
		{"secrets single string", []string{"SECRETS_COOKIE=just-one-long-secret"},
			func(c *Config) any { return c.Secrets.Cookie }, []string{"just-one-long-secret"}},
		{"schemas JSON", []string{`IDENTITY_SCHEMAS=[{"id":"customer","url":"file:///etc/c.json"}]`, "IDENTITY_DEFAULT_SCHEMA_ID=customer"},
			func(c *Config) any { return c.Identity.Schemas }, []SchemaSource{{ID: "customer", URL: "file:///etc/c.json"}}},
		{"hooks JSON", []string{`SELFSERVICE_FLOWS_REGISTRATION_AFTER_PASSWORD_HOOKS=[{"hook":"session"}]`},
			func(c *Config) any { return c.Selfservice.Flows.Registration.After.Methods["password"].Hooks }, []Hook{{Hook: "session"}}},
		{"list replaces file list", []string{`SELFSERVICE_ALLOWED_RETURN_URLS=["https://x.example.com/"]`},
			func(c *Config) any { return len(c.Selfservice.AllowedReturnURLs) }, 1},
		{"object replaces file object", []string{`COURIER_SMTP_HEADERS={"X-B":"2"}`},
			func(c *Config) any { return c.Courier.SMTP.Headers }, map[string]string{"X-B": "2"}},
		{"dev key", []string{"DEV=true"}, func(c *Config) any { return c.Dev }, true},
		{"dash key", []string{"SQA_OPT_OUT=true"}, func(c *Config) any { return len(c.Warnings) }, 0},
		{"unrelated vars ignored", []string{"PATH=/bin", "HOME=/root", "SERVE_PUBLIC_NOPE=1"},
			func(c *Config) any { return len(c.Warnings) }, 0},
		{"first occurrence wins", []string{"DSN=memory", "DSN=other"}, func(c *Config) any { return c.DSN }, "memory"},
	}
	// The file sets a list and a map, so the tests can show that the
	// environment replaces them rather than merging.
	file := strings.Replace(minimalYAML, "connection_uri: smtp://127.0.0.1:1025/\n",
		"connection_uri: smtp://127.0.0.1:1025/\n    headers:\n      X-A: \"1\"\n", 1)
	file = strings.Replace(file, "  default_browser_return_url: http://localhost:4455/\n",
		"  default_browser_return_url: http://localhost:4455/\n  allowed_return_urls: [\"https://a.example.com/\", \"https://b.example.com/\"]\n", 1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, loadOpts{files: []string{file}, env: tt.env})
			if diff := cmp.Diff(tt.want, tt.got(c)); diff != "" {
				t.Errorf("(-want +got):\n%s\nwarnings: %q", diff, c.Warnings)
			}
		})
	}
}

// TestEnvGetenv: Environ says which variables exist, Getenv gives the value.
func TestEnvGetenv(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(LoadOptions{
		Files:   []string{writeFile(t, dir, "k.yml", minimalYAML)},
		Environ: []string{"DSN=from-environ"},
		Getenv:  func(name string) string { return map[string]string{"DSN": "from-getenv"}[name] },
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.DSN != "from-getenv" {
		t.Errorf("DSN = %q", c.DSN)
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		env  string
		want string
	}{
		{"SERVE_PUBLIC_PORT=abc", `config: serve.public.port: invalid integer "abc"`},
		{"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=abc",
			`config: selfservice.flows.settings.privileged_session_max_age: invalid duration "abc"`},
		{"IDENTITY_SCHEMAS=[{", "config: identity.schemas (env IDENTITY_SCHEMAS): invalid JSON"},
		{"SECRETS_COOKIE=[1", "config: secrets.cookie (env SECRETS_COOKIE): invalid JSON array"},
		{"DEV=maybe", `config: dev: invalid boolean "maybe"`},
		{"SESSION_WHOAMI_REQUIRED_AAL=aal2", `config: session.whoami.required_aal: invalid value "aal2"`},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			_, err := load(t, loadOpts{files: []string{minimalYAML}, env: []string{tt.env}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestEnvGetenvOnly: without Environ, Load asks Getenv for every known name.
func TestEnvGetenvOnly(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SERVE_ADMIN_PORT": "9999", "SELFSERVICE_DEFAULT_BROWSER_RETURN_URL": "https://x.example.com/"}
	c, err := Load(LoadOptions{
		Files:  []string{writeFile(t, dir, "k.yml", minimalYAML)},
		Getenv: func(name string) string { return env[name] },
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Serve.Admin.Port != 9999 || c.Selfservice.DefaultBrowserReturnURL.String() != "https://x.example.com/" {
		t.Errorf("admin port %d, return url %v", c.Serve.Admin.Port, c.Selfservice.DefaultBrowserReturnURL)
	}
}

// TestEnvEmptyBaseURL: an empty override is "unset", so the URL is guessed.
func TestEnvEmptyBaseURL(t *testing.T) {
	c := mustLoad(t, loadOpts{files: []string{minimalYAML}, env: []string{"SERVE_PUBLIC_BASE_URL="}})
	if got := c.Serve.Public.BaseURL.String(); got != "https://testhost:4433/" {
		t.Errorf("public base = %q", got)
	}
}
