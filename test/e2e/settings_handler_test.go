package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Settings init, fetch and submit (settings-flow §2), checklist §11.1
// items 1–18, on SQLite and PostgreSQL.

func TestSettingsHandler(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		pub := s.PublicURL + "/"
		alice := newSettingsMember(t, s, "alice@example.org")
		bob := newSettingsMember(t, s, "bob@example.org")

		t.Run("item01 api init without a session is 401 session_inactive", func(t *testing.T) {
			e := call(t, "GET", s.PublicURL+"/self-service/settings/api", nil).
				wantError(t, 401, "This endpoint can only be accessed with a valid session. Please log in and try again.")
			if e.Error.ID != "session_inactive" {
				t.Errorf("id %q", e.Error.ID)
			}
		})
		t.Run("item02 api init is 200 without cookies", func(t *testing.T) {
			r := call(t, "GET", s.PublicURL+"/self-service/settings/api", nil, "X-Session-Token", alice.token)
			if r.Status != 200 || r.object(t)["type"] != "api" || len(r.Header.Values("Set-Cookie")) != 0 {
				t.Fatalf("%d %v %s", r.Status, r.Header.Values("Set-Cookie"), r.Body)
			}
		})
		t.Run("item04 browser init as JSON without a session is 401", func(t *testing.T) {
			e := call(t, "GET", s.PublicURL+"/self-service/settings/browser", nil, "Accept", "application/json").
				wantError(t, 401, "No active session was found in this request.")
			if e.Error.ID != "session_inactive" {
				t.Errorf("id %q", e.Error.ID)
			}
		})
		b := newBrowser(t)
		b.signIn(s, alice.email, "")
		t.Run("item05 browser init lands on the settings UI", func(t *testing.T) {
			id, f := b.startFlow(s, "settings", "")
			if f["type"] != "browser" || f["id"] != id {
				t.Fatalf("flow %v", f)
			}
		})
		t.Run("item07 browser init is exactly 303", func(t *testing.T) {
			r := b.get(s.PublicURL + "/self-service/settings/browser")
			if r.Status != http.StatusSeeOther || settingsFlowID(r.Header.Get("Location")) == "" {
				t.Fatalf("%d %q", r.Status, r.Header.Get("Location"))
			}
		})
		t.Run("item08 browser init as JSON with a token is 200", func(t *testing.T) {
			r := call(t, "GET", s.PublicURL+"/self-service/settings/browser", nil, "X-Session-Token", alice.token, "Accept", "application/json")
			if r.Status != 200 || r.object(t)["type"] != "browser" || r.Header.Get("Location") != "" {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
		t.Run("item10 fetching an unknown flow is 404", func(t *testing.T) {
			for _, id := range []string{"i-do-not-exist", "00000000-0000-0000-0000-000000000000"} {
				if e := fetchSettings(t, s, id, alice.token).wantError(t, 404, ""); e.Error.Code != 404 {
					t.Errorf("%s: %+v", id, e)
				}
			}
		})
		t.Run("item13 another identity's api flow cannot be fetched", func(t *testing.T) {
			f := settingsAPI(t, s, alice.token)
			e := fetchSettings(t, s, toString(f["id"]), bob.token).
				wantError(t, 403, "The request was made for another identity and has been blocked for security reasons")
			if e.Error.ID != "security_identity_mismatch" {
				t.Errorf("id %q", e.Error.ID)
			}
		})
		t.Run("item14 another identity's browser flow cannot be fetched", func(t *testing.T) {
			id, _ := b.startFlow(s, "settings", "")
			other := newBrowser(t)
			other.signIn(s, bob.email, "")
			if e := other.get(s.PublicURL+"/self-service/settings/flows?id="+id).wantError(t, 403, ""); e.Error.Code != 403 {
				t.Errorf("%+v", e)
			}
		})
		t.Run("item17 submitting to another identity's flow is 403 and changes nothing (D8)", func(t *testing.T) {
			f := settingsAPI(t, s, alice.token)
			submit := s.PublicURL + "/self-service/settings?flow=" + toString(f["id"])
			body := map[string]any{"method": "not-exists"}
			// API and SPA: the envelope; never the other identity's flow.
			for name, r := range map[string]reply{
				"api": call(t, "POST", submit, body, "X-Session-Token", bob.token),
				"spa": call(t, "POST", submit, body, "X-Session-Token", bob.token, "Accept", "application/json"),
			} {
				e := r.wantError(t, 403, "The request was initiated by someone else")
				if e.Error.ID != "security_identity_mismatch" || strings.Contains(string(r.Body), "alice@") {
					t.Errorf("%s: %s", name, r.Body)
				}
			}
			// A browser posting to alice's browser flow: the error UI.
			bid, _ := b.startFlow(s, "settings", "")
			other := newBrowser(t)
			other.signIn(s, bob.email, "")
			r := other.postForm(s.PublicURL+"/self-service/settings?flow="+bid, url.Values{"method": {"not-exists"}})
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
				t.Errorf("browser: %d %q", r.Status, r.Header.Get("Location"))
			}
			// Alice's flows are untouched.
			for _, id := range []string{toString(f["id"]), bid} {
				got := fetchSettings(t, s, id, alice.token).object(t)
				if flowFirstMessage(got) != "" || got["state"] != "show_form" {
					t.Errorf("alice's flow changed: %v", got["ui"])
				}
			}
		})

		// From here on alice has a second factor; her sessions are aal1.
		f := settingsAPI(t, s, alice.token)
		bf, _ := b.startFlow(s, "settings", "")
		addSecurityKey(t, s, alice.id)
		aal2 := pub + "self-service/login/browser?aal=aal2"
		wantAAL := func(t *testing.T, r reply) {
			t.Helper()
			want := map[string]any{"redirect_browser_to": aal2, "error": map[string]any{
				"id": "session_aal2_required", "code": 403.0, "status": "Forbidden",
				"reason":  "An active session was found but it does not fulfill the requested Authenticator Assurance Level. Please verify yourself with a second factor to resolve this issue.",
				"details": map[string]any{"redirect_browser_to": aal2},
				"message": "Session does not fulfill the requested Authenticator Assurance Level"}}
			var got map[string]any
			if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 403 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("AAL error (-want +got):\n%s", d)
			}
		}
		t.Run("item03 api init below the highest AAL is 403", func(t *testing.T) {
			wantAAL(t, call(t, "GET", s.PublicURL+"/self-service/settings/api", nil, "X-Session-Token", alice.token))
		})
		t.Run("item06 browser init below the highest AAL lands on the aal2 login", func(t *testing.T) {
			r := b.get(s.PublicURL + "/self-service/settings/browser")
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != aal2 {
				t.Fatalf("%d %q", r.Status, r.Header.Get("Location"))
			}
			r = b.get(aal2)
			id := strings.TrimPrefix(r.Header.Get("Location"), uiBase+"/login?flow=")
			lf := b.get(s.PublicURL + "/self-service/login/flows?id=" + id).object(t)
			if flowFirstMessage(lf) != "Please complete the second authentication challenge." {
				t.Errorf("login flow %v", lf["ui"])
			}
		})
		t.Run("item09 SPA init below the highest AAL is 403", func(t *testing.T) {
			wantAAL(t, b.get(s.PublicURL+"/self-service/settings/browser", "Accept", "application/json"))
		})
		t.Run("item15 fetching a flow once the identity reached aal2 is 403", func(t *testing.T) {
			wantAAL(t, fetchSettings(t, s, toString(f["id"]), alice.token))
		})
		t.Run("item16 submitting below the highest AAL", func(t *testing.T) {
			body := map[string]any{"method": "not-exists"}
			wantAAL(t, submitAPI(t, s, f, alice.token, body))
			wantAAL(t, b.postJSON(s.PublicURL+"/self-service/settings?flow="+bf, body))
			r := b.postForm(s.PublicURL+"/self-service/settings?flow="+bf, url.Values{"method": {"not-exists"}})
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != aal2 {
				t.Fatalf("browser: %d %q", r.Status, r.Header.Get("Location"))
			}
		})
	})
}

func TestSettingsExpired(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{"SELFSERVICE_FLOWS_SETTINGS_LIFESPAN=1s",
			`SELFSERVICE_ALLOWED_RETURN_URLS=["http://localhost:4455","https://www.ory.sh"]`}})
		m := newSettingsMember(t, s, "late@example.org")
		b := newBrowser(t)
		b.signIn(s, m.email, "")
		api := settingsAPI(t, s, m.token)
		bid, bf := b.startFlow(s, "settings", "?return_to="+url.QueryEscape("https://www.ory.sh"))
		if bf["return_to"] != "https://www.ory.sh" {
			t.Fatalf("return_to %v", bf["return_to"])
		}
		time.Sleep(1100 * time.Millisecond)

		t.Run("item11 fetching an expired flow is 410", func(t *testing.T) {
			e := fetchSettings(t, s, toString(api["id"]), m.token).wantError(t, 410, "Call the settings flow init API endpoint")
			if e.Error.ID != "" || e.Error.Details["api"] != s.PublicURL+"/self-service/settings/api" {
				t.Errorf("%+v", e)
			}
		})
		t.Run("item12 an expired browser flow keeps return_to", func(t *testing.T) {
			e := b.get(s.PublicURL+"/self-service/settings/flows?id="+bid).wantError(t, 410, "Redirect the user")
			if e.Error.Details["return_to"] != "https://www.ory.sh" ||
				e.Error.Details["redirect_to"] != s.PublicURL+"/self-service/settings/browser?return_to=https%3A%2F%2Fwww.ory.sh" {
				t.Errorf("details %v", e.Error.Details)
			}
			r := b.postForm(s.PublicURL+"/self-service/settings?flow="+bid, url.Values{"method": {"profile"}})
			nid := settingsFlowID(r.Header.Get("Location"))
			if r.Status != http.StatusSeeOther || nid == "" || nid == bid {
				t.Fatalf("%d %q", r.Status, r.Header.Get("Location"))
			}
			nf := b.get(s.PublicURL + "/self-service/settings/flows?id=" + nid).object(t)
			if nf["request_url"] != s.PublicURL+"/self-service/settings/browser?return_to="+url.QueryEscape("https://www.ory.sh") ||
				!strings.Contains(flowFirstMessage(nf), "expired") {
				t.Errorf("replacement %v %v", nf["request_url"], nf["ui"])
			}
		})
		t.Run("api submit to an expired flow is 410 with use_flow_id", func(t *testing.T) {
			r := submitAPI(t, s, api, m.token, map[string]any{"method": "profile"})
			body := r.object(t)
			e, _ := body["error"].(map[string]any)
			newID := toString(body["use_flow_id"])
			if r.Status != 410 || e["id"] != "self_service_flow_expired" || newID == toString(api["id"]) || body["expired_at"] == nil {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			nf := fetchSettings(t, s, newID, m.token).object(t)
			msgs := nf["ui"].(map[string]any)["messages"].([]any)
			if len(msgs) != 1 || toString(msgs[0].(map[string]any)["id"]) != "4050001" || nf["type"] != "api" {
				t.Errorf("replacement %v", nf["ui"])
			}
		})
	})
}

func TestSettingsItem18_RelativeUIURL(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_SETTINGS_UI_URL=/settings-ts"}})
	m := newSettingsMember(t, s, "relative@example.org")
	b := newBrowser(t)
	b.signIn(s, m.email, "")
	r := b.get(s.PublicURL + "/self-service/settings/browser")
	if r.Status != http.StatusSeeOther || !regexp.MustCompile(`^/settings-ts\?flow=[0-9a-f-]{36}$`).MatchString(r.Header.Get("Location")) {
		t.Fatalf("%d %q", r.Status, r.Header.Get("Location"))
	}
}

// The admin port sends settings requests to the public one (§1.4).
func TestSettingsAdminRedirects(t *testing.T) {
	s := Start(t, ServerOptions{})
	for _, p := range []string{"/admin/self-service/settings/api", "/admin/self-service/settings/browser?return_to=x",
		"/admin/self-service/settings/flows?id=1", "/admin/self-service/settings?flow=1"} {
		r := call(t, "GET", s.AdminURL+p, nil)
		want := s.PublicURL + strings.TrimPrefix(p, "/admin")
		if r.Status != http.StatusTemporaryRedirect || r.Header.Get("Location") != want {
			t.Errorf("%s: %d %q, want %q", p, r.Status, r.Header.Get("Location"), want)
		}
	}
}
