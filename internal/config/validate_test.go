package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestInvalidValues: each override, merged over a valid file, stops Load
// with a message that names the key (D2, D13).
func TestInvalidValues(t *testing.T) {
	tests := []struct {
		name     string
		override string
		want     string
	}{
		{"duration word", "selfservice:\n  flows:\n    settings:\n      privileged_session_max_age: abc\n",
			`config: selfservice.flows.settings.privileged_session_max_age: invalid duration "abc"`},
		{"duration fraction", "selfservice:\n  flows:\n    settings:\n      lifespan: 1.5h\n",
			`config: selfservice.flows.settings.lifespan: invalid duration "1.5h"`},
		{"duration days", "session:\n  lifespan: 1d\n", `config: session.lifespan: invalid duration "1d"`},
		{"duration negative", "selfservice:\n  flows:\n    login:\n      lifespan: -1h\n",
			`config: selfservice.flows.login.lifespan: invalid duration "-1h"`},
		{"duration number", "courier:\n  message_ttl: 5\n", `config: courier.message_ttl: invalid duration 5`},
		{"settings aal", "selfservice:\n  flows:\n    settings:\n      required_aal: aal2\n",
			`config: selfservice.flows.settings.required_aal: invalid value "aal2"`},
		{"whoami aal", "session:\n  whoami:\n    required_aal: highest\n",
			`config: session.whoami.required_aal: invalid value "highest"`},
		{"hasher", "hashers:\n  algorithm: scrypt\n", `config: hashers.algorithm: invalid value "scrypt"`},
		{"bcrypt low", "hashers:\n  bcrypt:\n    cost: 3\n", "config: hashers.bcrypt.cost: cost 3 out of range 4..31"},
		{"bcrypt high", "hashers:\n  bcrypt:\n    cost: 32\n", "config: hashers.bcrypt.cost: cost 32 out of range 4..31"},
		{"argon2 memory", "hashers:\n  argon2:\n    memory: lots\n", `config: hashers.argon2.memory: invalid byte size "lots"`},
		{"argon2 memory zero", "hashers:\n  argon2:\n    memory: 0\n", "config: hashers.argon2.memory: must be between"},
		{"argon2 parallelism", "hashers:\n  argon2:\n    parallelism: 0\n", "config: hashers.argon2.parallelism: 0 out of range"},
		{"argon2 salt", "hashers:\n  argon2:\n    salt_length: 8\n", "config: hashers.argon2.salt_length: 8 out of range"},
		{"same site case", "cookies:\n  same_site: lax\n", `config: cookies.same_site: invalid value "lax"`},
		{"session same site", "session:\n  cookie:\n    same_site: Loose\n", `config: session.cookie.same_site: invalid value "Loose"`},
		{"empty cookie name", "session:\n  cookie:\n    name: \"\"\n", "config: session.cookie.name: must not be empty"},
		{"port high", "serve:\n  public:\n    port: 70000\n", "config: serve.public.port: port 70000 out of range"},
		{"port negative", "serve:\n  admin:\n    port: -1\n", "config: serve.admin.port: port -1 out of range"},
		{"port text", "serve:\n  admin:\n    port: eighty\n", `config: serve.admin.port: invalid integer "eighty"`},
		{"port fraction", "serve:\n  admin:\n    port: 80.5\n", "config: serve.admin.port: invalid integer 80.5"},
		{"body limit", "serve:\n  public:\n    request_body_limit_bytes: 0\n", "config: serve.public.request_body_limit_bytes: must be between"},
		{"cipher length", "secrets:\n  cipher:\n    - too-short-for-a-cipher-key\n",
			"config: secrets.cipher: entry 0 must be exactly 32 characters long, has 26"},
		{"cookie secret length", "secrets:\n  cookie:\n    - short\n", "config: secrets.cookie: entry 0 must be at least 16 characters long, has 5"},
		{"default secret length", "secrets:\n  default:\n    - short\n", "config: secrets.default: entry 0 must be at least 16"},
		{"secret type", "secrets:\n  cookie:\n    - 12345678901234567\n", "config: secrets.cookie: item 0: expected a string"},
		{"min password length", "selfservice:\n  methods:\n    password:\n      config:\n        min_password_length: 5\n",
			"config: selfservice.methods.password.config.min_password_length: must be at least 6, got 5"},
		{"max breaches", "selfservice:\n  methods:\n    password:\n      config:\n        max_breaches: 101\n",
			"config: selfservice.methods.password.config.max_breaches: 101 out of range 0..100"},
		{"default schema id", "identity:\n  default_schema_id: customer\n",
			`config: identity.default_schema_id: no schema with id "customer" in identity.schemas`},
		{"duplicate schema ids", "identity:\n  schemas:\n    - {id: a, url: file://a.json}\n    - {id: a, url: file://b.json}\n  default_schema_id: a\n",
			`config: identity.schemas: entry 1: duplicate id "a"`},
		{"schema without id", "identity:\n  schemas:\n    - {url: file://a.json}\n", "config: identity.schemas: entry 0: id is required"},
		{"schema scheme", "identity:\n  schemas:\n    - {id: default, url: ftp://x/s.json}\n",
			"config: identity.schemas: entry 0 (default): url \"ftp://x/s.json\": scheme must be"},
		{"schema base64", "identity:\n  schemas:\n    - {id: default, url: \"base64://!!\"}\n",
			"config: identity.schemas: entry 0 (default): url: invalid base64"},
		{"schemas empty", "identity:\n  schemas: []\n", "config: identity.schemas: at least one schema is required"},
		{"schemas type", "identity:\n  schemas: file://x.json\n", "config: identity.schemas: expected a list"},
		{"relative base url", "serve:\n  public:\n    base_url: /kratos/\n",
			`config: serve.public.base_url: invalid URL "/kratos/": must be absolute`},
		{"base url scheme", "serve:\n  admin:\n    base_url: ftp://h/\n", "config: serve.admin.base_url: invalid URL \"ftp://h/\": scheme must be http or https"},
		{"ui url without slash", "selfservice:\n  flows:\n    settings:\n      ui_url: settings\n",
			`config: selfservice.flows.settings.ui_url: invalid URL "settings": must be absolute or start with "/"`},
		{"error ui url", "selfservice:\n  flows:\n    error:\n      ui_url: \"http://[::1\"\n", "config: selfservice.flows.error.ui_url: invalid URL"},
		{"return url", "selfservice:\n  default_browser_return_url: not-a-url\n",
			`config: selfservice.default_browser_return_url: invalid URL "not-a-url"`},
		{"after return url", "selfservice:\n  flows:\n    login:\n      after:\n        password:\n          default_browser_return_url: /home\n",
			"config: selfservice.flows.login.after.password.default_browser_return_url: invalid URL"},
		{"allowed return urls", "selfservice:\n  allowed_return_urls:\n    - /relative\n",
			"config: selfservice.allowed_return_urls: entry 0: invalid URL \"/relative\""},
		{"smtp scheme", "courier:\n  smtp:\n    connection_uri: http://mail/\n",
			`config: courier.smtp.connection_uri: invalid URL "http://mail/": scheme must be smtp or smtps`},
		{"from address", "courier:\n  smtp:\n    from_address: nobody\n", `config: courier.smtp.from_address: invalid address "nobody"`},
		{"unknown hook", "selfservice:\n  flows:\n    registration:\n      after:\n        password:\n          hooks:\n            - hook: sessoin\n",
			`config: selfservice.flows.registration.after.password.hooks: entry 0: unknown hook "sessoin"`},
		{"hooks not a list", "selfservice:\n  flows:\n    settings:\n      after:\n        hooks: session\n",
			"config: selfservice.flows.settings.after.hooks: expected a list of hooks"},
		{"hook config", "selfservice:\n  flows:\n    settings:\n      after:\n        hooks:\n          - hook: web_hook\n            config: [1]\n",
			"config: selfservice.flows.settings.after.hooks: entry 0 (web_hook): config must be an object"},
		{"throttle window zero", "selfservice:\n  flows:\n    login:\n      throttle:\n        window: 0s\n", "config: selfservice.flows.login.throttle.window: must be greater than 0, got 0s"},
		{"throttle window word", "selfservice:\n  flows:\n    login:\n      throttle:\n        window: soon\n", `config: selfservice.flows.login.throttle.window: invalid duration "soon"`},
		{"throttle identifier zero", "selfservice:\n  flows:\n    login:\n      throttle:\n        max_failures_per_identifier: 0\n",
			"config: selfservice.flows.login.throttle.max_failures_per_identifier: must be at least 1, got 0"},
		{"throttle address negative", "selfservice:\n  flows:\n    login:\n      throttle:\n        max_failures_per_address: -5\n",
			"config: selfservice.flows.login.throttle.max_failures_per_address: must be at least 1, got -5"},
		{"throttle enabled", "selfservice:\n  flows:\n    login:\n      throttle:\n        enabled: maybe\n", `config: selfservice.flows.login.throttle.enabled: invalid boolean "maybe"`},
		{"log level", "log:\n  level: loud\n", `config: log.level: invalid value "loud"`},
		{"bool", "selfservice:\n  methods:\n    totp:\n      enabled: sometimes\n", `config: selfservice.methods.totp.enabled: invalid boolean "sometimes"`},
		{"string type", "dsn: [a]\n", "config: dsn: expected a string, got a list"},
		{"scalar section", "session: 5\n", "config: session: expected an object"},
		{"webauthn rp", "selfservice:\n  methods:\n    webauthn:\n      enabled: true\n",
			"config: selfservice.methods.webauthn.config.rp.id: required when webauthn is enabled"},
		{"webauthn origin", "selfservice:\n  methods:\n    webauthn:\n      config:\n        rp:\n          origin: localhost\n",
			"config: selfservice.methods.webauthn.config.rp.origin: invalid URL"},
		{"oidc provider", "selfservice:\n  methods:\n    oidc:\n      config:\n        providers:\n          - {id: g}\n",
			"config: selfservice.methods.oidc.config.providers: entry 0 (g): provider is required"},
		{"smtp headers", "courier:\n  smtp:\n    headers:\n      X-A: [1]\n", "config: courier.smtp.headers.X-A: expected a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, loadOpts{files: []string{minimalYAML, tt.override}})
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestRequiredKeys removes one required key at a time.
func TestRequiredKeys(t *testing.T) {
	tests := []struct {
		key    string
		remove string
	}{
		{"dsn", "dsn: memory\n"},
		{"identity.schemas", "identity:\n  schemas:\n    - id: default\n      url: file://./identity.schema.json\n"},
		{"selfservice.default_browser_return_url", "selfservice:\n  default_browser_return_url: http://localhost:4455/\n"},
		{"courier.smtp.connection_uri", "courier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:1025/\n"},
		{"secrets.cookie", "secrets:\n  cookie:\n    - a-cookie-secret-of-enough-length\n"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			file := strings.Replace(minimalYAML, tt.remove, "", 1)
			if file == minimalYAML {
				t.Fatalf("test bug: %q not in the minimal file", tt.remove)
			}
			_, err := load(t, loadOpts{files: []string{file}})
			want := "config: " + tt.key + ": required key is missing"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v\nwant it to contain %q", err, want)
			}
		})
	}
}

// TestAllErrorsAtOnce: one run reports every bad key.
func TestAllErrorsAtOnce(t *testing.T) {
	_, err := load(t, loadOpts{files: []string{minimalYAML, "serve:\n  public:\n    port: 99999\nhashers:\n  algorithm: md5\n"}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"serve.public.port", "hashers.algorithm"} {
		if !strings.Contains(err.Error(), "config: "+key+":") {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

func TestValidEdgeValues(t *testing.T) {
	tests := []struct {
		name     string
		override string
		dev      bool
		got      func(c *Config) any
		want     any
	}{
		{"relative ui_url stays relative", "selfservice:\n  flows:\n    settings:\n      ui_url: /settings\n", false,
			func(c *Config) any { return c.Selfservice.Flows.Settings.UIURL.String() }, "/settings"},
		{"memory 1GB", "hashers:\n  argon2:\n    memory: 1GB\n", false,
			func(c *Config) any { return c.Hashers.Argon2.Memory }, uint32(1 << 20)},
		{"memory bytes", "hashers:\n  argon2:\n    memory: 134217728\n", false,
			func(c *Config) any { return c.Hashers.Argon2.Memory }, uint32(131072)},
		{"memory KiB spelling", "hashers:\n  argon2:\n    memory: 64 MiB\n", false,
			func(c *Config) any { return c.Hashers.Argon2.Memory }, uint32(65536)},
		{"body limit size", "serve:\n  public:\n    request_body_limit_bytes: 2MB\n", false,
			func(c *Config) any { return c.Serve.Public.RequestBodyLimit }, int64(2 << 20)},
		{"bcrypt low in dev kept", "hashers:\n  bcrypt:\n    cost: 4\n", true,
			func(c *Config) any { return c.Hashers.Bcrypt.Cost }, 4},
		{"bcrypt low outside dev raised", "hashers:\n  bcrypt:\n    cost: 4\n", false,
			func(c *Config) any { return c.Hashers.Bcrypt.Cost }, 12},
		{"bcrypt high kept", "hashers:\n  bcrypt:\n    cost: 13\n", false,
			func(c *Config) any { return c.Hashers.Bcrypt.Cost }, 13},
		{"port zero", "serve:\n  public:\n    port: 0\n", false,
			func(c *Config) any { return c.Serve.Public.Port }, 0},
		{"session cookie overrides", "cookies:\n  path: /a\n  domain: example.com\n  same_site: Strict\nsession:\n  cookie:\n    path: /b\n    same_site: None\n", false,
			func(c *Config) any {
				s := c.Session.Cookie
				return []string{s.Path, s.Domain, s.SameSite}
			}, []string{"/b", "example.com", "None"}},
		{"schema base64 and http", "identity:\n  schemas:\n    - {id: a, url: \"base64://e30=\"}\n    - {id: default, url: \"https://example.com/s.json\"}\n", false,
			func(c *Config) any { return len(c.Identity.Schemas) }, 2},
		{"empty section", "selfservice:\n  flows:\n    settings:\n      after: {}\n", false,
			func(c *Config) any { return len(c.Warnings) }, 0},
		{"null value uses default", "session:\n  lifespan:\n", false,
			func(c *Config) any { return c.Session.Lifespan.String() }, "24h0m0s"},
		{"webauthn origins from rp id", "selfservice:\n  methods:\n    webauthn:\n      enabled: true\n      config:\n        rp: {id: example.com, display_name: Ex}\n", false,
			func(c *Config) any { return c.Selfservice.Methods.WebAuthn.RP.Origins }, []string{"http://example.com"}},
		{"throttle limits of one", "selfservice:\n  flows:\n    login:\n      throttle:\n        max_failures_per_identifier: 1\n        max_failures_per_address: 1\n        window: 1s\n", false,
			func(c *Config) any { return c.Selfservice.Flows.Login.Throttle },
			LoginThrottle{Enabled: true, Window: time.Second, MaxFailuresPerIdentifier: 1, MaxFailuresPerAddress: 1}},
		{"oidc providers", "selfservice:\n  methods:\n    oidc:\n      enabled: true\n      config:\n        providers:\n          - {id: google, provider: google, client_id: c, scope: [email]}\n", false,
			func(c *Config) any { return c.Selfservice.Methods.OIDC.Config.Providers },
			[]OIDCProvider{{ID: "google", Provider: "google", ClientID: "c", Scope: []string{"email"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, loadOpts{files: []string{minimalYAML, tt.override}, dev: tt.dev})
			if diff := cmp.Diff(tt.want, tt.got(c)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name     string
		override string
		dev      bool
		want     string
	}{
		{"unknown key", "foo:\n  bar: 1\n", false, `config: unknown key "foo.bar" ignored`},
		{"unknown leaf in known section", "serve:\n  public:\n    prot: 1\n", false, `config: unknown key "serve.public.prot" ignored`},
		{"unsupported key", "serve:\n  public:\n    tls:\n      cert:\n        path: /c.pem\n", false,
			"config: keys accepted but not used by Warden: serve.public.tls"},
		{"bcrypt raised", "hashers:\n  bcrypt:\n    cost: 10\n", false, "hashers.bcrypt.cost 10 is below 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, loadOpts{files: []string{minimalYAML, tt.override}, dev: tt.dev})
			if !withWarning(c, tt.want) {
				t.Errorf("warnings %q lack %q", c.Warnings, tt.want)
			}
		})
	}
}

// TestSilentKratosKeys: Kratos keys Warden ignores load without warnings.
func TestSilentKratosKeys(t *testing.T) {
	extra := `
version: v1.1.0
tracing:
  provider: jaeger
  service_name: kratos
serve:
  public:
    cors:
      enabled: true
      allowed_origins: ["https://a.example.com"]
    request_log:
      disable_for_health: true
ciphers:
  algorithm: aes
feature_flags:
  cacheable_sessions: true
selfservice:
  flows:
    login:
      style: identifier_first
    recovery:
      use: code
  methods:
    code:
      enabled: true
      config:
        lifespan: 15m
session:
  whoami:
    tokenizer:
      templates:
        jwt:
          ttl: 1m
sqa-opt-out: true
`
	c := mustLoad(t, loadOpts{files: []string{minimalYAML, extra}})
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
}

// TestDevGeneratedSecret: with files but no secret, dev mode generates one
// and warns, where production stops (TestRequiredKeys).
func TestDevGeneratedSecret(t *testing.T) {
	file := strings.Replace(minimalYAML, "secrets:\n  cookie:\n    - a-cookie-secret-of-enough-length\n", "", 1)
	c := mustLoad(t, loadOpts{files: []string{file}, dev: true})
	if len(c.Secrets.Cookie) != 1 || len(c.Secrets.Cookie[0]) < 16 {
		t.Errorf("cookie secrets = %q", c.Secrets.Cookie)
	}
	if !withWarning(c, "generated a random secret") {
		t.Errorf("warnings: %q", c.Warnings)
	}
	c2 := mustLoad(t, loadOpts{files: []string{file}, dev: true})
	if c2.Secrets.Cookie[0] == c.Secrets.Cookie[0] {
		t.Error("generated secrets repeat across loads")
	}
}

// TestGuessedBaseURLDev: dev mode guesses http, and a concrete host is kept.
func TestGuessedBaseURLDev(t *testing.T) {
	file := strings.Replace(minimalYAML, "    base_url: http://localhost:4433/\n", "    host: 10.1.2.3\n    port: 8080\n", 1)
	c := mustLoad(t, loadOpts{files: []string{file}, dev: true})
	if got := c.Serve.Public.BaseURL.String(); got != "http://10.1.2.3:8080/" {
		t.Errorf("public base = %q", got)
	}
	if !withWarning(c, "serve.public.base_url is not set") {
		t.Errorf("warnings: %q", c.Warnings)
	}
}
