package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/warden-id/warden/internal/apierr"
)

// WriteJSON writes v with the given status, as Kratos's JSON writer does
// (charset in the content type, trailing newline, HTML escaping on).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		// Only a programming error (an unencodable value) gets here.
		writeEnvelope(w, nil, apierr.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client may have gone; nothing to do about it
}

// WriteJSONBytes writes body, a value already encoded as WriteJSON encodes
// it (HTML escaping on, trailing newline included), with WriteJSON's
// headers. Hot handlers that encode by hand (whoami) use it.
func WriteJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client may have gone; nothing to do about it
}

// envelope is the inner object of {"error":{…}} (foundation §0.3).
type envelope struct {
	ID      string         `json:"id,omitempty"`
	Code    int            `json:"code"`
	Status  string         `json:"status"`
	Request string         `json:"request,omitempty"`
	Reason  string         `json:"reason,omitempty"`
	Debug   string         `json:"debug,omitempty"`
	Details map[string]any `json:"details,omitempty"`
	Message string         `json:"message"`
}

// ErrorWriter writes every error a client sees. It is the only place that
// turns an error into a response, and the only place that logs causes.
type ErrorWriter struct {
	Log *slog.Logger
}

// Write renders err as Kratos's envelope. Errors that are not *apierr.Error
// become a 500 whose cause is logged but not shown (Kratos shows the Go error
// text; we do not leak internals). A request body over the limit becomes 413.
func (ew ErrorWriter) Write(w http.ResponseWriter, r *http.Request, err error) {
	e := apierr.As(err)
	var tooLarge *http.MaxBytesError
	switch {
	case e != nil:
	case errors.As(err, &tooLarge):
		e = apierr.TooLarge(tooLarge.Limit)
	default:
		e = apierr.Internal(err)
	}
	if e.StatusCode() >= 500 {
		ew.log().ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
			"status", e.StatusCode(), "error", err.Error())
	}
	writeEnvelope(w, r, e)
}

func (ew ErrorWriter) log() *slog.Logger {
	if ew.Log == nil {
		return slog.Default()
	}
	return ew.Log
}

// EnvelopeOf is the JSON object Kratos writes for err: {"error":{…}} plus
// the enhanced shape's top-level keys. The error flow stores it too.
func EnvelopeOf(r *http.Request, e *apierr.Error) map[string]any {
	status := e.StatusCode()
	msg := e.Message
	if msg == "" {
		msg = apierr.BaseMessage(status)
	}
	inner := envelope{ID: e.ID, Code: status, Status: http.StatusText(status), Reason: e.Reason,
		Debug: e.Debug, Details: e.Details, Message: msg}
	if r != nil && len(e.Extra) == 0 {
		// Kratos copies X-Request-ID only into plain envelopes (settings §4.1).
		inner.Request = r.Header.Get("X-Request-ID")
	}
	out := make(map[string]any, 1+len(e.Extra))
	for k, v := range e.Extra {
		out[k] = v
	}
	out["error"] = inner
	return out
}

func writeEnvelope(w http.ResponseWriter, r *http.Request, e *apierr.Error) {
	body, err := json.Marshal(EnvelopeOf(r, e))
	if err != nil {
		body = []byte(`{"error":{"code":500,"status":"Internal Server Error","message":"An internal server error occurred, please contact the system administrator"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.StatusCode())
	_, _ = w.Write(append(body, '\n'))
}
