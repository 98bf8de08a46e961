package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/web"
)

// StoredError is a row of selfservice_errors: an error shown to a browser
// through the error UI (foundation §7.1).
type StoredError struct {
	ID uuid.UUID
	// Error is the inner envelope object ({"code","status","reason",…}),
	// not wrapped in {"error": …}.
	Error json.RawMessage
	// CSRFTokenHash is the hash of the CSRF token of the request that failed
	// (kept for parity with Kratos's column; fetches do not check it).
	CSRFTokenHash string
	WasSeen       bool
	SeenAt        *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ErrorStore persists self-service errors.
type ErrorStore interface {
	// CreateError inserts e, setting ID when zero and the timestamps.
	CreateError(ctx context.Context, e *StoredError) error
	// ReadError returns the error and marks it seen (was_seen, seen_at) in
	// the same statement. A missing row is a 404 *apierr.Error.
	ReadError(ctx context.Context, id uuid.UUID) (*StoredError, error)
}

// ErrorManager routes errors that cannot be shown inside a flow: a JSON
// request gets the envelope; a browser gets the error stored and a 303 to
// selfservice.flows.error.ui_url?id=<error id> (foundation §7.1).
type ErrorManager struct {
	Store  ErrorStore
	UIURL  *url.URL // selfservice.flows.error.ui_url
	Writer web.ErrorWriter
	CSRF   web.CSRF
}

// Redirect answers err as Kratos's error manager does: JSON requests get the
// envelope with the error's status; every other request gets the error
// stored and a 303 to the error UI. If storing fails, the envelope of that
// failure is written instead: the browser must see something.
func (m *ErrorManager) Redirect(w http.ResponseWriter, r *http.Request, err error) {
	if web.IsJSONRequest(r) {
		m.Writer.Write(w, r, err)
		return
	}
	e := toAPIError(err)
	if e.StatusCode() >= 500 {
		// Log the cause once, as the ErrorWriter would.
		m.log().ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
			"status", e.StatusCode(), "error", err.Error())
	}
	inner := web.EnvelopeOf(r, e)["error"]
	raw, jerr := json.Marshal(inner)
	if jerr != nil {
		m.Writer.Write(w, r, apierr.Internal(fmt.Errorf("flow: encode error: %w", jerr)))
		return
	}
	se := &StoredError{Error: raw, CSRFTokenHash: HashCSRFToken(m.CSRF.Token(r))}
	if serr := m.Store.CreateError(r.Context(), se); serr != nil {
		m.Writer.Write(w, r, serr)
		return
	}
	http.Redirect(w, r, withQuery(m.UIURL, "id", se.ID.String()), http.StatusSeeOther)
}

func (m *ErrorManager) log() *slog.Logger {
	if m.Writer.Log == nil {
		return slog.Default()
	}
	return m.Writer.Log
}

// toAPIError is the wire form of err: its *apierr.Error, a 413 for an
// over-limit body, or a generic 500 that does not leak the cause.
func toAPIError(err error) *apierr.Error {
	if e := apierr.As(err); e != nil {
		return e
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return apierr.TooLarge(tooLarge.Limit)
	}
	return apierr.Internal(err)
}

// storedErrorJSON is the body of GET /self-service/errors.
type storedErrorJSON struct {
	ID        string          `json:"id"`
	Error     json.RawMessage `json:"error"`
	CreatedAt *time.Time      `json:"created_at,omitempty"`
	UpdatedAt *time.Time      `json:"updated_at,omitempty"`
}

// stubError is what ?id=stub:500 returns (foundation §7.1).
const stubError = `{"code":500,"status":"Internal Server Error","reason":"This is a stub error.","message":"An internal server error occurred, please contact the system administrator"}`

// ServeHTTP is GET /self-service/errors?id=<uuid> (also ?error=). It
// answers JSON always; the CSRF cookie is set like on every browser page.
func (m *ErrorManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.CSRF.Ensure(w, r)
	q := r.URL.Query()
	raw := q.Get("id")
	if raw == "" {
		raw = q.Get("error")
	}
	if raw == "stub:500" {
		web.WriteJSON(w, http.StatusOK, storedErrorJSON{ID: uuid.NewString(), Error: json.RawMessage(stubError)})
		return
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		m.Writer.Write(w, r, apierr.NotFound())
		return
	}
	se, err := m.Store.ReadError(r.Context(), id)
	if err != nil {
		m.Writer.Write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, storedErrorJSON{ID: se.ID.String(), Error: se.Error,
		CreatedAt: &se.CreatedAt, UpdatedAt: &se.UpdatedAt})
}

// withQuery returns base with key=value added to its query; the query is
// re-encoded with sorted keys, as Kratos does (settings §1.3). A relative
// base (ui_url "/login") stays relative.
func withQuery(base *url.URL, key, value string) string {
	if base == nil {
		return "/?" + url.Values{key: {value}}.Encode()
	}
	u := *base
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
