package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// testDeps serves the routes that need neither a store nor schemas.
func testDeps(t *testing.T, ready func(context.Context) (error, error)) Deps {
	t.Helper()
	pub, _ := url.Parse("https://auth.example.com/pub/")
	adm, _ := url.Parse("http://admin.internal:4434/")
	if ready == nil {
		ready = func(context.Context) (error, error) { return nil, nil }
	}
	return Deps{
		Log:       slog.New(slog.DiscardHandler),
		Ready:     ready,
		Version:   "v-test",
		PublicURL: pub,
		AdminURL:  adm,
		BodyLimit: 1 << 10,
	}
}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

// TestRedirects: the admin prefix redirect and the cross-port redirects
// keep the query and the method (307), foundation §0.1.
func TestRedirects(t *testing.T) {
	d := testDeps(t, nil)
	admin, public := Admin(d), Public(d)
	tests := []struct {
		name     string
		h        http.Handler
		method   string
		target   string
		location string
	}{
		{"admin prefix", admin, "GET", "/identities", "/admin/identities"},
		{"admin prefix keeps the query", admin, "GET", "/identities?page=1&per_page=2", "/admin/identities?page=1&per_page=2"},
		{"admin prefix, any method", admin, "DELETE", "/identities/x", "/admin/identities/x"},
		{"admin prefix, unknown path", admin, "GET", "/whatever/else", "/admin/whatever/else"},
		{"admin prefix, root", admin, "GET", "/", "/admin/"},
		{"admin prefix, /administrator is not /admin", admin, "GET", "/administrator", "/admin/administrator"},
		{"admin self-service to public", admin, "GET", "/admin/self-service/login/browser?aal=aal2",
			"https://auth.example.com/pub/self-service/login/browser?aal=aal2"},
		{"admin whoami to public", admin, "GET", "/admin/sessions/whoami", "https://auth.example.com/pub/sessions/whoami"},
		{"public identities to admin", public, "GET", "/identities?per_page=5", "http://admin.internal:4434/admin/identities?per_page=5"},
		{"public identity to admin", public, "PUT", "/identities/abc", "http://admin.internal:4434/admin/identities/abc"},
		{"public /admin/identities to admin", public, "POST", "/admin/identities", "http://admin.internal:4434/admin/identities"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(tt.h, tt.method, tt.target)
			if w.Code != http.StatusTemporaryRedirect || w.Header().Get("Location") != tt.location {
				t.Errorf("%s %s = %d, Location %q; want 307 %q", tt.method, tt.target, w.Code, w.Header().Get("Location"), tt.location)
			}
		})
	}
}

// TestUnknownRoutes: unknown paths are a JSON 404 and wrong methods a JSON
// 405 with Allow, on both ports; the catch-all redirect must not swallow
// them on the admin port.
func TestUnknownRoutes(t *testing.T) {
	d := testDeps(t, nil)
	admin, public := Admin(d), Public(d)
	tests := []struct {
		name   string
		h      http.Handler
		method string
		target string
		status int
		allow  string
	}{
		{"admin unknown", admin, "GET", "/admin/nope", 404, ""},
		{"admin bare prefix", admin, "GET", "/admin", 404, ""},
		{"admin wrong method", admin, "POST", "/admin/identities/abc", 405, "GET"},
		{"admin wrong method on the collection", admin, "PUT", "/admin/identities", 405, "POST"},
		{"admin wrong method on health", admin, "POST", "/admin/health/alive", 405, "GET"},
		{"public unknown", public, "GET", "/nope", 404, ""},
		{"public wrong method", public, "POST", "/health/ready", 405, "GET"},
		{"public schemas wrong method", public, "DELETE", "/schemas/default", 405, "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(tt.h, tt.method, tt.target)
			if w.Code != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.target, w.Code, w.Body, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var env struct {
				Error struct {
					Code   int    `json:"code"`
					Reason string `json:"reason"`
				} `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error.Code != tt.status || env.Error.Reason == "" {
				t.Errorf("body %s is not an envelope with code %d and a reason (%v)", w.Body, tt.status, err)
			}
			if tt.allow != "" && !strings.Contains(w.Header().Get("Allow"), tt.allow) {
				t.Errorf("Allow = %q, want it to contain %s", w.Header().Get("Allow"), tt.allow)
			}
		})
	}
}

// TestReady: 503 when the database or the migrations are not ready; the
// public port hides the causes, the admin port shows them (foundation §10).
func TestReady(t *testing.T) {
	dbDown := errors.New("dial tcp 10.0.0.5:5432: connection refused")
	tests := []struct {
		name    string
		db, mig error
		status  int
	}{
		{name: "ready", status: 200},
		{name: "database down", db: dbDown, status: 503},
		{name: "migrations pending", mig: errors.New("migrations are pending"), status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDeps(t, func(context.Context) (error, error) { return tt.db, tt.mig })
			pub := serve(Public(d), "GET", "/health/ready")
			adm := serve(Admin(d), "GET", "/admin/health/ready")
			for _, w := range []*httptest.ResponseRecorder{pub, adm} {
				if w.Code != tt.status {
					t.Errorf("status = %d %s, want %d", w.Code, w.Body, tt.status)
				}
			}
			if tt.status == 200 {
				return
			}
			if strings.Contains(pub.Body.String(), "10.0.0.5") || strings.Contains(pub.Body.String(), "pending") ||
				!strings.Contains(pub.Body.String(), "obfuscated") {
				t.Errorf("public ready shows the cause: %s", pub.Body)
			}
			for _, cause := range []error{tt.db, tt.mig} {
				if cause != nil && !strings.Contains(adm.Body.String(), cause.Error()) {
					t.Errorf("admin ready %s does not show %q", adm.Body, cause)
				}
			}
			// Alive does not depend on the database.
			if w := serve(Public(d), "GET", "/health/alive"); w.Code != 200 {
				t.Errorf("alive = %d", w.Code)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	d := testDeps(t, nil)
	for _, w := range []*httptest.ResponseRecorder{serve(Admin(d), "GET", "/admin/version"), serve(Public(d), "GET", "/version")} {
		if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"version":"v-test"}` {
			t.Errorf("version = %d %s", w.Code, w.Body)
		}
	}
}

// TestBodyLimit: a declared Content-Length over the limit is refused before
// any handler reads it.
func TestBodyLimit(t *testing.T) {
	d := testDeps(t, nil)
	r := httptest.NewRequest("POST", "/admin/identities", strings.NewReader(strings.Repeat("x", 2<<10)))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	Admin(d).ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d %s, want 413", w.Code, w.Body)
	}
}
