package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/warden-id/warden/internal/config"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/registration"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/password"
	"github.com/warden-id/warden/internal/method/password/policy"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/web"
)

// selfServiceHandlers are the flow handlers the public routes serve, and
// the shared pieces other flows (logout) are built with.
type selfServiceHandlers struct {
	login        *login.Handler
	registration *registration.Handler
	errors       *flow.ErrorManager
	returnTo     *flow.ReturnToPolicy
	csrf         web.CSRF
	// mfa are the second-factor methods (issue 5), shared with settings.
	mfa *secondFactors
	// keys is the webauthn method (issue 5, webauthn.go); nil when off.
	keys *securityKeys
}

// selfService builds the shared flow machinery, the password method and
// the login and registration flows from the config (issue 3).
func selfService(ctx context.Context, cfg *config.Config, o Options, st *store.Store, ids *identity.Service,
	schemas *identity.Schemas, hasher hash.Hasher, sessions *session.Manager) (*selfServiceHandlers, error) {
	public := cfg.Serve.Public.BaseURL
	ss := &cfg.Selfservice
	csrf := newCSRF(cfg)
	ew := web.ErrorWriter{Log: o.Log}
	returnTo, warnings := flow.NewReturnToPolicy(public, ss.AllowedReturnURLs)
	for _, w := range warnings {
		o.Log.Warn(w)
	}
	errs := &flow.ErrorManager{Store: st, UIURL: ss.Flows.Error.UIURL, Writer: ew, CSRF: csrf}
	rs := &flow.Responder{
		PublicURL:                 public,
		DefaultReturnTo:           ss.DefaultBrowserReturnURL,
		ReturnTo:                  returnTo,
		CSRF:                      csrf,
		Errors:                    errs,
		Writer:                    ew,
		Now:                       o.Now,
		DisableAPIFlowEnforcement: cfg.Dev && o.DevDisableAPIFlowEnforcement,
	}

	schema, ok := schemas.Get(schemas.DefaultID())
	if !ok {
		return nil, fmt.Errorf("identity.default_schema_id: no schema %q", schemas.DefaultID())
	}
	// The dummy hash costs what a real comparison costs, so an unknown
	// identifier takes as long as a wrong password (style.md §12).
	dummy, err := hash.NewDummy(ctx, hasher)
	if err != nil {
		return nil, fmt.Errorf("hashers: %w", err)
	}
	pc := ss.Methods.Password.Config
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
	var loginMethods []login.Method
	var regMethods []registration.Method
	if ss.Methods.Password.Enabled {
		loginMethods = append(loginMethods, pw)
		regMethods = append(regMethods, pw)
	}
	// --- second factors (issue 5, mfa.go) ---
	mfa, err := newSecondFactors(cfg, o, st, schemas)
	if err != nil {
		return nil, err
	}
	loginMethods = append(loginMethods, mfa.loginMethods()...)
	// --- end second factors ---
	// --- webauthn (issue 5, webauthn.go) ---
	secKeys, err := newSecurityKeys(cfg, o, st, schemas)
	if err != nil {
		return nil, err
	}
	loginMethods = append(loginMethods, secKeys.loginMethods()...)
	// --- end webauthn ---

	lf := ss.Flows.Login
	warnUnsupportedHooks(o, "selfservice.flows.login.after", lf.After,
		login.HookRequireVerifiedAddress, login.HookRevokeActiveSessions)
	lh := login.NewHandler(st, st, sessions, loginMethods, rs, login.Options{
		UIURL:               lf.UIURL,
		Lifespan:            lf.Lifespan,
		AfterReturnTo:       lf.After.DefaultBrowserReturnURL,
		AfterMethodReturnTo: afterURLs(lf.After),
		AfterHooks:          hookNames(lf.After.Hooks),
		AfterMethodHooks:    afterHooks(lf.After),
		RequireHighestAAL:   cfg.Session.Whoami.RequiredAAL != session.RequireAAL1,
		Throttle:            loginThrottle(lf.Throttle),
		Log:                 o.Log,
	})

	rf := ss.Flows.Registration
	warnUnsupportedHooks(o, "selfservice.flows.registration.after", rf.After, registration.HookSession)
	keys := append([]string{flow.CSRFNodeName}, flow.TraitSortKeys(pw.Fields())...)
	rh := registration.NewHandler(st, st, sessions, regMethods, rs, registration.Options{
		Enabled:             rf.Enabled,
		UIURL:               rf.UIURL,
		Lifespan:            rf.Lifespan,
		AfterReturnTo:       rf.After.DefaultBrowserReturnURL,
		AfterMethodReturnTo: afterURLs(rf.After),
		AfterHooks:          hookNames(rf.After.Hooks),
		AfterMethodHooks:    afterHooks(rf.After),
		SortKeys:            append(keys, "password"),
		Log:                 o.Log,
	})
	return &selfServiceHandlers{login: lh, registration: rh, errors: errs, returnTo: returnTo, csrf: csrf, mfa: mfa,
		keys: secKeys}, nil
}

// loginThrottle maps selfservice.flows.login.throttle.* (D18; config
// validates the limits) to the login handler's options.
func loginThrottle(t config.LoginThrottle) login.ThrottleOptions {
	return login.ThrottleOptions{Enabled: t.Enabled, Window: t.Window,
		MaxPerIdentifier: t.MaxFailuresPerIdentifier, MaxPerAddress: t.MaxFailuresPerAddress}
}

// newCSRF is the CSRF cookie of foundation §8.1: named after the exact
// public base URL string, cookies.* attributes, SameSite forced to Lax and
// not Secure in dev mode.
func newCSRF(cfg *config.Config) web.CSRF {
	return web.CSRF{
		CookieName: web.CSRFCookieName(cfg.Serve.Public.BaseURL.String()),
		Path:       cfg.Cookies.Path,
		Domain:     cfg.Cookies.Domain,
		Secure:     !cfg.Dev,
		SameSite:   sameSite(cfg.Cookies.SameSite, cfg.Dev),
	}
}

// sameSite maps a config value (Strict|Lax|None) to the cookie attribute;
// forceLax is dev mode for the CSRF cookie.
func sameSite(v string, forceLax bool) http.SameSite {
	if forceLax {
		return http.SameSiteLaxMode
	}
	switch strings.ToLower(v) {
	case "strict":
		return http.SameSiteStrictMode
	case "none":
		return http.SameSiteNoneMode
	default:
		return http.SameSiteLaxMode
	}
}

func hookNames(hs []config.Hook) []string {
	if hs == nil {
		return nil
	}
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.Hook)
	}
	return out
}

// afterHooks are the per-method hook lists; a method listed with hooks
// replaces the global list for that method.
func afterHooks(a config.After) map[identity.CredentialsType][]string {
	out := map[identity.CredentialsType][]string{}
	for m, am := range a.Methods {
		if am.Hooks != nil {
			out[identity.CredentialsType(m)] = hookNames(am.Hooks)
		}
	}
	return out
}

func afterURLs(a config.After) map[identity.CredentialsType]*url.URL {
	out := map[identity.CredentialsType]*url.URL{}
	for m, am := range a.Methods {
		if am.DefaultBrowserReturnURL != nil {
			out[identity.CredentialsType(m)] = am.DefaultBrowserReturnURL
		}
	}
	return out
}

// warnUnsupportedHooks logs, once at startup, hooks a flow does not run yet.
func warnUnsupportedHooks(o Options, key string, a config.After, supported ...string) {
	check := func(k string, hs []config.Hook) {
		for _, h := range hs {
			if !slices.Contains(supported, h.Hook) {
				o.Log.Warn("hook is not supported by this flow yet and is ignored", "key", k, "hook", h.Hook)
			}
		}
	}
	check(key+".hooks", a.Hooks)
	for m, am := range a.Methods {
		check(key+"."+m+".hooks", am.Hooks)
	}
}
