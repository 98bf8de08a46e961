package settings

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

// finish is the post-settings executor (§8.2): the return_to is checked and
// the pre-persist hooks run before anything is written; then the identity,
// the submitted flow (state success, the new flow's ui, message 1050001) and
// the new flow are written in one transaction; then the post-persist hooks
// run (a failure is answered as an error, with the update saved: §2.7 row
// 15) and, after a password change, the other sessions are revoked.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, f *Flow, sess *session.Session, m Method, body map[string]any, up *Update) {
	ctx := r.Context()
	if up.ReturnToUI {
		h.showAgain(w, r, f)
		return
	}
	returnTo, err := h.rs.ReturnTo.Resolve(f.RequestURL, h.afterURL(m.Name(), f))
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	hooks := h.hooksFor(m.Name())
	expected := *sess.Identity
	expected.Traits = up.Traits
	if err := h.runHooks(r, f, &expected, sess, hooks, true); err != nil {
		h.preHookFailed(w, r, f, err)
		return
	}

	// The flow the success answer points at (§13 Q1): created for the
	// submit URL, so it has no return_to.
	base, err := h.rs.NewBase(w, r, f.Type, h.o.Lifespan, submitPath)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	next, err := h.build(w, r, base, &expected, f, m)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	done := *f
	done.State = StateSuccess
	done.UI = cloneUI(next.UI)
	done.UI.Messages = []text.Message{text.NewSettingsSaved()}

	saved, err := h.store.CommitSettings(ctx, &Commit{IdentityID: sess.IdentityID, Apply: up.Apply, Flow: &done, Next: next})
	if err != nil {
		if apierr.Is(err, http.StatusConflict) {
			err = &flow.FormError{Messages: []flow.FieldMessage{{Message: text.NewDuplicateIdentifier()}}, Err: err}
		}
		h.methodFailed(w, r, f, sess, m, body, err)
		return
	}
	if saved.Traits == nil {
		// Traits and addresses were left as stored (a password change).
		saved.Traits = sess.Identity.Traits
		saved.VerifiableAddresses, saved.RecoveryAddresses = sess.Identity.VerifiableAddresses, sess.Identity.RecoveryAddresses
	}
	pub := saved.Public()
	done.Identity = &pub

	if err := h.runHooks(r, &done, saved, sess, hooks, false); err != nil {
		h.hookFailed(w, r, &done, err)
		return
	}
	if m.Name() == "password" && h.o.RevokeOtherSessionsAfterPassword {
		// Beyond Kratos: whoever knew the old password loses their sessions.
		if _, err := h.sessions.RevokeOtherSessions(ctx, sess.IdentityID, sess.ID); err != nil {
			h.hookFailed(w, r, &done, err)
			return
		}
	}
	h.succeeded(w, r, &done, sess, returnTo)
}

// showAgain saves a flow a method changed and shows it again (§2.6 step
// 5): the flow JSON with 200, or a 303 to the UI. Nodes are not re-sorted.
func (h *Handler) showAgain(w http.ResponseWriter, r *http.Request, f *Flow) {
	if err := h.store.UpdateSettingsFlow(r.Context(), f); err != nil {
		h.fail(w, r, f, err)
		return
	}
	if respondJSON(r, f) {
		h.rs.WriteFlow(w, r, http.StatusOK, f)
		return
	}
	h.rs.RedirectToUI(w, r, http.StatusSeeOther, h.kind, f)
}

// succeeded writes the success answer (§8.2 step 6): the flow for API flows
// and JSON requests, else a 303 to returnTo. Browser flows get their session
// cookie again, and JSON answers continue_with (D5).
func (h *Handler) succeeded(w http.ResponseWriter, r *http.Request, done *Flow, sess *session.Session, returnTo *url.URL) {
	if done.Type == flow.TypeBrowser {
		h.sessions.IssueCookie(w, sess)
	}
	if done.Type == flow.TypeAPI || web.IsJSONRequest(r) {
		if done.Type == flow.TypeBrowser {
			done.ContinueWith = []flow.ContinueWith{flow.RedirectBrowserTo(returnTo.String())}
		}
		h.rs.WriteFlow(w, r, http.StatusOK, done)
		return
	}
	http.Redirect(w, r, returnTo.String(), http.StatusSeeOther)
}

// afterURL is the default target after an update with method (§8.2 step 1):
// after.<method>.default_browser_return_url, after.default_browser_return_url,
// else the settings UI showing this flow. selfservice.default_browser_return_url
// is not used by settings.
func (h *Handler) afterURL(method string, f *Flow) *url.URL {
	if u := h.o.AfterMethodReturnTo[method]; u != nil {
		return u
	}
	if h.o.AfterReturnTo != nil {
		return h.o.AfterReturnTo
	}
	u := url.URL{}
	if h.o.UIURL != nil {
		u = *h.o.UIURL
	}
	q := u.Query()
	q.Set("flow", f.ID.String())
	u.RawQuery = q.Encode()
	return &u
}

// cloneUI copies a container so that two flows can be rendered apart.
func cloneUI(c *ui.Container) *ui.Container {
	out := *c
	out.Nodes = slices.Clone(c.Nodes)
	for k, n := range out.Nodes {
		if a, ok := n.Attributes.(*ui.InputAttributes); ok {
			cp := *a
			out.Nodes[k].Attributes = &cp
		}
		out.Nodes[k].Messages = slices.Clone(n.Messages)
	}
	out.Messages = slices.Clone(c.Messages)
	return &out
}

// adminView is the identity a hook sees: everything but credential configs.
func adminView(i *identity.Identity) identity.Identity {
	return i.WithoutCredentialConfig()
}
