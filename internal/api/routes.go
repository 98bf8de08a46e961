package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/logout"
	"github.com/warden-id/warden/internal/flow/registration"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/web"
)

// Deps is what the routes serve. app builds it.
type Deps struct {
	Log        *slog.Logger
	Identities *identity.Service
	Store      identity.Store
	Schemas    *identity.Schemas
	// Ready reports the database ("database") and migration ("migrations")
	// state; nil errors mean ready.
	Ready     func(ctx context.Context) (database, migrations error)
	Version   string
	PublicURL *url.URL
	AdminURL  *url.URL
	BodyLimit int64

	// --- self-service flows (issue 3, flows): nil handlers are not routed ---
	Login        *login.Handler
	Registration *registration.Handler
	FlowErrors   *flow.ErrorManager
	// --- end self-service flows ---

	// --- sessions and logout (issue 3, sessions): nil handlers are not routed ---
	Sessions *session.Handlers
	Logout   *logout.Handler
	// --- end sessions and logout ---

	// --- settings flow (issue 4): nil is not routed ---
	Settings *settings.Handler
	// --- end settings flow ---

	// --- webauthn (issue 5): GET /.well-known/ory/webauthn.js; nil is not routed ---
	WebAuthnJS http.Handler
	// --- end webauthn ---
}

// Public is the public port's handler.
func Public(d Deps) http.Handler {
	ew := web.ErrorWriter{Log: d.Log}
	h := &handlers{d: d, ew: ew}
	mux := http.NewServeMux()

	mux.HandleFunc("GET /health/alive", h.alive)
	mux.HandleFunc("GET /health/ready", h.readyPublic)
	mux.HandleFunc("GET /version", h.version)

	mux.HandleFunc("GET /schemas", h.listSchemas)
	mux.HandleFunc("GET /schemas/{id}", h.getSchema)
	mux.HandleFunc("GET /admin/schemas/{id}", h.getSchema) // Kratos serves it here too (foundation §5.2)

	// --- self-service flows: login, registration, errors (foundation §1, §2, §7) ---
	if d.Login != nil {
		mux.HandleFunc("GET /self-service/login/browser", d.Login.InitBrowser)
		mux.HandleFunc("GET /self-service/login/api", d.Login.InitAPI)
		mux.HandleFunc("GET /self-service/login/flows", d.Login.Fetch)
		mux.HandleFunc("POST /self-service/login", d.Login.Submit)
		mux.HandleFunc("GET /self-service/login", d.Login.Submit) // Kratos routes GET to submit too
	}
	if d.Registration != nil {
		mux.HandleFunc("GET /self-service/registration/browser", d.Registration.InitBrowser)
		mux.HandleFunc("GET /self-service/registration/api", d.Registration.InitAPI)
		mux.HandleFunc("GET /self-service/registration/flows", d.Registration.Fetch)
		mux.HandleFunc("POST /self-service/registration", d.Registration.Submit)
		mux.HandleFunc("GET /self-service/registration", d.Registration.Submit)
	}
	if d.FlowErrors != nil {
		mux.Handle("GET /self-service/errors", d.FlowErrors)
	}
	// --- end self-service flows ---

	// --- settings flow (issue 4; settings-flow §2). The admin paths are
	// 307s to these by the /admin/self-service/ redirect (§1.4). ---
	if d.Settings != nil {
		mux.HandleFunc("GET /self-service/settings/browser", d.Settings.InitBrowser)
		mux.HandleFunc("GET /self-service/settings/api", d.Settings.InitAPI)
		mux.HandleFunc("GET /self-service/settings/flows", d.Settings.Fetch)
		mux.HandleFunc("POST /self-service/settings", d.Settings.Submit)
		mux.HandleFunc("GET /self-service/settings", d.Settings.Submit) // resume after a refresh login (§6.5)
	}
	// --- end settings flow ---

	// --- webauthn (issue 5; foundation §1.1) ---
	if d.WebAuthnJS != nil {
		mux.Handle("GET /.well-known/ory/webauthn.js", d.WebAuthnJS)
	}
	// --- end webauthn ---

	// --- sessions, whoami and logout (foundation §3, §4) ---
	if d.Sessions != nil {
		d.Sessions.RegisterPublic(mux)
	}
	if d.Logout != nil {
		d.Logout.Register(mux)
	}
	// --- end sessions and logout ---

	// The admin identity API lives on the admin port; Kratos answers these
	// public paths with a 307 there (foundation §0.1).
	toAdmin := h.redirectTo(d.AdminURL, true)
	for _, p := range []string{"/identities", "/identities/", "/admin/identities", "/admin/identities/"} {
		mux.Handle(p, toAdmin)
	}

	return web.Chain(jsonNotFound(mux, ew), web.Recover(ew), web.RequestLog(d.Log, false),
		web.SecurityHeaders, web.LimitBody(d.BodyLimit))
}

// Admin is the admin port's handler. Every route lives under /admin.
func Admin(d Deps) http.Handler {
	ew := web.ErrorWriter{Log: d.Log}
	h := &handlers{d: d, ew: ew}
	mux := http.NewServeMux()

	mux.HandleFunc("GET /admin/health/alive", h.alive)
	mux.HandleFunc("GET /admin/health/ready", h.readyAdmin)
	mux.HandleFunc("GET /admin/version", h.version)

	mux.HandleFunc("GET /admin/schemas", h.listSchemas)
	mux.HandleFunc("GET /admin/schemas/{id}", h.getSchema)

	mux.HandleFunc("GET /admin/identities", h.listIdentities)
	mux.HandleFunc("POST /admin/identities", h.createIdentity)
	mux.HandleFunc("GET /admin/identities/{id}", h.getIdentity)
	mux.HandleFunc("PUT /admin/identities/{id}", h.updateIdentity)
	mux.HandleFunc("PATCH /admin/identities/{id}", h.patchIdentity)
	mux.HandleFunc("DELETE /admin/identities/{id}", h.deleteIdentity)

	// Self-service and session routes belong to the public port (foundation §0.1).
	toPublic := h.redirectTo(d.PublicURL, false)
	for _, p := range []string{"/admin/self-service/", "/admin/sessions/whoami", "/admin/sessions"} {
		mux.Handle(p, toPublic)
	}

	// --- admin session endpoints (foundation §3.7; v1 /admin/sessions) ---
	if d.Sessions != nil {
		d.Sessions.RegisterAdmin(mux)
	}
	// --- end admin session endpoints ---

	// The /admin-prefix redirect sits in front of the mux rather than on
	// its "/" pattern: a catch-all pattern would match every method and path,
	// and an unknown /admin path or a wrong method would never reach
	// jsonNotFound's 404 and 405.
	routes := jsonNotFound(mux, ew)
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/admin" && !strings.HasPrefix(r.URL.Path, "/admin/") {
			h.adminPrefix(w, r)
			return
		}
		routes.ServeHTTP(w, r)
	})
	return web.Chain(root, web.Recover(ew), web.RequestLog(d.Log, false),
		web.SecurityHeaders, web.LimitBody(d.BodyLimit))
}

type handlers struct {
	d  Deps
	ew web.ErrorWriter
}

// adminPrefix answers an admin path without the /admin prefix with a 307 to
// the prefixed path, query kept (foundation §0.1).
func (h *handlers) adminPrefix(w http.ResponseWriter, r *http.Request) {
	u := url.URL{Path: "/admin" + r.URL.Path, RawQuery: r.URL.RawQuery}
	http.Redirect(w, r, u.String(), http.StatusTemporaryRedirect)
}

// redirectTo sends the request to the same path on another port's base URL.
// withAdminPrefix re-adds /admin (public → admin); otherwise it is stripped
// (admin → public).
func (h *handlers) redirectTo(base *url.URL, withAdminPrefix bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/admin")
		if withAdminPrefix {
			p = "/admin" + p
		}
		u := *base
		u.Path = strings.TrimSuffix(base.Path, "/") + p
		u.RawQuery = r.URL.RawQuery
		http.Redirect(w, r, u.String(), http.StatusTemporaryRedirect)
	})
}

// jsonNotFound answers unknown routes and wrong methods in the error
// envelope instead of the mux's plain text, so every client sees one error
// shape (architecture.md; Kratos answers plain text here).
func jsonNotFound(mux *http.ServeMux, ew web.ErrorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &statusProbe{header: http.Header{}}
		mux.ServeHTTP(probe, r)
		switch probe.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", probe.header.Get("Allow"))
			ew.Write(w, r, &apierr.Error{Status: http.StatusMethodNotAllowed,
				Reason: "The method " + r.Method + " is not allowed on " + r.URL.Path + "."})
		default:
			ew.Write(w, r, apierr.NotFoundReason("The requested path %s does not exist.", r.URL.Path))
		}
	})
}

// statusProbe captures what the mux would answer for an unmatched request.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(code int)        { p.status = code }
