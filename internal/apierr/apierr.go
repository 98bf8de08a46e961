// Package apierr defines Warden's one error type. Every error that reaches a
// client passes through web.WriteError, which renders it as Kratos's
// {"error":{…}} envelope. The cause (Err) is logged, never shown.
//
// apierr imports only the standard library (layer L0).
package apierr

import (
	"errors"
	"fmt"
	"net/http"
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
		return http.StatusInternalServerError
	}
	return e.Status
}

// BaseMessage is the message Kratos (herodot) uses for each status (foundation §0.3).
func BaseMessage(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "The request was malformed or contained invalid parameters"
	case http.StatusUnauthorized:
		return "The request could not be authorized"
	case http.StatusForbidden:
		return "The requested action was forbidden"
	case http.StatusNotFound:
		return "The requested resource could not be found"
	case http.StatusConflict:
		return "Unable to insert or update resource because a resource with that value exists already"
	case http.StatusGone:
		return "The requested resource is no longer available because it has expired or is otherwise invalid."
	case http.StatusRequestEntityTooLarge:
		return "The request body is too large"
	case http.StatusUnsupportedMediaType:
		return "The request used an unsupported media type"
	case http.StatusMethodNotAllowed:
		return "The requested method is not allowed"
	case http.StatusServiceUnavailable:
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
	return http.StatusInternalServerError
}

// Is reports whether err carries an *Error with the given status.
func Is(err error, status int) bool {
	e := As(err)
	return e != nil && e.StatusCode() == status
}

// BadRequest is a 400 whose reason tells the client what to fix.
func BadRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Reason: fmt.Sprintf(format, args...)}
}

// NotFound is Kratos's 404 for a missing database row: "Unable to locate the resource".
func NotFound() *Error {
	return &Error{Status: http.StatusNotFound, Message: "Unable to locate the resource"}
}

// NotFoundReason is a 404 with the generic message and a reason.
func NotFoundReason(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Reason: fmt.Sprintf(format, args...)}
}

// Conflict is Kratos's 409 for a unique violation.
func Conflict(cause error) *Error {
	return &Error{Status: http.StatusConflict, Err: cause}
}

// Forbidden is a 403 with an id and reason.
func Forbidden(id, reason string) *Error {
	return &Error{Status: http.StatusForbidden, ID: id, Reason: reason}
}

// Unauthorized is a 401 with an id and reason.
func Unauthorized(id, reason string) *Error {
	return &Error{Status: http.StatusUnauthorized, ID: id, Reason: reason}
}

// Unavailable is a 503: the database (or another dependency) cannot be reached.
func Unavailable(cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Reason: "A required dependency is unavailable, please retry later.", Err: cause}
}

// Internal wraps an unexpected error as a 500. The cause is logged only.
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Err: cause}
}

// TooLarge is a 413 for a body over the limit.
func TooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf("The request body exceeds the limit of %d bytes.", limit)}
}
