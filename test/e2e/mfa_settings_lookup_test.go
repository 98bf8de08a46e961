package e2e

import (
	"slices"
	"strings"
	"testing"

	client "github.com/ory/client-go"
)

// Backup codes (lookup_secret) in the settings flow (issue 5; settings-flow
// §5.5, checklist §11.9), and the last-factor rule beyond Kratos.

// codesOf are the texts of a flow's lookup_secret_codes list.
func codesOf(t *testing.T, f map[string]any) (string, []map[string]any) {
	t.Helper()
	txt := nodeOf(t, f, "lookup_secret_codes")["attributes"].(map[string]any)["text"].(map[string]any)
	if toString(txt["id"]) != "1050015" {
		t.Fatalf("codes node text %v", txt)
	}
	var out []map[string]any
	for _, m := range txt["context"].(map[string]any)["secrets"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return toString(txt["text"]), out
}

func TestMFASettingsLookup(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		m := newSettingsMember(t, s, "codes@example.org")
		other := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()

		// Item 93: without codes, regenerate only.
		f := settingsAPI(t, s, m.token)
		if got := mfaNodes(t, f, "lookup_secret"); !slices.Equal(got, []string{"csrf_token", "lookup_secret_regenerate"}) {
			t.Errorf("nodes without codes: %v", got)
		}
		// Item 97: confirm first.
		r := submitAPI(t, s, f, m.token, map[string]any{"lookup_secret_confirm": true})
		if r.Status != 400 || flowFirstMessage(r.object(t)) != "You must (re-)generate recovery backup codes before you can save them." {
			t.Errorf("confirm first: %d %s", r.Status, r.Body)
		}
		// Item 94 (reveal without codes): 400.
		r = submitAPI(t, s, f, m.token, map[string]any{"lookup_secret_reveal": true})
		if r.Status != 400 || flowFirstMessage(r.object(t)) != "Can not reveal lookup codes because you have none." {
			t.Errorf("reveal without codes: %d %s", r.Status, r.Body)
		}

		// Item 99: regenerate (200, the same flow, codes shown, nothing
		// stored), then confirm (success, session aal2).
		yes := true
		regen, _, err := settingsLookup(s, toString(f["id"]), m.token, &client.UpdateSettingsFlowWithLookupMethod{Method: "lookup_secret", LookupSecretRegenerate: &yes})
		must(t, err)
		if regen.Id != toString(f["id"]) || regen.State != "show_form" {
			t.Errorf("regenerate answered flow %s state %v", regen.Id, regen.State)
		}
		rf := fetchSettings(t, s, toString(f["id"]), m.token).object(t)
		if got := mfaNodes(t, rf, "lookup_secret"); !slices.Equal(got, []string{"csrf_token", "lookup_secret_codes", "lookup_secret_confirm"}) {
			t.Errorf("nodes after regenerate: %v", got)
		}
		joined, secrets := codesOf(t, rf)
		var codes []string
		for _, sec := range secrets {
			codes = append(codes, toString(sec["text"]))
		}
		if len(codes) != 12 || joined != strings.Join(codes, ", ") {
			t.Fatalf("codes %q", joined)
		}
		if storedConfig(t, s, m.id, "lookup_secret") != "" {
			t.Fatal("regenerate stored codes before the confirmation")
		}
		ok, _, err := settingsLookup(s, toString(f["id"]), m.token, &client.UpdateSettingsFlowWithLookupMethod{Method: "lookup_secret", LookupSecretConfirm: &yes})
		must(t, err)
		if ok.State != "success" {
			t.Errorf("confirm state %v", ok.State)
		}
		var after []string
		for _, n := range ok.Ui.Nodes {
			if n.Group == "lookup_secret" {
				after = append(after, n.Attributes.UiNodeInputAttributes.Name)
			}
		}
		if !slices.Equal(after, []string{"lookup_secret_reveal", "lookup_secret_disable"}) {
			t.Errorf("nodes after confirming: %v", after)
		}
		cfg := storedConfig(t, s, m.id, "lookup_secret")
		for _, c := range codes {
			if strings.Contains(cfg, c) {
				t.Fatalf("a code is stored in plain text: %s", cfg)
			}
		}
		if who := whoami(t, s, m.token); who.GetAuthenticatorAssuranceLevel() != "aal2" || amr(who) != "password/aal1,lookup_secret/aal2" {
			t.Errorf("after confirming: %s %s", who.GetAuthenticatorAssuranceLevel(), amr(who))
		}
		if st := sessionStatus(t, s, other); st != 401 {
			t.Errorf("the other session after confirming: whoami %d, want 401", st)
		}

		// The codes work at login, once.
		tok := loginAPI(t, s, m.email, settingsPassword).GetSessionToken()
		if _, _, err := submitLookup(s, aal2FlowAPI(t, s, tok).Id, tok, codes[0]); err != nil {
			t.Fatalf("a confirmed code at login: %v", err)
		}

		// Item 93 with codes; item 98: regenerate sent with the rendered
		// reveal and disable values → reveal wins. Unused codes are masked
		// (D16), the used one says when.
		f = settingsAPI(t, s, m.token)
		if got := mfaNodes(t, f, "lookup_secret"); !slices.Equal(got, []string{"csrf_token", "lookup_secret_reveal", "lookup_secret_disable"}) {
			t.Errorf("nodes with codes: %v", got)
		}
		r = call(t, "POST", s.PublicURL+"/self-service/settings?flow="+toString(f["id"]),
			"lookup_secret_reveal=true&lookup_secret_disable=true&lookup_secret_regenerate=true",
			"Content-Type", "application/x-www-form-urlencoded", "X-Session-Token", m.token)
		if r.Status != 200 {
			t.Fatalf("reveal: %d %s", r.Status, r.Body)
		}
		rv := r.object(t)
		if got := mfaNodes(t, rv, "lookup_secret"); !slices.Equal(got, []string{"csrf_token", "lookup_secret_codes", "lookup_secret_disable", "lookup_secret_regenerate"}) {
			t.Errorf("nodes after reveal: %v", got)
		}
		joined, secrets = codesOf(t, rv)
		if !strings.HasPrefix(joined, "used, ********, ") || toString(secrets[0]["id"]) != "1050014" ||
			secrets[1]["context"].(map[string]any)["masked"] != true {
			t.Errorf("revealed %q %v", joined, secrets[:2])
		}

		// Item 100: disable; the codes are gone, the session stays aal2.
		r = submitAPI(t, s, f, m.token, map[string]any{"lookup_secret_disable": true})
		if r.Status != 200 || toString(r.object(t)["state"]) != "success" || storedConfig(t, s, m.id, "lookup_secret") != "" {
			t.Errorf("disable: %d %s", r.Status, r.Body)
		}
		if got := mfaNodes(t, r.object(t), "lookup_secret"); !slices.Equal(got, []string{"csrf_token", "lookup_secret_regenerate"}) {
			t.Errorf("nodes after disabling: %v", got)
		}
		if who := whoami(t, s, m.token); who.GetAuthenticatorAssuranceLevel() != "aal2" {
			t.Errorf("disable downgraded the session to %s", who.GetAuthenticatorAssuranceLevel())
		}
	})
}

// TestMFASettingsLastFactor (beyond Kratos): with required_aal aal1, an aal1
// session cannot remove the last second factor of an identity that has
// aal2 available — 403 session_aal2_required pointing at the aal2 login —;
// an aal2 session can. Removing one of two factors is fine.
func TestMFASettingsLastFactor(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{"SELFSERVICE_FLOWS_SETTINGS_REQUIRED_AAL=aal1"}})
		m := newSettingsMember(t, s, "last@example.org")
		seedTOTP(t, s, m.id)
		tok := loginAPI(t, s, m.email, settingsPassword).GetSessionToken() // aal1

		f := settingsAPI(t, s, tok)
		r := submitAPI(t, s, f, tok, map[string]any{"totp_unlink": true})
		if e, _ := r.object(t)["error"].(map[string]any); r.Status != 403 || e["id"] != "session_aal2_required" ||
			!strings.HasSuffix(toString(r.object(t)["redirect_browser_to"]), "/self-service/login/browser?aal=aal2") {
			t.Errorf("aal1 unlinks the last factor: %d %s", r.Status, r.Body)
		}
		if storedConfig(t, s, m.id, "totp") == "" {
			t.Fatal("the last factor was removed by an aal1 session")
		}

		// With backup codes as well, TOTP is not the last factor.
		seedLookup(t, s, m.id, "aaaa1111")
		f = settingsAPI(t, s, tok)
		if r := submitAPI(t, s, f, tok, map[string]any{"totp_unlink": true}); r.Status != 200 {
			t.Errorf("aal1 unlinks one of two factors: %d %s", r.Status, r.Body)
		}
		// Now the codes are the last factor.
		f = settingsAPI(t, s, tok)
		if r := submitAPI(t, s, f, tok, map[string]any{"lookup_secret_disable": true}); r.Status != 403 ||
			!strings.Contains(string(r.Body), "session_aal2_required") {
			t.Errorf("aal1 disables the last factor: %d %s", r.Status, r.Body)
		}

		// An aal2 session may.
		lf := aal2FlowAPI(t, s, tok)
		if _, _, err := submitLookup(s, lf.Id, tok, "aaaa1111"); err != nil {
			t.Fatal(err)
		}
		f = settingsAPI(t, s, tok)
		if r := submitAPI(t, s, f, tok, map[string]any{"lookup_secret_disable": true}); r.Status != 200 {
			t.Errorf("aal2 disables the last factor: %d %s", r.Status, r.Body)
		}
	})
}
