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
	"github.com/warden-id/warden/internal/method/lookup"
	"github.com/warden-id/warden/internal/method/totp"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/text"
)

// secondFactors are the TOTP and lookup_secret methods (issue 5) for the
// login and settings flows; a method that is not enabled is nil.
type secondFactors struct {
	totp           *totp.Method
	totpSettings   *totp.Settings
	lookup         *lookup.Method
	lookupSettings *lookup.Settings
	changes        *factorChanges
	st             *store.Store
	// revoke says, per method, whether adding or removing it revokes the
	// identity's other sessions (after.<method>.revoke_other_sessions).
	revoke map[identity.CredentialsType]bool
	// aal2URL is PUBLIC/self-service/login/browser?aal=aal2.
	aal2URL string
	now     func() time.Time
}

// newSecondFactors builds the enabled second-factor methods from
// selfservice.methods.{totp,lookup_secret}. Lookup codes are hashed with
// secrets.default (D16); rotating a secret out of that list invalidates
// the codes hashed with it, as it invalidates cookies signed with it.
func newSecondFactors(cfg *config.Config, o Options, st *store.Store, schemas *identity.Schemas) (*secondFactors, error) {
	m := cfg.Selfservice.Methods
	sf := &secondFactors{
		changes: &factorChanges{m: map[uuid.UUID]factorChange{}, now: o.Now},
		st:      st,
		now:     o.Now,
		revoke: map[identity.CredentialsType]bool{
			identity.CredentialsTOTP:         cfg.Selfservice.Flows.Settings.RevokeOtherSessionsAfterTOTP,
			identity.CredentialsLookupSecret: cfg.Selfservice.Flows.Settings.RevokeOtherSessionsAfterLookupSecret,
		},
	}
	aal2 := cfg.Serve.Public.BaseURL.JoinPath("self-service", "login", "browser")
	aal2.RawQuery = "aal=aal2"
	sf.aal2URL = aal2.String()
	if m.TOTP.Enabled {
		sf.totp = totp.New(st, schemas, totp.Options{Issuer: m.TOTP.Issuer, Now: o.Now})
		// One settings method for the process: it keeps the pending keys.
		sf.totpSettings = totp.NewSettings(sf.totp, sf.changes)
	}
	if m.LookupSecret.Enabled {
		h, err := lookup.NewHasher(cfg.Secrets.Default)
		if err != nil {
			return nil, fmt.Errorf("secrets.default: %w", err)
		}
		sf.lookup = lookup.New(st, h, lookup.Options{Now: o.Now})
		sf.lookupSettings = lookup.NewSettings(sf.lookup, sf.changes)
	}
	return sf, nil
}

// loginMethods are the enabled second factors as login methods, in
// Kratos's strategy order (totp before lookup_secret).
func (sf *secondFactors) loginMethods() []login.Method {
	var out []login.Method
	if sf.totp != nil {
		out = append(out, sf.totp)
	}
	if sf.lookup != nil {
		out = append(out, sf.lookup)
	}
	return out
}

// settingsMethods are the enabled second factors as settings methods (the
// settings flow orders them itself).
func (sf *secondFactors) settingsMethods() []settings.Method {
	var out []settings.Method
	if sf.totpSettings != nil {
		out = append(out, sf.totpSettings)
	}
	if sf.lookupSettings != nil {
		out = append(out, sf.lookupSettings)
	}
	return out
}

// withSettingsHooks adds the second factors' hooks to the after-settings
// hook lists: for totp and lookup_secret, the guard first and the session
// step after it, then the configured list (after.<method>.hooks, else
// after.hooks, which a method's own list replaces: so it is copied in).
func (sf *secondFactors) withSettingsHooks(perMethod map[string][]hook.Hook, global []hook.Hook) {
	for _, m := range []identity.CredentialsType{identity.CredentialsTOTP, identity.CredentialsLookupSecret} {
		base, ok := perMethod[string(m)]
		if !ok {
			base = global
		}
		perMethod[string(m)] = append([]hook.Hook{&factorGuard{sf}, &factorSession{sf}}, slices.Clone(base)...)
	}
}

// factorChanges is the bridge between the methods and the hooks (see
// totp.Changes): what each flow's current submission does, until its hook
// runs. Entries are few and short-lived; old ones are dropped as new ones
// arrive.
type factorChanges struct {
	mu  sync.Mutex
	m   map[uuid.UUID]factorChange
	now func() time.Time
}

type factorChange struct {
	method identity.CredentialsType
	added  bool
	at     time.Time
}

// factorChangeTTL bounds an entry whose update was never stored.
const factorChangeTTL = 10 * time.Minute

// ClearFactorChange: see totp.Changes.
func (c *factorChanges) ClearFactorChange(flowID uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, flowID)
}

// RecordFactorChange: see totp.Changes.
func (c *factorChanges) RecordFactorChange(flowID uuid.UUID, method identity.CredentialsType, added bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for id, e := range c.m {
		if now.Sub(e.at) > factorChangeTTL {
			delete(c.m, id)
		}
	}
	c.m[flowID] = factorChange{method: method, added: added, at: now}
}

// FactorChange: see totp.Changes.
func (c *factorChanges) FactorChange(flowID uuid.UUID) (identity.CredentialsType, bool, bool) {
	e, ok := c.peek(flowID)
	return e.method, e.added, ok
}

// peek returns the flow's entry; take also removes it.
func (c *factorChanges) peek(flowID uuid.UUID) (factorChange, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[flowID]
	return e, ok && c.now().Sub(e.at) <= factorChangeTTL
}

func (c *factorChanges) take(flowID uuid.UUID) (factorChange, bool) {
	e, ok := c.peek(flowID)
	c.ClearFactorChange(flowID)
	return e, ok
}

// flowID is the settings flow a hook runs for.
func flowID(hc hook.Context) (uuid.UUID, bool) {
	f, ok := hc.Flow.(*settings.Flow)
	if !ok || f == nil {
		return uuid.Nil, false
	}
	return f.ID, true
}

// factorGuard runs before the update is stored (beyond Kratos): a session
// below aal2 may not remove the last second factor of an identity that
// has aal2 available — it would undo the factor without having proved it.
// (With required_aal: highest_available, the default, such a session is
// refused before any method runs; this covers required_aal: aal1.)
type factorGuard struct{ sf *secondFactors }

func (g *factorGuard) Name() string     { return "warden_second_factor_guard" }
func (g *factorGuard) PrePersist() bool { return true }

func (g *factorGuard) Run(ctx context.Context, hc hook.Context) error {
	id, ok := flowID(hc)
	if !ok {
		return nil
	}
	c, ok := g.sf.changes.peek(id)
	if !ok || c.added {
		return nil
	}
	sess, err := g.sf.st.FindSessionByID(ctx, hc.CurrentSessionID, false)
	if err != nil {
		return fmt.Errorf("second factors: load session: %w", err)
	}
	if !sess.AAL.Less(session.AAL2) {
		return nil
	}
	i, err := g.sf.st.FindIdentityByID(ctx, hc.IdentityID, true)
	if err != nil {
		return fmt.Errorf("second factors: load identity: %w", err)
	}
	after := make(map[identity.CredentialsType]identity.Credentials, len(i.Credentials))
	for t, cr := range i.Credentials {
		if t != c.method {
			after[t] = cr
		}
	}
	if identity.AvailableAAL(i.Credentials) != identity.AAL2 || identity.AvailableAAL(after) == identity.AAL2 {
		return nil
	}
	g.sf.changes.ClearFactorChange(id)
	e := session.ErrAAL2Required(g.sf.aal2URL)
	// The flow shows the refusal as a message (a hook cannot answer 403).
	return &hook.InterruptError{StatusCode: http.StatusForbidden, Messages: []hook.FieldMessages{{
		Messages: []text.Message{{ID: text.IDValidationGeneric, Text: e.Reason, Type: text.Error, Context: map[string]any{}}}}}}
}

// factorSession runs after the update is stored: a factor just added is
// appended to the session's AMR, which makes it aal2 (Kratos's §13 Q18,
// without moving authenticated_at); adding or removing one revokes the
// identity's other sessions unless after.<method>.revoke_other_sessions is
// false (beyond Kratos: whoever held another session did not see the
// change). Removing a factor never downgrades the session (Q18).
type factorSession struct{ sf *secondFactors }

func (h *factorSession) Name() string { return "warden_second_factor_session" }

func (h *factorSession) Run(ctx context.Context, hc hook.Context) error {
	id, ok := flowID(hc)
	if !ok {
		return nil
	}
	c, ok := h.sf.changes.take(id)
	if !ok {
		return nil
	}
	if c.added {
		if err := h.upgrade(ctx, hc.CurrentSessionID, c.method); err != nil {
			return err
		}
	}
	if h.sf.revoke[c.method] {
		if _, err := h.sf.st.RevokeOtherSessions(ctx, hc.IdentityID, hc.CurrentSessionID); err != nil {
			return fmt.Errorf("second factors: revoke other sessions: %w", err)
		}
	}
	return nil
}

// upgrade appends {method, aal2, now} to the session's AMR and recomputes
// its AAL, as Kratos's SessionAddAuthenticationMethods does.
func (h *factorSession) upgrade(ctx context.Context, sessionID uuid.UUID, method identity.CredentialsType) error {
	s, err := h.sf.st.FindSessionByID(ctx, sessionID, false)
	if err != nil {
		if apierr.Is(err, http.StatusNotFound) {
			return nil // the session is gone (logged out meanwhile): nothing to upgrade
		}
		return fmt.Errorf("second factors: load session: %w", err)
	}
	s.AMR = append(s.AMR, session.AuthenticationMethod{Method: method, AAL: session.AAL2,
		CompletedAt: h.sf.now().UTC().Truncate(time.Microsecond)})
	s.AAL = session.ComputeAAL(s.AMR)
	if err := h.sf.st.UpdateSession(ctx, s); err != nil {
		return fmt.Errorf("second factors: update session: %w", err)
	}
	return nil
}
