package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/config"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/hook"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/webauthn"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/text"
)

// securityKeys is the webauthn method (issue 5) for the login and settings
// flows, with the after-settings hooks that apply its changes to sessions.
// A nil *securityKeys (webauthn not enabled) contributes nothing.
type securityKeys struct {
	method   *webauthn.Method
	settings *webauthn.Settings
	changes  *keyChanges
	st       *store.Store
	// revoke is after.webauthn.revoke_other_sessions.
	revoke bool
	// aal2URL is PUBLIC/self-service/login/browser?aal=aal2.
	aal2URL string
	now     func() time.Time
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
	k := &securityKeys{method: m, st: st, now: o.Now,
		changes: &keyChanges{m: map[uuid.UUID]keyChange{}, now: o.Now},
		revoke:  cfg.Selfservice.Flows.Settings.RevokeOtherSessionsAfterWebAuthn}
	k.settings = webauthn.NewSettings(m, k.changes)
	aal2 := cfg.Serve.Public.BaseURL.JoinPath("self-service", "login", "browser")
	aal2.RawQuery = "aal=aal2"
	k.aal2URL = aal2.String()
	return k, nil
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

// withSettingsHooks puts the guard first and the session step after it in
// webauthn's after-settings hooks, then the configured list
// (after.webauthn.hooks, else after.hooks, copied in because a method's own
// list replaces the global one) — as mfa.go does for totp and lookup_secret.
func (k *securityKeys) withSettingsHooks(perMethod map[string][]hook.Hook, global []hook.Hook) {
	if k == nil {
		return
	}
	name := string(identity.CredentialsWebAuthn)
	base, ok := perMethod[name]
	if !ok {
		base = global
	}
	perMethod[name] = append([]hook.Hook{&keyGuard{k}, &keySession{k}}, slices.Clone(base)...)
}

// webauthnScript serves GET /.well-known/ory/webauthn.js (always, as
// Kratos: the script is static).
func webauthnScript() http.Handler { return webauthn.NewScript() }

// keyChanges is the bridge between the settings method and the hooks (see
// webauthn.Changes), keyed by submitted flow, short-lived.
type keyChanges struct {
	mu  sync.Mutex
	m   map[uuid.UUID]keyChange
	now func() time.Time
}

type keyChange struct {
	webauthn.Change
	at time.Time
}

// ClearWebAuthnChange: see webauthn.Changes.
func (c *keyChanges) ClearWebAuthnChange(flowID uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, flowID)
}

// RecordWebAuthnChange: see webauthn.Changes.
func (c *keyChanges) RecordWebAuthnChange(flowID uuid.UUID, ch webauthn.Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for id, e := range c.m {
		if now.Sub(e.at) > factorChangeTTL {
			delete(c.m, id)
		}
	}
	c.m[flowID] = keyChange{Change: ch, at: now}
}

func (c *keyChanges) peek(flowID uuid.UUID) (webauthn.Change, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[flowID]
	return e.Change, ok && c.now().Sub(e.at) <= factorChangeTTL
}

func (c *keyChanges) take(flowID uuid.UUID) (webauthn.Change, bool) {
	e, ok := c.peek(flowID)
	c.ClearWebAuthnChange(flowID)
	return e, ok
}

// keyGuard runs before the update is stored (beyond Kratos, issue 5 item
// 6): a session below aal2 may not remove the key that is the last second
// factor of an identity with aal2 available. Removing one of several keys,
// or a key while TOTP or backup codes remain, is fine.
type keyGuard struct{ k *securityKeys }

func (g *keyGuard) Name() string     { return "warden_webauthn_guard" }
func (g *keyGuard) PrePersist() bool { return true }

func (g *keyGuard) Run(ctx context.Context, hc hook.Context) error {
	id, ok := flowID(hc)
	if !ok {
		return nil
	}
	c, ok := g.k.changes.peek(id)
	if !ok || c.Added {
		return nil
	}
	sess, err := g.k.st.FindSessionByID(ctx, hc.CurrentSessionID, false)
	if err != nil {
		return fmt.Errorf("webauthn: load session: %w", err)
	}
	if !sess.AAL.Less(session.AAL2) {
		return nil
	}
	i, err := g.k.st.FindIdentityByID(ctx, hc.IdentityID, true)
	if err != nil {
		return fmt.Errorf("webauthn: load identity: %w", err)
	}
	after, err := webauthn.WithoutCredential(i.Credentials, c.RemovedID)
	if err != nil {
		return fmt.Errorf("webauthn: %w", err)
	}
	if identity.AvailableAAL(i.Credentials) != identity.AAL2 || identity.AvailableAAL(after) == identity.AAL2 {
		return nil
	}
	g.k.changes.ClearWebAuthnChange(id)
	e := session.ErrAAL2Required(g.k.aal2URL)
	return &hook.InterruptError{StatusCode: http.StatusForbidden, Messages: []hook.FieldMessages{{
		Messages: []text.Message{{ID: text.IDValidationGeneric, Text: e.Reason, Type: text.Error, Context: map[string]any{}}}}}}
}

// keySession runs after the update is stored: a key just added is appended
// to the session's AMR with the level it proves (aal1 passwordless, else
// aal2; §5.4 step 7, §13 Q18), without moving authenticated_at; adding or
// removing a key revokes the identity's other sessions unless
// after.webauthn.revoke_other_sessions is false. Removing never downgrades
// the session (Q18).
type keySession struct{ k *securityKeys }

func (h *keySession) Name() string { return "warden_webauthn_session" }

func (h *keySession) Run(ctx context.Context, hc hook.Context) error {
	id, ok := flowID(hc)
	if !ok {
		return nil
	}
	c, ok := h.k.changes.take(id)
	if !ok {
		return nil
	}
	if c.Added {
		if err := h.upgrade(ctx, hc.CurrentSessionID, c.AAL); err != nil {
			return err
		}
	}
	if h.k.revoke {
		if _, err := h.k.st.RevokeOtherSessions(ctx, hc.IdentityID, hc.CurrentSessionID); err != nil {
			return fmt.Errorf("webauthn: revoke other sessions: %w", err)
		}
	}
	return nil
}

// upgrade appends {webauthn, aal, now} to the session's AMR and recomputes
// its AAL.
func (h *keySession) upgrade(ctx context.Context, sessionID uuid.UUID, aal session.AAL) error {
	s, err := h.k.st.FindSessionByID(ctx, sessionID, false)
	if err != nil {
		if apierr.Is(err, http.StatusNotFound) {
			return nil // logged out meanwhile: nothing to upgrade
		}
		return fmt.Errorf("webauthn: load session: %w", err)
	}
	s.AMR = append(s.AMR, session.AuthenticationMethod{Method: identity.CredentialsWebAuthn, AAL: aal,
		CompletedAt: h.k.now().UTC().Truncate(time.Microsecond)})
	s.AAL = session.ComputeAAL(s.AMR)
	if err := h.k.st.UpdateSession(ctx, s); err != nil {
		return fmt.Errorf("webauthn: update session: %w", err)
	}
	return nil
}
