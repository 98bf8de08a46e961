package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	client "github.com/ory/client-go"
)

// Registration (foundation §2), through the SDK and raw browser requests.

func TestRegistrationAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		ctx := context.Background()
		api := s.Public().FrontendAPI

		f, res, err := api.CreateNativeRegistrationFlow(ctx).Execute()
		must(t, err)
		if len(res.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("the API init set cookies: %v", res.Header.Values("Set-Cookie"))
		}
		if f.Type != "api" || f.Ui.Action != s.PublicURL+"/self-service/registration?flow="+f.Id || f.State != "choose_method" {
			t.Errorf("flow: type %s action %s", f.Type, f.Ui.Action)
		}
		var names []string
		for _, n := range f.Ui.Nodes {
			names = append(names, n.Attributes.UiNodeInputAttributes.Name)
		}
		if got := strings.Join(names, ","); got != "csrf_token,traits.email,traits.name.first,traits.name.last,password,method" {
			t.Errorf("nodes %s", got)
		}

		// Validation errors come back on their fields, traits re-filled and
		// the password empty.
		body := client.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(
			client.NewUpdateRegistrationFlowWithPasswordMethod("password", "short", map[string]any{"email": "not-an-email"}))
		_, res, err = api.UpdateRegistrationFlow(ctx).Flow(f.Id).UpdateRegistrationFlowBody(body).Execute()
		bad := flowFromSDKError(t, err, res, http.StatusBadRequest)
		if ids := nodeMessageIDs(t, bad, "traits.email"); len(ids) != 1 || ids[0] != "4000001" {
			t.Errorf("traits.email messages %v", ids)
		}
		if v := nodeValue(t, bad, "traits.email"); v != "not-an-email" {
			t.Errorf("traits.email value %v", v)
		}
		if v := nodeValue(t, bad, "password"); v != nil {
			t.Errorf("password value %v", v)
		}

		// A policy violation is 4000005 on the password node.
		body = client.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(
			client.NewUpdateRegistrationFlowWithPasswordMethod("password", "short", map[string]any{"email": "pol@example.org"}))
		_, res, err = api.UpdateRegistrationFlow(ctx).Flow(f.Id).UpdateRegistrationFlowBody(body).Execute()
		bad = flowFromSDKError(t, err, res, http.StatusBadRequest)
		if ids := nodeMessageIDs(t, bad, "password"); len(ids) != 1 || ids[0] != "4000005" {
			t.Errorf("password messages %v", ids)
		}

		// Success: session hook (compat config) → session, token, identity.
		reg := registerAPI(t, s, "Reg@Example.org", "correct horse battery staple")
		if reg.SessionToken == nil || !strings.HasPrefix(*reg.SessionToken, "ory_st_") || reg.Session == nil ||
			reg.Identity.Traits.(map[string]any)["email"] != "Reg@Example.org" {
			t.Fatalf("registration answer %+v", reg)
		}
		if reg.Identity.Credentials != nil {
			t.Error("the identity in the answer must not carry credentials")
		}
		who := whoami(t, s, *reg.SessionToken)
		if who.Id != reg.Session.Id || who.Identity.Id != reg.Identity.Id {
			t.Errorf("whoami %s, want session %s", who.Id, reg.Session.Id)
		}

		// Duplicates (same, upper-cased): 4000007 at flow level.
		for _, email := range []string{"Reg@Example.org", "REG@EXAMPLE.ORG"} {
			f, _, err := api.CreateNativeRegistrationFlow(ctx).Execute()
			must(t, err)
			body := client.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(
				client.NewUpdateRegistrationFlowWithPasswordMethod("password", "another good password", map[string]any{"email": email}))
			_, res, err := api.UpdateRegistrationFlow(ctx).Flow(f.Id).UpdateRegistrationFlowBody(body).Execute()
			if ids := flowMessageIDs(t, flowFromSDKError(t, err, res, 400)); len(ids) != 1 || ids[0] != "4000007" {
				t.Errorf("%s: messages %v, want [4000007]", email, ids)
			}
		}

		// Signed in: the API init refuses.
		_, res, err = api.CreateNativeRegistrationFlow(ctx).Execute()
		must(t, err) // no token: fine
		r := call(t, "GET", s.PublicURL+"/self-service/registration/api", nil, "X-Session-Token", *reg.SessionToken)
		if e := r.wantError(t, 400, "registration is not possible"); e.Error.ID != "session_already_available" {
			t.Errorf("id %q", e.Error.ID)
		}
	})
}

// flowFromSDKError returns the flow JSON an SDK call answered with status.
func flowFromSDKError(t *testing.T, err error, res *http.Response, status int) map[string]any {
	t.Helper()
	var ge *client.GenericOpenAPIError
	if !errors.As(err, &ge) || res == nil || res.StatusCode != status {
		code := 0
		if res != nil {
			code = res.StatusCode
		}
		t.Fatalf("want status %d with a flow, got %d %v", status, code, err)
	}
	r := reply{Status: res.StatusCode, Body: ge.Body()}
	return r.object(t)
}

func TestRegistrationBrowser(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		b := newBrowser(t)
		id, f := b.startFlow(s, "registration", "?return_to="+url.QueryEscape(uiBase+"/welcome"))
		if f["return_to"] != uiBase+"/welcome" || f["type"] != "browser" {
			t.Errorf("flow return_to %v type %v", f["return_to"], f["type"])
		}
		csrf := csrfOf(t, f)
		if len(csrf) != 88 {
			t.Fatalf("csrf_token %q", csrf)
		}
		submit := s.PublicURL + "/self-service/registration?flow=" + id

		// A form error sends the browser back to the UI with 302 (§2.3).
		r := b.postForm(submit, url.Values{"method": {"password"}, "csrf_token": {csrf}, "password": {"short"},
			"traits.email": {"web@example.org"}})
		if r.Status != http.StatusFound || r.Header.Get("Location") != uiBase+"/registration?flow="+id {
			t.Fatalf("error redirect: %d %q", r.Status, r.Header.Get("Location"))
		}
		f = b.get(s.PublicURL + "/self-service/registration/flows?id=" + id).object(t)
		if ids := nodeMessageIDs(t, f, "password"); len(ids) != 1 || ids[0] != "4000005" {
			t.Errorf("password messages %v", ids)
		}
		if nodeValue(t, f, "traits.email") != "web@example.org" {
			t.Errorf("traits.email not re-filled")
		}

		// Another browser's CSRF token: 303 to the error UI, which holds a 403.
		other := newBrowser(t)
		_, of := other.startFlow(s, "registration", "")
		r = b.postForm(submit, url.Values{"method": {"password"}, "csrf_token": {csrfOf(t, of)}, "password": {"correct horse battery staple"},
			"traits.email": {"web@example.org"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
			t.Fatalf("csrf: %d %q", r.Status, r.Header.Get("Location"))
		}
		errID := strings.TrimPrefix(r.Header.Get("Location"), uiBase+"/error?id=")
		stored := call(t, "GET", s.PublicURL+"/self-service/errors?id="+errID, nil).object(t)
		if e := stored["error"].(map[string]any); toString(e["code"]) != "403" || e["id"] != "security_csrf_violation" {
			t.Errorf("stored error %v", stored)
		}
		// The other browser cannot even read this browser's flow.
		other.get(s.PublicURL+"/self-service/registration/flows?id="+id).wantError(t, 403, "")

		// Success: 303 to return_to, session cookie, new CSRF cookie.
		before := b.cookie(s.PublicURL, csrfCookieName(s))
		r = b.postForm(submit, url.Values{"method": {"password"}, "csrf_token": {csrf}, "password": {"correct horse battery staple"},
			"traits.email": {"web@example.org"}, "traits.name.first": {"Web"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/welcome" {
			t.Fatalf("success: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
		}
		if b.cookie(s.PublicURL, "ory_kratos_session") == "" {
			t.Fatal("no session cookie")
		}
		if after := b.cookie(s.PublicURL, csrfCookieName(s)); after == before || after == "" {
			t.Error("the CSRF cookie must be regenerated for the new principal")
		}
		who := b.get(s.PublicURL + "/sessions/whoami")
		if who.Status != 200 {
			t.Fatalf("whoami %d %s", who.Status, who.Body)
		}

		// Signed in: init sends the browser away (303); submit answers 302
		// (HTML) or 400 (JSON).
		r = b.get(s.PublicURL + "/self-service/registration/browser")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != uiBase+"/" {
			t.Errorf("init signed in: %d %q", r.Status, r.Header.Get("Location"))
		}
		r = b.postForm(submit, url.Values{"method": {"password"}})
		if r.Status != http.StatusFound || r.Header.Get("Location") != uiBase+"/" {
			t.Errorf("submit signed in: %d %q", r.Status, r.Header.Get("Location"))
		}
		b.postJSON(submit, map[string]any{"method": "password"}).wantError(t, 400, "registration is not possible")
	})
}

func TestRegistrationBrowserJSON(t *testing.T) {
	s := Start(t, ServerOptions{})
	b := newBrowser(t)
	r := b.get(s.PublicURL+"/self-service/registration/browser", "Accept", "application/json")
	if r.Status != 200 {
		t.Fatalf("init: %d", r.Status)
	}
	f := r.object(t)
	submit := s.PublicURL + "/self-service/registration?flow=" + toString(f["id"])
	r = b.postJSON(submit, map[string]any{"method": "password", "csrf_token": csrfOf(t, f), "password": "correct horse battery staple",
		"traits": map[string]any{"email": "spa@example.org"}})
	if r.Status != 200 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	got := r.object(t)
	if got["session"] == nil || got["identity"] == nil || got["session_token"] != nil {
		t.Errorf("browser JSON answer: %s", r.Body)
	}
	if b.cookie(s.PublicURL, "ory_kratos_session") == "" {
		t.Error("no session cookie")
	}
}

func TestRegistrationDisabled(t *testing.T) {
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_REGISTRATION_ENABLED=false"}})
	call(t, "GET", s.PublicURL+"/self-service/registration/api", nil).wantError(t, 400, "Registration is not allowed because it was disabled.")
	r := call(t, "GET", s.PublicURL+"/self-service/registration/browser", nil)
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
		t.Errorf("browser: %d %q", r.Status, r.Header.Get("Location"))
	}
	e := call(t, "GET", s.PublicURL+"/self-service/registration/flows?id=x", nil, "Accept", "application/json").wantError(t, 400, "disabled")
	if e.Error.ID != "self_service_flow_disabled" {
		t.Errorf("id %q", e.Error.ID)
	}
}

// TestRegistrationSameIdentifierConcurrently: of 32 registrations of one
// identifier at once, exactly one wins; the others get 4000007.
func TestRegistrationSameIdentifierConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		const n = 32
		flows := make([]string, n)
		for i := range flows {
			flows[i] = call(t, "GET", s.PublicURL+"/self-service/registration/api", nil).object(t)["id"].(string)
		}
		var wg sync.WaitGroup
		replies := make([]reply, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				replies[i] = call(t, "POST", s.PublicURL+"/self-service/registration?flow="+flows[i], map[string]any{
					"method": "password", "password": "correct horse battery staple", "traits": map[string]any{"email": "race@example.org"}})
			}()
		}
		wg.Wait()
		wins := 0
		for _, r := range replies {
			switch r.Status {
			case 200:
				wins++
			case 400:
				if ids := flowMessageIDs(t, r.object(t)); len(ids) != 1 || ids[0] != "4000007" {
					t.Errorf("loser messages %v", ids)
				}
			default:
				t.Errorf("status %d: %s", r.Status, r.Body)
			}
		}
		if wins != 1 {
			t.Fatalf("%d registrations won, want exactly 1", wins)
		}
	})
}

// csrfCookieName is csrf_token_<sha256 of the public base URL string>.
func csrfCookieName(s *Server) string {
	return csrfName(s.PublicURL + "/")
}
