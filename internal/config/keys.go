package config

import (
	"sort"
	"strings"
)

// kind says how a key's value is read and how an environment value for it is
// converted (D2: env name = path upper-cased, "." and "-" → "_").
type kind int

const (
	kindString   kind = iota
	kindBool          // true/false, env "true"/"1"/…
	kindInt           // integer; env decimal
	kindDuration      // Go syntax ^([0-9]+(ns|us|ms|s|m|h))+$
	kindURL           // absolute URL with scheme and host
	kindURIRef        // absolute URL or an absolute path ("/settings"), as Kratos's ui_url
	kindStrings       // list of strings; env: JSON array or one plain string
	kindByteSize      // "128MB", "1GB", or an integer number of bytes
	kindJSON          // any JSON value (hooks, schemas, maps); env: JSON. Owns its subtree
	kindOpaque        // a Kratos subtree Warden does not read; anything below is accepted
)

// use says what Warden does with a key it recognises.
type use int

const (
	used        use = iota // decoded into Config
	ignored                // a Kratos key Warden accepts silently (tracing, cors, …)
	unsupported            // accepted, but listed once in a warning: setting it changes nothing
)

// keySpec is one known configuration key.
type keySpec struct {
	path string
	kind kind
	def  any // default in the form a YAML file would give it; nil = none
	use  use
}

// subtree reports whether keys below path belong to this key (maps inside a
// JSON value, or an opaque Kratos section).
func (s keySpec) subtree() bool { return s.kind == kindJSON || s.kind == kindOpaque }

// fallbackUI is Kratos's default ui_url for every flow (foundation §11.1).
const fallbackUI = "https://www.ory.sh/kratos/docs/fallback/"

// afterMethods are the names accepted under selfservice.flows.<flow>.after.
// Kratos v0.10.1 allows a subset per flow; v1 widened it. Accepting the union
// keeps both generations' files loading (D1).
var afterMethods = []string{"password", "oidc", "webauthn", "totp", "lookup_secret", "profile", "code", "passkey", "link"}

// knownKeys is the one table of configuration keys: every key Warden reads,
// and every Kratos key it accepts without reading. Defaults are Kratos's
// (foundation §11.1, settings-flow §9).
func knownKeys() []keySpec {
	var ks []keySpec
	add := func(path string, k kind, def any) { ks = append(ks, keySpec{path: path, kind: k, def: def}) }
	skip := func(path string, k kind) { ks = append(ks, keySpec{path: path, kind: k, use: ignored}) }
	unsup := func(path string, k kind) { ks = append(ks, keySpec{path: path, kind: k, use: unsupported}) }

	add("dsn", kindString, nil)
	add("dev", kindBool, false)
	skip("version", kindString)
	add("log.level", kindString, "info")
	add("log.format", kindString, "json")
	add("log.leak_sensitive_values", kindBool, false)
	add("log.redaction_text", kindString, "")

	add("secrets.default", kindStrings, nil)
	add("secrets.cookie", kindStrings, nil)
	add("secrets.cipher", kindStrings, nil)
	skip("secrets.session", kindStrings) // pre-v0.6 name; settings-flow §9 lists it
	skip("ciphers.algorithm", kindString)

	for _, l := range []struct {
		name string
		port int
	}{{"public", 4433}, {"admin", 4434}} {
		p := "serve." + l.name
		add(p+".host", kindString, "0.0.0.0")
		add(p+".port", kindInt, l.port)
		add(p+".base_url", kindURL, nil)
		add(p+".request_body_limit_bytes", kindByteSize, 1<<20)
		skip(p+".request_log", kindOpaque)
		unsup(p+".tls", kindOpaque)
		unsup(p+".socket", kindOpaque)
	}
	skip("serve.public.cors", kindOpaque)

	add("identity.default_schema_id", kindString, "default")
	add("identity.schemas", kindJSON, nil)

	ks = append(ks, selfserviceKeys()...)

	add("session.lifespan", kindDuration, "24h")
	add("session.earliest_possible_extend", kindDuration, "24h")
	add("session.whoami.required_aal", kindString, "highest_available")
	skip("session.whoami.tokenizer", kindOpaque)
	skip("session.whoami.caching", kindOpaque)
	add("session.cookie.name", kindString, "ory_kratos_session")
	add("session.cookie.domain", kindString, nil)
	add("session.cookie.path", kindString, nil)
	add("session.cookie.same_site", kindString, nil)
	add("session.cookie.persistent", kindBool, true)
	skip("session.cookie.secure", kindBool)

	add("cookies.domain", kindString, "")
	add("cookies.path", kindString, "/")
	add("cookies.same_site", kindString, "Lax")
	skip("cookies.secure", kindBool)

	add("hashers.algorithm", kindString, "bcrypt")
	add("hashers.bcrypt.cost", kindInt, 12)
	add("hashers.argon2.memory", kindByteSize, "128MB")
	add("hashers.argon2.iterations", kindInt, 1)
	add("hashers.argon2.parallelism", kindInt, nil) // 2×NumCPU, computed
	add("hashers.argon2.salt_length", kindInt, 16)
	add("hashers.argon2.key_length", kindInt, 32)
	add("hashers.argon2.expected_duration", kindDuration, "500ms")
	add("hashers.argon2.expected_deviation", kindDuration, "500ms")
	add("hashers.argon2.dedicated_memory", kindByteSize, "1GB")
	skip("hashers.pbkdf2", kindOpaque)

	add("courier.smtp.connection_uri", kindString, nil)
	add("courier.smtp.from_address", kindString, "no-reply@ory.kratos.sh")
	add("courier.smtp.from_name", kindString, "")
	add("courier.smtp.headers", kindJSON, nil)
	add("courier.smtp.local_name", kindString, "localhost")
	unsup("courier.smtp.client_cert_path", kindString)
	unsup("courier.smtp.client_key_path", kindString)
	add("courier.message_ttl", kindDuration, "1h")
	unsup("courier.template_override_path", kindString)
	unsup("courier.templates", kindOpaque)
	unsup("courier.sms", kindOpaque)
	unsup("courier.http", kindOpaque)
	unsup("courier.channels", kindOpaque)
	unsup("courier.delivery_strategy", kindString)
	skip("courier.worker", kindOpaque)

	add("clients.http.disallow_private_ip_ranges", kindBool, false)
	add("clients.http.private_ip_exception_urls", kindStrings, nil)

	// CLI flags that Kratos also reads as keys, and whole sections Warden
	// leaves to other tools.
	skip("watch-courier", kindBool)
	skip("expose-metrics-port", kindInt)
	skip("sqa-opt-out", kindBool)
	for _, s := range []string{"sqa", "profiling", "tracing", "feature_flags", "security", "database",
		"oauth2_provider", "organizations", "preview"} {
		skip(s, kindOpaque)
	}
	return ks
}

// selfserviceKeys are selfservice.*.
func selfserviceKeys() []keySpec {
	var ks []keySpec
	add := func(path string, k kind, def any) { ks = append(ks, keySpec{path: path, kind: k, def: def}) }
	skip := func(path string, k kind) { ks = append(ks, keySpec{path: path, kind: k, use: ignored}) }

	add("selfservice.default_browser_return_url", kindURL, nil)
	add("selfservice.allowed_return_urls", kindStrings, nil)

	add("selfservice.flows.error.ui_url", kindURIRef, fallbackUI+"error")
	add("selfservice.flows.logout.after.default_browser_return_url", kindURL, nil)
	for _, f := range []string{"login", "registration", "settings", "recovery", "verification"} {
		p := "selfservice.flows." + f
		add(p+".ui_url", kindURIRef, fallbackUI+f)
		add(p+".lifespan", kindDuration, "1h")
		add(p+".before.hooks", kindJSON, nil)
		add(p+".after.hooks", kindJSON, nil)
		add(p+".after.default_browser_return_url", kindURL, nil)
		for _, m := range afterMethods {
			add(p+".after."+m+".hooks", kindJSON, nil)
			add(p+".after."+m+".default_browser_return_url", kindURL, nil)
		}
	}
	add("selfservice.flows.registration.enabled", kindBool, true)
	add("selfservice.flows.recovery.enabled", kindBool, false)
	add("selfservice.flows.verification.enabled", kindBool, false)
	add("selfservice.flows.settings.privileged_session_max_age", kindDuration, "1h")
	add("selfservice.flows.settings.required_aal", kindString, "highest_available")
	// Warden's own key (beyond Kratos, README "Differences from Kratos"): a
	// password change revokes the identity's other sessions unless false.
	add("selfservice.flows.settings.after.password.revoke_other_sessions", kindBool, true)
	// Warden's own keys (issue 5): adding or removing a second factor revokes
	// the identity's other sessions unless false.
	add("selfservice.flows.settings.after.totp.revoke_other_sessions", kindBool, true)
	add("selfservice.flows.settings.after.lookup_secret.revoke_other_sessions", kindBool, true)
	add("selfservice.flows.settings.after.webauthn.revoke_other_sessions", kindBool, true) // webauthn (issue 5)
	// Warden's own keys (D18, README "Differences from Kratos"): login
	// throttling, counted in the database so it holds across nodes.
	add("selfservice.flows.login.throttle.enabled", kindBool, true)
	add("selfservice.flows.login.throttle.window", kindDuration, "5m")
	add("selfservice.flows.login.throttle.max_failures_per_identifier", kindInt, 20)
	add("selfservice.flows.login.throttle.max_failures_per_address", kindInt, 1000)
	// v1 additions, accepted so v1 files load (D1).
	skip("selfservice.flows.login.style", kindString)
	skip("selfservice.flows.registration.login_hints", kindBool)
	skip("selfservice.flows.registration.enable_legacy_one_step", kindBool)
	for _, f := range []string{"recovery", "verification"} {
		skip("selfservice.flows."+f+".use", kindString)
		skip("selfservice.flows."+f+".notify_unknown_recipients", kindBool)
	}

	m := "selfservice.methods."
	add(m+"password.enabled", kindBool, true)
	add(m+"password.config.haveibeenpwned_enabled", kindBool, true)
	add(m+"password.config.haveibeenpwned_host", kindString, "api.pwnedpasswords.com")
	add(m+"password.config.max_breaches", kindInt, 0)
	add(m+"password.config.ignore_network_errors", kindBool, true)
	add(m+"password.config.min_password_length", kindInt, 8)
	add(m+"password.config.identifier_similarity_check_enabled", kindBool, true)
	skip(m+"password.config.migrate_hook", kindOpaque)
	add(m+"profile.enabled", kindBool, true)
	add(m+"link.enabled", kindBool, true)
	add(m+"link.config.lifespan", kindDuration, "1h")
	add(m+"link.config.base_url", kindURL, nil)
	add(m+"totp.enabled", kindBool, false)
	add(m+"totp.config.issuer", kindString, nil)
	add(m+"lookup_secret.enabled", kindBool, false)
	add(m+"webauthn.enabled", kindBool, false)
	add(m+"webauthn.config.passwordless", kindBool, false)
	add(m+"webauthn.config.rp.display_name", kindString, "")
	add(m+"webauthn.config.rp.id", kindString, "")
	add(m+"webauthn.config.rp.origin", kindString, "")
	add(m+"webauthn.config.rp.origins", kindStrings, nil)
	skip(m+"webauthn.config.rp.icon", kindString)
	// Warden's own key (issue 5, webauthn): WebAuthn in API (native) flows.
	add(m+"webauthn.config.native_flows", kindBool, false)
	add(m+"oidc.enabled", kindBool, false)
	add(m+"oidc.config.base_redirect_uri", kindURL, nil)
	add(m+"oidc.config.providers", kindJSON, nil)
	skip(m+"code", kindOpaque)
	skip(m+"passkey", kindOpaque)
	skip(m+"saml", kindOpaque)
	return ks
}

// keyTable indexes knownKeys for the loader.
type keyTable struct {
	specs   map[string]keySpec
	env     map[string]string // env name → key path
	parents map[string]bool   // every strict ancestor of a known path
}

func newKeyTable() *keyTable {
	t := &keyTable{specs: map[string]keySpec{}, env: map[string]string{}, parents: map[string]bool{}}
	for _, s := range knownKeys() {
		t.specs[s.path] = s
		t.env[envName(s.path)] = s.path
		parts := strings.Split(s.path, ".")
		for i := 1; i < len(parts); i++ {
			t.parents[strings.Join(parts[:i], ".")] = true
		}
	}
	return t
}

// envName is the environment variable that overrides path (D2).
func envName(path string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(strings.ToUpper(path))
}

// lookup finds the spec a flattened key belongs to: the key itself, or a
// JSON/opaque key whose subtree contains it.
func (t *keyTable) lookup(key string) (keySpec, bool) {
	if s, ok := t.specs[key]; ok {
		return s, true
	}
	for i := strings.LastIndexByte(key, '.'); i > 0; i = strings.LastIndexByte(key[:i], '.') {
		if s, ok := t.specs[key[:i]]; ok && s.subtree() {
			return s, true
		}
	}
	return keySpec{}, false
}

// spec returns the spec of a known path (the zero spec for others).
func (t *keyTable) spec(path string) keySpec { return t.specs[path] }

// sortedPaths returns the known paths in order (for tests and messages).
func (t *keyTable) sortedPaths() []string {
	out := make([]string, 0, len(t.specs))
	for p := range t.specs {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
