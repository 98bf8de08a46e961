package settings

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

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
// the new flow are written in one transaction (commit); then the session
// gains the factor the update proved and, when the update changed a
// factor, the other sessions are revoked (sessionsAfter); then the
// post-persist hooks run (a failure is answered as an error, with the
// update saved: §2.7 row 15).
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
	if err := h.abortContinuity(ctx, w, r); err != nil {
		h.fail(w, r, f, err)
		return
	}
	saved, done, err := h.commit(r, f, sess, m, up, base, &expected)
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

	if err := h.sessionsAfter(ctx, sess, m, up); err != nil {
		h.hookFailed(w, r, done, err)
		return
	}
	if err := h.runHooks(r, done, saved, sess, hooks, false); err != nil {
		h.hookFailed(w, r, done, err)
		return
	}
	h.succeeded(w, r, done, sess, returnTo)
}

// commit writes the update (Store.CommitSettings) and returns the identity
// as stored and the submitted flow in its success state. Inside the
// transaction, on the credentials as stored: the method's Apply, the
// last-second-factor rule (keepsAAL2), and the flow that follows the
// success, populated with the credentials as the update leaves them.
func (h *Handler) commit(r *http.Request, f *Flow, sess *session.Session, m Method, up *Update, base flow.Base,
	expected *identity.Identity) (*identity.Identity, *Flow, error) {
	ctx := r.Context()
	var done *Flow
	saved, err := h.store.CommitSettings(ctx, &Commit{IdentityID: sess.IdentityID,
		Apply: func(stored map[identity.CredentialsType]identity.Credentials) (*Applied, error) {
			want, err := up.Apply(stored)
			if err != nil {
				return nil, err
			}
			if err := h.keepsAAL2(sess, stored, want.Credentials); err != nil {
				return nil, err
			}
			next, err := h.populate(ctx, base, expected, want.Credentials, f, m)
			if err != nil {
				return nil, err
			}
			d := *f
			d.State = StateSuccess
			d.UI = cloneUI(next.UI)
			d.UI.Messages = []text.Message{text.NewSettingsSaved()}
			done = &d
			return &Applied{Identity: want, Flow: &d, Next: next}, nil
		}})
	if err != nil {
		return nil, nil, err
	}
	return saved, done, nil
}

// keepsAAL2 is the rule every method's update obeys (beyond Kratos): a
// session below aal2 may not take away the last second factor of an
// identity that has aal2 available — it would undo a factor it never
// proved. The answer is session_aal2_required (§2.6 step 2). With
// required_aal highest_available (the default) such a session is refused
// before any method runs; this covers required_aal aal1.
func (h *Handler) keepsAAL2(sess *session.Session, stored, next map[identity.CredentialsType]identity.Credentials) error {
	if !sess.AAL.Less(session.AAL2) {
		return nil
	}
	if identity.AvailableAAL(stored) != identity.AAL2 || identity.AvailableAAL(next) == identity.AAL2 {
		return nil
	}
	u := h.rs.PublicPath("/self-service/login/browser")
	u.RawQuery = url.Values{"aal": {string(session.AAL2)}}.Encode()
	return session.ErrAAL2Required(u.String())
}

// sessionsAfter applies a stored update to sessions: the factor it proved
// joins the session's AMR (Update.Completed), and a changed factor revokes
// the identity's other sessions when the method's switch is on
// (Update.FactorChanged). Both precede the post-persist hooks, so a
// failing hook cannot leave the sessions behind the stored change.
func (h *Handler) sessionsAfter(ctx context.Context, sess *session.Session, m Method, up *Update) error {
	if up.Completed != nil {
		am := *up.Completed
		if am.CompletedAt.IsZero() {
			am.CompletedAt = h.rs.Clock().UTC().Truncate(time.Microsecond)
		}
		if err := h.sessions.AddAuthenticationMethod(ctx, sess, am); err != nil {
			return fmt.Errorf("settings: add %s to the session: %w", am.Method, err)
		}
	}
	if up.FactorChanged && h.o.RevokeOtherSessionsAfter[m.Name()] {
		if _, err := h.sessions.RevokeOtherSessions(ctx, sess.IdentityID, sess.ID); err != nil {
			return fmt.Errorf("settings: revoke other sessions: %w", err)
		}
	}
	return nil
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
