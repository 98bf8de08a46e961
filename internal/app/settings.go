package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/config"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/hook"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/password"
	"github.com/warden-id/warden/internal/method/password/policy"
	"github.com/warden-id/warden/internal/method/profile"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/web"
)

// settingsFlow builds the settings flow (issue 4) with the profile and
// password methods, and its after-settings hooks, from the config. It shares
// the error store, return_to policy and CSRF cookie of the other flows.
func settingsFlow(ctx context.Context, cfg *config.Config, o Options, st *store.Store, ids *identity.Service,
	schemas *identity.Schemas, hasher hash.Hasher, sessions *session.Manager, flows *selfServiceHandlers) (*settings.Handler, error) {
	if flows == nil || flows.errors == nil || flows.returnTo == nil {
		return nil, fmt.Errorf("app: the settings flow needs the flow error manager and return_to policy")
	}
	ss := &cfg.Selfservice
	rs := &flow.Responder{
		PublicURL:                 cfg.Serve.Public.BaseURL,
		DefaultReturnTo:           ss.DefaultBrowserReturnURL,
		ReturnTo:                  flows.returnTo,
		CSRF:                      flows.csrf,
		Errors:                    flows.errors,
		Writer:                    web.ErrorWriter{Log: o.Log},
		Now:                       o.Now,
		DisableAPIFlowEnforcement: cfg.Dev && o.DevDisableAPIFlowEnforcement,
	}

	// Every schema's form fields, computed once (not per request).
	fields := map[string][]flow.TraitField{}
	for _, sch := range schemas.List() {
		f, err := flow.TraitFields(sch.Raw)
		if err != nil {
			return nil, fmt.Errorf("identity.schemas: %s: %w", sch.ID, err)
		}
		fields[sch.ID] = f
	}
	sortKeys := map[string][]string{}
	for id, fs := range fields {
		for _, f := range fs {
			sortKeys[id] = append(sortKeys[id], f.Name)
		}
	}

	var methods []settings.Method
	if ss.Methods.Password.Enabled {
		pw, err := newPasswordMethod(ctx, cfg, o, st, ids, hasher, schemas)
		if err != nil {
			return nil, err
		}
		methods = append(methods, password.NewSettings(pw))
	}
	if ss.Methods.Profile.Enabled {
		methods = append(methods, profile.New(ids, fields))
	}
	// --- second factors (issue 5, mfa.go) ---
	if flows.mfa != nil {
		methods = append(methods, flows.mfa.settingsMethods()...)
	}
	// --- end second factors ---
	methods = append(methods, flows.keys.settingsMethods()...) // webauthn (issue 5, webauthn.go)

	sf := ss.Flows.Settings
	deps := hook.Deps{Revoker: revoker{sessions}, Log: o.Log, HTTPClient: o.HTTPClient,
		DisallowPrivateIPRanges: cfg.Clients.HTTP.DisallowPrivateIPRanges}
	after, err := settingsHooks("selfservice.flows.settings.after.hooks", sf.After.Hooks, deps, o)
	if err != nil {
		return nil, err
	}
	perMethod := map[string][]hook.Hook{}
	for m, am := range sf.After.Methods {
		if am.Hooks == nil {
			continue
		}
		hs, err := settingsHooks("selfservice.flows.settings.after."+m+".hooks", am.Hooks, deps, o)
		if err != nil {
			return nil, err
		}
		perMethod[m] = hs
	}
	returnTos := map[string]*url.URL{}
	for m, am := range sf.After.Methods {
		if am.DefaultBrowserReturnURL != nil {
			returnTos[m] = am.DefaultBrowserReturnURL
		}
	}
	return settings.NewHandler(st, settingsSessions{Manager: sessions, st: st}, methods, rs, settings.Options{
		UIURL:                   sf.UIURL,
		LoginUIURL:              ss.Flows.Login.UIURL,
		Lifespan:                sf.Lifespan,
		PrivilegedSessionMaxAge: sf.PrivilegedSessionMaxAge,
		RequiredAAL:             sf.RequiredAAL,
		AfterReturnTo:           sf.After.DefaultBrowserReturnURL,
		AfterMethodReturnTo:     returnTos,
		AfterHooks:              after,
		AfterMethodHooks:        perMethod,
		RevokeOtherSessionsAfter: map[string]bool{
			string(identity.CredentialsPassword):     sf.RevokeOtherSessionsAfterPassword,
			string(identity.CredentialsTOTP):         sf.RevokeOtherSessionsAfterTOTP,
			string(identity.CredentialsLookupSecret): sf.RevokeOtherSessionsAfterLookupSecret,
			string(identity.CredentialsWebAuthn):     sf.RevokeOtherSessionsAfterWebAuthn,
		},
		SortKeys:   func(schemaID string) []string { return sortKeys[schemaID] },
		Continuity: settings.CookieOptions{Path: cfg.Cookies.Path, Domain: cfg.Cookies.Domain, Secure: !cfg.Dev},
		Log:        o.Log,
	})
}

// newPasswordMethod is the password method as the settings flow uses it:
// the configured hasher and password policy.
func newPasswordMethod(ctx context.Context, cfg *config.Config, o Options, st *store.Store, ids *identity.Service,
	hasher hash.Hasher, schemas *identity.Schemas) (*password.Method, error) {
	schema, ok := schemas.Get(schemas.DefaultID())
	if !ok {
		return nil, fmt.Errorf("identity.default_schema_id: no schema %q", schemas.DefaultID())
	}
	dummy, err := hash.NewDummy(ctx, hasher)
	if err != nil {
		return nil, fmt.Errorf("hashers: %w", err)
	}
	pc := cfg.Selfservice.Methods.Password.Config
	pw, err := password.New(st, ids, hasher, dummy, policy.New(policy.Options{
		MinLength:                 pc.MinPasswordLength,
		IdentifierSimilarityCheck: pc.IdentifierSimilarityCheckEnabled,
		HIBPEnabled:               pc.HaveIBeenPwnedEnabled,
		HIBPHost:                  pc.HaveIBeenPwnedHost,
		MaxBreaches:               pc.MaxBreaches,
		IgnoreNetworkErrors:       pc.IgnoreNetworkErrors,
		HTTPClient:                o.HTTPClient,
		Now:                       o.Now,
	}), password.Options{SchemaID: schema.ID, Schema: schema.Raw, Now: o.Now})
	if err != nil {
		return nil, fmt.Errorf("identity.schemas: %w", err)
	}
	return pw, nil
}

// settingsHooks builds one hooks list. The session and
// require_verified_address markers mean nothing after a settings update;
// they are dropped with a warning, as Kratos's config schema refuses them.
func settingsHooks(key string, list []config.Hook, deps hook.Deps, o Options) ([]hook.Hook, error) {
	out := make([]hook.Hook, 0, len(list))
	for i, c := range list {
		path := key + "[" + strconv.Itoa(i) + "]"
		switch c.Hook {
		case hook.NameWebHook, hook.NameRevokeActiveSessions:
		default:
			o.Log.Warn("hook is not supported by the settings flow and is ignored", "key", path, "hook", c.Hook)
			continue
		}
		h, err := hook.FromConfig(path, hook.Config(c), deps)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// revoker adapts the session manager to hook.SessionRevoker.
type revoker struct{ m *session.Manager }

func (r revoker) RevokeOtherSessions(ctx context.Context, identityID, keep uuid.UUID) (int, error) {
	n, err := r.m.RevokeOtherSessions(ctx, identityID, keep)
	return int(n), err
}

// settingsSessions is the session manager as the settings flow uses it,
// with AddAuthenticationMethod, which the manager does not have yet.
type settingsSessions struct {
	*session.Manager
	st *store.Store
}

// AddAuthenticationMethod: see settings.Sessions. The session is read
// again first, so a logout that happened during the update is not undone
// (the request's copy still says active) and the AMR is the stored one.
func (s settingsSessions) AddAuthenticationMethod(ctx context.Context, sess *session.Session, m session.AuthenticationMethod) error {
	cur, err := s.st.FindSessionByID(ctx, sess.ID, false)
	if apierr.Is(err, http.StatusNotFound) {
		return nil // gone meanwhile: nothing to upgrade
	}
	if err != nil {
		return fmt.Errorf("load session: %w", err)
	}
	if !cur.Active {
		return nil
	}
	cur.AMR = append(cur.AMR, m)
	cur.AAL = session.ComputeAAL(cur.AMR)
	if err := s.st.UpdateSession(ctx, cur); err != nil {
		return fmt.Errorf("update session: %w", err)
	}
	sess.AMR, sess.AAL = cur.AMR, cur.AAL
	return nil
}
