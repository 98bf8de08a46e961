package login

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/web"
)

// Options configure the login flow (selfservice.flows.login.* and friends).
type Options struct {
	UIURL    *url.URL      // selfservice.flows.login.ui_url
	Lifespan time.Duration // selfservice.flows.login.lifespan
	// AfterReturnTo is login.after.default_browser_return_url, falling back
	// to selfservice.default_browser_return_url; AfterMethodReturnTo holds
	// login.after.<method>.default_browser_return_url (foundation §1.6).
	AfterReturnTo       *url.URL
	AfterMethodReturnTo map[identity.CredentialsType]*url.URL
	// AfterHooks are login.after.hooks; AfterMethodHooks the per-method
	// lists, which replace the global list for their method (§1.7 step 3).
	// Warden runs require_verified_address and revoke_active_sessions.
	AfterHooks       []string
	AfterMethodHooks map[identity.CredentialsType][]string
	// RequireHighestAAL is session.whoami.required_aal == highest_available:
	// a login that leaves the session below the identity's highest AAL
	// answers without identity (§1.6).
	RequireHighestAAL bool
	Throttle          ThrottleOptions
	Log               *slog.Logger
}

// Hook names the login flow runs after a successful login.
const (
	HookRequireVerifiedAddress = "require_verified_address"
	HookRevokeActiveSessions   = "revoke_active_sessions"
)

// knownMethods are every login method Kratos has: a submission naming one
// that is not enabled is a 404, any other name a 4010002 (§1.5 step 5).
var knownMethods = map[string]bool{"password": true, "oidc": true, "totp": true, "lookup_secret": true, "webauthn": true}

// submitPath is where login flows post.
const submitPath = "/self-service/login"

// Handler serves the login endpoints. Build it with NewHandler.
type Handler struct {
	store    Store
	throttle *throttle
	sessions Sessions
	methods  map[string]Method
	order    []Method
	rs       *flow.Responder
	kind     flow.Kind
	o        Options
}

// NewHandler wires the login flow. methods are the enabled methods, in the
// order their nodes are populated; throttleStore may be nil when
// o.Throttle.Enabled is false.
func NewHandler(store Store, throttleStore ThrottleStore, sessions Sessions, methods []Method, rs *flow.Responder, o Options) *Handler {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{store: store, sessions: sessions, methods: map[string]Method{}, order: methods, rs: rs, o: o,
		throttle: newThrottle(throttleStore, o.Throttle, o.Log, rs.Clock)}
	for _, m := range methods {
		h.methods[string(m.Name())] = m
	}
	h.kind = flow.Kind{
		Name:          "login",
		UIURL:         o.UIURL,
		ErrorRedirect: http.StatusSeeOther,
		Save: func(ctx context.Context, f flow.Flow) error {
			return h.store.UpdateLoginFlow(ctx, f.(*Flow))
		},
		Renew: h.renew,
	}
	return h
}

// InitBrowser is GET /self-service/login/browser.
func (h *Handler) InitBrowser(w http.ResponseWriter, r *http.Request) { h.init(w, r, flow.TypeBrowser) }

// InitAPI is GET /self-service/login/api. It never sets cookies.
func (h *Handler) InitAPI(w http.ResponseWriter, r *http.Request) { h.init(w, r, flow.TypeAPI) }

// Fetch is GET /self-service/login/flows?id=. Errors are always JSON
// (foundation §1.4); there is no session check.
func (h *Handler) Fetch(w http.ResponseWriter, r *http.Request) {
	h.rs.CSRF.Ensure(w, r) // every browser-facing GET carries the cookie (§8.1)
	h.rs.Fetch(w, r, h.kind, func(ctx context.Context, id uuid.UUID) (flow.Flow, error) {
		return h.store.GetLoginFlow(ctx, id)
	})
}

// currentSession is the request's session, nil when it has none. Only a
// failing store is an error.
func (h *Handler) currentSession(ctx context.Context, r *http.Request) (*session.Session, error) {
	s, err := h.sessions.FromRequest(ctx, r)
	if err != nil {
		if apierr.Is(err, http.StatusUnauthorized) {
			return nil, nil
		}
		return nil, err
	}
	return s, nil
}

// writeJSON is a success body.
func writeJSON(w http.ResponseWriter, v any) { web.WriteJSON(w, http.StatusOK, v) }
