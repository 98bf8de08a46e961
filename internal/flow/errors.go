package flow

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/text"
)

// FormError is an error that belongs on the form: the responder embeds its
// messages into the flow instead of answering with the envelope
// (foundation §0.7 step 3). Field names a node ("password",
// "traits.email"); an empty Field is a flow-level message.
type FormError struct {
	// Status of the flow answer; 400 when zero.
	Status   int
	Messages []FieldMessage
	// Err is the cause, for logs only.
	Err error
}

// FieldMessage is one message and where it goes.
type FieldMessage struct {
	Field   string
	Message text.Message
}

// NewFormError is a FormError with one message on field ("" = flow level).
func NewFormError(field string, m text.Message) *FormError {
	return &FormError{Messages: []FieldMessage{{Field: field, Message: m}}}
}

// Add appends a message and returns e, for chaining.
func (e *FormError) Add(field string, m text.Message) *FormError {
	e.Messages = append(e.Messages, FieldMessage{Field: field, Message: m})
	return e
}

// StatusCode is the HTTP status of the flow answer.
func (e *FormError) StatusCode() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

func (e *FormError) Error() string {
	parts := make([]string, 0, len(e.Messages))
	for _, m := range e.Messages {
		if m.Field == "" {
			parts = append(parts, m.Message.Text)
		} else {
			parts = append(parts, m.Field+": "+m.Message.Text)
		}
	}
	return "flow: " + strings.Join(parts, "; ")
}

func (e *FormError) Unwrap() error { return e.Err }

// ExpiredError says a submission arrived after the flow's expires_at. The
// responder answers it with a replacement flow (foundation §7.2).
type ExpiredError struct {
	ExpiredAt time.Time
	Now       time.Time
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("self-service flow expired %.2f minutes ago", e.Now.Sub(e.ExpiredAt).Minutes())
}

// envelope is Kratos's 410 for a submission to an expired flow, with the
// replacement flow's id (foundation §7.2). expired_at is v1's (D11).
func (e *ExpiredError) envelope(newID uuid.UUID) *apierr.Error {
	since := e.Now.Sub(e.ExpiredAt)
	return &apierr.Error{
		Status:  http.StatusGone,
		ID:      "self_service_flow_expired",
		Message: "self-service flow expired",
		Reason:  fmt.Sprintf("The self-service flow expired %.2f minutes ago, initialize a new one.", since.Minutes()),
		Extra: map[string]any{
			"since":       int64(since),
			"use_flow_id": newID.String(),
			"expired_at":  e.ExpiredAt.UTC(),
		},
	}
}

// ErrFlowIDMissing is the 400 for a submission whose flow query parameter
// is missing or not a UUID (foundation §1.5 step 1).
func ErrFlowIDMissing() *apierr.Error {
	return apierr.BadRequest("The flow query parameter is missing or malformed.")
}

// ParseFlowID reads the flow id of a submission (?flow=).
func ParseFlowID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.URL.Query().Get("flow"))
	if err != nil {
		return uuid.Nil, ErrFlowIDMissing()
	}
	return id, nil
}

// ParseFetchID reads the id of a flow fetch (?id=). A missing or malformed
// id is a 404, as an unknown one (foundation §1.4).
func ParseFetchID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.URL.Query().Get("id"))
	if err != nil {
		return uuid.Nil, apierr.NotFound()
	}
	return id, nil
}

// ErrMethodDisabled is the 404 for a submission naming a method that is
// switched off (foundation §1.5 step 5).
func ErrMethodDisabled() *apierr.Error {
	return apierr.NotFoundReason("This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.")
}

// ErrOriginOnAPIFlow and ErrCookieOnAPIFlow are the 400s for browser
// indicators on an API flow (foundation §8.3). They become flow messages.
func ErrOriginOnAPIFlow() *apierr.Error {
	return apierr.BadRequest(`The HTTP Request Header included the "Origin" key, indicating that this request was made as part of an AJAX request in a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.`)
}

// ErrCookieOnAPIFlow: see ErrOriginOnAPIFlow.
func ErrCookieOnAPIFlow() *apierr.Error {
	return apierr.BadRequest(`The HTTP Request Header included the "Cookie" key, indicating that this request was made by a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.`)
}
