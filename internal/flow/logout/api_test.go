package logout_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/warden-id/warden/internal/session"
)

// TestAPILogout is foundation §4.2 and §13 items 70–71.
func TestAPILogout(t *testing.T) {
	e := newEnv(t)
	s, other := e.login(), e.login()
	api := func(body, ct string) *httptest.ResponseRecorder {
		return e.do(call{method: "DELETE", target: "/self-service/logout/api", body: body, contentType: ct})
	}
	forbidden := `{"error":{"code":403,"status":"Forbidden","message":"The requested action was forbidden",
		"reason":"The provided Ory Session Token could not be found, is invalid, or otherwise malformed."}}`

	w := api(`{"session_token":"`+s.Token+`"}`, "application/json")
	wantCode(t, w, http.StatusNoContent)
	if e.active(s) || !e.active(other) {
		t.Errorf("after API logout: active %v, other %v", e.active(s), e.active(other))
	}
	wantCode(t, e.do(call{target: "/sessions/whoami", bearer: s.Token}), http.StatusUnauthorized)
	// Repeating it is still a success: the row is there, only inactive.
	wantCode(t, api(`{"session_token":"`+s.Token+`"}`, "application/json"), http.StatusNoContent)
	// The body is JSON whatever the Content-Type says, as in Kratos.
	wantCode(t, api(`{"session_token":"`+s.Token+`"}`, ""), http.StatusNoContent)
	wantCode(t, api(`{"session_token":"`+s.Token+`"}`, "text/plain"), http.StatusNoContent)
	wantCode(t, api(`session_token=`+url.QueryEscape(other.Token), "application/x-www-form-urlencoded"), http.StatusBadRequest)
	if !e.active(other) {
		t.Error("a rejected body revoked a session")
	}

	for _, c := range []struct{ name, body string }{
		{"unknown token", `{"session_token":"` + session.NewToken() + `"}`},
		{"logout token", `{"session_token":"` + s.LogoutToken + `"}`},
		{"empty token", `{"session_token":""}`},
		{"no token", `{}`},
		{"other fields", `{"token":"x"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := api(c.body, "application/json")
			wantCode(t, w, http.StatusForbidden)
			wantBody(t, w, forbidden)
		})
	}
	for _, c := range []struct{ name, body string }{
		{"empty body", ""},
		{"not json", `{"session_token":`},
		{"array", `[]`},
		{"null", `null`},
		{"number token", `{"session_token":42}`},
		{"object token", `{"session_token":{"a":1}}`},
		{"trailing data", `{"session_token":"x"} {}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, api(c.body, "application/json"), http.StatusBadRequest)
		})
	}
}

// TestLogoutNeverFails500: hostile input never reaches a 500.
func TestLogoutNeverFails500(t *testing.T) {
	e := newEnv(t)
	s := e.login()
	long := strings.Repeat("a", 10000)
	for _, c := range []call{
		{target: "/self-service/logout?token=" + long, cookie: s.Token},
		{target: "/self-service/logout?token=x&token=y", cookie: s.Token},
		{target: "/self-service/logout?token=" + s.LogoutToken + "&return_to=%00%0a\\\\evil", cookie: "garbage", json: true},
		{target: "/self-service/logout?token=" + s.LogoutToken, cookie: long},
		{target: "/self-service/logout?token=" + s.LogoutToken, bearer: long, json: true},
		{target: "/self-service/logout/browser?return_to=%ff", cookie: long},
		{method: "DELETE", target: "/self-service/logout/api", body: `{"session_token":"` + long + `"}`, contentType: "application/json"},
		{method: "DELETE", target: "/self-service/logout/api", body: "\x00\xff", contentType: "application/json"},
		{method: "DELETE", target: "/self-service/logout/api", body: `{"session_token":"x"}`, contentType: "multipart/form-data; boundary=x"},
	} {
		w := e.do(c)
		if w.Code >= 500 {
			t.Errorf("%s %s: %d %s", c.method, c.target[:min(len(c.target), 60)], w.Code, w.Body.String())
		}
	}
	if !e.active(s) {
		t.Error("hostile requests revoked the session")
	}
}

// TestLogoutStoreDown: a database outage is a 503, not "no session".
func TestLogoutStoreDown(t *testing.T) {
	e := newEnv(t)
	s := e.login()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	w := e.do(call{target: "/self-service/logout/browser", cookie: s.Token})
	wantCode(t, w, http.StatusServiceUnavailable)
	w = e.do(call{method: "DELETE", target: "/self-service/logout/api", body: `{"session_token":"` + s.Token + `"}`, contentType: "application/json"})
	wantCode(t, w, http.StatusServiceUnavailable)
}
