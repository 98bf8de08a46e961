// Package apierr defines Warden's one error type. Every error that reaches a
// client passes through web.WriteError, which renders it as Kratos's
// {"error":{…}} envelope. The cause (Err) is logged, never shown.
//
// apierr imports only the standard library (layer L0).
package apierr

import (
	"errors"
	"fmt"
)

// HTTP statuses used here, as literals: apierr is imported by packages that
// must not depend on net/http (architecture.md layers).
const (
	statusBadRequest         = 400
	statusUnauthorized       = 401
	statusForbidden          = 403
	statusNotFound           = 404
	statusMethodNotAllowed   = 405
	statusConflict           = 409
	statusGone               = 410
	statusTooLarge           = 413
	statusUnsupportedMedia   = 415
	statusInternal           = 500
	statusServiceUnavailable = 503
)

// Error is an error with a wire shape. The zero Status means 500.
type Error struct {
	Status  int            // HTTP status, also the envelope's "code"
	ID      string         // stable machine id, e.g. "security_csrf_violation"; may be empty
	Message string         // envelope "message"; defaults to the status's base message
	Reason  string         // human-readable reason a person can act on
	Debug   string         // envelope "debug" (Kratos v0.10.1 exposes it)
	Details map[string]any // envelope "details"
	// Extra holds top-level siblings of "error" for Kratos's enhanced shapes
	// (use_flow_id, since, redirect_browser_to).
	Extra map[string]any
	Err   error // the cause; logged, never written to the client
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = BaseMessage(e.StatusCode())
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// StatusCode is Status, or 500 when unset.
func (e *Error) StatusCode() int {
	if e.Status == 0 {
		return statusInternal
	}
	return e.Status
}

// BaseMessage is the message Kratos (herodot) uses for each status (foundation §0.3).
func BaseMessage(status int) string {
	switch status {
	case statusBadRequest:
		return "The request was malformed or contained invalid parameters"
	case statusUnauthorized:
		return "The request could not be authorized"
	case statusForbidden:
		return "The requested action was forbidden"
	case statusNotFound:
		return "The requested resource could not be found"
	case statusConflict:
		return "Unable to insert or update resource because a resource with that value exists already"
	case statusGone:
		return "The requested resource is no longer available because it has expired or is otherwise invalid."
	case statusTooLarge:
		return "The request body is too large"
	case statusUnsupportedMedia:
		return "The request used an unsupported media type"
	case statusMethodNotAllowed:
		return "The requested method is not allowed"
	case statusServiceUnavailable:
		return "The service is temporarily unavailable"
	default:
		return "An internal server error occurred, please contact the system administrator"
	}
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// StatusOf is the HTTP status an error maps to: its *Error's, else 500.
func StatusOf(err error) int {
	if e := As(err); e != nil {
		return e.StatusCode()
	}
	return statusInternal
}

// Is reports whether err carries an *Error with the given status.
func Is(err error, status int) bool {
	e := As(err)
	return e != nil && e.StatusCode() == status
}

// BadRequest is a 400 whose reason tells the client what to fix.
func BadRequest(format string, args ...any) *Error {
	return &Error{Status: statusBadRequest, Reason: fmt.Sprintf(format, args...)}
}

// NotFound is Kratos's 404 for a missing database row: "Unable to locate the resource".
func NotFound() *Error {
	return &Error{Status: statusNotFound, Message: "Unable to locate the resource"}
}

// NotFoundReason is a 404 with the generic message and a reason.
func NotFoundReason(format string, args ...any) *Error {
	return &Error{Status: statusNotFound, Reason: fmt.Sprintf(format, args...)}
}

// Conflict is Kratos's 409 for a unique violation.
func Conflict(cause error) *Error {
	return &Error{Status: statusConflict, Err: cause}
}

// Forbidden is a 403 with an id and reason.
func Forbidden(id, reason string) *Error {
	return &Error{Status: statusForbidden, ID: id, Reason: reason}
}

// Unauthorized is a 401 with an id and reason.
func Unauthorized(id, reason string) *Error {
	return &Error{Status: statusUnauthorized, ID: id, Reason: reason}
}

// Unavailable is a 503: the database (or another dependency) cannot be reached.
func Unavailable(cause error) *Error {
	return &Error{Status: statusServiceUnavailable, Reason: "A required dependency is unavailable, please retry later.", Err: cause}
}

// Internal wraps an unexpected error as a 500. The cause is logged only.
func Internal(cause error) *Error {
	return &Error{Status: statusInternal, Err: cause}
}

// TooLarge is a 413 for a body over the limit.
func TooLarge(limit int64) *Error {
	return &Error{Status: statusTooLarge, Reason: fmt.Sprintf("The request body exceeds the limit of %d bytes.", limit)}
}
