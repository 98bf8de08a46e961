package login

import (
	"errors"
	"net/http"

	"github.com/warden-id/warden/internal/apierr"
)

// ErrBadCredentials marks a login failure caused by a wrong secret (as
// opposed to malformed input). Methods wrap it; the throttle counts it.
var ErrBadCredentials = errors.New("login: the credentials are not valid")

// ErrAlreadyLoggedIn is Kratos's 400 session_already_available for login
// (foundation §1.3).
func ErrAlreadyLoggedIn() *apierr.Error {
	return &apierr.Error{
		Status:  http.StatusBadRequest,
		ID:      "session_already_available",
		Message: "you are already logged in",
		Reason:  "A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?",
	}
}

// ErrAAL1Required is session_aal1_required: a higher AAL needs a session.
func ErrAAL1Required() *apierr.Error {
	return &apierr.Error{
		Status:  http.StatusUnauthorized,
		ID:      "session_aal1_required",
		Message: "aal2 and aal3 can only be requested if a session exists already",
		Reason:  "You can not requested a higher AAL (AAL2/AAL3) without an active session.",
	}
}

// errBadAAL is the 400 for an aal query value other than aal1 or aal2.
func errBadAAL(got string) *apierr.Error {
	return apierr.BadRequest("Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got %s", got)
}
