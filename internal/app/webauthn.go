package app

import (
	"fmt"
	"net/http"

	"github.com/warden-id/warden/internal/config"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/webauthn"
	"github.com/warden-id/warden/internal/store"
)

// securityKeys is the webauthn method (issue 5) for the login and settings
// flows. A nil *securityKeys (webauthn not enabled) contributes nothing.
type securityKeys struct {
	method   *webauthn.Method
	settings *webauthn.Settings
}

// newSecurityKeys builds the webauthn method from
// selfservice.methods.webauthn, or returns nil when it is not enabled.
// Challenges are keyed by secrets.default[0]: rotating it invalidates the
// ceremonies of flows shown before (their users press the button again).
func newSecurityKeys(cfg *config.Config, o Options, st *store.Store, schemas *identity.Schemas) (*securityKeys, error) {
	w := cfg.Selfservice.Methods.WebAuthn
	if !w.Enabled {
		return nil, nil
	}
	if len(cfg.Secrets.Default) == 0 {
		return nil, fmt.Errorf("secrets.default: webauthn needs a secret")
	}
	m, err := webauthn.New(st, schemas, webauthn.Options{
		RPID:          w.RP.ID,
		RPDisplayName: w.RP.DisplayName,
		Origins:       w.RP.Origins,
		Passwordless:  w.Passwordless,
		NativeFlows:   w.NativeFlows,
		Secret:        cfg.Secrets.Default[0],
		ScriptURL:     cfg.Serve.Public.BaseURL.JoinPath(webauthn.ScriptPath).String(),
		Now:           o.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("selfservice.methods.webauthn.config: %w", err)
	}
	return &securityKeys{method: m, settings: webauthn.NewSettings(m)}, nil
}

// loginMethods is the webauthn login method, when enabled.
func (k *securityKeys) loginMethods() []login.Method {
	if k == nil {
		return nil
	}
	return []login.Method{k.method}
}

// settingsMethods is the webauthn settings method, when enabled.
func (k *securityKeys) settingsMethods() []settings.Method {
	if k == nil {
		return nil
	}
	return []settings.Method{k.settings}
}

// webauthnScript serves GET /.well-known/ory/webauthn.js (always, as
// Kratos: the script is static).
func webauthnScript() http.Handler { return webauthn.NewScript() }
