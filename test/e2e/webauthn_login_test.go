package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// WebAuthn at login (issue 5; foundation §1.2, §1.5): the second factor,
// passwordless, Kratos's browser flows and Warden's native (API) flows,
// with a virtual authenticator, on every database.

// aal2Browser signs a fresh browser in with the password (aal1) and opens
// an aal2 login flow.
func aal2Browser(t *testing.T, s *Server, email string) (*browser, string, map[string]any) {
	t.Helper()
	b := newBrowser(t)
	b.signIn(s, email, "")
	id, f := b.startFlow(s, "login", "?aal=aal2")
	return b, id, f
}

func TestWebAuthnLoginSecondFactor(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		m := newSettingsMember(t, s, "mfa-key@example.org")
		owner := newBrowser(t)
		owner.signIn(s, m.email, "")
		k := newKey()
		owner.addKey(s, k, "yubi")

		b, id, f := aal2Browser(t, s, m.email)
		if st, aal, _ := b.whoami(s); st != 403 || aal != "" {
			t.Errorf("password only: whoami %d", st)
		}
		want := []string{"csrf_token", "identifier", "webauthn_login_trigger", "webauthn_login", "webauthn_script"}
		if got := mfaNodes(t, f, "webauthn"); !slices.Equal(got, want) {
			t.Fatalf("aal2 nodes %v", got)
		}
		trig := nodeOf(t, f, "webauthn_login_trigger")
		if toString(trig["meta"].(map[string]any)["label"].(map[string]any)["id"]) != "1010008" ||
			!strings.HasPrefix(toString(trig["attributes"].(map[string]any)["onclick"]), "window.__oryWebAuthnLogin({") {
			t.Errorf("trigger %v", trig)
		}
		if v := nodeValue(t, f, "identifier"); v != m.email {
			t.Errorf("identifier %v", v)
		}

		// Bad input: flow messages, never a 500, nothing written.
		opts := optionsOf(t, f, "webauthn_login_trigger")
		evil := *k
		evil.rp.Origin = "https://evil.example"
		stranger := newKey()
		_, otherFlow := b.startFlow(s, "login", "?aal=aal2")
		before := keysStored(t, s, m.id)[0].Authenticator
		action := s.PublicURL + "/self-service/login?flow=" + id
		for _, tt := range []struct {
			name, resp, want string
		}{
			{"malformed", `{"id":`, "Unable to parse WebAuthn response: "},
			{"wrong origin", evil.get(t, opts), "The provided authentication code is invalid"},
			{"unknown key", stranger.get(t, opts), "The provided authentication code is invalid"},
			{"another flow's challenge", k.get(t, optionsOf(t, otherFlow, "webauthn_login_trigger")), "The provided authentication code is invalid"},
		} {
			r := b.postJSON(action, map[string]any{"csrf_token": csrfOf(t, f), "method": "webauthn", "webauthn_login": tt.resp})
			if r.Status != 400 || !strings.Contains(flowFirstMessage(r.object(t)), tt.want) {
				t.Errorf("%s: %d %s", tt.name, r.Status, r.Body)
			}
		}
		if st, _, _ := b.whoami(s); st != 403 {
			t.Errorf("after refused assertions: whoami %d", st)
		}
		if after := keysStored(t, s, m.id)[0].Authenticator; after.SignCount != before.SignCount || after.CloneWarning {
			t.Errorf("a refused assertion wrote %+v", after)
		}

		// The form the script submits: no method, just webauthn_login.
		r := b.postForm(action, url.Values{"csrf_token": {csrfOf(t, f)}, "identifier": {m.email},
			"webauthn_login": {k.get(t, opts)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		if st, aal, amr := b.whoami(s); st != 200 || aal != "aal2" || amr != "password/aal1,webauthn/aal2" {
			t.Errorf("after the key: %d %s %s", st, aal, amr)
		}
		if got := keysStored(t, s, m.id)[0].Authenticator.SignCount; got != k.cred.Counter {
			t.Errorf("sign count %d, want %d", got, k.cred.Counter)
		}

		// Kratos has no WebAuthn in API flows (native_flows off).
		tok := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		af := aal2FlowAPI(t, s, tok)
		fj := call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+af.Id, nil).object(t)
		if got := mfaNodes(t, fj, "webauthn"); !slices.Equal(got, []string{"csrf_token"}) {
			t.Errorf("API aal2 nodes %v", got)
		}
		wantFlowMessage(t, "API flow", submitRaw(t, s, af.Id, tok, map[string]any{"method": "webauthn", "webauthn_login": "{}"}), "4010002")
	})
}

func TestWebAuthnLoginNative(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{"SELFSERVICE_METHODS_WEBAUTHN_CONFIG_NATIVE_FLOWS=true"}})
		m := newSettingsMember(t, s, "native@example.org")
		other := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()

		// Register through an API settings flow: the options are the
		// trigger's value, the credential goes back as a JSON object.
		f := settingsAPI(t, s, m.token)
		ta := nodeOf(t, f, "webauthn_register_trigger")["attributes"].(map[string]any)
		if ta["onclick"] != nil || !strings.HasPrefix(toString(ta["value"]), `{"publicKey":`) ||
			slices.Contains(mfaNodes(t, f, "webauthn"), "webauthn_script") {
			t.Fatalf("native trigger %v", ta)
		}
		k := newKey()
		r := submitAPI(t, s, f, m.token, map[string]any{"webauthn_register": asObject(t, k.create(t, optionsOf(t, f, "webauthn_register_trigger"))),
			"webauthn_register_displayname": "phone"})
		if r.Status != 200 || r.object(t)["state"] != "success" {
			t.Fatalf("native register: %d %s", r.Status, r.Body)
		}
		if sess := whoami(t, s, m.token); sess.GetAuthenticatorAssuranceLevel() != "aal2" || amr(sess) != "password/aal1,webauthn/aal2" {
			t.Errorf("after registering: %s %s", sess.GetAuthenticatorAssuranceLevel(), amr(sess))
		}
		if st := sessionStatus(t, s, other); st != 401 {
			t.Errorf("the other session survived: %d", st)
		}

		// Log in at aal2 natively.
		tok := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		lf := aal2FlowAPI(t, s, tok)
		fj := call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+lf.Id, nil).object(t)
		assertion := k.get(t, optionsOf(t, fj, "webauthn_login_trigger"))
		r = submitRaw(t, s, lf.Id, tok, map[string]any{"method": "webauthn", "webauthn_login": asObject(t, assertion)})
		if r.Status != 200 || toString(r.object(t)["session"].(map[string]any)["authenticator_assurance_level"]) != "aal2" {
			t.Fatalf("native login: %d %s", r.Status, r.Body)
		}

		// The same assertion again — also from other sessions, in parallel —
		// never signs in twice.
		const n = 4
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		}
		lf2 := aal2FlowAPI(t, s, tokens[0])
		fj2 := call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+lf2.Id, nil).object(t)
		fresh := k.get(t, optionsOf(t, fj2, "webauthn_login_trigger"))
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				statuses[i] = submitRaw(t, s, lf2.Id, tokens[i], map[string]any{"method": "webauthn", "webauthn_login": fresh}).Status
			})
		}
		wg.Wait()
		slices.Sort(statuses)
		if !slices.Equal(statuses, []int{200, 400, 400, 400}) {
			t.Errorf("parallel replays: %v", statuses)
		}
		fresh2 := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		wantFlowMessage(t, "replay", submitRaw(t, s, lf.Id, fresh2, map[string]any{"method": "webauthn", "webauthn_login": assertion}), "4000008")
		wantAAL1(t, s, fresh2)
	})
}

func TestWebAuthnPasswordless(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{"SELFSERVICE_METHODS_WEBAUTHN_CONFIG_PASSWORDLESS=true",
			"SELFSERVICE_METHODS_WEBAUTHN_CONFIG_NATIVE_FLOWS=true"}})
		m := newSettingsMember(t, s, "passkey@example.org")
		owner := newBrowser(t)
		owner.signIn(s, m.email, "")
		k := newKey()
		owner.addKey(s, k, "passkey")
		if keys := keysStored(t, s, m.id); len(keys) != 1 || !keys[0].IsPasswordless {
			t.Fatalf("stored %+v", keys)
		}
		if _, aal, amr := owner.whoami(s); aal != "aal1" || amr != "password/aal1,webauthn/aal1" {
			t.Errorf("after a passkey: %s %s", aal, amr)
		}

		// Browser: identifier, then the ceremony.
		b := newBrowser(t)
		id, f := b.startFlow(s, "login", "")
		if got := mfaNodes(t, f, "webauthn"); !slices.Equal(got, []string{"csrf_token", "identifier", "method=webauthn"}) {
			t.Errorf("first step %v", got)
		}
		action := s.PublicURL + "/self-service/login?flow=" + id
		r := b.postForm(action, url.Values{"csrf_token": {csrfOf(t, f)}, "method": {"webauthn"}, "identifier": {"nobody@example.org"}})
		if got := b.get(s.PublicURL + "/self-service/login/flows?id=" + id).object(t); r.Status != 303 ||
			!slices.Equal(flowMessageIDs(t, got), []string{"4000015"}) {
			t.Errorf("unknown identifier: %d %v", r.Status, flowMessageIDs(t, got))
		}
		r = b.postForm(action, url.Values{"csrf_token": {csrfOf(t, f)}, "method": {"webauthn"}, "identifier": {m.email}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/login?flow="+id {
			t.Fatalf("identifier step: %d %s", r.Status, r.Header.Get("Location"))
		}
		f = b.get(s.PublicURL + "/self-service/login/flows?id=" + id).object(t)
		if got := mfaNodes(t, f, "webauthn"); !slices.Equal(got, []string{"csrf_token", "identifier", "webauthn_login_trigger", "webauthn_login", "webauthn_script"}) ||
			!slices.Equal(flowMessageIDs(t, f), []string{"1010012"}) {
			t.Fatalf("second step %v %v", got, flowMessageIDs(t, f))
		}
		r = b.postForm(action, url.Values{"csrf_token": {csrfOf(t, f)}, "identifier": {m.email},
			"webauthn_login": {k.get(t, optionsOf(t, f, "webauthn_login_trigger"))}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("passwordless login: %d %s", r.Status, r.Body)
		}
		if st, aal, amr := b.whoami(s); st != 200 || aal != "aal1" || amr != "webauthn/aal1" {
			t.Errorf("whoami %d %s %s", st, aal, amr)
		}

		// SPA: the identifier step is a 422 to the login UI.
		spa := newBrowser(t)
		sid, sf := spa.startFlow(s, "login", "")
		r = spa.postJSON(s.PublicURL+"/self-service/login?flow="+sid, map[string]any{"csrf_token": csrfOf(t, sf), "method": "webauthn", "identifier": m.email})
		if e := r.object(t); r.Status != 422 || e["error"].(map[string]any)["id"] != "browser_location_change_required" ||
			e["redirect_browser_to"] != uiBase+"/login?flow="+sid {
			t.Errorf("SPA identifier step: %d %s", r.Status, r.Body)
		}

		// Native: the identifier step answers the flow, then the credential.
		lf := call(t, "GET", s.PublicURL+"/self-service/login/api", nil).object(t)
		la := s.PublicURL + "/self-service/login?flow=" + toString(lf["id"])
		r = call(t, "POST", la, map[string]any{"method": "webauthn", "identifier": m.email})
		step := r.object(t)
		if r.Status != 200 || !slices.Equal(flowMessageIDs(t, step), []string{"1010012"}) {
			t.Fatalf("native identifier step: %d %s", r.Status, r.Body)
		}
		r = call(t, "POST", la, map[string]any{"method": "webauthn", "identifier": m.email,
			"webauthn_login": asObject(t, k.get(t, optionsOf(t, step, "webauthn_login_trigger")))})
		if o := r.object(t); r.Status != 200 || toString(o["session_token"]) == "" {
			t.Fatalf("native passwordless: %d %s", r.Status, r.Body)
		}

		// 88: without a password the passkey is the only first factor: no
		// remove button, and removing it is refused on the field.
		if _, err := settingsDB(t, s).Exec(`DELETE FROM identity_credentials WHERE identity_id = $1 AND identity_credential_type_id =
			(SELECT id FROM identity_credential_types WHERE name = 'password')`, m.id); err != nil {
			t.Fatal(err)
		}
		sid, sfl := b.browserSettings(s)
		if slices.Contains(mfaNodes(t, sfl, "webauthn"), "webauthn_remove") {
			t.Error("the last first factor has a remove button")
		}
		r = b.postForm(s.PublicURL+"/self-service/settings?flow="+sid, url.Values{"csrf_token": {csrfOf(t, sfl)}, "webauthn_remove": {k.hexID()}})
		got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + sid).object(t)
		node := nodeOf(t, got, "webauthn_remove")
		if settingsFlowID(r.Header.Get("Location")) != sid || got["state"] != "show_form" || node["group"] != "default" ||
			node["attributes"].(map[string]any)["type"] != "text" ||
			!slices.Equal(nodeMessageTexts(t, got, "webauthn_remove"), []string{"unable to remove this security key because it would lock you out of your account"}) {
			t.Errorf("lock-out: %d %v", r.Status, node)
		}
		if len(keysStored(t, s, m.id)) != 1 {
			t.Error("the last first factor was removed")
		}
	})
}

// TestWebAuthnLastSecondFactor: beyond Kratos (issue 5 item 6), with
// required_aal aal1 an aal1 session may remove one of two keys but not the
// identity's last second factor: 403 session_aal2_required (a JSON request).
func TestWebAuthnLastSecondFactor(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_SETTINGS_REQUIRED_AAL=aal1",
		"SELFSERVICE_FLOWS_SETTINGS_AFTER_WEBAUTHN_REVOKE_OTHER_SESSIONS=false"}})
	m := newSettingsMember(t, s, "guard@example.org")
	owner := newBrowser(t)
	owner.signIn(s, m.email, "")
	k1, k2 := newKey(), newKey()
	owner.addKey(s, k1, "one")
	owner.addKey(s, k2, "two")

	b := newBrowser(t)
	b.signIn(s, m.email, "")
	if _, aal, _ := b.whoami(s); aal != "" {
		// whoami refuses the aal1 session (session.whoami.required_aal), as it should.
		t.Logf("aal %s", aal)
	}
	id, f := b.browserSettings(s)
	r := b.postJSON(s.PublicURL+"/self-service/settings?flow="+id, map[string]any{"csrf_token": csrfOf(t, f), "webauthn_remove": k1.hexID()})
	if r.Status != 200 || len(keysStored(t, s, m.id)) != 1 {
		t.Fatalf("removing one of two: %d %s", r.Status, r.Body)
	}
	id, f = b.browserSettings(s)
	r = b.postJSON(s.PublicURL+"/self-service/settings?flow="+id, map[string]any{"csrf_token": csrfOf(t, f), "webauthn_remove": k2.hexID()})
	if e, _ := r.object(t)["error"].(map[string]any); r.Status != 403 || e["id"] != "session_aal2_required" {
		t.Errorf("removing the last second factor: %d %s", r.Status, r.Body)
	}
	if len(keysStored(t, s, m.id)) != 1 {
		t.Error("the last second factor was removed by an aal1 session")
	}
	// The owner's aal2 session may.
	id, f = owner.browserSettings(s)
	if r := owner.postJSON(s.PublicURL+"/self-service/settings?flow="+id, map[string]any{"csrf_token": csrfOf(t, f),
		"webauthn_remove": k2.hexID()}); r.Status != 200 || len(keysStored(t, s, m.id)) != 0 {
		t.Errorf("aal2 session: %d %s", r.Status, r.Body)
	}
}
