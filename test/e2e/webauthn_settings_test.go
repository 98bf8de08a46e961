package e2e

import (
	"crypto/sha512"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// WebAuthn in the settings flow (issue 5; settings-flow §5.4, §11.8), with
// a virtual authenticator, raw HTTP, on every database.

// TestWebAuthnSettings: §11.8 items 80, 81, 84, 85, 87, 89–91, and the
// script the nodes load (foundation §1.1).
func TestWebAuthnSettings(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		m := newSettingsMember(t, s, "keys@example.org")
		b := newBrowser(t)
		b.signIn(s, m.email, "")

		// 81: the nodes without keys; the trigger calls the script with the
		// options, which name the relying party.
		id, f := b.browserSettings(s)
		want := []string{"csrf_token", "webauthn_register_displayname", "webauthn_register_trigger", "webauthn_register", "webauthn_script"}
		if got := mfaNodes(t, f, "webauthn"); !slices.Equal(got, want) {
			t.Fatalf("nodes %v", got)
		}
		trig := nodeOf(t, f, "webauthn_register_trigger")
		ta := trig["attributes"].(map[string]any)
		if !strings.HasPrefix(toString(ta["onclick"]), "window.__oryWebAuthnRegistration({") ||
			!strings.Contains(toString(ta["onclick"]), "Kratos Bench") || ta["value"] != "" || ta["type"] != "button" ||
			toString(trig["meta"].(map[string]any)["label"].(map[string]any)["id"]) != "1050012" {
			t.Errorf("trigger %v", trig)
		}
		sa := nodeOf(t, f, "webauthn_script")["attributes"].(map[string]any)
		js := call(t, "GET", s.PublicURL+"/.well-known/ory/webauthn.js", nil)
		sum := sha512.Sum512(js.Body)
		if js.Status != 200 || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") ||
			sa["src"] != s.PublicURL+"/.well-known/ory/webauthn.js" || sa["integrity"] != "sha512-"+base64.StdEncoding.EncodeToString(sum[:]) ||
			sa["async"] != true || sa["crossorigin"] != "anonymous" || sa["referrerpolicy"] != "no-referrer" || toString(sa["nonce"]) == "" {
			t.Errorf("script %d %v", js.Status, sa)
		}

		// 84: a registration without a display name; 85: an unparsable one,
		// and one without the CSRF token. Nothing is stored.
		k := newKey()
		resp := k.create(t, optionsOf(t, f, "webauthn_register_trigger"))
		action := s.PublicURL + "/self-service/settings?flow=" + id
		r := b.postForm(action, url.Values{"csrf_token": {csrfOf(t, f)}, "webauthn_register": {resp}})
		got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + id).object(t)
		if settingsFlowID(r.Header.Get("Location")) != id ||
			!slices.Contains(nodeMessageTexts(t, got, "webauthn_register_displayname"), "Property webauthn_register_displayname is missing.") {
			t.Errorf("no display name: %d %s", r.Status, r.Header.Get("Location"))
		}
		r = b.postJSON(action, map[string]any{"csrf_token": csrfOf(t, f), "webauthn_register": `{"id":"a","rawId":"a","type":"public-key","response":{}}`,
			"webauthn_register_displayname": "x"})
		if r.Status != 400 || !strings.Contains(flowFirstMessage(r.object(t)), "Parse error for Registration") {
			t.Errorf("unparsable: %d %s", r.Status, r.Body)
		}
		b.postJSON(action, map[string]any{"webauthn_register": resp, "webauthn_register_displayname": "x"}).
			wantError(t, 403, "Cross-Site-Request-Forgery")
		if r := b.postForm(action, url.Values{"webauthn_register": {resp}, "webauthn_register_displayname": {"x"}}); !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
			t.Errorf("browser without CSRF: %d %s", r.Status, r.Header.Get("Location"))
		}
		if len(keysStored(t, s, m.id)) != 0 {
			t.Fatal("a refused registration stored a key")
		}

		// 87: a valid registration succeeds and makes the session aal2.
		b.addKey(s, k, "foo")
		keys := keysStored(t, s, m.id)
		if len(keys) != 1 || keys[0].DisplayName != "foo" || keys[0].IsPasswordless || keys[0].AddedAt.IsZero() {
			t.Fatalf("stored %+v", keys)
		}
		if st, aal, amr := b.whoami(s); st != 200 || aal != "aal2" || amr != "password/aal1,webauthn/aal2" {
			t.Errorf("whoami after adding a key: %d %s %s", st, aal, amr)
		}
		// The API session of the same identity was revoked (beyond Kratos).
		if st := sessionStatus(t, s, m.token); st != 401 {
			t.Errorf("other session after adding a key: %d", st)
		}

		// 80: with two keys, one remove button each, sorted by hex id.
		k2 := newKey()
		b.addKey(s, k2, "bar")
		_, f = b.browserSettings(s)
		got2 := mfaNodes(t, f, "webauthn")
		hexes := []string{k.hexID(), k2.hexID()}
		slices.Sort(hexes)
		var removes []string
		for _, n := range nodesOf(t, f) {
			if a := n["attributes"].(map[string]any); a["name"] == "webauthn_remove" {
				removes = append(removes, toString(a["value"]))
			}
		}
		if !slices.Equal(got2, []string{"csrf_token", "webauthn_remove", "webauthn_remove", "webauthn_register_displayname",
			"webauthn_register_trigger", "webauthn_register", "webauthn_script"}) || !slices.Equal(removes, hexes) {
			t.Errorf("nodes %v, removes %v (want %v)", got2, removes, hexes)
		}
		label := nodeOf(t, f, "webauthn_remove")["meta"].(map[string]any)["label"].(map[string]any)
		if toString(label["id"]) != "1050018" || !strings.HasPrefix(toString(label["text"]), `Remove security key "`) {
			t.Errorf("remove label %v", label)
		}

		// 91, 90, 89: remove one of two (the other stays), then the last
		// (the credential goes, the password stays).
		id, f = b.browserSettings(s)
		if r := b.postForm(s.PublicURL+"/self-service/settings?flow="+id, url.Values{"csrf_token": {csrfOf(t, f)},
			"webauthn_remove": {k.hexID()}}); settingsFlowID(r.Header.Get("Location")) != id {
			t.Fatalf("remove foo: %d %s", r.Status, r.Header.Get("Location"))
		}
		if keys := keysStored(t, s, m.id); len(keys) != 1 || keys[0].DisplayName != "bar" {
			t.Errorf("after removing foo: %+v", keys)
		}
		id, f = b.browserSettings(s)
		b.postForm(s.PublicURL+"/self-service/settings?flow="+id, url.Values{"csrf_token": {csrfOf(t, f)}, "webauthn_remove": {k2.hexID()}})
		if storedConfig(t, s, m.id, "webauthn") != "" || storedConfig(t, s, m.id, "password") == "" {
			t.Error("after removing the last key: the webauthn credential stays or the password went")
		}
		// Removing never downgrades the session (§13 Q18).
		if st, aal, _ := b.whoami(s); st != 200 || aal != "aal2" {
			t.Errorf("whoami after removing: %d %s", st, aal)
		}
	})
}

// TestWebAuthnSettingsPrivileged: §11.8 item 86 — an unprivileged
// registration asks for a refresh login and stores nothing.
func TestWebAuthnSettingsPrivileged(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=1s"}})
	m := newSettingsMember(t, s, "old@example.org")
	b := newBrowser(t)
	b.signIn(s, m.email, "")
	id, f := b.browserSettings(s)
	time.Sleep(1500 * time.Millisecond)
	k := newKey()
	body := map[string]any{"csrf_token": csrfOf(t, f), "webauthn_register": k.create(t, optionsOf(t, f, "webauthn_register_trigger")),
		"webauthn_register_displayname": "late"}
	r := b.postJSON(s.PublicURL+"/self-service/settings?flow="+id, body)
	if e := r.object(t); r.Status != 403 || e["error"].(map[string]any)["id"] != "session_refresh_required" ||
		!strings.HasPrefix(toString(e["redirect_browser_to"]), s.PublicURL+"/self-service/login/browser?refresh=true&return_to=") {
		t.Errorf("SPA: %d %s", r.Status, r.Body)
	}
	form := url.Values{}
	for k, v := range body {
		form.Set(k, toString(v))
	}
	r = b.postForm(s.PublicURL+"/self-service/settings?flow="+id, form)
	if !strings.HasPrefix(r.Header.Get("Location"), s.PublicURL+"/self-service/login/browser?refresh=true&return_to=") {
		t.Errorf("browser: %d %s", r.Status, r.Header.Get("Location"))
	}
	if len(keysStored(t, s, m.id)) != 0 {
		t.Error("an unprivileged registration stored a key")
	}
}

// TestWebAuthnSettingsKratosAPIFlows: §11.8 items 82, 83 (native_flows
// off, Kratos's behaviour): API flows show no webauthn nodes and a
// webauthn submission to one finds no strategy.
func TestWebAuthnSettingsKratosAPIFlows(t *testing.T) {
	s := Start(t, ServerOptions{})
	m := newSettingsMember(t, s, "api@example.org")
	f := settingsAPI(t, s, m.token)
	if got := mfaNodes(t, f, "webauthn"); !slices.Equal(got, []string{"csrf_token"}) {
		t.Errorf("API flow nodes %v", got)
	}
	r := submitAPI(t, s, f, m.token, map[string]any{"webauthn_register": "{}", "webauthn_register_displayname": "x"})
	if ids := flowMessageIDs(t, r.object(t)); r.Status != 400 || !slices.Equal(ids, []string{"4010004"}) {
		t.Errorf("%d %v", r.Status, ids)
	}
}

// TestWebAuthnSettingsNoIdentifier: §11.8 item 92 — a schema without a
// webauthn identifier: registering fails with 4000009.
func TestWebAuthnSettingsNoIdentifier(t *testing.T) {
	schema := `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":{"type":"object",
"properties":{"email":{"type":"string","format":"email","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}},
"required":["email"]}}}`
	s := Start(t, ServerOptions{Env: []string{`IDENTITY_SCHEMAS=[{"id":"default","url":"base64://` +
		base64.StdEncoding.EncodeToString([]byte(schema)) + `"}]`}})
	m := newSettingsMember(t, s, "noid@example.org")
	b := newBrowser(t)
	b.signIn(s, m.email, "")
	id, f := b.browserSettings(s)
	r := b.postJSON(s.PublicURL+"/self-service/settings?flow="+id, map[string]any{"csrf_token": csrfOf(t, f),
		"webauthn_register": newKey().create(t, optionsOf(t, f, "webauthn_register_trigger")), "webauthn_register_displayname": "x"})
	if ids := flowMessageIDs(t, r.object(t)); r.Status != 400 || !slices.Equal(ids, []string{"4000009"}) {
		t.Errorf("%d %s", r.Status, r.Body)
	}
	if len(keysStored(t, s, m.id)) != 0 {
		t.Error("a key was stored")
	}
}
