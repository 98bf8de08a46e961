package config

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCompatFile loads the shared Kratos file unchanged: no error, and no
// warning of any kind (D2: "a drop-in replacement must start from this exact
// file").
func TestCompatFile(t *testing.T) {
	// The repository keeps a copy of the shared compat files for its tests.
	src, err := os.ReadFile(filepath.Join("..", "..", "test", "e2e", "testdata", "compat", "kratos.yml"))
	if err != nil {
		t.Fatalf("compat file: %v", err)
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "kratos.yml", string(src))
	c, err := Load(LoadOptions{Files: []string{path}, Dev: true})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"dsn", c.DSN, "sqlite://./compat.sqlite?_fk=true"},
		{"dev", c.Dev, true},
		{"public base", c.Serve.Public.BaseURL.String(), "http://localhost:4433/"},
		{"admin host", c.Serve.Admin.Host, "127.0.0.1"},
		{"admin port", c.Serve.Admin.Port, 4434},
		{"return url", c.Selfservice.DefaultBrowserReturnURL.String(), "http://localhost:4455/"},
		{"allowed", len(c.Selfservice.AllowedReturnURLs), 2},
		{"hibp", c.Selfservice.Methods.Password.Config.HaveIBeenPwnedEnabled, false},
		{"hibp ignore network default", c.Selfservice.Methods.Password.Config.IgnoreNetworkErrors, true},
		{"totp", c.Selfservice.Methods.TOTP.Enabled, true},
		{"totp issuer", c.Selfservice.Methods.TOTP.Issuer, "Kratos Bench"},
		{"webauthn rp id", c.Selfservice.Methods.WebAuthn.RP.ID, "localhost"},
		{"webauthn origins", c.Selfservice.Methods.WebAuthn.RP.Origins, []string{"http://localhost:4455"}},
		{"link lifespan", c.Selfservice.Methods.Link.Config.Lifespan, time.Hour},
		{"settings max age", c.Selfservice.Flows.Settings.PrivilegedSessionMaxAge, 15 * time.Minute},
		{"settings aal", c.Selfservice.Flows.Settings.RequiredAAL, "highest_available"},
		{"settings ui", c.Selfservice.Flows.Settings.UIURL.String(), "http://localhost:4455/settings"},
		{"recovery enabled", c.Selfservice.Flows.Recovery.Enabled, true},
		{"verification return", c.Selfservice.Flows.Verification.After.DefaultBrowserReturnURL.String(), "http://localhost:4455/"},
		{"logout return", c.Selfservice.Flows.Logout.After.DefaultBrowserReturnURL.String(), "http://localhost:4455/login"},
		{"registration enabled default", c.Selfservice.Flows.Registration.Enabled, true},
		{"registration password hooks", c.Selfservice.Flows.Registration.After.Methods["password"].Hooks, []Hook{{Hook: "session"}}},
		{"registration webauthn hooks", c.Selfservice.Flows.Registration.After.Methods["webauthn"].Hooks, []Hook{{Hook: "session"}}},
		{"log format", c.Log.Format, "json"},
		{"cookie secret", c.Secrets.Cookie, []string{"PLEASE-CHANGE-ME-I-AM-VERY-INSECURE"}},
		{"default secret falls back", c.Secrets.Default, []string{"PLEASE-CHANGE-ME-I-AM-VERY-INSECURE"}},
		{"cipher", c.Secrets.Cipher, []string{"32-LONG-SECRET-NOT-SECURE-AT-ALL"}},
		{"schemas", c.Identity.Schemas, []SchemaSource{{ID: "default", URL: "file://./identity.schema.json"}}},
		{"smtp from", c.Courier.SMTP.FromAddress, "no-reply@localhost"},
		{"bcrypt", c.Hashers.Bcrypt.Cost, 12},
	}
	for _, ch := range checks {
		if diff := cmp.Diff(ch.want, ch.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", ch.name, diff)
		}
	}
}

// TestDefaults checks Kratos's defaults (foundation §11.1) on a file with
// only the required keys.
func TestDefaults(t *testing.T) {
	c := mustLoad(t, loadOpts{files: []string{minimalYAML}})
	fb := "https://www.ory.sh/kratos/docs/fallback/"
	m := c.Selfservice.Methods
	f := c.Selfservice.Flows
	checks := []struct {
		name      string
		got, want any
	}{
		{"dev", c.Dev, false},
		{"log level", c.Log.Level, "info"},
		{"public host", c.Serve.Public.Host, "0.0.0.0"},
		{"public port", c.Serve.Public.Port, 4433},
		{"admin port", c.Serve.Admin.Port, 4434},
		{"body limit", c.Serve.Public.RequestBodyLimit, int64(1 << 20)},
		{"admin body limit", c.Serve.Admin.RequestBodyLimit, int64(1 << 20)},
		{"default schema id", c.Identity.DefaultSchemaID, "default"},
		{"settings max age", f.Settings.PrivilegedSessionMaxAge, time.Hour},
		{"settings aal", f.Settings.RequiredAAL, "highest_available"},
		{"settings lifespan", f.Settings.Lifespan, time.Hour},
		{"settings enabled", f.Settings.Enabled, true},
		{"login lifespan", f.Login.Lifespan, time.Hour},
		{"login ui", f.Login.UIURL.String(), fb + "login"},
		{"login throttle", f.Login.Throttle, LoginThrottle{Enabled: true, Window: 5 * time.Minute,
			MaxFailuresPerIdentifier: 20, MaxFailuresPerAddress: 1000}},
		{"registration ui", f.Registration.UIURL.String(), fb + "registration"},
		{"settings ui", f.Settings.UIURL.String(), fb + "settings"},
		{"recovery ui", f.Recovery.UIURL.String(), fb + "recovery"},
		{"verification ui", f.Verification.UIURL.String(), fb + "verification"},
		{"error ui", f.Error.UIURL.String(), fb + "error"},
		{"registration enabled", f.Registration.Enabled, true},
		{"recovery enabled", f.Recovery.Enabled, false},
		{"verification enabled", f.Verification.Enabled, false},
		{"logout return falls back", f.Logout.After.DefaultBrowserReturnURL.String(), "http://localhost:4455/"},
		{"password", m.Password.Enabled, true},
		{"hibp", m.Password.Config.HaveIBeenPwnedEnabled, true},
		{"hibp host", m.Password.Config.HaveIBeenPwnedHost, "api.pwnedpasswords.com"},
		{"ignore network", m.Password.Config.IgnoreNetworkErrors, true},
		{"min length", m.Password.Config.MinPasswordLength, 8},
		{"similarity", m.Password.Config.IdentifierSimilarityCheckEnabled, true},
		{"max breaches", m.Password.Config.MaxBreaches, 0},
		{"profile", m.Profile.Enabled, true},
		{"link", m.Link.Enabled, true},
		{"link base", m.Link.Config.BaseURL.String(), "http://localhost:4433/"},
		{"totp", m.TOTP.Enabled, false},
		{"totp issuer", m.TOTP.Issuer, "localhost"},
		{"lookup", m.LookupSecret.Enabled, false},
		{"webauthn", m.WebAuthn.Enabled, false},
		{"oidc", m.OIDC.Enabled, false},
		{"session lifespan", c.Session.Lifespan, 24 * time.Hour},
		{"earliest extend", c.Session.EarliestPossibleExtend, 24 * time.Hour},
		{"whoami aal", c.Session.Whoami.RequiredAAL, "highest_available"},
		{"session cookie", c.Session.Cookie.Name, "ory_kratos_session"},
		{"session persistent", c.Session.Cookie.Persistent, true},
		{"session path", c.Session.Cookie.Path, "/"},
		{"session same site", c.Session.Cookie.SameSite, "Lax"},
		{"cookies path", c.Cookies.Path, "/"},
		{"cookies same site", c.Cookies.SameSite, "Lax"},
		{"algorithm", c.Hashers.Algorithm, "bcrypt"},
		{"bcrypt", c.Hashers.Bcrypt.Cost, 12},
		{"argon2 memory", c.Hashers.Argon2.Memory, uint32(131072)},
		{"argon2 iterations", c.Hashers.Argon2.Iterations, uint32(1)},
		{"argon2 parallelism", int(c.Hashers.Argon2.Parallelism), min(2*runtime.NumCPU(), 255)},
		{"argon2 salt", c.Hashers.Argon2.SaltLength, uint32(16)},
		{"argon2 key", c.Hashers.Argon2.KeyLength, uint32(32)},
		{"argon2 duration", c.Hashers.Argon2.ExpectedDuration, 500 * time.Millisecond},
		{"argon2 dedicated", c.Hashers.Argon2.DedicatedMemory, uint64(1 << 30)},
		{"from", c.Courier.SMTP.FromAddress, "no-reply@ory.kratos.sh"},
		{"local name", c.Courier.SMTP.LocalName, "localhost"},
		{"message ttl", c.Courier.MessageTTL, time.Hour},
		{"default secret", c.Secrets.Default, []string{"a-cookie-secret-of-enough-length"}},
		{"warnings", c.Warnings, []string(nil)},
	}
	for _, ch := range checks {
		if diff := cmp.Diff(ch.want, ch.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", ch.name, diff)
		}
	}
}

func TestNoFileDefaults(t *testing.T) {
	c := mustLoad(t, loadOpts{noFile: true, dev: true})
	checks := []struct {
		name      string
		got, want any
	}{
		{"dsn", c.DSN, "sqlite://./warden.sqlite"},
		{"public host", c.Serve.Public.Host, "127.0.0.1"},
		{"admin host", c.Serve.Admin.Host, "127.0.0.1"},
		{"public base", c.Serve.Public.BaseURL.String(), "http://127.0.0.1:4433/"},
		{"admin base", c.Serve.Admin.BaseURL.String(), "http://127.0.0.1:4434/"},
		{"return url", c.Selfservice.DefaultBrowserReturnURL.String(), "http://127.0.0.1:4455/"},
		{"smtp", c.Courier.SMTP.ConnectionURI, "smtp://127.0.0.1:1025/?disable_starttls=true"},
		{"schema id", c.Identity.DefaultSchemaID, "default"},
		{"schemas", len(c.Identity.Schemas), 1},
		{"cookie secrets", len(c.Secrets.Cookie), 1},
		{"default secrets", c.Secrets.Default, c.Secrets.Cookie},
	}
	for _, ch := range checks {
		if diff := cmp.Diff(ch.want, ch.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", ch.name, diff)
		}
	}
	if n := len(c.Secrets.Cookie[0]); n < 16 {
		t.Errorf("generated secret has %d chars, want ≥16", n)
	}
	if !withWarning(c, "generated a random secret") {
		t.Errorf("no warning about the generated secret: %q", c.Warnings)
	}
	if withWarning(c, "guessed") {
		t.Errorf("no-file base URLs must not warn: %q", c.Warnings)
	}

	// The built-in schema is a base64:// URL holding the embedded file, with
	// the email trait wired as Kratos's quickstart does.
	u := c.Identity.Schemas[0].URL
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(u, "base64://"))
	if err != nil || !strings.HasPrefix(u, "base64://") {
		t.Fatalf("schema URL %q: %v", u, err)
	}
	var schema struct {
		Properties struct {
			Traits struct {
				Properties struct {
					Email struct {
						Format string `json:"format"`
						Title  string `json:"title"`
						Ext    struct {
							Credentials struct {
								Password struct{ Identifier bool } `json:"password"`
								WebAuthn struct{ Identifier bool } `json:"webauthn"`
								TOTP     struct {
									AccountName bool `json:"account_name"`
								} `json:"totp"`
							} `json:"credentials"`
							Verification struct{ Via string } `json:"verification"`
							Recovery     struct{ Via string } `json:"recovery"`
						} `json:"ory.sh/kratos"`
					} `json:"email"`
					Name struct {
						Properties map[string]any `json:"properties"`
					} `json:"name"`
				} `json:"properties"`
				Required []string `json:"required"`
			} `json:"traits"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("schema JSON: %v", err)
	}
	e := schema.Properties.Traits.Properties.Email
	if e.Format != "email" || e.Title != "E-Mail" || !e.Ext.Credentials.Password.Identifier ||
		!e.Ext.Credentials.WebAuthn.Identifier || !e.Ext.Credentials.TOTP.AccountName ||
		e.Ext.Verification.Via != "email" || e.Ext.Recovery.Via != "email" {
		t.Errorf("email trait: %+v", e)
	}
	if diff := cmp.Diff([]string{"email"}, schema.Properties.Traits.Required); diff != "" {
		t.Errorf("required traits (-want +got):\n%s", diff)
	}
	if len(schema.Properties.Traits.Properties.Name.Properties) != 2 {
		t.Errorf("name trait: %+v", schema.Properties.Traits.Properties.Name)
	}
}

// TestNoFileEnv: the environment still wins over the built-in layer, and
// the base URLs follow an overridden port.
func TestNoFileEnv(t *testing.T) {
	c := mustLoad(t, loadOpts{noFile: true, dev: true, env: []string{"DSN=memory", "SERVE_PUBLIC_PORT=5000"}})
	if c.DSN != "memory" {
		t.Errorf("DSN = %q", c.DSN)
	}
	if got := c.Serve.Public.BaseURL.String(); got != "http://127.0.0.1:5000/" {
		t.Errorf("public base = %q", got)
	}
}

// TestNoFileIgnoredWithFiles: DefaultsWhenNoFile only applies without files.
func TestNoFileIgnoredWithFiles(t *testing.T) {
	_, err := load(t, loadOpts{noFile: true, files: []string{"log:\n  level: debug\n"}})
	if err == nil || !strings.Contains(err.Error(), "config: dsn: required key is missing") {
		t.Fatalf("err = %v", err)
	}
}

func TestJSONFile(t *testing.T) {
	js := `{
	  "dsn": "memory",
	  "serve": {"public": {"port": 14433, "base_url": "https://auth.example.com/"}},
	  "identity": {"schemas": [{"id": "default", "url": "https://example.com/s.json"}]},
	  "selfservice": {"default_browser_return_url": "https://example.com/",
	    "flows": {"settings": {"privileged_session_max_age": "5m", "required_aal": "aal1",
	      "after": {"hooks": [{"hook": "web_hook", "config": {"url": "https://hook.example.com", "method": "POST"}}]}}}},
	  "courier": {"smtp": {"connection_uri": "smtps://user:pw@mail.example.com:465/"}},
	  "secrets": {"default": ["0123456789abcdef"]},
	  "hashers": {"algorithm": "argon2", "argon2": {"memory": "64MB", "parallelism": 4}}
	}`
	c := mustLoad(t, loadOpts{files: []string{js}, jsonExt: true})
	checks := []struct {
		name      string
		got, want any
	}{
		{"port", c.Serve.Public.Port, 14433},
		{"base", c.Serve.Public.BaseURL.String(), "https://auth.example.com/"},
		{"totp issuer from base", c.Selfservice.Methods.TOTP.Issuer, "auth.example.com"},
		{"max age", c.Selfservice.Flows.Settings.PrivilegedSessionMaxAge, 5 * time.Minute},
		{"aal", c.Selfservice.Flows.Settings.RequiredAAL, "aal1"},
		{"hooks", c.Selfservice.Flows.Settings.After.Hooks, []Hook{{Hook: "web_hook",
			Config: map[string]any{"url": "https://hook.example.com", "method": "POST"}}}},
		{"cookie from default", c.Secrets.Cookie, []string{"0123456789abcdef"}},
		{"argon2", c.Hashers.Algorithm, "argon2"},
		{"argon2 memory KiB", c.Hashers.Argon2.Memory, uint32(65536)},
		{"argon2 parallelism", c.Hashers.Argon2.Parallelism, uint8(4)},
	}
	for _, ch := range checks {
		if diff := cmp.Diff(ch.want, ch.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", ch.name, diff)
		}
	}
	// Admin base URL is unset: guessed from host 0.0.0.0 (→ host name) and
	// https outside dev, with a warning (foundation §10).
	if got := c.Serve.Admin.BaseURL.String(); got != "https://testhost:4434/" {
		t.Errorf("admin base = %q", got)
	}
	if !withWarning(c, `serve.admin.base_url is not set; guessed "https://testhost:4434/"`) {
		t.Errorf("warnings: %q", c.Warnings)
	}
}

// TestMerge: later files win, maps merge key by key, lists are replaced.
func TestMerge(t *testing.T) {
	second := `
serve:
  public:
    port: 5555
selfservice:
  allowed_return_urls:
    - https://b.example.com/
  flows:
    settings:
      privileged_session_max_age: 2m
identity:
  schemas:
    - id: other
      url: file://./other.json
  default_schema_id: other
`
	first := `
dsn: memory
identity:
  schemas:
    - id: default
      url: file://./identity.schema.json
selfservice:
  default_browser_return_url: http://localhost:4455/
  allowed_return_urls:
    - https://a.example.com/
    - https://a2.example.com/
  flows:
    settings:
      required_aal: aal1
      privileged_session_max_age: 1m
courier:
  smtp:
    connection_uri: smtp://127.0.0.1:1025/
secrets:
  cookie:
    - a-cookie-secret-of-enough-length
serve:
  public:
    base_url: http://localhost:4433/
  admin:
    base_url: http://localhost:4434/
`
	c := mustLoad(t, loadOpts{files: []string{first, second}})
	checks := []struct {
		name      string
		got, want any
	}{
		{"port from second", c.Serve.Public.Port, 5555},
		{"base url kept from first", c.Serve.Public.BaseURL.String(), "http://localhost:4433/"},
		{"aal kept from first", c.Selfservice.Flows.Settings.RequiredAAL, "aal1"},
		{"max age from second", c.Selfservice.Flows.Settings.PrivilegedSessionMaxAge, 2 * time.Minute},
		{"list replaced", len(c.Selfservice.AllowedReturnURLs), 1},
		{"schemas replaced", c.Identity.Schemas, []SchemaSource{{ID: "other", URL: "file://./other.json"}}},
		{"dsn kept", c.DSN, "memory"},
	}
	for _, ch := range checks {
		if diff := cmp.Diff(ch.want, ch.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", ch.name, diff)
		}
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(LoadOptions{Files: []string{filepath.Join(t.TempDir(), "nope.yml")}})
	if err == nil || !strings.Contains(err.Error(), "nope.yml") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadYAML(t *testing.T) {
	_, err := load(t, loadOpts{files: []string{"dsn: [unclosed\n"}})
	if err == nil || !strings.Contains(err.Error(), "config: load") {
		t.Fatalf("err = %v", err)
	}
}

func TestTOMLRefused(t *testing.T) {
	p := writeFile(t, t.TempDir(), "kratos.toml", "dsn = \"memory\"\n")
	_, err := Load(LoadOptions{Files: []string{p}})
	if err == nil || !strings.Contains(err.Error(), "TOML is not supported") {
		t.Fatalf("err = %v", err)
	}
}
