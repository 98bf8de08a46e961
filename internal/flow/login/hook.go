package login

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/web"
)

// APIResponse is successfulSelfServiceLoginWithoutBrowser (foundation
// §1.8); browser JSON answers leave SessionToken empty.
type APIResponse struct {
	Session      *session.Session    `json:"session"`
	SessionToken string              `json:"session_token,omitempty"`
	ContinueWith []flow.ContinueWith `json:"continue_with,omitempty"`
}

// finish completes a successful login (foundation §1.6, §1.7): activate the
// session (the request's own for refresh and upgrade logins, else a new
// one), persist it, and answer per flow type and request.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, f *Flow, prev *session.Session, m Method, i *identity.Identity) {
	ctx := r.Context()
	if i.State != identity.StateActive {
		h.rs.FlowError(w, r, h.kind, f, session.ErrIdentityDisabled())
		return
	}
	returnTo, err := h.rs.ReturnTo.Resolve(f.RequestURL, h.afterURL(m.Name()))
	if err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	if err := h.runHooks(m, i); err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	s := prev
	if s == nil || s.IdentityID != i.ID {
		// Another identity signed in: its session is not touched.
		s = h.sessions.NewSession(i)
	}
	if err := h.sessions.Authenticate(ctx, s, i, m.Name(), m.AAL()); err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	if err := h.sessions.Save(ctx, s); err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	if slices.Contains(h.hooksFor(m), HookRevokeActiveSessions) {
		if _, err := h.sessions.RevokeOtherSessions(ctx, i.ID, s.ID); err != nil {
			h.rs.FlowError(w, r, h.kind, f, err)
			return
		}
	}
	// An identity with a second factor must use it before whoami accepts
	// the session (session.whoami.required_aal: highest_available).
	needsAAL2 := h.o.RequireHighestAAL && s.AAL < h.sessions.HighestAvailableAAL(s)
	shown := *s
	if needsAAL2 {
		shown.Identity = nil
	} else if shown.Identity == nil {
		pub := i.Public()
		shown.Identity = &pub
	}

	if f.Type == flow.TypeAPI {
		writeJSON(w, APIResponse{Session: &shown, SessionToken: s.Token,
			ContinueWith: []flow.ContinueWith{flow.SetSessionToken(s.Token)}})
		return
	}
	h.sessions.IssueCookie(w, s)
	if prev == nil || prev.IdentityID != i.ID {
		// A new principal gets a new CSRF token (foundation §3.3).
		h.rs.CSRF.Regenerate(w)
	}
	next := returnTo.String()
	if needsAAL2 {
		next = h.aal2URL(f)
	}
	if web.IsJSONRequest(r) {
		writeJSON(w, APIResponse{Session: &shown,
			ContinueWith: []flow.ContinueWith{flow.RedirectBrowserTo(next)}})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// afterURL is the default target after a login with method: the method's
// after URL, the flow's, or the global default (foundation §1.6).
func (h *Handler) afterURL(method identity.CredentialsType) *url.URL {
	if u := h.o.AfterMethodReturnTo[method]; u != nil {
		return u
	}
	if h.o.AfterReturnTo != nil {
		return h.o.AfterReturnTo
	}
	return h.rs.DefaultReturnTo
}

// aal2URL is PUBLIC/self-service/login/browser?aal=aal2[&return_to=…].
func (h *Handler) aal2URL(f *Flow) string {
	u := h.rs.PublicPath("/self-service/login/browser")
	q := url.Values{"aal": {"aal2"}}
	if f.ReturnTo != "" {
		q.Set("return_to", f.ReturnTo)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// hooksFor is the method's hook list when it has one, else the global list.
func (h *Handler) hooksFor(m Method) []string {
	if hooks, ok := h.o.AfterMethodHooks[m.Name()]; ok {
		return hooks
	}
	return h.o.AfterHooks
}

// runHooks runs the hooks that can refuse a login, before the session is
// stored (foundation §1.7 step 3); revoke_active_sessions runs after.
func (h *Handler) runHooks(m Method, i *identity.Identity) error {
	if slices.Contains(h.hooksFor(m), HookRequireVerifiedAddress) && m.Name() == identity.CredentialsPassword {
		if !slices.ContainsFunc(i.VerifiableAddresses, func(a identity.VerifiableAddress) bool { return a.Verified }) {
			return flow.NewFormError("", text.NewAddressNotVerified())
		}
	}
	return nil
}
