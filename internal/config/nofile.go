package config

import (
	_ "embed"
	"encoding/base64"
)

// defaultSchema is the identity schema of the built-in configuration: an
// email that is the password/webauthn identifier, TOTP account name and
// verification/recovery address, plus an optional name.
//
//go:embed default.schema.json
var defaultSchema []byte

// Built-in values used when serve runs without any -c file (D2). They are
// meant for a developer's machine: everything listens on loopback.
const (
	// NoFileDSN keeps the database next to where Warden was started.
	NoFileDSN = "sqlite://./warden.sqlite"
	// NoFileBrowserReturnURL is selfservice.default_browser_return_url.
	// Kratos requires the key and has no default; port 4455 is where Ory's
	// quickstart and the compat config run the self-service UI, so a UI
	// started the usual way works unchanged.
	NoFileBrowserReturnURL = "http://127.0.0.1:4455/"
	// NoFileSMTP points at a local mail catcher (MailSlurper, Mailpit, …)
	// without STARTTLS.
	NoFileSMTP = "smtp://127.0.0.1:1025/?disable_starttls=true"
)

// DefaultSchemaURL is the built-in identity schema as a base64:// URL (the
// standard alphabet after the prefix, as Kratos's fetcher reads it), so the
// identity loader treats it like any configured schema.
func DefaultSchemaURL() string {
	return "base64://" + base64.StdEncoding.EncodeToString(defaultSchema)
}

// noFileLayer is the configuration that stands in for a file. It sits below
// the environment, so DSN=... or SERVE_PUBLIC_PORT=... still apply. Base
// URLs are not fixed here: they follow host and port (finish), so a port
// override moves them too.
func noFileLayer() map[string]any {
	return map[string]any{
		"dsn": NoFileDSN,
		"serve": map[string]any{
			"public": map[string]any{"host": "127.0.0.1"},
			"admin":  map[string]any{"host": "127.0.0.1"},
		},
		"identity": map[string]any{
			"default_schema_id": "default",
			"schemas":           []any{map[string]any{"id": "default", "url": DefaultSchemaURL()}},
		},
		"selfservice": map[string]any{
			"default_browser_return_url": NoFileBrowserReturnURL,
		},
		"courier": map[string]any{
			"smtp": map[string]any{"connection_uri": NoFileSMTP},
		},
	}
}
