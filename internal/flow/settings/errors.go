package settings

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/hook"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/web"
)

// errNoSession is the 401 of fetch and submit without a session: v0.10.1's
// status, message and reason with the session_inactive id (D6).
func errNoSession() *apierr.Error {
	return &apierr.Error{Status: http.StatusUnauthorized, ID: "session_inactive",
		Reason: "A valid Ory Session Cookie or Ory Session Token is missing."}
}

// errInitNoSession is session_inactive of the init endpoints (§2.1, §2.2).
func errInitNoSession(api bool) *apierr.Error {
	reason := "No active session was found in this request."
	if api {
		reason = "This endpoint can only be accessed with a valid session. Please log in and try again."
	}
	return &apierr.Error{Status: http.StatusUnauthorized, ID: "session_inactive",
		Message: "request does not have a valid authentication session", Reason: reason}
}

// errFlowNotFound is the submit's 404 for an unknown flow id (§2.4 step 3).
func errFlowNotFound(cause error) error {
	if !apierr.Is(cause, http.StatusNotFound) {
		return cause
	}
	return &apierr.Error{Status: http.StatusNotFound, Reason: "The settings request could not be found. Please restart the flow.", Err: cause}
}

// errFetchOtherIdentity is the fetch's 403 for another identity's flow.
func errFetchOtherIdentity() *apierr.Error {
	return apierr.Forbidden("security_identity_mismatch",
		"The request was made for another identity and has been blocked for security reasons.")
}

// errSubmitOtherIdentity is the submit's answer for another identity's
// flow: v1's 403, never a message on (or a view of) that flow (D8, §13 Q3).
func errSubmitOtherIdentity() *apierr.Error {
	return apierr.Forbidden("security_identity_mismatch",
		"The request was initiated by someone else and has been blocked for security reasons. Please go back and try again.")
}

// errNoValueChanges is profile's 400 for an empty traits object (§5.1 step 3).
func errNoValueChanges() *apierr.Error {
	return apierr.BadRequest("Did not receive any value changes.")
}

// errGETBody is the message of a GET submission nothing answered: the
// lookup_secret strategy's decoder refuses GET in Kratos (§2.4, §13 Q8).
func errGETBody() *apierr.Error {
	return apierr.BadRequest(`Unable to decode body because HTTP Request Method was "GET" but only [POST PUT PATCH] are supported.`)
}

// errRefreshRequired is session_refresh_required (§4.2, §6.4).
func errRefreshRequired(redirectTo string) *apierr.Error {
	return &apierr.Error{
		Status: http.StatusForbidden,
		ID:     "session_refresh_required",
		Reason: "The login session is too old and thus not allowed to update these fields. Please re-authenticate.",
		Extra:  map[string]any{"redirect_browser_to": redirectTo},
	}
}

// refreshURL is PUBLIC/self-service/login/browser?refresh=true&return_to=
// <PUBLIC + this request's path and query> (§6.4, D14). It always names the
// browser login, even for API flows (§13 Q23).
func (h *Handler) refreshURL(r *http.Request) string {
	u := h.rs.PublicPath("/self-service/login/browser")
	u.RawQuery = url.Values{"refresh": {"true"}, "return_to": {h.rs.RequestURL(r)}}.Encode()
	return u.String()
}

// fetchExpired is the fetch's 410 (§2.3 step 5): no id, a hint where to
// start over; no replacement flow is created (§13 Q25).
func (h *Handler) fetchExpired(f *Flow) *apierr.Error {
	e := &apierr.Error{Status: http.StatusGone}
	if f.Type == flow.TypeAPI {
		e.Reason = "The settings flow has expired. Call the settings flow init API endpoint to initialize a new settings flow."
		e.Details = map[string]any{"api": h.rs.PublicPath("/self-service/settings/api").String()}
		return e
	}
	redirectTo := h.rs.PublicPath("/self-service/settings/browser")
	if f.ReturnTo != "" {
		redirectTo.RawQuery = url.Values{"return_to": {f.ReturnTo}}.Encode()
	}
	e.Reason = "The settings flow has expired. Redirect the user to the settings flow init endpoint to initialize a new settings flow."
	e.Details = map[string]any{"redirect_to": redirectTo.String(), "return_to": f.ReturnTo}
	return e
}

// respondJSON is Kratos's response mode of the error writer (§1.1).
func respondJSON(r *http.Request, f *Flow) bool {
	return (f != nil && f.Type == flow.TypeAPI) || web.IsJSONRequest(r)
}

// fail is the settings error writer ("WFE", §2.6). f is nil when the flow
// is unknown. The cases that differ from the shared responder come first:
// an AAL error and a refresh demand send browsers to the login endpoint;
// everything else (expiry, form errors, forwarding) is flow.Responder's.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, f *Flow, err error) {
	if session.IsNoSession(err) {
		// Case 1: browsers start over at the login endpoint.
		if respondJSON(r, f) {
			h.rs.Writer.Write(w, r, err)
			return
		}
		http.Redirect(w, r, h.rs.PublicPath("/self-service/login/browser").String(), http.StatusSeeOther)
		return
	}
	if e := apierr.As(err); e != nil && f != nil {
		switch e.ID {
		case "session_aal2_required", "session_refresh_required":
			if respondJSON(r, f) {
				h.rs.Writer.Write(w, r, e)
				return
			}
			to, _ := e.Extra["redirect_browser_to"].(string)
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
	}
	var pe *PrivilegeError
	if errors.As(err, &pe) {
		h.fail(w, r, f, errRefreshRequired(h.refreshURL(r)))
		return
	}
	if f == nil {
		h.rs.FlowError(w, r, h.kind, nil, err)
		return
	}
	h.rs.FlowError(w, r, h.kind, f, err)
}

// hookFailed answers a failed after-settings hook (§2.7 row 15): the
// identity and the flow are saved already. JSON answers are Kratos's
// forwarded generic error, HTTP 400 around an inner code 500 (§13 Q11);
// browsers see it on the error UI.
func (h *Handler) hookFailed(w http.ResponseWriter, r *http.Request, f *Flow, err error) {
	e := &apierr.Error{Status: http.StatusInternalServerError, Err: err}
	var se *hook.StatusError
	if errors.As(err, &se) {
		e.Message = se.Error() // Kratos's text, e.g. "web hook failed with status code 500"
	}
	h.o.Log.ErrorContext(r.Context(), "settings: after-settings hook failed",
		"flow_id", f.ID, "error", err.Error())
	if !respondJSON(r, f) {
		h.rs.Errors.Redirect(w, r, e)
		return
	}
	body, jerr := json.Marshal(web.EnvelopeOf(r, e))
	if jerr != nil {
		h.rs.Writer.Write(w, r, apierr.Internal(jerr))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(append(body, '\n'))
}
