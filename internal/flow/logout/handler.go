package logout

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/web"
)

// Routes (foundation §4, Appendix C).
const (
	RouteInitBrowser = "/self-service/logout/browser"
	RouteSubmit      = "/self-service/logout"
	RouteAPI         = "/self-service/logout/api"
)

// ErrorRedirector routes an error a browser cannot see inside a flow: JSON
// requests get the envelope, others a 303 to the error UI (flow.ErrorManager).
type ErrorRedirector interface {
	Redirect(w http.ResponseWriter, r *http.Request, err error)
}

// ReturnToResolver resolves the return_to query parameter of source against
// the allow-list, or returns def when there is none (flow.ReturnToPolicy).
type ReturnToResolver interface {
	Resolve(source string, def *url.URL) (*url.URL, error)
}

// CSRFRegenerator replaces the CSRF cookie with a fresh token (web.CSRF).
type CSRFRegenerator interface {
	Regenerate(w http.ResponseWriter) []byte
}

// Options configure the handler.
type Options struct {
	// PublicURL is serve.public.base_url; the logout URL is built on it.
	PublicURL *url.URL
	// DefaultReturnTo is selfservice.flows.logout.after.default_browser_return_url
	// (config falls back to selfservice.default_browser_return_url).
	DefaultReturnTo *url.URL
}

// Handler serves the logout endpoints.
type Handler struct {
	sessions *session.Manager
	errs     ErrorRedirector
	returnTo ReturnToResolver
	csrf     CSRFRegenerator
	ew       web.ErrorWriter
	opts     Options
}

// NewHandler wires the logout endpoints. A nil errs writes every error as
// JSON; a nil returnTo ignores return_to and always uses DefaultReturnTo.
func NewHandler(sessions *session.Manager, errs ErrorRedirector, returnTo ReturnToResolver, csrf CSRFRegenerator, ew web.ErrorWriter, o Options) *Handler {
	return &Handler{sessions: sessions, errs: errs, returnTo: returnTo, csrf: csrf, ew: ew, opts: o}
}

// Register adds the public-port routes.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+RouteInitBrowser, h.initBrowser)
	mux.HandleFunc("GET "+RouteSubmit, h.submitBrowser)
	mux.HandleFunc("DELETE "+RouteAPI, h.submitAPI)
}

// logoutURL is the body of GET /self-service/logout/browser.
type logoutURL struct {
	LogoutURL   string `json:"logout_url"`
	LogoutToken string `json:"logout_token"`
}

// initBrowser is GET /self-service/logout/browser (§4.1 step 1): the
// session's logout URL and token. Without a session: 401 session_inactive,
// always as JSON. v1's return_to is checked and carried into the URL.
func (h *Handler) initBrowser(w http.ResponseWriter, r *http.Request) {
	s, err := h.sessions.FromRequest(r.Context(), r)
	if err != nil {
		h.ew.Write(w, r, noSession(err))
		return
	}
	token := session.LogoutTokenFor(s.Token)
	q := url.Values{"token": {token}}
	if r.URL.Query().Has("return_to") {
		to, err := h.resolveReturnTo(r)
		if err != nil {
			h.ew.Write(w, r, err)
			return
		}
		q.Set("return_to", to.String())
	}
	u := h.publicPath(RouteSubmit)
	u.RawQuery = q.Encode()
	web.WriteJSON(w, http.StatusOK, logoutURL{LogoutURL: u.String(), LogoutToken: token})
}

// submitBrowser is GET /self-service/logout?token= (§4.1 step 2). Errors go
// through the error manager; success deactivates the session, expires the
// cookie, rotates the CSRF token and answers 204 (JSON) or 303.
func (h *Handler) submitBrowser(w http.ResponseWriter, r *http.Request) {
	given := r.URL.Query().Get("token")
	if given == "" {
		h.redirectError(w, r, apierr.BadRequest("Please include a token in the URL query."))
		return
	}
	s, err := h.sessions.FromRequest(r.Context(), r)
	if err != nil {
		h.redirectError(w, r, noSession(err))
		return
	}
	// Constant time: the comparison must not tell a forger how much of a
	// guessed token was right.
	if subtle.ConstantTimeCompare([]byte(given), []byte(session.LogoutTokenFor(s.Token))) != 1 {
		h.redirectError(w, r, apierr.Forbidden("",
			"Unable to log out because the logout token in the URL query does not match the session cookie."))
		return
	}
	isJSON := web.IsJSONRequest(r)
	var to *url.URL
	if !isJSON {
		// Checked before anything changes: an answered error has done nothing.
		if to, err = h.resolveReturnTo(r); err != nil {
			h.redirectError(w, r, err)
			return
		}
	}
	if bearer := session.BearerToken(r); bearer != "" {
		// Kratos revokes the Authorization token's session and leaves the
		// cookie alone (§4.1). An unknown bearer token has nothing to revoke.
		if err := h.sessions.RevokeByToken(r.Context(), bearer); err != nil && !apierr.Is(err, http.StatusNotFound) {
			h.redirectError(w, r, err)
			return
		}
	} else {
		if err := h.sessions.Revoke(r.Context(), s); err != nil {
			h.redirectError(w, r, err)
			return
		}
		h.sessions.ClearCookie(w)
	}
	if h.csrf != nil {
		h.csrf.Regenerate(w)
	}
	if isJSON {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to.String(), http.StatusSeeOther)
}

// submitAPI is DELETE /self-service/logout/api (§4.2): {"session_token"}
// deactivates that session. 204 also when it was inactive already (logout
// is idempotent); 403 for an unknown or empty token; 400 for a bad body.
func (h *Handler) submitAPI(w http.ResponseWriter, r *http.Request) {
	// Kratos decodes this body as JSON whatever the Content-Type says.
	r = r.Clone(r.Context())
	r.Header.Set("Content-Type", "application/json")
	body, err := web.DecodeBody(r)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	var token string
	if v, ok := body["session_token"]; ok {
		if token, ok = v.(string); !ok {
			h.ew.Write(w, r, apierr.BadRequest("The field `session_token` must be a string."))
			return
		}
	}
	errUnknown := apierr.Forbidden("", "The provided Ory Session Token could not be found, is invalid, or otherwise malformed.")
	if token == "" {
		h.ew.Write(w, r, errUnknown)
		return
	}
	if err := h.sessions.RevokeByToken(r.Context(), token); err != nil {
		if apierr.Is(err, http.StatusNotFound) {
			err = errUnknown
		}
		h.ew.Write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// noSession turns FromRequest's "no session" into session_inactive, which
// logout answers (§4.1); store failures pass unchanged.
func noSession(err error) error {
	if session.IsNoSession(err) {
		e := session.ErrNoActiveSession()
		e.Err = err
		return e
	}
	return err
}

func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, err error) {
	if h.errs == nil {
		h.ew.Write(w, r, err)
		return
	}
	h.errs.Redirect(w, r, err)
}

// resolveReturnTo is where a browser goes after logging out: the request's
// allowed return_to, else the configured default.
func (h *Handler) resolveReturnTo(r *http.Request) (*url.URL, error) {
	def := h.opts.DefaultReturnTo
	if def == nil {
		def = h.publicPath("/")
	}
	if h.returnTo == nil {
		return def, nil
	}
	to, err := h.returnTo.Resolve(r.URL.String(), def)
	if err != nil {
		return nil, err
	}
	if to == nil {
		return def, nil
	}
	return to, nil
}

func (h *Handler) publicPath(p string) *url.URL {
	if h.opts.PublicURL == nil {
		return &url.URL{Path: p}
	}
	return h.opts.PublicURL.JoinPath(p)
}
