package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
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
	mux.HandleFunc("/", h.adminPrefix)

	return web.Chain(jsonNotFound(mux, ew), web.Recover(ew), web.RequestLog(d.Log, false),
		web.SecurityHeaders, web.LimitBody(d.BodyLimit))
}

type handlers struct {
	d  Deps
	ew web.ErrorWriter
}

// adminPrefix answers any admin path without the /admin prefix with a 307 to
// the prefixed path, query kept (foundation §0.1).
func (h *handlers) adminPrefix(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/admin/") || r.URL.Path == "/admin" {
		h.ew.Write(w, r, apierr.NotFoundReason("The requested path %s does not exist.", r.URL.Path))
		return
	}
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
