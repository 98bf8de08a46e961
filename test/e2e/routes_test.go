package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestHealthAndVersion: /health/alive, /health/ready and /version on both
// ports (foundation §10), also through the SDK's MetadataAPI.
func TestHealthAndVersion(t *testing.T) {
	t.Parallel()
	s := Start(t, ServerOptions{})
	for _, u := range []string{
		s.PublicURL + "/health/alive", s.PublicURL + "/health/ready",
		s.AdminURL + "/admin/health/alive", s.AdminURL + "/admin/health/ready",
	} {
		r := call(t, "GET", u, nil)
		if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != `{"status":"ok"}` {
			t.Errorf("GET %s = %d %s", u, r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", u, ct)
		}
	}
	version := strings.TrimPrefix(strings.TrimSpace(runWarden(t, s.Dir, baseEnv(), "version")), "Version: ")
	for _, u := range []string{s.AdminURL + "/admin/version", s.PublicURL + "/version"} {
		r := call(t, "GET", u, nil)
		if r.Status != http.StatusOK || r.object(t)["version"] != version {
			t.Errorf("GET %s = %d %s, want version %q", u, r.Status, r.Body, version)
		}
	}
	// Unprefixed admin paths redirect; the SDK follows.
	for _, p := range []string{"/health/alive", "/health/ready", "/version"} {
		r := call(t, "GET", s.AdminURL+p, nil)
		if r.Status != http.StatusTemporaryRedirect || r.Header.Get("Location") != "/admin"+p {
			t.Errorf("admin GET %s = %d, Location %q", p, r.Status, r.Header.Get("Location"))
		}
	}
	v, _, err := s.Admin().MetadataAPI.GetVersion(context.Background()).Execute()
	must(t, err)
	if v.Version != version {
		t.Errorf("SDK GetVersion = %q, want %q", v.Version, version)
	}
}

// TestSchemas: GET /schemas and /schemas/{id} by raw and base64url id, on
// public and admin, with the exact file bytes (foundation §5.2, §13 item 89).
func TestSchemas(t *testing.T) {
	t.Parallel()
	s := Start(t, ServerOptions{Env: []string{multiSchemaEnv()}})
	compat, err := os.ReadFile(filepath.Join(s.Dir, "identity.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"default": string(compat), "username": usernameSchema, "plain": plainSchema}
	b64 := map[string]string{"default": "ZGVmYXVsdA", "username": "dXNlcm5hbWU", "plain": "cGxhaW4"}

	for id, body := range want {
		for _, u := range []string{
			s.PublicURL + "/schemas/" + id, s.PublicURL + "/schemas/" + b64[id],
			s.PublicURL + "/admin/schemas/" + id, // Kratos serves it here too
			s.AdminURL + "/admin/schemas/" + id, s.AdminURL + "/admin/schemas/" + b64[id],
		} {
			r := call(t, "GET", u, nil)
			if r.Status != http.StatusOK || string(r.Body) != body {
				t.Errorf("GET %s = %d %.200s, want the schema file's bytes", u, r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("GET %s: Content-Type %q", u, ct)
			}
		}
		// Through the SDK, on both ports.
		for _, base := range []string{s.PublicURL, s.AdminURL} {
			got, _, err := sdk(base).IdentityAPI.GetIdentitySchema(context.Background(), id).Execute()
			must(t, err)
			if !jsonEqual(t, got, json.RawMessage(body)) {
				t.Errorf("SDK GetIdentitySchema(%s) on %s = %v", id, base, got)
			}
		}
	}

	for _, u := range []string{
		s.PublicURL + "/schemas/does-not-exist", s.PublicURL + "/schemas/ZG9lcy1ub3QtZXhpc3Q",
		s.AdminURL + "/admin/schemas/does-not-exist",
	} {
		call(t, "GET", u, nil).wantError(t, http.StatusNotFound, "could not be found")
	}
	call(t, "GET", s.PublicURL+"/schemas/nope", nil).wantError(t, http.StatusNotFound, "Identity schema `nope` could not be found.")

	// The list, whole and page by page: pages are 0-based and disjoint.
	all, res, err := s.Public().IdentityAPI.ListIdentitySchemas(context.Background()).Execute()
	must(t, err)
	var ids []string
	for _, c := range all {
		ids = append(ids, c.GetId())
		if !jsonEqual(t, c.Schema, json.RawMessage(want[c.GetId()])) {
			t.Errorf("listed schema %s = %v", c.GetId(), c.Schema)
		}
	}
	if !slices.Equal(ids, []string{"default", "username", "plain"}) || res.Header.Get("X-Total-Count") != "3" {
		t.Errorf("schemas = %v (X-Total-Count %q), want config order", ids, res.Header.Get("X-Total-Count"))
	}
	var paged []string
	for _, page := range []string{"0", "1", "2", "3"} {
		r := call(t, "GET", s.PublicURL+"/schemas?per_page=1&page="+page, nil)
		var l []struct {
			ID string `json:"id"`
		}
		r.decode(t, &l)
		for _, e := range l {
			paged = append(paged, e.ID)
		}
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("paged schemas = %v, want %v", paged, ids)
	}
	wantLink(t, call(t, "GET", s.PublicURL+"/schemas?per_page=1&page=1", nil), s.PublicURL+"/schemas",
		"first page=0 per_page=1", "next page=2 per_page=1", "prev page=0 per_page=1", "last page=2 per_page=1")
	call(t, "GET", s.PublicURL+"/schemas?per_page=0", nil).wantError(t, http.StatusBadRequest, "per_page")
}

// TestRedirectsAndUnknownRoutes: the admin prefix and cross-port 307s with
// the query kept (foundation §0.1), and the JSON 404/405 envelopes.
func TestRedirectsAndUnknownRoutes(t *testing.T) {
	t.Parallel()
	s := Start(t, ServerOptions{})
	id := "9a0c7bd5-7c42-4d5c-9d0e-2f5d7a3b1e11"
	tests := []struct {
		method, url, location string
	}{
		{"GET", s.AdminURL + "/identities", "/admin/identities"},
		{"GET", s.AdminURL + "/identities?page=2&per_page=5", "/admin/identities?page=2&per_page=5"},
		{"POST", s.AdminURL + "/identities", "/admin/identities"},
		{"GET", s.AdminURL + "/schemas/default", "/admin/schemas/default"},
		{"GET", s.PublicURL + "/identities", s.AdminURL + "/admin/identities"},
		{"GET", s.PublicURL + "/identities?per_page=1", s.AdminURL + "/admin/identities?per_page=1"},
		{"POST", s.PublicURL + "/identities", s.AdminURL + "/admin/identities"},
		{"GET", s.PublicURL + "/identities/" + id, s.AdminURL + "/admin/identities/" + id},
		{"PUT", s.PublicURL + "/identities/" + id, s.AdminURL + "/admin/identities/" + id},
		{"DELETE", s.PublicURL + "/identities/" + id, s.AdminURL + "/admin/identities/" + id},
		{"GET", s.PublicURL + "/admin/identities/" + id, s.AdminURL + "/admin/identities/" + id},
		{"GET", s.AdminURL + "/admin/self-service/login/browser?return_to=x", s.PublicURL + "/self-service/login/browser?return_to=x"},
		{"GET", s.AdminURL + "/admin/sessions/whoami", s.PublicURL + "/sessions/whoami"},
	}
	for _, tt := range tests {
		r := call(t, tt.method, tt.url, nil)
		if r.Status != http.StatusTemporaryRedirect || r.Header.Get("Location") != tt.location {
			t.Errorf("%s %s = %d, Location %q; want 307 to %q", tt.method, tt.url, r.Status, r.Header.Get("Location"), tt.location)
		}
	}

	// Unknown routes answer the JSON envelope, with X-Request-ID echoed.
	for _, u := range []string{s.PublicURL + "/nope", s.PublicURL + "/self-service/nope", s.AdminURL + "/admin/nope"} {
		r := call(t, "GET", u, nil, "X-Request-ID", "req-123")
		e := r.wantError(t, http.StatusNotFound, "")
		if e.Error.Request != "req-123" {
			t.Errorf("GET %s: request = %q, want the X-Request-ID", u, e.Error.Request)
		}
		if r.Header.Get("Cache-Control") != "private, no-cache, no-store, must-revalidate" {
			t.Errorf("GET %s: Cache-Control %q", u, r.Header.Get("Cache-Control"))
		}
	}
	r := call(t, "POST", s.AdminURL+"/admin/identities/"+id, "{}")
	r.wantError(t, http.StatusMethodNotAllowed, "")
	if !strings.Contains(r.Header.Get("Allow"), "GET") {
		t.Errorf("405 Allow = %q", r.Header.Get("Allow"))
	}
}
