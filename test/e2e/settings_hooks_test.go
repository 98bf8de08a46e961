package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// After-settings hooks (settings-flow §8.2, §8.3; issue 4 item 7) and
// Warden's revocation of other sessions after a password change.

// hookSink records the bodies a web_hook posts and answers with status.
type hookSink struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	status int
	answer string
}

func newHookSink(t *testing.T, status int, answer string) *hookSink {
	t.Helper()
	h := &hookSink{status: status, answer: answer}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		h.mu.Lock()
		h.bodies = append(h.bodies, m)
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(h.status)
		_, _ = io.WriteString(w, h.answer)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookSink) calls() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.bodies...)
}

// webHookEnv is a hooks list with one web_hook to the sink.
func webHookEnv(key string, h *hookSink, extra string) string {
	body := "base64://" + base64.StdEncoding.EncodeToString([]byte(
		`function(ctx) { identity_id: ctx.identity.id, email: ctx.identity.traits.email, flow_id: ctx.flow.id, state: ctx.flow.state, method: ctx.request_method }`))
	return key + `=[{"hook":"web_hook","config":{"url":"` + h.srv.URL + `/hook","method":"POST","body":"` + body + `"` + extra + `}}]`
}

func TestSettingsWebHook(t *testing.T) {
	sink := newHookSink(t, 200, `{}`)
	s := Start(t, ServerOptions{Env: []string{webHookEnv("SELFSERVICE_FLOWS_SETTINGS_AFTER_HOOKS", sink, "")}})
	m := newSettingsMember(t, s, "hooked@example.org")
	f := settingsAPI(t, s, m.token)
	r := submitAPI(t, s, f, m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": "hooked2@example.org"}})
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	calls := sink.calls()
	want := map[string]any{"identity_id": m.id, "email": "hooked2@example.org", "flow_id": toString(f["id"]), "state": "success", "method": "POST"}
	if len(calls) != 1 || !jsonEqual(t, calls[0], want) {
		t.Errorf("hook calls %v, want [%v]", calls, want)
	}
}

// A failing post-persist hook: the update is saved, the answer an error
// (§2.7 row 15): HTTP 400 around Kratos's generic 500 for JSON, the error
// UI for browsers.
func TestSettingsWebHookFailure(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		sink := newHookSink(t, 500, `oops`)
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{webHookEnv("SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS", sink, "")}})
		m := newSettingsMember(t, s, "hookfail@example.org")
		f := settingsAPI(t, s, m.token)
		r := submitAPI(t, s, f, m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": "saved@example.org"}})
		var e struct {
			Error map[string]any `json:"error"`
		}
		if err := json.Unmarshal(r.Body, &e); err != nil || r.Status != 400 || toString(e.Error["code"]) != "500" ||
			e.Error["message"] != "web hook failed with status code 500" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if got := adminTraits(t, s, m.id)["email"]; got != "saved@example.org" {
			t.Errorf("the update was not saved: %v", got)
		}
		if got := fetchSettings(t, s, toString(f["id"]), m.token).object(t); got["state"] != "success" {
			t.Errorf("flow state %v", got["state"])
		}
		// after.profile.hooks replaces after.hooks for profile only: a
		// password change runs no hook.
		before := len(sink.calls())
		r = submitAPI(t, s, settingsAPI(t, s, m.token), m.token, map[string]any{"method": "password", "password": "a new password 4 me"})
		if r.Status != 200 || len(sink.calls()) != before {
			t.Errorf("password: %d, hook calls %d → %d", r.Status, before, len(sink.calls()))
		}
		// Browser: the error UI, with the stored 500.
		b := newBrowser(t)
		b.signInWith(s, "saved@example.org", "a new password 4 me", "")
		id, bf := b.startFlow(s, "settings", "")
		r = b.postForm(s.PublicURL+"/self-service/settings?flow="+id, url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, bf)},
			"traits.email": {"saved@example.org"}, "traits.name.first": {"B"}})
		if got := errorUIBody(t, s, r); toString(got["code"]) != "500" {
			t.Errorf("error UI %v", got)
		}
	})
}

// v1: a web_hook that parses its answer runs before the update is saved
// and can refuse it with messages on the form.
func TestSettingsWebHookInterrupts(t *testing.T) {
	sink := newHookSink(t, 400, `{"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":4000099,"text":"this domain is not welcome","type":"error"}]}]}`)
	s := Start(t, ServerOptions{Env: []string{webHookEnv("SELFSERVICE_FLOWS_SETTINGS_AFTER_HOOKS", sink, `,"response":{"parse":true}`)}})
	m := newSettingsMember(t, s, "interrupted@example.org")
	r := submitAPI(t, s, settingsAPI(t, s, m.token), m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": "x@unwelcome.example"}})
	if r.Status != 400 || !textsEqual(nodeMessageTexts(t, r.object(t), "traits.email"), "this domain is not welcome") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if got := adminTraits(t, s, m.id)["email"]; got != m.email {
		t.Errorf("the refused update was saved: %v", got)
	}
}

func textsEqual(got []string, want ...string) bool {
	return strings.Join(got, "|") == strings.Join(want, "|")
}

// revoke_active_sessions (v1) after a profile update; and Warden's own
// switch for password changes, on by default.
func TestSettingsRevokeSessions(t *testing.T) {
	whoamiStatus := func(s *Server, token string) int {
		return call(t, "GET", s.PublicURL+"/sessions/whoami", nil, "X-Session-Token", token).Status
	}
	t.Run("revoke_active_sessions hook", func(t *testing.T) {
		s := Start(t, ServerOptions{Env: []string{`SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS=[{"hook":"revoke_active_sessions"}]`,
			"SELFSERVICE_FLOWS_SETTINGS_AFTER_PASSWORD_REVOKE_OTHER_SESSIONS=false"}})
		m := newSettingsMember(t, s, "revoke-hook@example.org")
		other := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		r := submitAPI(t, s, settingsAPI(t, s, m.token), m.token, map[string]any{"method": "profile",
			"traits": map[string]any{"email": m.email, "name": map[string]any{"first": "R"}}})
		if r.Status != 200 || whoamiStatus(s, other) != 401 || whoamiStatus(s, m.token) != 200 {
			t.Errorf("%d; other %d, own %d", r.Status, whoamiStatus(s, other), whoamiStatus(s, m.token))
		}
	})
	t.Run("password change, default", func(t *testing.T) {
		s := Start(t, ServerOptions{})
		m := newSettingsMember(t, s, "revoke-default@example.org")
		other := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		// A profile change revokes nothing.
		submitAPI(t, s, settingsAPI(t, s, m.token), m.token, map[string]any{"method": "profile",
			"traits": map[string]any{"email": m.email, "name": map[string]any{"first": "P"}}})
		if whoamiStatus(s, other) != 200 {
			t.Fatal("a profile change revoked a session")
		}
		r := submitAPI(t, s, settingsAPI(t, s, m.token), m.token, map[string]any{"method": "password", "password": "a new password 4 me"})
		if r.Status != 200 || whoamiStatus(s, other) != 401 || whoamiStatus(s, m.token) != 200 {
			t.Errorf("%d; other %d, own %d", r.Status, whoamiStatus(s, other), whoamiStatus(s, m.token))
		}
	})
	t.Run("password change, switched off", func(t *testing.T) {
		s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_SETTINGS_AFTER_PASSWORD_REVOKE_OTHER_SESSIONS=false"}})
		m := newSettingsMember(t, s, "revoke-off@example.org")
		other := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		r := submitAPI(t, s, settingsAPI(t, s, m.token), m.token, map[string]any{"method": "password", "password": "a new password 4 me"})
		if r.Status != 200 || whoamiStatus(s, other) != 200 {
			t.Errorf("%d; other %d", r.Status, whoamiStatus(s, other))
		}
	})
}
