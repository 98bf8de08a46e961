package logout_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/session"
)

// TestBrowserLogout is foundation §4.1 and §13 items 72–79.
func TestBrowserLogout(t *testing.T) {
	t.Run("logout url", func(t *testing.T) {
		e := newEnv(t)
		s := e.login()
		w := e.do(call{target: "/self-service/logout/browser", cookie: s.Token})
		wantCode(t, w, http.StatusOK)
		var body struct {
			LogoutURL   string `json:"logout_url"`
			LogoutToken string `json:"logout_token"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if body.LogoutToken != s.LogoutToken || body.LogoutURL != publicBase+"self-service/logout?token="+s.LogoutToken {
			t.Errorf("body = %+v, want the session's logout token %q", body, s.LogoutToken)
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("cookies set: %v", w.Result().Cookies())
		}
		// The same URL again, and with the token header instead of the cookie.
		w = e.do(call{target: "/self-service/logout/browser", bearer: s.Token})
		wantCode(t, w, http.StatusOK)
		if !strings.Contains(w.Body.String(), s.LogoutToken) {
			t.Errorf("bearer: %s", w.Body.String())
		}
	})
	t.Run("logout url with return_to (v1)", func(t *testing.T) {
		e := newEnv(t)
		s := e.login()
		w := e.do(call{target: "/self-service/logout/browser?return_to=" + url.QueryEscape("http://127.0.0.1:4455/bye"), cookie: s.Token})
		wantCode(t, w, http.StatusOK)
		if !strings.Contains(w.Body.String(), "return_to=http%3A%2F%2F127.0.0.1%3A4455%2Fbye") {
			t.Errorf("body = %s", w.Body.String())
		}
		w = e.do(call{target: "/self-service/logout/browser?return_to=https://evil.example", cookie: s.Token})
		wantCode(t, w, http.StatusBadRequest)
	})
	t.Run("logout url without session", func(t *testing.T) {
		e := newEnv(t)
		for _, c := range []call{
			{target: "/self-service/logout/browser"},
			{target: "/self-service/logout/browser", cookie: session.NewToken()},
			{target: "/self-service/logout/browser", cookie: "garbage"},
		} {
			w := e.do(c)
			wantCode(t, w, http.StatusUnauthorized)
			wantBody(t, w, sessionInactive)
		}
	})

	t.Run("follow the link", func(t *testing.T) {
		e := newEnv(t)
		s := e.login()
		other := e.login()
		w := e.do(call{target: "/self-service/logout?token=" + s.LogoutToken, cookie: s.Token})
		wantCode(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != afterURL {
			t.Errorf("Location = %q, want %q", loc, afterURL)
		}
		if e.active(s) || !e.active(other) {
			t.Errorf("after logout: session active %v, other session active %v", e.active(s), e.active(other))
		}
		ck := cookieNamed(w, "ory_kratos_session")
		if ck == nil || ck.Value != "" || ck.MaxAge >= 0 {
			t.Errorf("session cookie not removed: %+v", ck)
		}
		if c := cookieNamed(w, e.csrf.CookieName); c == nil || c.Value == "" {
			t.Errorf("CSRF cookie not regenerated: %v", w.Result().Cookies())
		}
		// The session is gone: whoami 401, logout URL 401 session_inactive.
		wantCode(t, e.do(call{target: "/sessions/whoami", cookie: s.Token}), http.StatusUnauthorized)
		w = e.do(call{target: "/self-service/logout/browser", cookie: s.Token})
		wantBody(t, w, sessionInactive)

		// Replaying the link: no session any more → error UI, never a 500.
		e.errs.got = nil
		w = e.do(call{target: "/self-service/logout?token=" + s.LogoutToken, cookie: s.Token})
		wantCode(t, w, http.StatusSeeOther)
		if len(e.errs.got) != 1 || apierr.StatusOf(e.errs.got[0]) != 401 || apierr.As(e.errs.got[0]).ID != "session_inactive" {
			t.Errorf("replay routed %v to the error manager, want session_inactive", e.errs.got)
		}
	})
	t.Run("return_to", func(t *testing.T) {
		e := newEnv(t)
		s := e.login()
		w := e.do(call{target: "/self-service/logout?token=" + s.LogoutToken + "&return_to=" + url.QueryEscape("http://127.0.0.1:4455/bye"), cookie: s.Token})
		wantCode(t, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "http://127.0.0.1:4455/bye" {
			t.Errorf("Location = %q", loc)
		}
		// A forbidden return_to is an error and logs nobody out.
		s2 := e.login()
		w = e.do(call{target: "/self-service/logout?token=" + s2.LogoutToken + "&return_to=https://evil.example/", cookie: s2.Token})
		wantCode(t, w, http.StatusSeeOther)
		if !e.active(s2) || cookieNamed(w, "ory_kratos_session") != nil {
			t.Error("a rejected return_to still logged out")
		}
		if len(e.errs.got) != 1 || apierr.As(e.errs.got[0]).ID != "self_service_flow_return_to_forbidden" {
			t.Errorf("errors = %v", e.errs.got)
		}
	})
	t.Run("AJAX", func(t *testing.T) {
		e := newEnv(t)
		s := e.login()
		w := e.do(call{target: "/self-service/logout?token=" + s.LogoutToken, cookie: s.Token, json: true})
		wantCode(t, w, http.StatusNoContent)
		if w.Header().Get("Location") != "" || e.active(s) {
			t.Errorf("AJAX logout: Location %q, still active %v", w.Header().Get("Location"), e.active(s))
		}
		if cookieNamed(w, "ory_kratos_session") == nil || cookieNamed(w, e.csrf.CookieName) == nil {
			t.Errorf("cookies = %v, want the session cookie removed and CSRF rotated", w.Result().Cookies())
		}
	})
	t.Run("bearer revokes its own session and keeps the cookie", func(t *testing.T) {
		e := newEnv(t)
		s := e.login()
		w := e.do(call{target: "/self-service/logout?token=" + s.LogoutToken, bearer: s.Token, json: true})
		wantCode(t, w, http.StatusNoContent)
		if e.active(s) || cookieNamed(w, "ory_kratos_session") != nil {
			t.Errorf("bearer logout: active %v, cookies %v", e.active(s), w.Result().Cookies())
		}
	})

	errorCases := []struct {
		name   string
		target func(s, other *session.Session) string
		cookie func(s *session.Session) string
		status int
		reason string
	}{
		{"no token", func(s, o *session.Session) string { return "/self-service/logout" },
			func(s *session.Session) string { return s.Token }, 400, "Please include a token in the URL query."},
		{"empty token", func(s, o *session.Session) string { return "/self-service/logout?token=" },
			func(s *session.Session) string { return s.Token }, 400, "Please include a token in the URL query."},
		{"no session", func(s, o *session.Session) string { return "/self-service/logout?token=" + s.LogoutToken },
			func(s *session.Session) string { return "" }, 401, "No active session was found in this request."},
		{"another user's token", func(s, o *session.Session) string { return "/self-service/logout?token=" + o.LogoutToken },
			func(s *session.Session) string { return s.Token }, 403,
			"Unable to log out because the logout token in the URL query does not match the session cookie."},
		{"the session token itself", func(s, o *session.Session) string { return "/self-service/logout?token=" + s.Token },
			func(s *session.Session) string { return s.Token }, 403,
			"Unable to log out because the logout token in the URL query does not match the session cookie."},
		{"forged token", func(s, o *session.Session) string { return "/self-service/logout?token=%00%ff'%20OR%201=1--" },
			func(s *session.Session) string { return s.Token }, 403,
			"Unable to log out because the logout token in the URL query does not match the session cookie."},
	}
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			s, other := e.login(), e.login()
			target := c.target(s, other)
			// AJAX: the JSON error with its status.
			w := e.do(call{target: target, cookie: c.cookie(s), json: true})
			wantCode(t, w, c.status)
			var env struct {
				Error struct{ Reason string } `json:"error"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error.Reason != c.reason {
				t.Errorf("reason = %q (%v), want %q", env.Error.Reason, err, c.reason)
			}
			// Browser: the error UI.
			w = e.do(call{target: target, cookie: c.cookie(s)})
			wantCode(t, w, http.StatusSeeOther)
			if !strings.HasPrefix(w.Header().Get("Location"), "http://127.0.0.1:4455/error?id=") {
				t.Errorf("Location = %q", w.Header().Get("Location"))
			}
			if !e.active(s) || !e.active(other) {
				t.Error("a failed logout revoked a session")
			}
		})
	}
}
