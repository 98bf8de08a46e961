package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/apierr"
)

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		target      string
		want        map[string]any
		wantStatus  int
		wantReason  string
	}{
		{name: "nested json", contentType: "application/json", body: `{"method":"profile","traits":{"email":"a@b.c"}}`,
			want: map[string]any{"method": "profile", "traits": map[string]any{"email": "a@b.c"}}},
		{name: "flattened json with dotted keys, empty dropped", contentType: "application/json; charset=utf-8",
			body: `{"method":"profile","traits.email":"a@b.c","traits.name.first":"","csrf_token":"x"}`,
			want: map[string]any{"method": "profile", "csrf_token": "x", "traits": map[string]any{"email": "a@b.c"}}},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: "method=password&password=secret&traits.email=a%40b.c&empty=",
			want: map[string]any{"method": "password", "password": "secret", "traits": map[string]any{"email": "a@b.c"}}},
		{name: "get reads the query", method: "GET", target: "/?flow=1&traits.email=x",
			want: map[string]any{"flow": "1", "traits": map[string]any{"email": "x"}}},
		{name: "not an object", contentType: "application/json", body: `[1,2]`, wantStatus: 400,
			wantReason: "Expected JSON sent in request body to be an object but got: JSON"},
		{name: "string body", contentType: "application/json", body: `"x"`, wantStatus: 400,
			wantReason: "Expected JSON sent in request body to be an object but got: String"},
		{name: "broken json", contentType: "application/json", body: `{"a":`, wantStatus: 400},
		{name: "trailing garbage", contentType: "application/json", body: `{"a":1} {"b":2}`, wantStatus: 400},
		{name: "invalid json token", contentType: "application/json", body: `{a:1}`, wantStatus: 400},
		{name: "unknown content type", contentType: "text/plain", body: "x", wantStatus: 400,
			wantReason: `HTTP POST Request used unknown HTTP Header "Content-Type: text/plain", only [application/x-www-form-urlencoded multipart/form-data application/json] are supported.`},
		{name: "empty body", contentType: "application/json", body: "", wantStatus: 400,
			wantReason: `Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero.`},
		{name: "conflicting keys", contentType: "application/x-www-form-urlencoded", body: "a=1&a.b=2", wantStatus: 400},
		{name: "too deep", contentType: "application/x-www-form-urlencoded", body: strings.Repeat("a.", 40) + "b=1", wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, target := tt.method, tt.target
			if method == "" {
				method = "POST"
			}
			if target == "" {
				target = "/"
			}
			r := httptest.NewRequest(method, target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			got, err := DecodeBody(r)
			if tt.wantStatus != 0 {
				e := apierr.As(err)
				if e == nil || e.StatusCode() != tt.wantStatus {
					t.Fatalf("err = %v, want status %d", err, tt.wantStatus)
				}
				if tt.wantReason != "" && e.Reason != tt.wantReason {
					t.Errorf("reason = %q, want %q", e.Reason, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeJSONStrict(t *testing.T) {
	type body struct {
		A string `json:"a"`
	}
	tests := []struct {
		name       string
		body       string
		limit      int64
		wantStatus int
	}{
		{name: "ok", body: `{"a":"x"}`},
		{name: "unknown field", body: `{"a":"x","id":"y"}`, wantStatus: 400},
		{name: "wrong type", body: `{"a":1}`, wantStatus: 400},
		{name: "empty", body: ``, wantStatus: 400},
		{name: "trailing", body: `{"a":"x"}x`, wantStatus: 400},
		{name: "too large", body: `{"a":"` + strings.Repeat("x", 100) + `"}`, limit: 16, wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/json")
			if tt.limit > 0 {
				r.ContentLength = -1 // as with chunked encoding: only the reader can tell
				r.Body = http.MaxBytesReader(w, r.Body, tt.limit)
			}
			var b body
			err := DecodeJSON(r, &b)
			if tt.wantStatus == 0 {
				if err != nil || b.A != "x" {
					t.Fatalf("got %+v, %v", b, err)
				}
				return
			}
			if got := apierr.StatusOf(err); got != tt.wantStatus {
				t.Errorf("status = %d (%v), want %d", got, err, tt.wantStatus)
			}
		})
	}
}

func FuzzDecodeBody(f *testing.F) {
	f.Add("application/json", `{"traits":{"a":[1,2,{"b":null}]}}`)
	f.Add("application/x-www-form-urlencoded", "a.b=1&a.c=2")
	f.Add("multipart/form-data; boundary=x", "--x\r\n")
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		_, err := DecodeBody(r)
		if err != nil && apierr.StatusOf(err) >= 500 {
			t.Fatalf("5xx for bad input: %v", err)
		}
	})
}
