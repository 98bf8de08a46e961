package registration

import (
	"context"
	"net/http"
	"net/url"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/web"
)

// APIResponse is successfulSelfServiceRegistrationWithoutBrowser (§2.3).
type APIResponse struct {
	Identity     *identity.Identity  `json:"identity"`
	Session      *session.Session    `json:"session,omitempty"`
	SessionToken string              `json:"session_token,omitempty"`
	ContinueWith []flow.ContinueWith `json:"continue_with,omitempty"`
}

// Submit is POST (and GET) /self-service/registration?flow=<id>. Checks run
// in Kratos's order (foundation §2.1, §2.3): no session, flow id, flow,
// expiry, body, method, CSRF / API-flow rules; then the method builds the
// identity, which is stored (4000007 when an identifier is taken), and the
// hooks run.
func (h *Handler) Submit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess, err := h.currentSession(r)
	if err != nil {
		h.rs.Errors.Redirect(w, r, err)
		return
	}
	if sess != nil {
		// Kratos answers 302 here, not 303 (foundation §2.1).
		h.alreadySignedIn(w, r, http.StatusFound, h.rs.DefaultReturnTo)
		return
	}
	id, err := flow.ParseFlowID(r)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, nil, err)
		return
	}
	f, err := h.store.GetRegistrationFlow(ctx, id)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, nil, err)
		return
	}
	if !h.o.Enabled {
		h.rs.FlowError(w, r, h.kind, nil, ErrDisabled())
		return
	}
	if now := h.rs.Clock(); f.Expired(now) {
		h.rs.FlowError(w, r, h.kind, f, &flow.ExpiredError{ExpiredAt: f.ExpiresAt, Now: now})
		return
	}
	body, err := web.DecodeBody(r)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	name, _ := body["method"].(string)
	m, ok := h.methods[name]
	if !ok {
		if knownMethods[name] {
			h.rs.FlowError(w, r, h.kind, f, flow.ErrMethodDisabled())
			return
		}
		h.rs.FlowError(w, r, h.kind, f, flow.NewFormError("", text.NewRegistrationNoMethod()))
		return
	}
	csrfToken, _ := body["csrf_token"].(string)
	if err := h.rs.CheckSubmission(r, f, csrfToken); err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	i, err := m.Register(ctx, f, body)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	h.finish(w, r, f, m, i)
}

// finish stores the identity and runs the hooks (foundation §2.3 steps
// 4–7). The return_to is checked first, so that an answer with an error
// has stored nothing.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, f *Flow, m Method, i *identity.Identity) {
	ctx := r.Context()
	returnTo, err := h.rs.ReturnTo.Resolve(f.RequestURL, h.afterURL(m.Name()))
	if err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	if err := h.identities.CreateIdentity(ctx, i); err != nil {
		if apierr.Is(err, http.StatusConflict) {
			err = &flow.FormError{Messages: []flow.FieldMessage{{Message: text.NewDuplicateIdentifier()}}, Err: err}
		}
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	pub := i.Public()
	if !h.hasSessionHook(m) {
		if f.Type == flow.TypeAPI || web.IsJSONRequest(r) {
			web.WriteJSON(w, http.StatusOK, APIResponse{Identity: &pub})
			return
		}
		http.Redirect(w, r, returnTo.String(), http.StatusSeeOther)
		return
	}
	s, err := h.signIn(ctx, m, i)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	shown := *s
	if shown.Identity == nil {
		shown.Identity = &pub
	}
	if f.Type == flow.TypeAPI {
		web.WriteJSON(w, http.StatusOK, APIResponse{Identity: &pub, Session: &shown, SessionToken: s.Token,
			ContinueWith: []flow.ContinueWith{flow.SetSessionToken(s.Token)}})
		return
	}
	h.sessions.IssueCookie(w, s)
	h.rs.CSRF.Regenerate(w) // a new principal gets a new CSRF token (§3.3)
	if web.IsJSONRequest(r) {
		web.WriteJSON(w, http.StatusOK, APIResponse{Identity: &pub, Session: &shown,
			ContinueWith: []flow.ContinueWith{flow.RedirectBrowserTo(returnTo.String())}})
		return
	}
	http.Redirect(w, r, returnTo.String(), http.StatusSeeOther)
}

// signIn is the session hook: an active session for the new identity. If
// it cannot be stored, the identity is removed again, so that a failed
// registration leaves nothing behind and can be retried.
func (h *Handler) signIn(ctx context.Context, m Method, i *identity.Identity) (*session.Session, error) {
	s := h.sessions.NewSession(i)
	err := h.sessions.Authenticate(ctx, s, i, m.Name(), session.AAL1)
	if err == nil {
		err = h.sessions.Save(ctx, s)
	}
	if err != nil {
		if derr := h.identities.DeleteIdentity(context.WithoutCancel(ctx), i.ID); derr != nil {
			h.o.Log.ErrorContext(ctx, "registration: removing the identity after a failed session hook failed",
				"identity_id", i.ID, "error", derr.Error())
		}
		return nil, err
	}
	return s, nil
}

// afterURL is the default target after registering with method.
func (h *Handler) afterURL(method identity.CredentialsType) *url.URL {
	if u := h.o.AfterMethodReturnTo[method]; u != nil {
		return u
	}
	if h.o.AfterReturnTo != nil {
		return h.o.AfterReturnTo
	}
	return h.rs.DefaultReturnTo
}
