package app

import (
	"fmt"

	"github.com/warden-id/warden/internal/config"
	"github.com/warden-id/warden/internal/flow/logout"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/web"
)

// newSessionManager builds the session manager from session.* (foundation
// §3). A session cookie name the browser would drop is a startup error.
func newSessionManager(cfg *config.Config, o Options, st *store.Store) (*session.Manager, error) {
	c := cfg.Session.Cookie
	cookie := session.CookieOptions{Name: c.Name, Domain: c.Domain, Path: c.Path,
		SameSite: sameSite(c.SameSite, false), Secure: !cfg.Dev, Persistent: c.Persistent}
	if err := cookie.Validate(); err != nil {
		return nil, err
	}
	return session.NewManager(st, session.Options{
		Lifespan:               cfg.Session.Lifespan,
		EarliestPossibleExtend: cfg.Session.EarliestPossibleExtend,
		Cookie:                 cookie,
		WhoamiRequiredAAL:      cfg.Session.Whoami.RequiredAAL,
		PublicURL:              cfg.Serve.Public.BaseURL,
		Now:                    o.Now,
		Log:                    o.Log,
	}), nil
}

// sessionRoutes builds the session endpoints and the logout flow, which
// routes its errors and return_to through the flow machinery.
func sessionRoutes(cfg *config.Config, o Options, sessions *session.Manager, flows *selfServiceHandlers) (*session.Handlers, *logout.Handler, error) {
	if flows == nil || flows.errors == nil || flows.returnTo == nil {
		return nil, nil, fmt.Errorf("app: the logout flow needs the flow error manager and return_to policy")
	}
	ew := web.ErrorWriter{Log: o.Log}
	lo := logout.NewHandler(sessions, flows.errors, flows.returnTo, flows.csrf, ew, logout.Options{
		PublicURL:       cfg.Serve.Public.BaseURL,
		DefaultReturnTo: cfg.Selfservice.Flows.Logout.After.DefaultBrowserReturnURL,
	})
	return session.NewHandlers(sessions, ew), lo, nil
}
