package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/session"
)

// TestOwnSessions is foundation §3.6 and §13 items 66–67.
func TestOwnSessions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	alice := e.createIdentity(identityOptions{})
	bob := e.createIdentity(identityOptions{})
	cur, second, third := e.login(alice), e.login(alice), e.login(alice)
	bobs := e.login(bob)
	active := func(s *session.Session) bool {
		t.Helper()
		got, err := e.store.FindSessionByID(ctx, s.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		return got.Active
	}
	listIDs := func() []string {
		t.Helper()
		w := e.do(e.public, request{target: "/sessions", token: cur.Token})
		wantCode(t, w, http.StatusOK)
		var ids []string
		for _, s := range decode[[]map[string]any](t, w) {
			ident := s["identity"].(map[string]any)
			if _, ok := ident["metadata_admin"]; ok {
				t.Error("GET /sessions shows metadata_admin")
			}
			ids = append(ids, s["id"].(string))
		}
		return ids
	}

	t.Run("without a session", func(t *testing.T) {
		for _, rq := range []request{
			{target: "/sessions"},
			{method: "DELETE", target: "/sessions"},
			{method: "DELETE", target: "/sessions/" + second.ID.String()},
			{method: "DELETE", target: "/sessions/not-a-uuid"},
		} {
			w := e.do(e.public, rq)
			wantCode(t, w, http.StatusUnauthorized)
			wantJSONBody(t, w, whoami401)
		}
	})

	t.Run("list shows the other active sessions", func(t *testing.T) {
		ids := listIDs()
		if len(ids) != 2 || !containsAll(ids, second.ID.String(), third.ID.String()) {
			t.Errorf("GET /sessions = %v, want the second and third session", ids)
		}
	})

	t.Run("revoke one", func(t *testing.T) {
		w := e.do(e.public, request{method: "DELETE", target: "/sessions/" + third.ID.String(), token: cur.Token})
		wantCode(t, w, http.StatusNoContent)
		if active(third) || !active(second) || !active(cur) {
			t.Errorf("after DELETE /sessions/third: cur %v second %v third %v", active(cur), active(second), active(third))
		}
		if ids := listIDs(); len(ids) != 1 || ids[0] != second.ID.String() {
			t.Errorf("GET /sessions = %v", ids)
		}
		// Revoked rows are kept: the admin list still has all three.
		w = e.do(e.admin, request{target: "/admin/identities/" + alice.ID.String() + "/sessions"})
		if n := len(decode[[]any](t, w)); n != 3 {
			t.Errorf("admin list has %d sessions, want 3", n)
		}
	})

	t.Run("revoke is silent for unknown, foreign and revoked ids", func(t *testing.T) {
		for _, id := range []uuid.UUID{uuid.New(), bobs.ID, third.ID} {
			w := e.do(e.public, request{method: "DELETE", target: "/sessions/" + id.String(), token: cur.Token})
			wantCode(t, w, http.StatusNoContent)
		}
		if !active(bobs) {
			t.Error("alice revoked bob's session")
		}
	})

	t.Run("current session", func(t *testing.T) {
		w := e.do(e.public, request{method: "DELETE", target: "/sessions/" + cur.ID.String(), token: cur.Token})
		wantCode(t, w, http.StatusBadRequest)
		wantJSONBody(t, w, `{"error":{"code":400,"status":"Bad Request","debug":"use the logout flow instead","message":"cannot revoke current session"}}`)
	})

	t.Run("bad uuid", func(t *testing.T) {
		w := e.do(e.public, request{method: "DELETE", target: "/sessions/BADUUID", token: cur.Token})
		wantCode(t, w, http.StatusBadRequest)
		if body := decode[map[string]map[string]any](t, w); body["error"]["debug"] != "could not parse UUID" {
			t.Errorf("body = %s", w.Body.String())
		}
	})

	t.Run("DELETE /sessions/whoami is whoami", func(t *testing.T) {
		w := e.do(e.public, request{method: "DELETE", target: "/sessions/whoami", token: cur.Token})
		wantCode(t, w, http.StatusOK)
		if w.Header().Get(session.HeaderIdentityID) != alice.ID.String() {
			t.Error("not answered as whoami")
		}
	})

	t.Run("revoke all others", func(t *testing.T) {
		w := e.do(e.public, request{method: "DELETE", target: "/sessions", token: cur.Token})
		wantCode(t, w, http.StatusOK)
		wantJSONBody(t, w, `{"count":1}`)
		if !active(cur) || active(second) || !active(bobs) {
			t.Errorf("after DELETE /sessions: cur %v second %v bob %v", active(cur), active(second), active(bobs))
		}
		w = e.do(e.public, request{method: "DELETE", target: "/sessions", token: cur.Token})
		wantJSONBody(t, w, `{"count":0}`)
		if ids := listIDs(); len(ids) != 0 {
			t.Errorf("GET /sessions = %v, want []", ids)
		}
		if body := strings.TrimSpace(e.do(e.public, request{target: "/sessions", token: cur.Token}).Body.String()); body != "[]" {
			t.Errorf("empty list encodes as %s, want []", body)
		}
	})

	t.Run("paging", func(t *testing.T) {
		for range 3 {
			e.login(alice)
		}
		w := e.do(e.public, request{target: "/sessions?page=1&per_page=2", token: cur.Token})
		if n := len(decode[[]any](t, w)); n != 2 {
			t.Errorf("page 1 of 2: %d sessions", n)
		}
		w = e.do(e.public, request{target: "/sessions?page=2&per_page=2", token: cur.Token})
		if n := len(decode[[]any](t, w)); n != 1 {
			t.Errorf("page 2 of 2: %d sessions", n)
		}
		wantCode(t, e.do(e.public, request{target: "/sessions?per_page=0", token: cur.Token}), http.StatusBadRequest)
	})
}

func containsAll(have []string, want ...string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

func TestSessionCookie(t *testing.T) {
	e := newEnv(t, envOptions{})
	s := e.login(e.createIdentity(identityOptions{}))
	w := httptest.NewRecorder()
	e.m.IssueCookie(w, s)
	c := w.Result().Cookies()
	if len(c) != 1 {
		t.Fatalf("cookies = %v", c)
	}
	ck := c[0]
	if ck.Name != "ory_kratos_session" || ck.Value != s.Token || ck.Path != "/" || ck.Domain != "" ||
		!ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie = %+v", ck)
	}
	if ck.MaxAge < 86390 || ck.MaxAge > 86400 {
		t.Errorf("Max-Age = %d, want the session's remaining 24h", ck.MaxAge)
	}
	// The issued cookie authenticates.
	wantCode(t, e.do(e.public, request{target: "/sessions/whoami", cookie: ck.Value}), http.StatusOK)

	w = httptest.NewRecorder()
	e.m.ClearCookie(w)
	cleared := w.Result().Cookies()[0]
	if cleared.Name != "ory_kratos_session" || cleared.Value != "" || cleared.MaxAge >= 0 || !cleared.Expires.Before(time.Now()) {
		t.Errorf("cleared cookie = %+v (raw %q)", cleared, w.Header().Get("Set-Cookie"))
	}
	if !strings.Contains(w.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("Set-Cookie = %q, want Max-Age=0", w.Header().Get("Set-Cookie"))
	}
}

func TestCookieOptions(t *testing.T) {
	for _, c := range []struct {
		o    session.CookieOptions
		want bool
	}{
		{session.CookieOptions{Name: "ory_kratos_session", Path: "/"}, true},
		{session.CookieOptions{Name: "session", Domain: "session.com", Path: "/session", SameSite: http.SameSiteNoneMode}, true},
		{session.CookieOptions{Name: `$%˜"`}, false},
		{session.CookieOptions{Name: ""}, false},
		{session.CookieOptions{Name: "ok", Path: "/a;b"}, false},
	} {
		if err := c.o.Validate(); (err == nil) != c.want {
			t.Errorf("Validate(%+v) = %v", c.o, err)
		}
	}

	// Non-persistent cookies are browser-session cookies; overrides apply.
	e := newEnv(t, envOptions{})
	opts := e.opts
	opts.Cookie = session.CookieOptions{Name: "sess", Domain: "session.com", Path: "/session", SameSite: http.SameSiteStrictMode}
	m := session.NewManager(e.store, opts)
	s := e.login(e.createIdentity(identityOptions{}))
	w := httptest.NewRecorder()
	m.IssueCookie(w, s)
	raw := w.Header().Get("Set-Cookie")
	for _, part := range []string{"sess=" + s.Token, "Domain=session.com", "Path=/session", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(raw, part) {
			t.Errorf("Set-Cookie %q lacks %q", raw, part)
		}
	}
	for _, part := range []string{"Max-Age", "Expires", "Secure"} {
		if strings.Contains(raw, part) {
			t.Errorf("Set-Cookie %q has %q", raw, part)
		}
	}
}
