// Package config reads Kratos's configuration into a typed Config: the same
// kratos.yml keys, defaults and environment overrides (decisions D2, D13;
// foundation §11.1). Other packages receive small Options built from the
// Config, never the whole Config, and never read files or the environment
// themselves.
//
// Layers, lowest precedence first: Kratos's defaults (the key table in
// keys.go), the built-in no-file configuration (only when serve runs without
// -c), the -c files in order (maps merge, lists are replaced), then the
// environment. An environment variable is a key path upper-cased with "."
// and "-" replaced by "_" (SERVE_PUBLIC_PORT, SELFSERVICE_DEFAULT_BROWSER_RETURN_URL);
// names are resolved against the known keys, because "_" also occurs inside
// keys. Lists and objects (IDENTITY_SCHEMAS, hooks) are given as JSON; a
// list of strings (SECRETS_COOKIE) may also be one plain string.
//
// Invariants of a Config returned without error:
//   - every value has been checked; an invalid or missing required value
//     stops Load with an error naming the key ("config: <key>: …"), all bad
//     keys at once;
//   - durations, URLs, byte sizes and enums are parsed; fallbacks between
//     keys are resolved (secrets.cookie → secrets.default, session.cookie.*
//     → cookies.*, logout return URL → the global one, TOTP issuer and link
//     base URL → the public base URL), so consumers never look twice;
//   - Serve.*.BaseURL is set: configured, or guessed with a warning;
//   - Secrets.Cookie and Secrets.Default are non-empty;
//   - Warnings holds what the caller should log: unknown keys, keys Warden
//     accepts but does not act on, generated secrets, guessed base URLs,
//     a raised bcrypt cost. Dev mode's own startup warning is the caller's.
//
// Kratos keys Warden does not implement but that carry no risk when ignored
// (tracing, CORS, version, ciphers, v1 sections) load silently; the key
// table says which keys are used, ignored or merely accepted.
//
// Imports: stdlib and koanf only. Importable by internal/app, internal/cli
// and tests; lower layers take Options, not Config.
package config
