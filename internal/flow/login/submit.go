package login

import (
	"errors"
	"net/http"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/web"
)

// Submit is POST (and GET) /self-service/login?flow=<id>. Checks run in
// Kratos's order (foundation §1.5): flow id, flow, session, expiry, body,
// method, CSRF / API-flow rules, throttle; then the method, then the
// post-login steps.
func (h *Handler) Submit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := flow.ParseFlowID(r)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, nil, err)
		return
	}
	f, err := h.store.GetLoginFlow(ctx, id)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, nil, err)
		return
	}
	sess, err := h.currentSession(ctx, r)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	if sess != nil && !f.Refresh && f.RequestedAAL <= sess.AAL {
		if f.Type == flow.TypeAPI || web.IsJSONRequest(r) {
			h.rs.FlowError(w, r, h.kind, f, ErrAlreadyLoggedIn())
			return
		}
		http.Redirect(w, r, h.rs.DefaultReturnTo.String(), http.StatusSeeOther)
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
	// --- webauthn (issue 5): Kratos's webauthn.js submits the form without
	// a method; a webauthn_login addresses webauthn (foundation §1.5). ---
	if name == "" && body["webauthn_login"] != nil && body["webauthn_login"] != "" {
		name = "webauthn"
	}
	// --- end webauthn ---
	m, ok := h.methods[name]
	if !ok && knownMethods[name] {
		h.rs.FlowError(w, r, h.kind, f, flow.ErrMethodDisabled())
		return
	}
	if !ok || m.AAL() != f.RequestedAAL {
		h.rs.FlowError(w, r, h.kind, f, flow.NewFormError("", text.NewLoginNoStrategy()))
		return
	}
	csrfToken, _ := body["csrf_token"].(string)
	if err := h.rs.CheckSubmission(r, f, csrfToken); err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	keys := h.throttle.keys(r, body, sess)
	counts, err := h.throttle.check(ctx, keys)
	if err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	i, err := m.Login(ctx, f, body, sess)
	if step := (*ErrShowFlow)(nil); errors.As(err, &step) {
		h.showFlow(w, r, f) // webauthn's passwordless steps (issue 5, step.go)
		return
	}
	if err != nil {
		if errors.Is(err, ErrBadCredentials) {
			h.throttle.fail(ctx, keys)
		}
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	h.throttle.succeed(ctx, keys, counts)
	h.finish(w, r, f, sess, m, i)
}
