package login

import (
	"net/http"
	"net/url"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/web"
)

// ErrShowFlow is returned by a method's Login when the submission was one
// step of a longer login: the method has changed the flow (nodes and
// messages) for the next step, and the flow is saved and shown again. The
// webauthn method does this after the identifier of a passwordless login
// (foundation §1.5): Kratos answers browsers with a 303 to the login UI and
// JSON requests with 422 browser_location_change_required pointing there;
// Warden answers API flows, where Kratos has no WebAuthn, with the flow
// itself (200), so a native app reads the next step from it.
type ErrShowFlow struct{}

func (*ErrShowFlow) Error() string { return "login: the flow shows its next step" }

// showFlow answers ErrShowFlow (issue 5, webauthn).
func (h *Handler) showFlow(w http.ResponseWriter, r *http.Request, f *Flow) {
	if err := h.store.UpdateLoginFlow(r.Context(), f); err != nil {
		h.rs.FlowError(w, r, h.kind, f, err)
		return
	}
	if f.Type == flow.TypeAPI {
		h.rs.WriteFlow(w, r, http.StatusOK, f)
		return
	}
	if web.IsJSONRequest(r) {
		to := uiURL(h.o.UIURL, f)
		h.rs.Writer.Write(w, r, &apierr.Error{
			Status:  http.StatusUnprocessableEntity,
			ID:      "browser_location_change_required",
			Message: "browser location change required",
			Reason:  "In order to complete this flow please redirect the browser to: " + to,
			Extra:   map[string]any{"redirect_browser_to": to},
		})
		return
	}
	h.rs.RedirectToUI(w, r, http.StatusSeeOther, h.kind, f)
}

// uiURL is <ui_url>?flow=<id>, the query of ui_url kept.
func uiURL(base *url.URL, f *Flow) string {
	u := url.URL{}
	if base != nil {
		u = *base
	}
	q := u.Query()
	q.Set("flow", f.ID.String())
	u.RawQuery = q.Encode()
	return u.String()
}
