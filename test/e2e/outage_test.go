package e2e

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDatabaseOutage: PostgreSQL goes away mid-run (a proxy between warden
// and the database cuts every connection). /health/ready answers 503,
// requests answer a 503 envelope instead of hanging or 500, and warden
// recovers by itself when the database is back (issue 2 "Bad input").
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	dsn := postgresSchemaDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	proxy := startProxy(t, target)
	u.Host = proxy.Addr()
	s := Start(t, ServerOptions{Dialect: "postgres", DSN: u.String()})
	before := newIdentity(t, s, "outage@example.org")
	identity := s.AdminURL + "/admin/identities/" + before.Id

	proxy.Down()
	r := call(t, "GET", s.AdminURL+"/admin/health/ready", nil)
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("admin ready during the outage = %d %s", r.Status, r.Body)
	}
	var ready struct {
		Errors map[string]string `json:"errors"`
	}
	r.decode(t, &ready)
	if ready.Errors["database"] == "" {
		t.Errorf("admin ready: %s, want errors.database", r.Body)
	}
	r = call(t, "GET", s.PublicURL+"/health/ready", nil)
	if r.Status != http.StatusServiceUnavailable ||
		!strings.Contains(string(r.Body), `"database":"error may contain sensitive information and was obfuscated"`) {
		t.Errorf("public ready during the outage = %d %s, want 503 with the cause obfuscated", r.Status, r.Body)
	}
	if r := call(t, "GET", s.PublicURL+"/health/alive", nil); r.Status != http.StatusOK {
		t.Errorf("alive during the outage = %d: the process itself is fine", r.Status)
	}
	for _, req := range []struct {
		method, url string
		body        any
	}{
		{"GET", identity, nil},
		{"GET", s.AdminURL + "/admin/identities", nil},
		{"GET", s.AdminURL + "/admin/identities?page_size=2", nil},
		{"POST", s.AdminURL + "/admin/identities", map[string]any{"traits": map[string]any{"email": "down@example.org"}}},
		{"PUT", identity, map[string]any{"traits": map[string]any{"email": "down@example.org"}}},
		{"DELETE", identity, nil},
	} {
		r := call(t, req.method, req.url, req.body)
		r.wantError(t, http.StatusServiceUnavailable, "")
		if r.Took > 10*time.Second {
			t.Errorf("%s %s took %v during the outage", req.method, req.url, r.Took)
		}
	}

	proxy.Up()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := call(t, "GET", s.AdminURL+"/admin/health/ready", nil)
		if r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready 20s after the database came back: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := call(t, "GET", identity, nil); r.Status != http.StatusOK {
		t.Errorf("get after recovery = %d %s", r.Status, r.Body)
	}
	after := newIdentity(t, s, "recovered@example.org")
	// Nothing was half-written during the outage.
	var list []map[string]any
	call(t, "GET", s.AdminURL+"/admin/identities", nil).decode(t, &list)
	if len(list) != 2 || after.Id == "" {
		t.Errorf("identities after recovery: %v", list)
	}
}
