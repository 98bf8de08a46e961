package config

import "encoding/json"

// hookNames are the hooks Kratos v0.10.1 and v1 know. Which hook may run in
// which flow is the flows' business; an unknown name is always a typo.
var hookNames = map[string]bool{
	"session": true, "revoke_active_sessions": true, "require_verified_address": true,
	"web_hook": true, "show_verification_ui": true, "verification": true,
	"two_step_registration": true, "b2b_sso": true,
}

func selfservice(r *reader) Selfservice {
	var s Selfservice
	s.DefaultBrowserReturnURL = r.absURL("selfservice.default_browser_return_url")
	for i, raw := range r.strs("selfservice.allowed_return_urls") {
		u, err := parseAbsURL(raw)
		if err != nil {
			r.failf("selfservice.allowed_return_urls", "entry %d: %v", i, err)
			continue
		}
		s.AllowedReturnURLs = append(s.AllowedReturnURLs, u)
	}
	s.Methods = methods(r)

	f := &s.Flows
	f.Error.UIURL = r.uriRef("selfservice.flows.error.ui_url")
	f.Login.Flow = flow(r, "login")
	f.Login.Throttle = loginThrottle(r)
	f.Registration = flow(r, "registration")
	f.Registration.Enabled = r.boolean("selfservice.flows.registration.enabled")
	f.Settings.Flow = flow(r, "settings")
	f.Settings.PrivilegedSessionMaxAge = r.duration("selfservice.flows.settings.privileged_session_max_age")
	f.Settings.RequiredAAL = requiredAAL(r, "selfservice.flows.settings.required_aal")
	f.Settings.RevokeOtherSessionsAfterPassword = r.boolean("selfservice.flows.settings.after.password.revoke_other_sessions")
	f.Settings.RevokeOtherSessionsAfterTOTP = r.boolean("selfservice.flows.settings.after.totp.revoke_other_sessions")
	f.Settings.RevokeOtherSessionsAfterLookupSecret = r.boolean("selfservice.flows.settings.after.lookup_secret.revoke_other_sessions")
	f.Settings.RevokeOtherSessionsAfterWebAuthn = r.boolean("selfservice.flows.settings.after.webauthn.revoke_other_sessions") // webauthn (issue 5)
	f.Recovery = flow(r, "recovery")
	f.Recovery.Enabled = r.boolean("selfservice.flows.recovery.enabled")
	f.Verification = flow(r, "verification")
	f.Verification.Enabled = r.boolean("selfservice.flows.verification.enabled")
	f.Logout.After.DefaultBrowserReturnURL = r.absURL("selfservice.flows.logout.after.default_browser_return_url")
	return s
}

// loginThrottle reads selfservice.flows.login.throttle.*. Limits are
// checked even when throttling is off, so turning it on later cannot
// reveal a bad value. A value that did not parse is reported once.
func loginThrottle(r *reader) LoginThrottle {
	p := "selfservice.flows.login.throttle."
	t := LoginThrottle{Enabled: r.boolean(p + "enabled")}
	n := len(r.errs)
	if t.Window = r.duration(p + "window"); len(r.errs) == n && t.Window <= 0 {
		r.failf(p+"window", "must be greater than 0, got %s", t.Window)
	}
	t.MaxFailuresPerIdentifier = atLeastOne(r, p+"max_failures_per_identifier")
	t.MaxFailuresPerAddress = atLeastOne(r, p+"max_failures_per_address")
	return t
}

// atLeastOne reads a count that must be 1 or more.
func atLeastOne(r *reader, path string) int {
	n := len(r.errs)
	v := r.integer(path)
	if len(r.errs) == n && v < 1 {
		r.failf(path, "must be at least 1, got %d", v)
	}
	return v
}

// flow reads the keys every selfservice.flows.<name> shares. Enabled is set
// by the caller for the flows that have the key; login and settings are
// always on.
func flow(r *reader, name string) Flow {
	p := "selfservice.flows." + name
	fl := Flow{
		Enabled:  true,
		UIURL:    r.uriRef(p + ".ui_url"),
		Lifespan: r.duration(p + ".lifespan"),
		Before:   hooks(r, p+".before.hooks"),
	}
	fl.After.DefaultBrowserReturnURL = r.absURL(p + ".after.default_browser_return_url")
	fl.After.Hooks = hooks(r, p+".after.hooks")
	for _, m := range afterMethods {
		am := AfterMethod{
			DefaultBrowserReturnURL: r.absURL(p + ".after." + m + ".default_browser_return_url"),
			Hooks:                   hooks(r, p+".after."+m+".hooks"),
		}
		if am.DefaultBrowserReturnURL == nil && am.Hooks == nil {
			continue
		}
		if fl.After.Methods == nil {
			fl.After.Methods = map[string]AfterMethod{}
		}
		fl.After.Methods[m] = am
	}
	return fl
}

// hooks reads a hooks list: [{hook: name, config: {…}}].
func hooks(r *reader, path string) []Hook {
	v := r.value(path)
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		r.failf(path, "expected a list of hooks, got %s", describe(v))
		return nil
	}
	out := make([]Hook, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			r.failf(path, "entry %d: expected {hook, config}, got %s", i, describe(e))
			continue
		}
		name, _ := m["hook"].(string)
		if !hookNames[name] {
			r.failf(path, "entry %d: unknown hook %q", i, name)
			continue
		}
		h := Hook{Hook: name}
		switch c := m["config"].(type) {
		case nil:
		case map[string]any:
			h.Config = c
		default:
			r.failf(path, "entry %d (%s): config must be an object, got %s", i, name, describe(c))
			continue
		}
		out = append(out, h)
	}
	return out
}

func methods(r *reader) Methods {
	var m Methods
	p := "selfservice.methods."
	m.Password.Enabled = r.boolean(p + "password.enabled")
	pc := &m.Password.Config
	pc.HaveIBeenPwnedEnabled = r.boolean(p + "password.config.haveibeenpwned_enabled")
	pc.HaveIBeenPwnedHost = r.str(p + "password.config.haveibeenpwned_host")
	if pc.HaveIBeenPwnedHost == "" {
		r.failf(p+"password.config.haveibeenpwned_host", "must not be empty")
	}
	pc.MaxBreaches = intIn(r, p+"password.config.max_breaches", 0, 100)
	pc.IgnoreNetworkErrors = r.boolean(p + "password.config.ignore_network_errors")
	pc.MinPasswordLength = r.integer(p + "password.config.min_password_length")
	if pc.MinPasswordLength < 6 {
		r.failf(p+"password.config.min_password_length", "must be at least 6, got %d", pc.MinPasswordLength)
	}
	pc.IdentifierSimilarityCheckEnabled = r.boolean(p + "password.config.identifier_similarity_check_enabled")

	m.Profile.Enabled = r.boolean(p + "profile.enabled")
	m.Link.Enabled = r.boolean(p + "link.enabled")
	m.Link.Config.Lifespan = r.duration(p + "link.config.lifespan")
	m.Link.Config.BaseURL = r.absURL(p + "link.config.base_url")
	m.TOTP.Enabled = r.boolean(p + "totp.enabled")
	m.TOTP.Issuer = r.str(p + "totp.config.issuer")
	m.LookupSecret.Enabled = r.boolean(p + "lookup_secret.enabled")

	w := &m.WebAuthn
	w.Enabled = r.boolean(p + "webauthn.enabled")
	w.Passwordless = r.boolean(p + "webauthn.config.passwordless")
	w.NativeFlows = r.boolean(p + "webauthn.config.native_flows") // webauthn (issue 5)
	w.RP.DisplayName = r.str(p + "webauthn.config.rp.display_name")
	w.RP.ID = r.str(p + "webauthn.config.rp.id")
	w.RP.Origin = r.str(p + "webauthn.config.rp.origin")
	w.RP.Origins = r.strs(p + "webauthn.config.rp.origins")
	if w.Enabled {
		// Kratos's schema requires the relying party once webauthn is on.
		if w.RP.ID == "" {
			r.failf(p+"webauthn.config.rp.id", "required when webauthn is enabled")
		}
		if w.RP.DisplayName == "" {
			r.failf(p+"webauthn.config.rp.display_name", "required when webauthn is enabled")
		}
	}
	if w.RP.Origin != "" {
		if _, err := parseAbsURL(w.RP.Origin); err != nil {
			r.failf(p+"webauthn.config.rp.origin", "%v", err)
		}
	}
	for i, o := range w.RP.Origins {
		if _, err := parseAbsURL(o); err != nil {
			r.failf(p+"webauthn.config.rp.origins", "entry %d: %v", i, err)
		}
	}

	m.OIDC.Enabled = r.boolean(p + "oidc.enabled")
	m.OIDC.Config.BaseRedirectURI = r.absURL(p + "oidc.config.base_redirect_uri")
	m.OIDC.Config.Providers = oidcProviders(r, p+"oidc.config.providers")
	return m
}

// oidcProviders decodes the providers list through JSON, so the struct tags
// are the one statement of the accepted fields.
func oidcProviders(r *reader, path string) []OIDCProvider {
	v := r.value(path)
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		r.failf(path, "%v", err)
		return nil
	}
	var out []OIDCProvider
	if err := json.Unmarshal(b, &out); err != nil {
		r.failf(path, "expected a list of providers: %v", err)
		return nil
	}
	seen := map[string]bool{}
	for i, p := range out {
		switch {
		case p.ID == "":
			r.failf(path, "entry %d: id is required", i)
		case seen[p.ID]:
			r.failf(path, "entry %d: duplicate id %q", i, p.ID)
		case p.Provider == "":
			r.failf(path, "entry %d (%s): provider is required", i, p.ID)
		}
		seen[p.ID] = true
	}
	return out
}
