package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

// Login (foundation §1), through the SDK and raw browser requests.

func TestLoginAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		ctx := context.Background()
		api := s.Public().FrontendAPI
		reg := registerAPI(t, s, "login@example.org", "correct horse battery staple")

		f, res, err := api.CreateNativeLoginFlow(ctx).Execute()
		must(t, err)
		if len(res.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("the API init set cookies")
		}
		var names []string
		for _, n := range f.Ui.Nodes {
			names = append(names, n.Attributes.UiNodeInputAttributes.Name)
		}
		if got := strings.Join(names, ","); got != "csrf_token,identifier,password,method" {
			t.Errorf("nodes %s", got)
		}
		if f.RequestedAal == nil || *f.RequestedAal != "aal1" || f.Refresh == nil || *f.Refresh || f.State != "choose_method" {
			t.Errorf("flow %+v", f)
		}

		// Identifier trimmed and lower-cased.
		ok := loginAPI(t, s, "  LOGIN@example.org ", "correct horse battery staple")
		if !strings.HasPrefix(ok.GetSessionToken(), "ory_st_") || ok.Session.Identity.Id != reg.Identity.Id {
			t.Fatalf("login answer %+v", ok)
		}
		if len(ok.Session.AuthenticationMethods) != 1 || ok.Session.AuthenticationMethods[0].GetMethod() != "password" {
			t.Errorf("AMR %+v", ok.Session.AuthenticationMethods)
		}
		if who := whoami(t, s, ok.GetSessionToken()); who.Id != ok.Session.Id {
			t.Errorf("whoami %s, want %s", who.Id, ok.Session.Id)
		}

		// Wrong password and unknown identifier: the same answer.
		var texts []string
		for _, id := range []string{"login@example.org", "nobody@example.org"} {
			_, res, err := tryLoginAPI(s, id, "wrong password!")
			bad := flowFromSDKError(t, err, res, 400)
			msgs := bad["ui"].(map[string]any)["messages"].([]any)
			if len(msgs) != 1 || toString(msgs[0].(map[string]any)["id"]) != "4000006" {
				t.Fatalf("%s: messages %v", id, msgs)
			}
			texts = append(texts, msgs[0].(map[string]any)["text"].(string))
			if nodeValue(t, bad, "identifier") != id || nodeValue(t, bad, "password") != nil {
				t.Errorf("re-filled values wrong: %v %v", nodeValue(t, bad, "identifier"), nodeValue(t, bad, "password"))
			}
		}
		if texts[0] != texts[1] {
			t.Errorf("different answers: %q vs %q", texts[0], texts[1])
		}

		// Signed in without refresh: 400 session_already_available.
		r := call(t, "GET", s.PublicURL+"/self-service/login/api", nil, "X-Session-Token", ok.GetSessionToken())
		if e := r.wantError(t, 400, "Did you forget to set `?refresh=true`?"); e.Error.ID != "session_already_available" {
			t.Errorf("id %q", e.Error.ID)
		}

		// Refresh keeps the session id and token, moves authenticated_at and
		// appends to the AMR.
		time.Sleep(10 * time.Millisecond)
		rf, _, err := api.CreateNativeLoginFlow(ctx).Refresh(true).XSessionToken(ok.GetSessionToken()).Execute()
		must(t, err)
		if !*rf.Refresh || len(rf.Ui.Messages) != 1 || rf.Ui.Messages[0].Id != 1010003 {
			t.Errorf("refresh flow %+v", rf.Ui.Messages)
		}
		for _, n := range rf.Ui.Nodes {
			if a := n.Attributes.UiNodeInputAttributes; a.Name == "identifier" && (a.Type != "hidden" || a.GetValue() != "login@example.org") {
				t.Errorf("refresh identifier %+v", a)
			}
		}
		body := client.UpdateLoginFlowWithPasswordMethodAsUpdateLoginFlowBody(
			client.NewUpdateLoginFlowWithPasswordMethod("login@example.org", "password", "correct horse battery staple"))
		again, _, err := api.UpdateLoginFlow(ctx).Flow(rf.Id).XSessionToken(ok.GetSessionToken()).UpdateLoginFlowBody(body).Execute()
		must(t, err)
		if again.Session.Id != ok.Session.Id || again.GetSessionToken() != ok.GetSessionToken() ||
			len(again.Session.AuthenticationMethods) != 2 || !again.Session.AuthenticatedAt.After(*ok.Session.AuthenticatedAt) {
			t.Errorf("refresh: session %s token same %v AMR %d authenticated_at %v → %v", again.Session.Id,
				again.GetSessionToken() == ok.GetSessionToken(), len(again.Session.AuthenticationMethods),
				ok.Session.AuthenticatedAt, again.Session.AuthenticatedAt)
		}

		// aal2: needs a session; with one, no aal2 method answers the password.
		r = call(t, "GET", s.PublicURL+"/self-service/login/api?aal=aal2", nil)
		if e := r.wantError(t, 401, "without an active session"); e.Error.ID != "session_aal1_required" {
			t.Errorf("id %q", e.Error.ID)
		}
		up, _, err := api.CreateNativeLoginFlow(ctx).Aal("aal2").XSessionToken(ok.GetSessionToken()).Execute()
		must(t, err)
		if len(up.Ui.Messages) != 1 || up.Ui.Messages[0].Id != 1010004 {
			t.Errorf("aal2 messages %+v", up.Ui.Messages)
		}
		_, res, err = api.UpdateLoginFlow(ctx).Flow(up.Id).XSessionToken(ok.GetSessionToken()).UpdateLoginFlowBody(body).Execute()
		if ids := flowMessageIDs(t, flowFromSDKError(t, err, res, 400)); len(ids) != 1 || ids[0] != "4010002" {
			t.Errorf("aal2 submit with password: %v", ids)
		}
		call(t, "GET", s.PublicURL+"/self-service/login/api?aal=aal3", nil).wantError(t, 400, "but got aal3")

		// API flows refuse browser requests (§8.3).
		lf := call(t, "GET", s.PublicURL+"/self-service/login/api", nil).object(t)
		submit := s.PublicURL + "/self-service/login?flow=" + toString(lf["id"])
		creds := map[string]any{"method": "password", "identifier": "login@example.org", "password": "correct horse battery staple"}
		for hdr, part := range map[string]string{"Cookie": `included the "Cookie" key`, "Origin": `included the "Origin" key`} {
			r := call(t, "POST", submit, creds, hdr, map[string]string{"Cookie": "a=b", "Origin": "http://x"}[hdr])
			msgs, _ := r.object(t)["ui"].(map[string]any)["messages"].([]any)
			if r.Status != 400 || len(msgs) != 1 || !strings.Contains(msgs[0].(map[string]any)["text"].(string), part) {
				t.Errorf("%s: %d %s", hdr, r.Status, r.Body)
			}
		}
		if r := call(t, "POST", submit, creds, "Cookie", "__cfduid=1"); r.Status != 200 {
			t.Errorf("cloudflare cookie: %d %s", r.Status, r.Body)
		}
	})
}

func TestLoginBrowser(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		registerAPI(t, s, "web-login@example.org", "correct horse battery staple")
		b := newBrowser(t)
		id, f := b.startFlow(s, "login", "?return_to="+url.QueryEscape(uiBase+"/app"))
		submit := s.PublicURL + "/self-service/login?flow=" + id
		csrf := csrfOf(t, f)

		// Wrong password: 303 back to the UI, the flow carries 4000006.
		r := b.postForm(submit, url.Values{"method": {"password"}, "csrf_token": {csrf}, "identifier": {"web-login@example.org"},
			"password": {"nope nope nope"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/login?flow="+id {
			t.Fatalf("error: %d %q", r.Status, r.Header.Get("Location"))
		}
		f = b.get(s.PublicURL + "/self-service/login/flows?id=" + id).object(t)
		if ids := flowMessageIDs(t, f); len(ids) != 1 || ids[0] != "4000006" {
			t.Errorf("messages %v", ids)
		}

		// No CSRF token: 303 to the error UI.
		r = b.postForm(submit, url.Values{"method": {"password"}, "identifier": {"web-login@example.org"},
			"password": {"correct horse battery staple"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
			t.Fatalf("csrf: %d %q", r.Status, r.Header.Get("Location"))
		}
		// As an SPA: the 403 envelope.
		b.postJSON(submit, map[string]any{"method": "password", "identifier": "web-login@example.org",
			"password": "correct horse battery staple"}).wantError(t, 403, "Cross-Site-Request-Forgery")

		// Success: 303 to return_to with the session cookie.
		r = b.postForm(submit, url.Values{"method": {"password"}, "csrf_token": {csrf}, "identifier": {"web-login@example.org"},
			"password": {"correct horse battery staple"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/app" {
			t.Fatalf("success: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if who := b.get(s.PublicURL + "/sessions/whoami"); who.Status != 200 {
			t.Fatalf("whoami: %d %s", who.Status, who.Body)
		}

		// Signed in: init goes to the default URL, a second submit too.
		r = b.get(s.PublicURL + "/self-service/login/browser")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/" {
			t.Errorf("init signed in: %d %q", r.Status, r.Header.Get("Location"))
		}
		r = b.postForm(submit, url.Values{"method": {"password"}, "csrf_token": {csrf}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/" {
			t.Errorf("submit signed in: %d %q", r.Status, r.Header.Get("Location"))
		}
		// As JSON: a 400 flow with the reason as message.
		r = b.postJSON(submit, map[string]any{"method": "password"})
		if r.Status != 400 || !strings.Contains(string(r.Body), "refresh=true") {
			t.Errorf("submit signed in, JSON: %d %s", r.Status, r.Body)
		}
	})
}

func TestLoginBrowserJSON(t *testing.T) {
	s := Start(t, ServerOptions{})
	registerAPI(t, s, "spa-login@example.org", "correct horse battery staple")
	b := newBrowser(t)
	r := b.get(s.PublicURL+"/self-service/login/browser", "Accept", "application/json")
	if r.Status != 200 {
		t.Fatalf("init: %d", r.Status)
	}
	f := r.object(t)
	r = b.postJSON(s.PublicURL+"/self-service/login?flow="+toString(f["id"]), map[string]any{"method": "password",
		"csrf_token": csrfOf(t, f), "identifier": "spa-login@example.org", "password": "correct horse battery staple"})
	if r.Status != 200 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	got := r.object(t)
	if got["session"] == nil || got["session_token"] != nil {
		t.Errorf("answer %s", r.Body)
	}
	if b.cookie(s.PublicURL, "ory_kratos_session") == "" {
		t.Error("no session cookie")
	}
}

func TestLoginExpired(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_LOGIN_LIFESPAN=1s", "SELFSERVICE_FLOWS_REGISTRATION_LIFESPAN=1s"}})
	api := call(t, "GET", s.PublicURL+"/self-service/login/api", nil).object(t)
	b := newBrowser(t)
	bid, _ := b.startFlow(s, "login", "?return_to="+url.QueryEscape(uiBase+"/back"))
	reg := call(t, "GET", s.PublicURL+"/self-service/registration/api", nil).object(t)
	time.Sleep(1100 * time.Millisecond)

	// Fetch: 410 with where to go.
	e := call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+toString(api["id"]), nil).wantError(t, 410, "Call the login flow init API endpoint")
	if e.Error.ID != "self_service_flow_expired" || e.Error.Details["api"] != s.PublicURL+"/self-service/login/api" {
		t.Errorf("fetch api: %+v", e)
	}
	e = b.get(s.PublicURL+"/self-service/login/flows?id="+bid).wantError(t, 410, "Redirect the user")
	if e.Error.Details["return_to"] != uiBase+"/back" {
		t.Errorf("fetch browser: %+v", e.Error.Details)
	}

	// Submit: 410 with use_flow_id; the new flow says why.
	for kind, f := range map[string]map[string]any{"login": api, "registration": reg} {
		r := call(t, "POST", s.PublicURL+"/self-service/"+kind+"?flow="+toString(f["id"]), map[string]any{"method": "password"})
		body := r.object(t)
		env, _ := body["error"].(map[string]any)
		newID := toString(body["use_flow_id"])
		if r.Status != 410 || env["id"] != "self_service_flow_expired" || newID == "" || newID == toString(f["id"]) ||
			body["since"] == nil || body["expired_at"] == nil {
			t.Fatalf("%s: %d %s", kind, r.Status, r.Body)
		}
		nf := call(t, "GET", s.PublicURL+"/self-service/"+kind+"/flows?id="+newID, nil).object(t)
		want := map[string]string{"login": "4010001", "registration": "4040001"}[kind]
		msgs := nf["ui"].(map[string]any)["messages"].([]any)
		if len(msgs) != 1 || toString(msgs[0].(map[string]any)["id"]) != want ||
			msgs[0].(map[string]any)["context"].(map[string]any)["expired_at"] == nil {
			t.Errorf("%s replacement messages %v", kind, msgs)
		}
	}

	// Browser HTML: 303 to the UI with the replacement flow.
	r := b.postForm(s.PublicURL+"/self-service/login?flow="+bid, url.Values{"method": {"password"}})
	loc := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, uiBase+"/login?flow=") || strings.HasSuffix(loc, bid) {
		t.Fatalf("browser: %d %q", r.Status, loc)
	}
	nid := strings.TrimPrefix(loc, uiBase+"/login?flow=")
	if nf := b.get(s.PublicURL + "/self-service/login/flows?id=" + nid).object(t); nf["return_to"] != uiBase+"/back" {
		t.Errorf("the replacement must keep return_to: %v", nf["return_to"])
	}
}

func TestLoginPasswordDisabled(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_METHODS_PASSWORD_ENABLED=false"}})
	f := call(t, "GET", s.PublicURL+"/self-service/login/api", nil).object(t)
	if nodes := nodesOf(t, f); len(nodes) != 1 {
		t.Errorf("nodes with password disabled: %v", nodes)
	}
	call(t, "POST", s.PublicURL+"/self-service/login?flow="+toString(f["id"]), map[string]any{"method": "password",
		"identifier": "x", "password": "y"}).wantError(t, 404, "disabled by system administrator")
}
