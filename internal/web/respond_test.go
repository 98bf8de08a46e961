package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/apierr"
)

func TestErrorWriter(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		requestID  string
		wantStatus int
		want       map[string]any
	}{
		{
			name: "bad request with reason and request id", err: apierr.BadRequest("nope"), requestID: "rid-1",
			wantStatus: 400,
			want: map[string]any{"error": map[string]any{"code": 400.0, "status": "Bad Request", "request": "rid-1",
				"reason": "nope", "message": "The request was malformed or contained invalid parameters"}},
		},
		{
			name: "not found row", err: apierr.NotFound(), wantStatus: 404,
			want: map[string]any{"error": map[string]any{"code": 404.0, "status": "Not Found", "message": "Unable to locate the resource"}},
		},
		{
			name: "plain error hides its text", err: errors.New("pq: password=secret"), wantStatus: 500,
			want: map[string]any{"error": map[string]any{"code": 500.0, "status": "Internal Server Error",
				"message": "An internal server error occurred, please contact the system administrator"}},
		},
		{
			name: "enhanced shape keeps extras and drops request", requestID: "rid-2",
			err: &apierr.Error{Status: 410, ID: "self_service_flow_expired", Message: "self-service flow expired",
				Extra: map[string]any{"use_flow_id": "abc"}},
			wantStatus: 410,
			want: map[string]any{"use_flow_id": "abc", "error": map[string]any{"id": "self_service_flow_expired", "code": 410.0,
				"status": "Gone", "message": "self-service flow expired"}},
		},
		{
			name: "wrapped apierr", err: errors.Join(errors.New("ctx"), apierr.Forbidden("security_csrf_violation", "r")),
			wantStatus: 403,
			want: map[string]any{"error": map[string]any{"id": "security_csrf_violation", "code": 403.0, "status": "Forbidden",
				"reason": "r", "message": "The requested action was forbidden"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/", nil)
			if tt.requestID != "" {
				r.Header.Set("X-Request-ID", tt.requestID)
			}
			ErrorWriter{}.Write(w, r, tt.err)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type = %q", ct)
			}
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		if _, err := DecodeBody(r); err != nil {
			ErrorWriter{}.Write(w, r, err)
			return
		}
		WriteJSON(w, 200, map[string]string{"ok": "<yes>"})
	}), Recover(ErrorWriter{}), SecurityHeaders, LimitBody(64))

	t.Run("headers and html escaping", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/", strings.NewReader(`{"a":"b"}`))
		r.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, r)
		if w.Code != 200 || w.Body.String() != "{\"ok\":\"\\u003cyes\\u003e\"}\n" {
			t.Fatalf("got %d %q", w.Code, w.Body.String())
		}
		for k, v := range map[string]string{"Cache-Control": "private, no-cache, no-store, must-revalidate",
			"X-Content-Type-Options": "nosniff", "Content-Type": "application/json; charset=utf-8"} {
			if got := w.Header().Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	})
	t.Run("body over the limit is 413", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/", strings.NewReader(`{"a":"`+string(make([]byte, 100))+`"}`))
		r.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d, body %s", w.Code, w.Body)
		}
	})
	t.Run("panic is a 500 envelope", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/panic", nil))
		if w.Code != 500 {
			t.Fatalf("status = %d", w.Code)
		}
	})
}
