package registration

import (
	"net/http"

	"github.com/warden-id/warden/internal/apierr"
)

// ErrDisabled is self_service_flow_disabled (foundation §2.1).
func ErrDisabled() *apierr.Error {
	return &apierr.Error{
		Status:  http.StatusBadRequest,
		ID:      "self_service_flow_disabled",
		Message: "registration flow disabled",
		Reason:  "Registration is not allowed because it was disabled.",
	}
}

// ErrAlreadyLoggedIn is session_already_available for registration.
func ErrAlreadyLoggedIn() *apierr.Error {
	return &apierr.Error{
		Status:  http.StatusBadRequest,
		ID:      "session_already_available",
		Message: "you are already logged in",
		Reason:  "A valid session was detected and thus registration is not possible.",
	}
}
