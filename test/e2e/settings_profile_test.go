package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The profile method (settings-flow §5.1), checklist §11.5 items 43–58.

// profileSchema is like Kratos's profile test schema: an optional email
// identifier and traits of every type.
const profileSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":{"type":"object","properties":{` +
	`"email":{"type":"string","format":"email","title":"E-Mail","ory.sh/kratos":{"credentials":{"password":{"identifier":true}},"verification":{"via":"email"},"recovery":{"via":"email"}}},` +
	`"stringy":{"type":"string"},"numby":{"type":"number"},"booly":{"type":"boolean"},` +
	`"should_big_number":{"type":"number","minimum":1200},"should_long_string":{"type":"string","minLength":25}}}}}`

func profileSchemaEnv() string {
	return `IDENTITY_SCHEMAS=[{"id":"default","url":"base64://` + base64.StdEncoding.EncodeToString([]byte(profileSchema)) + `"}]`
}

// csrfViolation is the one CSRF error body (§7.4).
var csrfViolation = map[string]any{
	"id": "security_csrf_violation", "code": 403.0, "status": "Forbidden",
	"reason":  "Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.",
	"message": "the request was rejected to protect you from Cross-Site-Request-Forgery",
	"details": map[string]any{
		"docs":          "https://www.ory.sh/kratos/docs/debug/csrf",
		"hint":          "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).",
		"reject_reason": "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.",
	},
}

// errorUIBody follows a 303 to the error UI and reads the stored error.
func errorUIBody(t *testing.T, s *Server, r reply) map[string]any {
	t.Helper()
	id, ok := strings.CutPrefix(r.Header.Get("Location"), uiBase+"/error?id=")
	if r.Status != http.StatusSeeOther || !ok {
		t.Fatalf("want a 303 to the error UI, got %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	var got struct {
		Error map[string]any `json:"error"`
	}
	if err := json.Unmarshal(call(t, "GET", s.PublicURL+"/self-service/errors?id="+id, nil).Body, &got); err != nil {
		t.Fatal(err)
	}
	return got.Error
}

func TestSettingsProfile(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{profileSchemaEnv()}})
		m := newSettingsMember(t, s, "profile@example.org")
		b := newBrowser(t)
		b.signIn(s, m.email, "")
		submitURL := func(id string) string { return s.PublicURL + "/self-service/settings?flow=" + id }

		t.Run("item43 no session", func(t *testing.T) {
			f := settingsAPI(t, s, m.token)
			r := call(t, "POST", submitURL(toString(f["id"])), "method=profile&traits.email=x@example.org",
				"Content-Type", "application/x-www-form-urlencoded")
			if r.Status != http.StatusFound || r.Header.Get("Location") != uiBase+"/login" || len(r.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("form: %d %q %v", r.Status, r.Header.Get("Location"), r.Header.Values("Set-Cookie"))
			}
			// D6: the v0.10.1 401 with the session_inactive id.
			e := call(t, "POST", submitURL(toString(f["id"])), map[string]any{"method": "profile"}).
				wantError(t, 401, "A valid Ory Session Cookie or Ory Session Token is missing.")
			if e.Error.ID != "session_inactive" {
				t.Errorf("id %q", e.Error.ID)
			}
		})
		t.Run("item44 a browser form with a wrong CSRF token shows the CSRF error", func(t *testing.T) {
			id, _ := b.startFlow(s, "settings", "")
			r := b.postForm(submitURL(id), url.Values{"method": {"profile"}, "csrf_token": {"invalid"}, "traits.email": {m.email}})
			if d := cmp.Diff(csrfViolation, errorUIBody(t, s, r)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
		t.Run("item45 an SPA with a wrong CSRF token is 403", func(t *testing.T) {
			id, _ := b.startFlow(s, "settings", "")
			r := b.postJSON(submitURL(id), map[string]any{"method": "profile", "csrf_token": "invalid", "traits": map[string]any{"email": m.email}})
			var got map[string]any
			if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 403 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if d := cmp.Diff(map[string]any{"error": csrfViolation}, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
		t.Run("item47 api flows refuse browser requests", func(t *testing.T) {
			f := settingsAPI(t, s, m.token)
			body := map[string]any{"method": "profile", "traits": map[string]any{"email": m.email}}
			for h, v := range map[string]string{"Cookie": "name=bar", "Origin": "www.bar.com"} {
				r := submitAPI(t, s, f, m.token, body, h, v)
				if r.Status != 400 || !strings.Contains(flowFirstMessage(r.object(t)), `The HTTP Request Header included the "`+h+`" key`) {
					t.Errorf("%s: %d %s", h, r.Status, r.Body)
				}
			}
		})
		t.Run("item48 every init carries the identity and its traits", func(t *testing.T) {
			api := settingsAPI(t, s, m.token)
			spa := b.get(s.PublicURL+"/self-service/settings/browser", "Accept", "application/json").object(t)
			_, browser := b.startFlow(s, "settings", "")
			for name, f := range map[string]map[string]any{"api": api, "spa": spa, "browser": browser} {
				i := f["identity"].(map[string]any)
				route := map[string]string{"api": "/self-service/settings/api"}[name]
				if route == "" {
					route = "/self-service/settings/browser"
				}
				if i["id"] != m.id || i["schema_id"] != "default" || i["traits"].(map[string]any)["email"] != m.email ||
					f["request_url"] != s.PublicURL+route || nodeValue(t, f, "traits.email") != m.email {
					t.Errorf("%s: %v", name, f)
				}
				if _, ok := i["credentials"]; ok {
					t.Errorf("%s: credentials shown", name)
				}
				if csrf := csrfOf(t, f); (name == "api") != (csrf == "") {
					t.Errorf("%s: csrf_token %q", name, csrf)
				}
			}
		})
		t.Run("item49 a too short trait comes back with what was typed", func(t *testing.T) {
			traits := map[string]any{"email": m.email, "should_long_string": "too-short", "stringy": "bazbar"}
			check := func(name string, f map[string]any) {
				t.Helper()
				if nodeValue(t, f, "traits.should_long_string") != "too-short" || nodeValue(t, f, "traits.stringy") != "bazbar" ||
					!slices.Equal(nodeMessageTexts(t, f, "traits.should_long_string"), []string{"length must be >= 25, but got 9"}) {
					t.Errorf("%s: %v", name, f["ui"])
				}
			}
			api := settingsAPI(t, s, m.token)
			r := submitAPI(t, s, api, m.token, map[string]any{"method": "profile", "traits": traits})
			if r.Status != 400 {
				t.Fatalf("api: %d", r.Status)
			}
			check("api", r.object(t))
			id, f := b.startFlow(s, "settings", "")
			r = b.postJSON(submitURL(id), map[string]any{"method": "profile", "csrf_token": csrfOf(t, f), "traits": traits})
			check("spa", r.object(t))
			r = b.postForm(submitURL(id), url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)}, "traits.email": {m.email},
				"traits.should_long_string": {"too-short"}, "traits.stringy": {"bazbar"}})
			if settingsFlowID(r.Header.Get("Location")) != id {
				t.Fatalf("browser: %d %q", r.Status, r.Header.Get("Location"))
			}
			check("browser", b.get(s.PublicURL+"/self-service/settings/flows?id="+id).object(t))
		})
		t.Run("item50 another user's flow is refused (D8)", func(t *testing.T) {
			other := newSettingsMember(t, s, "profile-other@example.org")
			f := settingsAPI(t, s, other.token)
			submitAPI(t, s, f, m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": m.email}}).
				wantError(t, 403, "initiated by someone else")
		})
		t.Run("item52 a number below its minimum", func(t *testing.T) {
			id, f := b.startFlow(s, "settings", "")
			r := b.postForm(submitURL(id), url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)}, "traits.email": {m.email},
				"traits.should_big_number": {"1"}, "traits.stringy": {"kept"}})
			got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + settingsFlowID(r.Header.Get("Location"))).object(t)
			if got["state"] != "show_form" || toString(nodeValue(t, got, "traits.should_big_number")) != "1" ||
				nodeValue(t, got, "traits.stringy") != "kept" ||
				!slices.Equal(nodeMessageTexts(t, got, "traits.should_big_number"), []string{"must be >= 1200 but found 1"}) {
				t.Errorf("%v", got["ui"])
			}
		})
		t.Run("item53 omitted, too short and non-numeric traits", func(t *testing.T) {
			id, f := b.startFlow(s, "settings", "")
			r := b.postForm(submitURL(id), url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)}, "traits.email": {m.email},
				"traits.should_long_string": {"short"}, "traits.numby": {"this-is-not-a-number"}})
			got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + settingsFlowID(r.Header.Get("Location"))).object(t)
			if nodeValue(t, got, "traits.stringy") != nil || len(nodeMessageTexts(t, got, "traits.stringy")) != 0 ||
				!slices.Equal(nodeMessageTexts(t, got, "traits.should_long_string"), []string{"length must be >= 25, but got 5"}) ||
				nodeValue(t, got, "traits.numby") != "this-is-not-a-number" ||
				!slices.Equal(nodeMessageTexts(t, got, "traits.numby"), []string{"expected number, but got string"}) {
				t.Errorf("%v", got["ui"])
			}
		})
		t.Run("item54 a valid update keeps numbers as numbers", func(t *testing.T) {
			id, f := b.startFlow(s, "settings", "")
			r := b.postForm(submitURL(id), url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)}, "traits.email": {m.email},
				"traits.numby": {"15"}, "traits.should_big_number": {"9001"}, "traits.booly": {"true"}})
			got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + settingsFlowID(r.Header.Get("Location"))).object(t)
			tr := got["identity"].(map[string]any)["traits"].(map[string]any)
			if got["state"] != "success" || toString(tr["numby"]) != "15" || toString(tr["should_big_number"]) != "9001" || tr["booly"] != true {
				t.Fatalf("%v", got)
			}
			if _, isNum := tr["numby"].(json.Number); !isNum {
				t.Errorf("numby is %T", tr["numby"])
			}
		})
		t.Run("item56 an email change leaves the new address to verify", func(t *testing.T) {
			id, f := b.startFlow(s, "settings", "")
			r := b.postForm(submitURL(id), url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)}, "traits.email": {"verify-me@example.org"}})
			got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + settingsFlowID(r.Header.Get("Location"))).object(t)
			va := got["identity"].(map[string]any)["verifiable_addresses"].([]any)
			if got["state"] != "success" || len(va) != 1 || va[0].(map[string]any)["value"] != "verify-me@example.org" ||
				va[0].(map[string]any)["status"] != "pending" || va[0].(map[string]any)["verified"] != false {
				t.Errorf("%v", got["identity"])
			}
			m.email = "verify-me@example.org"
		})
		t.Run("item57 a privileged session changes the email in every client", func(t *testing.T) {
			api := settingsAPI(t, s, m.token)
			r := submitAPI(t, s, api, m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": "api@example.org"}})
			if r.Status != 200 || r.object(t)["state"] != "success" {
				t.Fatalf("api: %d %s", r.Status, r.Body)
			}
			id, f := b.startFlow(s, "settings", "")
			r = b.postJSON(submitURL(id), map[string]any{"method": "profile", "csrf_token": csrfOf(t, f), "traits": map[string]any{"email": "spa@example.org"}})
			if r.Status != 200 || r.object(t)["state"] != "success" {
				t.Fatalf("spa: %d %s", r.Status, r.Body)
			}
			id, f = b.startFlow(s, "settings", "")
			r = b.postForm(submitURL(id), url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)}, "traits.email": {"browser@example.org"}})
			if settingsFlowID(r.Header.Get("Location")) != id {
				t.Fatalf("browser: %d %q", r.Status, r.Header.Get("Location"))
			}
			if got := adminTraits(t, s, m.id)["email"]; got != "browser@example.org" {
				t.Errorf("traits email %v", got)
			}
			if ids := storedIdentifiers(t, s, m.id); !slices.Equal(ids, []string{"browser@example.org"}) {
				t.Errorf("identifiers %v", ids)
			}
		})
	})
}

// Items 46 and 51: changes of protected traits need a privileged session;
// browsers resume the paused update after the refresh login (§6.5).
func TestSettingsProfilePrivileged(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{profileSchemaEnv(),
			"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=2s"}})
		m := newSettingsMember(t, s, "old@example.org")
		b := newBrowser(t)
		b.signIn(s, m.email, "")
		api := settingsAPI(t, s, m.token)
		bid, bf := b.startFlow(s, "settings", "")
		time.Sleep(2100 * time.Millisecond)

		t.Run("item46 dropping the identifier needs a privileged session", func(t *testing.T) {
			r := submitAPI(t, s, api, m.token, map[string]any{"traits.booly": true, "method": "profile", "csrf_token": ""})
			var got map[string]any
			if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 403 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			e := got["error"].(map[string]any)
			if e["id"] != "session_refresh_required" || !strings.Contains(toString(e["reason"]), "login session is too old") {
				t.Errorf("%s", r.Body)
			}
			if names := setCookieNames(r.Header); !slices.Equal(names, []string{"ory_kratos_continuity"}) {
				t.Errorf("cookies %v", names)
			}
		})
		t.Run("item51 an unprivileged email change", func(t *testing.T) {
			body := map[string]any{"method": "profile", "traits": map[string]any{"email": "new@example.org"}}
			r := submitAPI(t, s, api, m.token, body)
			if r.Status != 403 {
				t.Errorf("api: %d %s", r.Status, r.Body)
			}
			// Not a non-protected change: a name change needs nothing.
			r = submitAPI(t, s, settingsAPI(t, s, m.token), m.token, map[string]any{"method": "profile",
				"traits": map[string]any{"email": m.email, "stringy": "free to change"}})
			if r.Status != 200 {
				t.Errorf("unprotected change: %d %s", r.Status, r.Body)
			}
			// The browser form: to the refresh login, then the login UI.
			r = b.postForm(s.PublicURL+"/self-service/settings?flow="+bid, url.Values{"method": {"profile"},
				"csrf_token": {csrfOf(t, bf)}, "traits.email": {"new@example.org"}})
			refresh := s.PublicURL + "/self-service/login/browser?refresh=true&return_to=" +
				url.QueryEscape(s.PublicURL+"/self-service/settings?flow="+bid)
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != refresh || b.cookie(s.PublicURL, "ory_kratos_continuity") == "" {
				t.Fatalf("%d %q, want %q", r.Status, r.Header.Get("Location"), refresh)
			}
			// The refresh login sends the browser back to the submit URL.
			q := strings.TrimPrefix(refresh, s.PublicURL+"/self-service/login/browser")
			back := b.signIn(s, m.email, q)
			if back.Header.Get("Location") != s.PublicURL+"/self-service/settings?flow="+bid {
				t.Fatalf("after the refresh login: %q", back.Header.Get("Location"))
			}
			r = b.get(back.Header.Get("Location"))
			if settingsFlowID(r.Header.Get("Location")) != bid {
				t.Fatalf("resume: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
			}
			got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + bid).object(t)
			if got["state"] != "success" || adminTraits(t, s, m.id)["email"] != "new@example.org" {
				t.Errorf("after resume: %v %v", got["state"], adminTraits(t, s, m.id))
			}
		})
	})
}

func TestSettingsItem55_AfterURL(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{profileSchemaEnv(),
		"SELFSERVICE_FLOWS_SETTINGS_AFTER_DEFAULT_BROWSER_RETURN_URL=http://localhost:4455/after-settings"}})
	m := newSettingsMember(t, s, "after@example.org")
	b := newBrowser(t)
	b.signIn(s, m.email, "")
	id, f := b.startFlow(s, "settings", "")
	r := b.postForm(s.PublicURL+"/self-service/settings?flow="+id, url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)},
		"traits.email": {m.email}, "traits.stringy": {"x"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/after-settings" {
		t.Fatalf("%d %q", r.Status, r.Header.Get("Location"))
	}
}

func TestSettingsItem58_ProfileDisabled(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_METHODS_PROFILE_ENABLED=false"}})
	m := newSettingsMember(t, s, "noprofile@example.org")
	b := newBrowser(t)
	b.signIn(s, m.email, "")
	id, f := b.startFlow(s, "settings", "")
	if slices.Contains(settingsNodeNames(t, f), "method=profile") {
		t.Errorf("profile nodes while disabled: %v", settingsNodeNames(t, f))
	}
	r := b.postForm(s.PublicURL+"/self-service/settings?flow="+id, url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)},
		"traits.email": {m.email}})
	e := errorUIBody(t, s, r)
	if toString(e["code"]) != "404" || !strings.Contains(toString(e["reason"]), "This endpoint was disabled by system administrator") {
		t.Errorf("%v", e)
	}
}
