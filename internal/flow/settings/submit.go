package settings

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/web"
)

// Submit is POST (and GET) /self-service/settings?flow=<id>. The checks run
// in Kratos's order (§2.4, §13 Q21): session, flow id, flow, AAL, expiry,
// owner; then a paused submission is resumed or the body decoded, the
// method is picked, and the method checks the submission. The session and
// its identity are read once, the flow once; a success is written in one
// transaction (post.go).
func (h *Handler) Submit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess, err := h.sessions.FromRequest(ctx, r)
	if err != nil {
		h.noSession(w, r, err)
		return
	}
	id, err := flow.ParseFlowID(r)
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	f, err := h.store.GetSettingsFlow(ctx, id)
	if err != nil {
		h.fail(w, r, nil, errFlowNotFound(err))
		return
	}
	// Shown, and used by an expired flow's replacement, with the requester's
	// identity; a flow of another identity is never shown (D8).
	f.Identity = sess.Identity
	if err := h.sessions.CheckAAL(sess, h.o.RequiredAAL); err != nil {
		h.fail(w, r, f, err)
		return
	}
	if now := h.rs.Clock(); f.Expired(now) {
		h.fail(w, r, f, &flow.ExpiredError{ExpiredAt: f.ExpiresAt, Now: now})
		return
	}
	if f.IdentityID != sess.IdentityID {
		h.fail(w, r, f, errSubmitOtherIdentity())
		return
	}
	m, body, err := h.resume(w, r, f, sess)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	if m == nil {
		if body, err = web.DecodeBody(r); err != nil {
			h.fail(w, r, f, err)
			return
		}
		if m, err = h.pick(r, f, body); err != nil {
			h.fail(w, r, f, err)
			return
		}
	}
	if tp, ok := body["transient_payload"].(map[string]any); ok {
		f.TransientPayload = tp
	}
	csrfToken, _ := body["csrf_token"].(string)
	sub := &Submission{Flow: f, Session: sess, Identity: sess.Identity, Body: body, Privileged: h.privileged(sess),
		Check: func() error { return h.rs.CheckSubmission(r, f, csrfToken) }}
	up, err := m.Settings(ctx, sub)
	if err != nil {
		h.methodFailed(w, r, f, sess, m, body, err)
		return
	}
	h.finish(w, r, f, sess, m, body, up)
}

// methodFailed answers a method's error; a missing privilege first pauses
// the submission for replay after the refresh login (§6.5 step 1).
func (h *Handler) methodFailed(w http.ResponseWriter, r *http.Request, f *Flow, sess *session.Session, m Method, body map[string]any, err error) {
	var pe *PrivilegeError
	if errors.As(err, &pe) && (f.Type == flow.TypeBrowser || pe.PauseAPI) {
		if perr := h.pause(w, r, f, m, sess.IdentityID, body); perr != nil {
			h.fail(w, r, f, perr)
			return
		}
	}
	h.fail(w, r, f, err)
}

// pick finds the method a submission is addressed to, trying Kratos's
// strategies in their order and by their own rules of responsibility
// (§2.4 step 7, §5). A responsible strategy that is not enabled (or that
// Warden does not have) is a 404; nothing responsible is 4010004.
func (h *Handler) pick(r *http.Request, f *Flow, body map[string]any) (Method, error) {
	method, _ := body["method"].(string)
	for _, name := range dispatchOrder {
		if !responsible(name, method, f, body) && !h.nativeWebAuthn(name, f, body) {
			continue
		}
		if m, ok := h.methods[name]; ok {
			return m, nil
		}
		return nil, flow.ErrMethodDisabled()
	}
	if r.Method == http.MethodGet {
		// Kratos's last strategy (lookup_secret) decodes before it decides
		// and refuses GET: a GET with nothing to resume ends here (§13 Q8).
		return nil, errGETBody()
	}
	if lookupFlags(body) {
		if m, ok := h.methods["lookup_secret"]; ok {
			return m, nil
		}
		return nil, flow.ErrMethodDisabled()
	}
	return nil, flow.NewFormError("", text.NewSettingsNoStrategy())
}

// responsible is each strategy's own test (§5); lookup_secret is decided
// after the GET check in pick.
func responsible(name, method string, f *Flow, body map[string]any) bool {
	switch name {
	case "password", "profile":
		return method == name
	case "oidc":
		return nonEmpty(body["link"]) || nonEmpty(body["unlink"])
	case "totp":
		return method == "totp" || truthy(body["totp_unlink"])
	case "webauthn":
		return f.Type == flow.TypeBrowser && (nonEmpty(body["webauthn_register"]) || nonEmpty(body["webauthn_remove"]))
	}
	return false
}

// --- webauthn (issue 5) ---

// nativeWebAuthn: beyond Kratos, a webauthn method that serves native apps
// (selfservice.methods.webauthn.config.native_flows) answers API flows too;
// the credential may then also come as a JSON object.
func (h *Handler) nativeWebAuthn(name string, f *Flow, body map[string]any) bool {
	n, ok := h.methods[name].(interface{ AnswersAPIFlows() bool })
	if name != "webauthn" || f.Type != flow.TypeAPI || !ok || !n.AnswersAPIFlows() {
		return false
	}
	_, obj := body["webauthn_register"].(map[string]any)
	return obj || nonEmpty(body["webauthn_register"]) || nonEmpty(body["webauthn_remove"])
}

// --- end webauthn ---

func lookupFlags(body map[string]any) bool {
	for _, k := range []string{"lookup_secret_reveal", "lookup_secret_regenerate", "lookup_secret_confirm", "lookup_secret_disable"} {
		if truthy(body[k]) {
			return true
		}
	}
	return false
}

func nonEmpty(v any) bool {
	s, ok := v.(string)
	return ok && s != ""
}

// truthy reads a boolean field as Kratos's decoder does: a JSON true, or a
// form value strconv.ParseBool accepts as true.
func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		b, err := strconv.ParseBool(t)
		return err == nil && b
	}
	return false
}
