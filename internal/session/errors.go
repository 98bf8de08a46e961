package session

import (
	"net/http"

	"github.com/warden-id/warden/internal/apierr"
)

// ErrNoSession is whoami's 401 (foundation §3.4): no id, reason "No valid
// session cookie found.". Kratos v0.10.1 writes this for every request
// without a usable session (no token, unknown, expired, revoked, inactive
// identity), and the /sessions endpoints answer the same. cause is logged,
// never shown.
func ErrNoSession(cause error) *apierr.Error {
	return &apierr.Error{Status: http.StatusUnauthorized, Reason: "No valid session cookie found.", Err: cause}
}

// ErrNoActiveSession is Kratos's ErrNoActiveSessionFound (session_inactive),
// which logout and "must be authenticated" endpoints answer (§4.1, D6).
func ErrNoActiveSession() *apierr.Error {
	return &apierr.Error{
		Status:  http.StatusUnauthorized,
		ID:      "session_inactive",
		Message: "request does not have a valid authentication session",
		Reason:  "No active session was found in this request.",
	}
}

// ErrIdentityDisabled is Kratos's ErrIdentityDisabled: activating a session
// for an identity whose state is not active (§1.6).
func ErrIdentityDisabled() *apierr.Error {
	return &apierr.Error{Status: http.StatusUnauthorized, Message: "identity is disabled", Reason: "This account was disabled."}
}

// ErrAAL2Required is session_aal2_required (§3.4, settings §4.2): its
// redirect_browser_to is both in details and top level, the enhanced shape
// Kratos writes for ErrAALNotSatisfied.
func ErrAAL2Required(redirectTo string) *apierr.Error {
	return &apierr.Error{
		Status:  http.StatusForbidden,
		ID:      "session_aal2_required",
		Message: "Session does not fulfill the requested Authenticator Assurance Level",
		Reason:  "An active session was found but it does not fulfill the requested Authenticator Assurance Level. Please verify yourself with a second factor to resolve this issue.",
		Details: map[string]any{"redirect_browser_to": redirectTo},
		Extra:   map[string]any{"redirect_browser_to": redirectTo},
	}
}

// IsNoSession reports whether err means "this request has no usable
// session" (any 401), as opposed to a store failure.
func IsNoSession(err error) bool { return apierr.Is(err, http.StatusUnauthorized) }

// errBadUUID is Kratos's answer to a path id that is not a UUID: herodot's
// 400 whose message is the parser's error, with debug "could not parse UUID".
func errBadUUID(err error) *apierr.Error {
	return &apierr.Error{Status: http.StatusBadRequest, Message: err.Error(), Debug: "could not parse UUID"}
}
