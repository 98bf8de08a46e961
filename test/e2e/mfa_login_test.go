package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Second factors at login (issue 5; foundation §1.2, §1.5, §13 items
// 34–37): aal2 flows with TOTP codes and backup codes, through the SDK and
// raw HTTP, on every database.

const mfaPassword = "correct horse battery staple"

// nodeNames lists "group/name" of a flow's nodes.
func nodeNames(t *testing.T, f map[string]any) string {
	t.Helper()
	var out []string
	for _, n := range nodesOf(t, f) {
		a := n["attributes"].(map[string]any)
		id, _ := a["name"].(string)
		if id == "" {
			id, _ = a["id"].(string)
		}
		out = append(out, toString(n["group"])+"/"+id)
	}
	return strings.Join(out, ",")
}

// submitRaw posts a JSON body to an API login flow with the session token.
func submitRaw(t *testing.T, s *Server, flowID, token string, body any) reply {
	t.Helper()
	return call(t, "POST", s.PublicURL+"/self-service/login?flow="+flowID, body, "X-Session-Token", token)
}

// wantFlowMessage checks a 400 flow answer with one flow-level message id.
func wantFlowMessage(t *testing.T, what string, r reply, id string) {
	t.Helper()
	if r.Status != 400 {
		t.Errorf("%s: status %d %s", what, r.Status, r.Body)
		return
	}
	if ids := flowMessageIDs(t, r.object(t)); len(ids) != 1 || ids[0] != id {
		t.Errorf("%s: flow messages %v, want [%s]", what, ids, id)
	}
}

// wantNodeMessage checks a 400 flow answer with one message id on node.
func wantNodeMessage(t *testing.T, what string, r reply, node, id, textPart string) {
	t.Helper()
	if r.Status != 400 {
		t.Errorf("%s: status %d %s", what, r.Status, r.Body)
		return
	}
	f := r.object(t)
	if ids := nodeMessageIDs(t, f, node); len(ids) != 1 || ids[0] != id || !strings.Contains(string(r.Body), textPart) {
		t.Errorf("%s: %s messages %v (want [%s] %q); body %s", what, node, ids, id, textPart, r.Body)
	}
}

// wantAAL1 checks that whoami refuses the token with session_aal2_required
// (the session is still aal1), with redirect_browser_to next to the error.
func wantAAL1(t *testing.T, s *Server, token string) {
	t.Helper()
	r := call(t, "GET", s.PublicURL+"/sessions/whoami", nil, "X-Session-Token", token)
	body := r.object(t)
	e, _ := body["error"].(map[string]any)
	if r.Status != 403 || e == nil || e["id"] != "session_aal2_required" ||
		body["redirect_browser_to"] != s.PublicURL+"/self-service/login/browser?aal=aal2" {
		t.Errorf("whoami: %d %s", r.Status, r.Body)
	}
}

func TestMFALoginTOTP(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		reg := registerAPI(t, s, "totp-login@example.org", mfaPassword)
		key := seedTOTP(t, s, reg.Identity.Id)

		first := loginAPI(t, s, "totp-login@example.org", mfaPassword)
		tok := first.GetSessionToken()
		if first.Session.Identity != nil || first.Session.GetAuthenticatorAssuranceLevel() != "aal1" {
			t.Errorf("password login of an aal2 identity: identity %v, aal %s", first.Session.Identity,
				first.Session.GetAuthenticatorAssuranceLevel())
		}
		wantAAL1(t, s, tok)

		f := aal2FlowAPI(t, s, tok)
		fj := call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+f.Id, nil).object(t)
		if got := nodeNames(t, fj); got != "default/csrf_token,totp/totp_code,totp/method" {
			t.Errorf("aal2 nodes %s", got)
		}
		if v := nodeValue(t, fj, "method"); v != "totp" {
			t.Errorf("method value %v", v)
		}

		// Bad input: messages, never a 500, nothing written.
		wantNodeMessage(t, "missing", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp"}),
			"totp_code", "4000002", "Property totp_code is missing.")
		wantNodeMessage(t, "empty", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": ""}),
			"totp_code", "4000002", "Property totp_code is missing.")
		wantNodeMessage(t, "short", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": "12"}),
			"totp_code", "4000001", "6, but got 2")
		wantNodeMessage(t, "number", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": 123456}),
			"totp_code", "4000001", "expected string, but got number")
		wantFlowMessage(t, "letters", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": "abcdef"}), "4000008")
		wantFlowMessage(t, "too long", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": "1234567"}), "4000008")
		wantFlowMessage(t, "wrong", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": wrongTOTP(t, key)}), "4000008")
		if old := totpAt(t, key.Secret(), time.Now().Add(-90*time.Second)); old != totpAt(t, key.Secret(), time.Now()) {
			wantFlowMessage(t, "expired", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": old}), "4000008")
		}
		if r := call(t, "POST", s.PublicURL+"/self-service/login?flow="+f.Id, `{"method":"totp","totp_code":`,
			"X-Session-Token", tok); r.Status >= 500 {
			t.Errorf("broken JSON: %d %s", r.Status, r.Body)
		}
		wantAAL1(t, s, tok)
		// The code is never echoed back.
		after := call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+f.Id, nil).object(t)
		if v := nodeValue(t, after, "totp_code"); v != nil && v != "" {
			t.Errorf("totp_code echoed: %v", v)
		}

		// A good code upgrades the same session to aal2 (§13 item 35).
		start := time.Now().Add(-time.Second)
		code := totpCode(t, key)
		ok, _, err := submitTOTP(s, f.Id, tok, code)
		must(t, err)
		sess := ok.Session
		if sess.Id != first.Session.Id || sess.GetAuthenticatorAssuranceLevel() != "aal2" ||
			amr(&sess) != "password/aal1,totp/aal2" || sess.Identity == nil || sess.Identity.Id != reg.Identity.Id {
			t.Errorf("after totp: id %s (want %s) aal %s amr %s", sess.Id, first.Session.Id,
				sess.GetAuthenticatorAssuranceLevel(), amr(&sess))
		}
		ms := sess.AuthenticationMethods
		if len(ms) == 2 && (!ms[0].GetCompletedAt().After(start) || ms[1].GetCompletedAt().Before(ms[0].GetCompletedAt()) ||
			sess.GetAuthenticatedAt().Unix() != ms[1].GetCompletedAt().Unix()) {
			t.Errorf("times: start %v amr %v %v authenticated_at %v", start, ms[0].GetCompletedAt(), ms[1].GetCompletedAt(),
				sess.GetAuthenticatedAt())
		}
		if who := whoami(t, s, tok); who.GetAuthenticatorAssuranceLevel() != "aal2" {
			t.Errorf("whoami aal %s", who.GetAuthenticatorAssuranceLevel())
		}

		// The same code again, from another session: refused (beyond Kratos).
		tok2 := loginAPI(t, s, "totp-login@example.org", mfaPassword).GetSessionToken()
		f2 := aal2FlowAPI(t, s, tok2)
		_, res, err := submitTOTP(s, f2.Id, tok2, code)
		if ids := flowMessageIDs(t, flowFromSDKError(t, err, res, 400)); len(ids) != 1 || ids[0] != "4000008" {
			t.Errorf("replay: %v", ids)
		}
		wantAAL1(t, s, tok2)

		// TOTP answers aal2 flows only: on an aal1 flow it is no strategy.
		lf := call(t, "GET", s.PublicURL+"/self-service/login/api", nil).object(t)
		wantFlowMessage(t, "totp on aal1", submitRaw(t, s, toString(lf["id"]), "", map[string]any{"method": "totp", "totp_code": code}), "4010002")
	})
}

// wrongTOTP is a six-digit code the key does not produce around now.
func wrongTOTP(t *testing.T, k interface{ Secret() string }) string {
	t.Helper()
	now := time.Now()
	for _, c := range []string{"000000", "111111", "222222", "333333", "444444"} {
		hit := false
		for _, d := range []time.Duration{-60 * time.Second, -30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
			if c == totpAt(t, k.Secret(), now.Add(d)) {
				hit = true
			}
		}
		if !hit {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// raceThrottleEnv lifts the per-identity login throttle for tests that fire
// 32 wrong codes for one identity at once: they test single use, and with
// the default limit (20) the late arrivals would be answered 429 instead.
var raceThrottleEnv = []string{"SELFSERVICE_FLOWS_LOGIN_THROTTLE_MAX_FAILURES_PER_IDENTIFIER=1000"}

// TestMFALoginTOTPParallel: 32 sessions submit one code at once: exactly
// one is accepted, the others get 4000008.
func TestMFALoginTOTPParallel(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: raceThrottleEnv})
		reg := registerAPI(t, s, "totp-race@example.org", mfaPassword)
		key := seedTOTP(t, s, reg.Identity.Id)
		var code string
		statuses, msgs := parallelSubmits(t, s, "totp-race@example.org", mfaPassword, 32, func(flowID, token string) (*http.Response, error) {
			_, res, err := submitTOTP(s, flowID, token, code)
			return res, err
		}, func() { code = totpCode(t, key) })
		wantOneWinner(t, statuses, msgs, "4000008")
	})
}

// wantOneWinner checks that exactly one submission got 200 and all others
// 400 with the flow message id.
func wantOneWinner(t *testing.T, statuses []int, msgs []string, loserID string) {
	t.Helper()
	wins := 0
	for k, st := range statuses {
		switch {
		case st == 200:
			wins++
		case st != 400 || msgs[k] != loserID:
			t.Errorf("submission %d: status %d message %q, want 400 %s", k, st, msgs[k], loserID)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d parallel submissions won, want exactly 1", wins, len(statuses))
	}
}

func TestMFALoginLookup(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: raceThrottleEnv})
		reg := registerAPI(t, s, "lookup-login@example.org", mfaPassword)
		seedLookup(t, s, reg.Identity.Id, "aaaa1111", "bbbb2222", "cccc3333")

		first := loginAPI(t, s, "lookup-login@example.org", mfaPassword)
		tok := first.GetSessionToken()
		wantAAL1(t, s, tok)
		f := aal2FlowAPI(t, s, tok)
		fj := call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+f.Id, nil).object(t)
		if got := nodeNames(t, fj); got != "default/csrf_token,lookup_secret/lookup_secret,lookup_secret/method" {
			t.Errorf("aal2 nodes %s", got)
		}

		wantNodeMessage(t, "missing", submitRaw(t, s, f.Id, tok, map[string]any{"method": "lookup_secret"}),
			"lookup_secret", "4000002", "Property lookup_secret is missing.")
		wantNodeMessage(t, "not a string", submitRaw(t, s, f.Id, tok, map[string]any{"method": "lookup_secret", "lookup_secret": []any{"x"}}),
			"lookup_secret", "4000001", "expected string, but got array")
		wantFlowMessage(t, "unknown", submitRaw(t, s, f.Id, tok, map[string]any{"method": "lookup_secret", "lookup_secret": "zzzz9999"}), "4000016")
		// TOTP is enabled but this identity has no device (§13 item 34).
		wantFlowMessage(t, "no device", submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": "123456"}), "4000011")
		wantFlowMessage(t, "huge", submitRaw(t, s, f.Id, tok, map[string]any{"method": "lookup_secret",
			"lookup_secret": strings.Repeat("a", 100000)}), "4000016")
		wantAAL1(t, s, tok)

		ok, _, err := submitLookup(s, f.Id, tok, "aaaa1111")
		must(t, err)
		if ok.Session.Id != first.Session.Id || ok.Session.GetAuthenticatorAssuranceLevel() != "aal2" ||
			amr(&ok.Session) != "password/aal1,lookup_secret/aal2" {
			t.Errorf("after lookup: %s %s %s", ok.Session.Id, ok.Session.GetAuthenticatorAssuranceLevel(), amr(&ok.Session))
		}

		// Used once: another session cannot use it again.
		tok2 := loginAPI(t, s, "lookup-login@example.org", mfaPassword).GetSessionToken()
		f2 := aal2FlowAPI(t, s, tok2)
		_, res, err := submitLookup(s, f2.Id, tok2, "aaaa1111")
		if ids := flowMessageIDs(t, flowFromSDKError(t, err, res, 400)); len(ids) != 1 || ids[0] != "4000012" {
			t.Errorf("reuse: %v", ids)
		}
		wantAAL1(t, s, tok2)

		// 32 sessions, one unused code, at once: one wins, 31 get 4000012.
		statuses, msgs := parallelSubmits(t, s, "lookup-login@example.org", mfaPassword, 32, func(flowID, token string) (*http.Response, error) {
			_, res, err := submitLookup(s, flowID, token, "bbbb2222")
			return res, err
		}, nil)
		wantOneWinner(t, statuses, msgs, "4000012")
	})
}

// TestMFALoginBrowser: the browser path — the password login sends the
// browser on to an aal2 flow with the same return_to (§13 item 36), the
// code is posted as a form, errors go back to the UI, CSRF is checked.
func TestMFALoginBrowser(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		reg := registerAPI(t, s, "totp-web@example.org", mfaPassword)
		key := seedTOTP(t, s, reg.Identity.Id)
		b := newBrowser(t)
		returnTo := uiBase + "/dashboard"
		id, f := b.startFlow(s, "login", "?return_to="+url.QueryEscape(returnTo))
		r := b.postForm(s.PublicURL+"/self-service/login?flow="+id, url.Values{"method": {"password"}, "csrf_token": {csrfOf(t, f)},
			"identifier": {"totp-web@example.org"}, "password": {mfaPassword}})
		want := s.PublicURL + "/self-service/login/browser?aal=aal2&return_to=" + url.QueryEscape(returnTo)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != want {
			t.Fatalf("password step: %d %q, want %q", r.Status, r.Header.Get("Location"), want)
		}

		id2, f2 := b.startFlow(s, "login", "?aal=aal2&return_to="+url.QueryEscape(returnTo))
		if toString(f2["requested_aal"]) != "aal2" || toString(f2["return_to"]) != returnTo {
			t.Errorf("aal2 flow: %v %v", f2["requested_aal"], f2["return_to"])
		}
		if ids := flowMessageIDs(t, f2); len(ids) != 1 || ids[0] != "1010004" {
			t.Errorf("aal2 flow messages %v", ids)
		}
		submit := s.PublicURL + "/self-service/login?flow=" + id2

		// A wrong code: back to the UI, the flow says 4000008.
		r = b.postForm(submit, url.Values{"method": {"totp"}, "csrf_token": {csrfOf(t, f2)}, "totp_code": {wrongTOTP(t, key)}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/login?flow="+id2 {
			t.Fatalf("wrong code: %d %q", r.Status, r.Header.Get("Location"))
		}
		if ids := flowMessageIDs(t, b.get(s.PublicURL+"/self-service/login/flows?id="+id2).object(t)); len(ids) != 1 || ids[0] != "4000008" {
			t.Errorf("wrong code messages %v", ids)
		}
		// No CSRF token: the error UI (HTML), 403 (SPA).
		code := totpCode(t, key)
		r = b.postForm(submit, url.Values{"method": {"totp"}, "totp_code": {code}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
			t.Errorf("no csrf: %d %q", r.Status, r.Header.Get("Location"))
		}
		b.postJSON(submit, map[string]any{"method": "totp", "totp_code": code}).wantError(t, 403, "Cross-Site-Request-Forgery")

		// The good code: to return_to, aal2.
		r = b.postForm(submit, url.Values{"method": {"totp"}, "csrf_token": {csrfOf(t, f2)}, "totp_code": {code}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != returnTo {
			t.Fatalf("good code: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
		}
		who := b.get(s.PublicURL + "/sessions/whoami")
		if who.Status != 200 || toString(who.object(t)["authenticator_assurance_level"]) != "aal2" {
			t.Errorf("whoami: %d %s", who.Status, who.Body)
		}
	})
}

// TestMFALoginDisabled: with totp and lookup_secret switched off their
// nodes are not shown and a submission naming them is a 404.
func TestMFALoginDisabled(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_METHODS_TOTP_ENABLED=false", "SELFSERVICE_METHODS_LOOKUP_SECRET_ENABLED=false"}})
	reg := registerAPI(t, s, "off@example.org", mfaPassword)
	key := seedTOTP(t, s, reg.Identity.Id)
	seedLookup(t, s, reg.Identity.Id, "aaaa1111")
	tok := loginAPI(t, s, "off@example.org", mfaPassword).GetSessionToken()
	f := aal2FlowAPI(t, s, tok)
	fj := call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+f.Id, nil).object(t)
	if got := nodeNames(t, fj); got != "default/csrf_token" {
		t.Errorf("nodes with the methods off: %s", got)
	}
	submitRaw(t, s, f.Id, tok, map[string]any{"method": "totp", "totp_code": totpCode(t, key)}).
		wantError(t, 404, "disabled by system administrator")
	submitRaw(t, s, f.Id, tok, map[string]any{"method": "lookup_secret", "lookup_secret": "aaaa1111"}).
		wantError(t, 404, "disabled by system administrator")
}
