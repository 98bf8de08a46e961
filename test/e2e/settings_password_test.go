package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

// The password method (settings-flow §5.2), checklist §11.6 items 59–71.

// wantPasswordNode checks the password node of a flow: never a value, and
// the messages given.
func wantPasswordNode(t *testing.T, f map[string]any, msgPart string) {
	t.Helper()
	if v := nodeValue(t, f, "password"); v != nil {
		t.Errorf("password node value %v", v)
	}
	msgs := nodeMessageTexts(t, f, "password")
	if msgPart == "" && len(msgs) != 0 || msgPart != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], msgPart)) {
		t.Errorf("password messages %v, want %q", msgs, msgPart)
	}
}

func TestSettingsPassword(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		m := newSettingsMember(t, s, "pw@example.org")
		b := newBrowser(t)
		b.signIn(s, m.email, "")
		submitURL := func(id string) string { return s.PublicURL + "/self-service/settings?flow=" + id }
		weak := map[string]any{"method": "password", "password": "123456"}

		t.Run("item59 no session", func(t *testing.T) {
			f := settingsAPI(t, s, m.token)
			r := call(t, "POST", submitURL(toString(f["id"])), "method=password&password=x", "Content-Type", "application/x-www-form-urlencoded")
			if r.Status != http.StatusFound || r.Header.Get("Location") != uiBase+"/login" {
				t.Errorf("browser: %d %q", r.Status, r.Header.Get("Location"))
			}
			for _, accept := range []string{"", "application/json"} {
				r := call(t, "POST", submitURL(toString(f["id"])), weak, "Accept", accept)
				r.wantError(t, 401, "A valid Ory Session Cookie or Ory Session Token is missing.")
				if len(r.Header.Values("Set-Cookie")) != 0 {
					t.Errorf("cookies %v", r.Header.Values("Set-Cookie"))
				}
			}
		})
		t.Run("item60 a weak password is refused", func(t *testing.T) {
			api := settingsAPI(t, s, m.token)
			r := submitAPI(t, s, api, m.token, weak)
			if r.Status != 400 {
				t.Fatalf("api: %d %s", r.Status, r.Body)
			}
			wantPasswordNode(t, r.object(t), "password can not be used because")
			id, f := b.startFlow(s, "settings", "")
			r = b.postJSON(submitURL(id), map[string]any{"method": "password", "password": "123456", "csrf_token": csrfOf(t, f)})
			got := r.object(t)
			if r.Status != 400 || csrfOf(t, got) == "" {
				t.Fatalf("spa: %d %s", r.Status, r.Body)
			}
			wantPasswordNode(t, got, "password can not be used because")
			r = b.postForm(submitURL(id), url.Values{"method": {"password"}, "password": {"123456"}, "csrf_token": {csrfOf(t, f)}})
			if settingsFlowID(r.Header.Get("Location")) != id {
				t.Fatalf("browser: %d %q", r.Status, r.Header.Get("Location"))
			}
			got = b.get(s.PublicURL + "/self-service/settings/flows?id=" + id).object(t)
			wantPasswordNode(t, got, "password can not be used because")
			if csrfOf(t, got) == "" {
				t.Error("no csrf_token value")
			}
			// The password is similar to the identifier: refused as well.
			r = submitAPI(t, s, api, m.token, map[string]any{"method": "password", "password": "pw@example.org1"})
			wantPasswordNode(t, r.object(t), "too similar to the user identifier")
		})
		t.Run("item64 another user's flow is refused (D8)", func(t *testing.T) {
			other := newSettingsMember(t, s, "pw-other@example.org")
			submitAPI(t, s, settingsAPI(t, s, other.token), m.token, map[string]any{"method": "password", "password": "a new password 4 me"}).
				wantError(t, 403, "initiated by someone else")
		})
		t.Run("item66 a wrong CSRF token", func(t *testing.T) {
			id, _ := b.startFlow(s, "settings", "")
			r := b.postForm(submitURL(id), url.Values{"method": {"password"}, "password": {"a new password 4 me"}, "csrf_token": {"invalid"}})
			if e := errorUIBody(t, s, r); e["id"] != "security_csrf_violation" {
				t.Errorf("browser: %v", e)
			}
			b.postJSON(submitURL(id), map[string]any{"method": "password", "password": "a new password 4 me", "csrf_token": "invalid"}).
				wantError(t, 403, "Cross-Site-Request-Forgery")
		})
		t.Run("item68 api flows refuse browser requests", func(t *testing.T) {
			api := settingsAPI(t, s, m.token)
			for h, v := range map[string]string{"Cookie": "name=bar", "Origin": "www.bar.com"} {
				r := submitAPI(t, s, api, m.token, map[string]any{"method": "password", "password": "a new password 4 me"}, h, v)
				if r.Status != 400 || !strings.Contains(flowFirstMessage(r.object(t)), `The HTTP Request Header included the "`+h+`" key`) {
					t.Errorf("%s: %d %s", h, r.Status, r.Body)
				}
			}
		})
		t.Run("item65 item67 a new password", func(t *testing.T) {
			before := storedHash(t, s, m.id)
			// item67: API flows ignore csrf_token.
			api := settingsAPI(t, s, m.token)
			r := submitAPI(t, s, api, m.token, map[string]any{"method": "password", "password": "a new password 4 me", "csrf_token": "invalid_token"})
			got := r.object(t)
			if r.Status != 200 || got["state"] != "success" || got["identity"].(map[string]any)["id"] != m.id {
				t.Fatalf("api: %d %s", r.Status, r.Body)
			}
			wantPasswordNode(t, got, "")
			after := storedHash(t, s, m.id)
			if after == before || !strings.HasPrefix(after, "$2a$04$") {
				t.Errorf("hash %q → %q", before, after)
			}
			// Beyond Kratos: the change signed the browser out (its session
			// is another one); it signs in again, and lands on the settings UI.
			if r := b.get(s.PublicURL + "/sessions/whoami"); r.Status != 401 {
				t.Fatalf("the other session survived: %d", r.Status)
			}
			b.signInWith(s, m.email, "a new password 4 me", "")
			id, f := b.startFlow(s, "settings", "")
			r = b.postForm(submitURL(id), url.Values{"method": {"password"}, "password": {"another new password 5"}, "csrf_token": {csrfOf(t, f)}})
			if settingsFlowID(r.Header.Get("Location")) != id {
				t.Fatalf("browser: %d %q", r.Status, r.Header.Get("Location"))
			}
			got = b.get(s.PublicURL + "/self-service/settings/flows?id=" + id).object(t)
			if got["state"] != "success" {
				t.Errorf("state %v", got["state"])
			}
			wantPasswordNode(t, got, "")
			if _, _, err := tryLoginAPI(s, m.email, "another new password 5"); err != nil {
				t.Errorf("login with the new password: %v", err)
			}
		})
		t.Run("item69 an identity without a password credential gets one", func(t *testing.T) {
			n := newSettingsMember(t, s, "nopw@example.org")
			if _, err := settingsDB(t, s).Exec(`DELETE FROM identity_credentials WHERE identity_id = $1 AND identity_credential_type_id =
				(SELECT id FROM identity_credential_types WHERE name = 'password')`, n.id); err != nil {
				t.Fatal(err)
			}
			r := submitAPI(t, s, settingsAPI(t, s, n.token), n.token, map[string]any{"method": "password", "password": "a fresh password 6"})
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if h := storedHash(t, s, n.id); !strings.HasPrefix(h, "$2a$") {
				t.Errorf("hash %q", h)
			}
			if ids := storedIdentifiers(t, s, n.id); !slices.Equal(ids, []string{"nopw@example.org"}) {
				t.Errorf("identifiers %v", ids)
			}
		})
	})
}

// Items 61–63: a password change needs a privileged session; the browser's
// is paused and replayed after the refresh login.
func TestSettingsPasswordPrivileged(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=2s"}})
		m := newSettingsMember(t, s, "stale@example.org")
		b := newBrowser(t)
		b.signIn(s, m.email, "")
		api := settingsAPI(t, s, m.token)
		bid, bf := b.startFlow(s, "settings", "")
		time.Sleep(2100 * time.Millisecond)
		hash := storedHash(t, s, m.id)
		wantRefresh := func(t *testing.T, r reply, flowID string) {
			t.Helper()
			var got struct {
				Error    map[string]any `json:"error"`
				Redirect string         `json:"redirect_browser_to"`
			}
			if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 403 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			want := map[string]any{"id": "session_refresh_required", "code": 403.0, "status": "Forbidden",
				"reason":  "The login session is too old and thus not allowed to update these fields. Please re-authenticate.",
				"message": "The requested action was forbidden"}
			if !jsonEqual(t, want, got.Error) || got.Redirect != s.PublicURL+"/self-service/login/browser?refresh=true&return_to="+
				url.QueryEscape(s.PublicURL+"/self-service/settings?flow="+flowID) {
				t.Errorf("%s", r.Body)
			}
		}
		t.Run("item61 api", func(t *testing.T) {
			r := submitAPI(t, s, api, m.token, map[string]any{"method": "password", "password": "a new password 4 me"})
			wantRefresh(t, r, toString(api["id"]))
			if len(r.Header.Values("Set-Cookie")) != 0 {
				t.Errorf("password pauses browser flows only: %v", r.Header.Values("Set-Cookie"))
			}
		})
		t.Run("item62 spa", func(t *testing.T) {
			r := b.postJSON(s.PublicURL+"/self-service/settings?flow="+bid, map[string]any{"method": "password",
				"password": "123456", "csrf_token": csrfOf(t, bf)})
			wantRefresh(t, r, bid)
		})
		t.Run("item63 browser: replayed after the refresh login", func(t *testing.T) {
			r := b.postForm(s.PublicURL+"/self-service/settings?flow="+bid, url.Values{"method": {"password"},
				"password": {"123456"}, "csrf_token": {csrfOf(t, bf)}})
			loc := r.Header.Get("Location")
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, s.PublicURL+"/self-service/login/browser?refresh=true&return_to=") {
				t.Fatalf("%d %q", r.Status, loc)
			}
			// The login UI asks to confirm it is you.
			lr := b.get(loc)
			lid := strings.TrimPrefix(lr.Header.Get("Location"), uiBase+"/login?flow=")
			if lf := b.get(s.PublicURL + "/self-service/login/flows?id=" + lid).object(t); flowFirstMessage(lf) != "Please confirm this action by verifying that it is you." {
				t.Errorf("login flow %v", lf["ui"])
			}
			back := b.signIn(s, m.email, strings.TrimPrefix(loc, s.PublicURL+"/self-service/login/browser"))
			r = b.get(back.Header.Get("Location"))
			if settingsFlowID(r.Header.Get("Location")) != bid {
				t.Fatalf("resume: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
			}
			got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + bid).object(t)
			wantPasswordNode(t, got, "password can not be used because")
			if storedHash(t, s, m.id) != hash {
				t.Error("the hash changed")
			}
		})
	})
}

func TestSettingsItem70_AfterURLAndNewHash(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_SETTINGS_AFTER_DEFAULT_BROWSER_RETURN_URL=http://localhost:4455/done"}})
	m := newSettingsMember(t, s, "after-pw@example.org")
	b := newBrowser(t)
	b.signIn(s, m.email, "")
	before := storedHash(t, s, m.id)
	id, f := b.startFlow(s, "settings", "")
	r := b.postForm(s.PublicURL+"/self-service/settings?flow="+id, url.Values{"method": {"password"},
		"password": {"a new password 4 me"}, "csrf_token": {csrfOf(t, f)}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/done" {
		t.Fatalf("%d %q", r.Status, r.Header.Get("Location"))
	}
	if storedHash(t, s, m.id) == before {
		t.Error("the hash did not change")
	}
}

func TestSettingsItem71_NoLoginIdentifier(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{multiSchemaEnv()}})
	m := newSettingsMember(t, s, "plain@example.org")
	b := newBrowser(t)
	b.signIn(s, m.email, "")
	// The identity moves to a schema without identifiers.
	if _, err := settingsDB(t, s).Exec(`UPDATE identities SET schema_id = 'plain', traits = '{"bar":"baz"}' WHERE id = $1`, m.id); err != nil {
		t.Fatal(err)
	}
	const want = "Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration."
	body := map[string]any{"method": "password", "password": "a new password 4 me"}
	if got := flowFirstMessage(submitAPI(t, s, settingsAPI(t, s, m.token), m.token, body).object(t)); got != want {
		t.Errorf("api: %q", got)
	}
	id, f := b.startFlow(s, "settings", "")
	if got := flowFirstMessage(b.postJSON(s.PublicURL+"/self-service/settings?flow="+id,
		map[string]any{"method": "password", "password": "a new password 4 me", "csrf_token": csrfOf(t, f)}).object(t)); got != want {
		t.Errorf("spa: %q", got)
	}
	b.postForm(s.PublicURL+"/self-service/settings?flow="+id, url.Values{"method": {"password"}, "password": {"a new password 4 me"},
		"csrf_token": {csrfOf(t, f)}})
	if got := flowFirstMessage(b.get(s.PublicURL + "/self-service/settings/flows?id=" + id).object(t)); got != want {
		t.Errorf("browser: %q", got)
	}
}

// The Ory SDK drives the whole API flow (issue 4 item 8).
func TestSettingsSDK(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		m := newSettingsMember(t, s, "sdk@example.org")
		ctx := context.Background()
		api := s.Public().FrontendAPI
		f, _, err := api.CreateNativeSettingsFlow(ctx).XSessionToken(m.token).Execute()
		must(t, err)
		if f.Type != "api" || f.State != client.SETTINGSFLOWSTATE_SHOW_FORM || f.Identity.Id != m.id {
			t.Fatalf("flow %+v", f)
		}
		got, _, err := api.GetSettingsFlow(ctx).Id(f.Id).XSessionToken(m.token).Execute()
		must(t, err)
		if got.Id != f.Id {
			t.Errorf("fetched %s", got.Id)
		}
		profile := client.UpdateSettingsFlowWithProfileMethodAsUpdateSettingsFlowBody(
			client.NewUpdateSettingsFlowWithProfileMethod("profile", map[string]any{"email": m.email, "name": map[string]any{"first": "Ada"}}))
		done, _, err := api.UpdateSettingsFlow(ctx).Flow(f.Id).XSessionToken(m.token).UpdateSettingsFlowBody(profile).Execute()
		must(t, err)
		if done.State != client.SETTINGSFLOWSTATE_SUCCESS || done.Ui.Messages[0].Id != 1050001 || !strings.Contains(done.Ui.Action, "flow=") ||
			strings.HasSuffix(done.Ui.Action, f.Id) {
			t.Fatalf("profile: %+v", done)
		}
		// Further saves go to ui.action (§13 Q1).
		next := strings.TrimPrefix(done.Ui.Action, s.PublicURL+"/self-service/settings?flow=")
		weak := client.UpdateSettingsFlowWithPasswordMethodAsUpdateSettingsFlowBody(client.NewUpdateSettingsFlowWithPasswordMethod("password", "123"))
		_, res, err := api.UpdateSettingsFlow(ctx).Flow(next).XSessionToken(m.token).UpdateSettingsFlowBody(weak).Execute()
		if fl := flowFromSDKError(t, err, res, 400); len(nodeMessageTexts(t, fl, "password")) != 1 {
			t.Errorf("weak password: %v", fl["ui"])
		}
		good := client.UpdateSettingsFlowWithPasswordMethodAsUpdateSettingsFlowBody(client.NewUpdateSettingsFlowWithPasswordMethod("password", "a new password 4 me"))
		done, _, err = api.UpdateSettingsFlow(ctx).Flow(next).XSessionToken(m.token).UpdateSettingsFlowBody(good).Execute()
		must(t, err)
		if done.State != client.SETTINGSFLOWSTATE_SUCCESS {
			t.Errorf("password: %v", done.State)
		}
		loginAPI(t, s, m.email, "a new password 4 me")
	})
}
