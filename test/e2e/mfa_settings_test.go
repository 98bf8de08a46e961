package e2e

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	client "github.com/ory/client-go"
	"github.com/pquerna/otp/totp"
)

// Second factors in the settings flow (issue 5; settings-flow §5.3, §5.5,
// checklists §11.7 and §11.9), plus Warden's rules beyond Kratos: adding or
// removing a factor revokes the other sessions, and an aal1 session cannot
// remove the last second factor.

// mfaNodes lists the node names of the default group and of group (the
// other methods' nodes are left out, as in Kratos's per-strategy tests).
func mfaNodes(t *testing.T, f map[string]any, group string) []string {
	t.Helper()
	var out []string
	for _, n := range nodesOf(t, f) {
		g := toString(n["group"])
		if g != "default" && g != group {
			continue
		}
		a := n["attributes"].(map[string]any)
		name, _ := a["name"].(string)
		if name == "" {
			name, _ = a["id"].(string)
		}
		if name == "method" {
			name += "=" + toString(a["value"])
		}
		out = append(out, name)
	}
	return out
}

// nodeOf is the named node (by name or id) of a flow.
func nodeOf(t *testing.T, f map[string]any, name string) map[string]any {
	t.Helper()
	for _, n := range nodesOf(t, f) {
		a := n["attributes"].(map[string]any)
		if a["name"] == name || a["id"] == name {
			return n
		}
	}
	t.Fatalf("no node %q", name)
	return nil
}

// shownSecret is the secret of a flow's totp_secret_key node.
func shownSecret(t *testing.T, f map[string]any) string {
	t.Helper()
	txt := nodeOf(t, f, "totp_secret_key")["attributes"].(map[string]any)["text"].(map[string]any)
	s, _ := txt["text"].(string)
	if s == "" || txt["context"].(map[string]any)["secret"] != s || toString(txt["id"]) != "1050006" {
		t.Fatalf("secret node %v", txt)
	}
	return s
}

// storedConfig is the identity's credential config of type ct, "" when it
// has none.
func storedConfig(t *testing.T, s *Server, identityID, ct string) string {
	t.Helper()
	var cfg string
	err := settingsDB(t, s).QueryRow(`SELECT CAST(ic.config AS TEXT) FROM identity_credentials ic
		JOIN identity_credential_types ict ON ict.id = ic.identity_credential_type_id
		WHERE ic.identity_id = $1 AND ict.name = $2`, identityID, ct).Scan(&cfg)
	if err != nil {
		return ""
	}
	return cfg
}

// sessionStatus is whoami's status for the token.
func sessionStatus(t *testing.T, s *Server, token string) int {
	t.Helper()
	return call(t, "GET", s.PublicURL+"/sessions/whoami", nil, "X-Session-Token", token).Status
}

// adminAAL is the session's AAL and AMR as the admin API lists them.
func adminAAL(t *testing.T, s *Server, identityID, sessionID string) (string, string) {
	t.Helper()
	list, _, err := s.Admin().IdentityAPI.ListIdentitySessions(context.Background(), identityID).Execute()
	must(t, err)
	for _, sess := range list {
		if sess.Id == sessionID {
			return string(sess.GetAuthenticatorAssuranceLevel()), amr(&sess)
		}
	}
	t.Fatalf("session %s not listed", sessionID)
	return "", ""
}

func settingsTOTP(s *Server, flowID, token string, body *client.UpdateSettingsFlowWithTotpMethod) (*client.SettingsFlow, *http.Response, error) {
	return s.Public().FrontendAPI.UpdateSettingsFlow(context.Background()).Flow(flowID).XSessionToken(token).
		UpdateSettingsFlowBody(client.UpdateSettingsFlowWithTotpMethodAsUpdateSettingsFlowBody(body)).Execute()
}

func settingsLookup(s *Server, flowID, token string, body *client.UpdateSettingsFlowWithLookupMethod) (*client.SettingsFlow, *http.Response, error) {
	return s.Public().FrontendAPI.UpdateSettingsFlow(context.Background()).Flow(flowID).XSessionToken(token).
		UpdateSettingsFlowBody(client.UpdateSettingsFlowWithLookupMethodAsUpdateSettingsFlowBody(body)).Execute()
}

// wrongCodeFor is a code of secret that is not valid around now.
func wrongCodeFor(t *testing.T, secret string) string {
	t.Helper()
	for _, c := range []string{"111111", "222222", "333333", "444444"} {
		if ok, _ := totp.ValidateCustom(c, secret, time.Now(), totp.ValidateOpts{Period: 30, Skew: 2, Digits: 6}); !ok {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

func TestMFASettingsTOTP(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		m := newSettingsMember(t, s, "totp-settings@example.org")
		other := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()

		f := settingsAPI(t, s, m.token)
		// Item 73: a new key's nodes.
		if got := mfaNodes(t, f, "totp"); !slices.Equal(got, []string{"csrf_token", "totp_qr", "totp_secret_key", "totp_code", "method=totp"}) {
			t.Fatalf("nodes without a device: %v", got)
		}
		qr := nodeOf(t, f, "totp_qr")
		if src := toString(qr["attributes"].(map[string]any)["src"]); !strings.HasPrefix(src, "data:image/png;base64,") ||
			toString(qr["attributes"].(map[string]any)["width"]) != "256" || toString(qr["meta"].(map[string]any)["label"].(map[string]any)["id"]) != "1050005" {
			t.Errorf("qr node %v", qr)
		}
		secret := shownSecret(t, f)

		// Items 74 and 78: an API flow needs no CSRF token; a wrong code is
		// 4000008 on totp_code and stores nothing. Malformed input too.
		r := submitAPI(t, s, f, m.token, map[string]any{"method": "totp", "totp_code": wrongCodeFor(t, secret)})
		if r.Status != 400 || !slices.Equal(nodeMessageIDs(t, r.object(t), "totp_code"), []string{"4000008"}) {
			t.Errorf("wrong code: %d %v", r.Status, nodeMessageIDs(t, r.object(t), "totp_code"))
		}
		for name, body := range map[string]any{
			"missing": map[string]any{"method": "totp"},
			"number":  map[string]any{"method": "totp", "totp_code": 123456},
			"flag":    map[string]any{"method": "totp", "totp_unlink": "perhaps"},
			"long":    map[string]any{"method": "totp", "totp_code": strings.Repeat("9", 5000)},
		} {
			if r := submitAPI(t, s, f, m.token, body); r.Status != 400 {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		if cfg := storedConfig(t, s, m.id, "totp"); cfg != "" {
			t.Fatalf("a refused code stored a credential: %s", cfg)
		}

		// Item 79: the right code, through the SDK: success, the stored
		// secret is the shown one with the account-name trait, the session
		// is aal2 with [password, totp].
		code, err := totp.GenerateCode(secret, time.Now())
		must(t, err)
		ok, _, err := settingsTOTP(s, toString(f["id"]), m.token, &client.UpdateSettingsFlowWithTotpMethod{Method: "totp", TotpCode: &code})
		must(t, err)
		if ok.State != "success" {
			t.Errorf("state %v", ok.State)
		}
		// The answer shows the next flow's nodes, built for the linked device.
		var after []string
		for _, n := range ok.Ui.Nodes {
			if n.Group == "totp" {
				if a := n.Attributes.UiNodeInputAttributes; a != nil {
					after = append(after, a.Name)
				} else {
					after = append(after, "other")
				}
			}
		}
		if !slices.Equal(after, []string{"totp_unlink"}) {
			t.Errorf("totp nodes after linking: %v", after)
		}
		cfg := storedConfig(t, s, m.id, "totp")
		if !strings.Contains(cfg, "secret="+secret) || !strings.Contains(cfg, "totp-settings@example.org") || !strings.Contains(cfg, "issuer=Kratos") {
			t.Errorf("stored totp config %s", cfg)
		}
		who := whoami(t, s, m.token)
		if who.GetAuthenticatorAssuranceLevel() != "aal2" || amr(who) != "password/aal1,totp/aal2" {
			t.Errorf("after linking: %s %s", who.GetAuthenticatorAssuranceLevel(), amr(who))
		}
		// Beyond Kratos: the other session is gone.
		if st := sessionStatus(t, s, other); st != 401 {
			t.Errorf("the other session after linking: whoami %d, want 401", st)
		}
		// Beyond Kratos: the code that linked the device is spent for login.
		tok2 := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		lf := aal2FlowAPI(t, s, tok2)
		if _, res, err := submitTOTP(s, lf.Id, tok2, code); res == nil || res.StatusCode != 400 || err == nil {
			t.Errorf("the linking code was accepted at login")
		}

		// Item 72: with a device, only the unlink button.
		f = settingsAPI(t, s, m.token)
		if got := mfaNodes(t, f, "totp"); !slices.Equal(got, []string{"csrf_token", "totp_unlink"}) {
			t.Errorf("nodes with a device: %v", got)
		}
		// D9: method=totp without unlink changes nothing.
		r = submitAPI(t, s, f, m.token, map[string]any{"method": "totp", "totp_code": "000000"})
		if r.Status != 200 || toString(r.object(t)["state"]) != "success" || storedConfig(t, s, m.id, "totp") != cfg {
			t.Errorf("no-op: %d %s", r.Status, r.Body)
		}
		// Item 77: unlink; the session keeps aal2 (Q18).
		f = settingsAPI(t, s, m.token)
		r = submitAPI(t, s, f, m.token, map[string]any{"totp_unlink": true})
		if got := mfaNodes(t, r.object(t), "totp"); r.Status != 200 || !slices.Equal(got, []string{"csrf_token", "totp_qr", "totp_secret_key", "totp_code", "method=totp"}) {
			t.Errorf("unlink: %d, nodes after %v", r.Status, got)
		}
		if cfg := storedConfig(t, s, m.id, "totp"); cfg != "" {
			t.Errorf("unlink kept %s", cfg)
		}
		if who := whoami(t, s, m.token); who.GetAuthenticatorAssuranceLevel() != "aal2" {
			t.Errorf("unlinking downgraded the session to %s", who.GetAuthenticatorAssuranceLevel())
		}
		if got := mfaNodes(t, settingsAPI(t, s, m.token), "totp"); !slices.Contains(got, "totp_qr") {
			t.Errorf("after unlinking: %v", got)
		}
	})
}

// TestMFASettingsRevokeOff: with after.totp.revoke_other_sessions false,
// other sessions survive linking (they are aal1 and get the AAL error).
func TestMFASettingsRevokeOff(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_SETTINGS_AFTER_TOTP_REVOKE_OTHER_SESSIONS=false"}})
	m := newSettingsMember(t, s, "keep@example.org")
	other := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
	f := settingsAPI(t, s, m.token)
	code, err := totp.GenerateCode(shownSecret(t, f), time.Now())
	must(t, err)
	if r := submitAPI(t, s, f, m.token, map[string]any{"method": "totp", "totp_code": code}); r.Status != 200 {
		t.Fatalf("link: %d %s", r.Status, r.Body)
	}
	if st := sessionStatus(t, s, other); st != 403 {
		t.Errorf("other session: whoami %d, want 403 (alive, aal1)", st)
	}
}

// TestMFASettingsBrowser: items 75 and 76 for TOTP and 95 and 96 for
// lookup secrets — CSRF for browser flows, a privileged session for every
// change — and a browser link through the form.
func TestMFASettingsBrowser(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=2s"}})
		m := newSettingsMember(t, s, "web-mfa@example.org")
		b := newBrowser(t)
		b.signIn(s, m.email, "")
		id, f := b.startFlow(s, "settings", "")
		submit := s.PublicURL + "/self-service/settings?flow=" + id
		secret := shownSecret(t, f)
		code, err := totp.GenerateCode(secret, time.Now())
		must(t, err)

		// Missing CSRF: HTML → the error UI; SPA → 403.
		for name, body := range map[string]url.Values{
			"totp":   {"method": {"totp"}, "totp_code": {code}},
			"lookup": {"lookup_secret_regenerate": {"true"}},
		} {
			r := b.postForm(submit, body)
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
				t.Errorf("%s without csrf: %d %q", name, r.Status, r.Header.Get("Location"))
			}
			jb := map[string]any{}
			for k, v := range body {
				jb[k] = v[0]
			}
			b.postJSON(submit, jb).wantError(t, 403, "Cross-Site-Request-Forgery")
		}
		if cfg := storedConfig(t, s, m.id, "totp"); cfg != "" {
			t.Fatalf("a refused submission stored %s", cfg)
		}

		// Linking through the form: 303 to the settings UI.
		r := b.postForm(submit, url.Values{"method": {"totp"}, "totp_code": {code}, "csrf_token": {csrfOf(t, f)}})
		if r.Status != http.StatusSeeOther || settingsFlowID(r.Header.Get("Location")) == "" {
			t.Fatalf("browser link: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if storedConfig(t, s, m.id, "totp") == "" {
			t.Fatal("browser link stored nothing")
		}
		if who := b.get(s.PublicURL + "/sessions/whoami"); toString(who.object(t)["authenticator_assurance_level"]) != "aal2" {
			t.Errorf("browser session after linking: %s", who.Body)
		}

		// Unprivileged (the session is older than 2 s): unlink, and every
		// lookup action, need a refresh login; nothing changes.
		time.Sleep(2100 * time.Millisecond)
		_, f = b.startFlow(s, "settings", "")
		submit = s.PublicURL + "/self-service/settings?flow=" + toString(f["id"])
		refresh := s.PublicURL + "/self-service/login/browser?refresh=true&return_to="
		for _, body := range []map[string]any{
			{"totp_unlink": true},
			{"lookup_secret_reveal": true}, {"lookup_secret_regenerate": true}, {"lookup_secret_disable": true},
		} {
			body["csrf_token"] = csrfOf(t, f)
			r := b.postJSON(submit, body)
			e := r.object(t)
			if r.Status != 403 || e["error"].(map[string]any)["id"] != "session_refresh_required" ||
				!strings.HasPrefix(toString(e["redirect_browser_to"]), refresh) {
				t.Errorf("unprivileged %v: %d %s", body, r.Status, r.Body)
			}
		}
		r = b.postForm(submit, url.Values{"totp_unlink": {"true"}, "csrf_token": {csrfOf(t, f)}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), refresh) {
			t.Errorf("unprivileged browser unlink: %d %q", r.Status, r.Header.Get("Location"))
		}
		if storedConfig(t, s, m.id, "totp") == "" {
			t.Error("an unprivileged unlink removed the device")
		}
	})
}

// TestMFASettingsAPIUnprivileged: items 76 and 96 for API flows — 403
// session_refresh_required whose redirect names the browser login (§13
// Q23); nothing changes.
func TestMFASettingsAPIUnprivileged(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=1s"}})
	m := newSettingsMember(t, s, "old-session@example.org")
	f := settingsAPI(t, s, m.token)
	code, err := totp.GenerateCode(shownSecret(t, f), time.Now())
	must(t, err)
	time.Sleep(1100 * time.Millisecond)
	refresh := s.PublicURL + "/self-service/login/browser?refresh=true&return_to="
	for _, body := range []map[string]any{
		{"method": "totp", "totp_code": code},
		{"lookup_secret_reveal": true}, {"lookup_secret_regenerate": true}, {"lookup_secret_confirm": true}, {"lookup_secret_disable": true},
	} {
		r := submitAPI(t, s, f, m.token, body)
		e := r.object(t)
		if r.Status != 403 || e["error"].(map[string]any)["id"] != "session_refresh_required" ||
			!strings.HasPrefix(toString(e["redirect_browser_to"]), refresh) {
			t.Errorf("%v: %d %s", body, r.Status, r.Body)
		}
	}
	if storedConfig(t, s, m.id, "totp") != "" || storedConfig(t, s, m.id, "lookup_secret") != "" {
		t.Error("an unprivileged submission stored a factor")
	}
}

// TestMFASettingsNodeOrder: §3.4's canonical order with every method of the
// compat config (webauthn renders nothing in API flows).
func TestMFASettingsNodeOrder(t *testing.T) {
	s := Start(t, ServerOptions{})
	m := newSettingsMember(t, s, "order@example.org")
	want := []string{"csrf_token", "traits.email", "traits.name.first", "traits.name.last", "method=profile",
		"password", "method=password", "lookup_secret_regenerate",
		"totp_qr", "totp_secret_key", "totp_code", "method=totp"}
	if got := settingsNodeNames(t, settingsAPI(t, s, m.token)); !slices.Equal(got, want) {
		t.Errorf("nodes:\n got %v\nwant %v", got, want)
	}
	// A profile update answers with the next flow's nodes: the same order.
	f := settingsAPI(t, s, m.token)
	r := submitAPI(t, s, f, m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": m.email,
		"name": map[string]any{"first": "Ada"}}})
	done := r.object(t)
	if got := settingsNodeNames(t, done); r.Status != 200 || !slices.Equal(got, want) {
		t.Errorf("after a profile update: %d %v", r.Status, got)
	}
	// The flow after the update shows the pending key the user saw (no new
	// QR code is rendered for a profile update), and it can be linked there.
	if shownSecret(t, done) != shownSecret(t, f) {
		t.Error("a profile update rendered a new TOTP key")
	}
	next := fetchSettings(t, s, strings.TrimPrefix(actionOf(t, done), s.PublicURL+"/self-service/settings?flow="), m.token).object(t)
	code, err := totp.GenerateCode(shownSecret(t, f), time.Now())
	must(t, err)
	if r := submitAPI(t, s, next, m.token, map[string]any{"method": "totp", "totp_code": code}); r.Status != 200 {
		t.Errorf("link on the next flow: %d %s", r.Status, r.Body)
	}
}
