package e2e

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Bad input to the login and registration flows: always the Kratos answer
// (a flow with messages, or the envelope), never a 5xx.

// brokenJSON are the bodies Kratos v0.10.1 answers with a 500 on browser
// flows (issue 3): each must be a 400 flow here.
var brokenJSON = []string{
	`{`, `}`, `[`, `"`, `{"method":}`, `{"method" "password"}`, `nul`, `tru`,
	`{"method":"password",}`, `[1,]`, "\x00", "{\"method\":\"\xff\"}", `{"a":1}{`, `{"a":"b"`,
	`{{}}`, `{"method":"\u12"}`,
}

func TestFlowsBrokenJSONOnBrowserSubmits(t *testing.T) {
	s := Start(t, ServerOptions{})
	for _, kind := range []string{"login", "registration"} {
		b := newBrowser(t)
		id, f := b.startFlow(s, kind, "")
		csrf := csrfOf(t, f)
		for i, body := range brokenJSON {
			// As an SPA (JSON request) and as a form post of JSON bytes.
			for _, accept := range []string{"application/json", "text/html"} {
				r := b.do("POST", s.PublicURL+"/self-service/"+kind+"?flow="+id, strings.NewReader(body),
					"Content-Type", "application/json", "Accept", accept, "X-CSRF-Token", csrf)
				if r.Status >= 500 {
					t.Errorf("%s body %d (%q), Accept %s: %d %s", kind, i, body, accept, r.Status, r.Body)
					continue
				}
				// Content-Type application/json makes it a JSON request: the
				// flow comes back as a 400 with a message.
				if r.Status != 400 || !bytes.Contains(r.Body, []byte(`"ui"`)) {
					t.Errorf("%s body %d (%q): %d %s, want a 400 flow", kind, i, body, r.Status, r.Body)
				}
			}
		}
	}
}

func TestFlowsBadRequests(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		login := call(t, "GET", s.PublicURL+"/self-service/login/api", nil).object(t)
		reg := call(t, "GET", s.PublicURL+"/self-service/registration/api", nil).object(t)
		loginSubmit := s.PublicURL + "/self-service/login?flow=" + toString(login["id"])
		regSubmit := s.PublicURL + "/self-service/registration?flow=" + toString(reg["id"])

		t.Run("content types", func(t *testing.T) {
			for _, ct := range []string{"text/plain", "application/xml", "multipart/form-data", ";;", "application/json-patch+json"} {
				for _, target := range []string{loginSubmit, regSubmit} {
					r := call(t, "POST", target, "method=password", "Content-Type", ct)
					if r.Status != 400 || !bytes.Contains(r.Body, []byte(`"ui"`)) {
						t.Errorf("%s %s: %d %s", ct, target, r.Status, r.Body)
					}
				}
			}
		})
		t.Run("empty body", func(t *testing.T) {
			r := call(t, "POST", loginSubmit, nil)
			if r.Status != 400 || !bytes.Contains(r.Body, []byte(`Content-Length`)) {
				t.Errorf("%d %s", r.Status, r.Body)
			}
		})
		t.Run("huge body", func(t *testing.T) {
			big := `{"method":"password","password":"` + strings.Repeat("x", 2<<20) + `"}`
			for _, target := range []string{loginSubmit, regSubmit} {
				if r := call(t, "POST", target, big); r.Status != 413 {
					t.Errorf("%s: %d %.300s", target, r.Status, r.Body)
				}
			}
		})
		t.Run("unknown methods", func(t *testing.T) {
			if ids := flowMessageIDs(t, call(t, "POST", loginSubmit, map[string]any{"method": "nope"}).object(t)); len(ids) != 1 || ids[0] != "4010002" {
				t.Errorf("login: %v", ids)
			}
			if ids := flowMessageIDs(t, call(t, "POST", regSubmit, map[string]any{"method": "nope"}).object(t)); len(ids) != 1 || ids[0] != "4010003" {
				t.Errorf("registration: %v", ids)
			}
		})
		t.Run("flow of the wrong type", func(t *testing.T) {
			call(t, "POST", s.PublicURL+"/self-service/registration?flow="+toString(login["id"]),
				map[string]any{"method": "password"}).wantError(t, 404, "")
			call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+toString(reg["id"]), nil).wantError(t, 404, "")
			r := call(t, "POST", s.PublicURL+"/self-service/login?flow="+toString(reg["id"]), "method=password",
				"Content-Type", "application/x-www-form-urlencoded")
			if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
				t.Errorf("HTML: %d %q", r.Status, r.Header.Get("Location"))
			}
		})
		t.Run("garbage flow ids", func(t *testing.T) {
			for _, id := range []string{"", "garbage", "%00", "' OR 1=1 --", strings.Repeat("a", 5000)} {
				q := url.QueryEscape(id)
				call(t, "POST", s.PublicURL+"/self-service/login?flow="+q, map[string]any{"method": "password"}).
					wantError(t, 400, "The flow query parameter is missing or malformed.")
				call(t, "POST", s.PublicURL+"/self-service/registration?flow="+q, map[string]any{"method": "password"}).
					wantError(t, 400, "The flow query parameter is missing or malformed.")
				call(t, "GET", s.PublicURL+"/self-service/login/flows?id="+q, nil).wantError(t, 404, "")
				call(t, "GET", s.PublicURL+"/self-service/registration/flows?id="+q, nil).wantError(t, 404, "")
				call(t, "GET", s.PublicURL+"/self-service/errors?id="+q, nil).wantError(t, 404, "")
			}
		})
		t.Run("return_to with control characters or backslashes", func(t *testing.T) {
			for _, rt := range []string{"http://localhost:4455/\x00", "http://localhost:4455/\r\nSet-Cookie:x=y", `http:\\evil.example`,
				`\\evil.example`, "http://localhost:4455/\x7f", "%zz", "http://[::1", "javascript:alert(1)"} {
				for _, init := range []string{"login/browser", "login/api", "registration/browser", "registration/api"} {
					r := call(t, "GET", s.PublicURL+"/self-service/"+init+"?return_to="+url.QueryEscape(rt), nil, "Accept", "application/json")
					if e := r.wantError(t, 400, "is not allowed"); e.Error.ID != "self_service_flow_return_to_forbidden" {
						t.Errorf("%s %q: id %q", init, rt, e.Error.ID)
					}
				}
			}
		})
		t.Run("another client's browser flow", func(t *testing.T) {
			owner, thief := newBrowser(t), newBrowser(t)
			id, f := owner.startFlow(s, "login", "")
			thief.get(s.PublicURL + "/self-service/login/browser") // the thief has a CSRF cookie of its own
			thief.get(s.PublicURL+"/self-service/login/flows?id="+id).wantError(t, 403, "Cross-Site-Request-Forgery")
			thief.postJSON(s.PublicURL+"/self-service/login?flow="+id, map[string]any{"method": "password",
				"csrf_token": csrfOf(t, f), "identifier": "x", "password": "y"}).wantError(t, 403, "Cross-Site-Request-Forgery")
		})
	})
}

// TestFlowsConcurrentSQLite: 32 registrations and then 32 logins of
// distinct identities at once on SQLite finish without a 5xx and without
// "database is locked".
func TestFlowsConcurrentSQLite(t *testing.T) {
	s := Start(t, ServerOptions{})
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan string, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := fmt.Sprintf("user%02d@example.org", i)
			f := call(t, "GET", s.PublicURL+"/self-service/registration/api", nil).object(t)
			r := call(t, "POST", s.PublicURL+"/self-service/registration?flow="+toString(f["id"]), map[string]any{
				"method": "password", "password": "correct horse battery staple", "traits": map[string]any{"email": email}})
			if r.Status != 200 {
				errs <- fmt.Sprintf("register %s: %d %s", email, r.Status, r.Body)
				return
			}
			l := call(t, "GET", s.PublicURL+"/self-service/login/api", nil).object(t)
			r = call(t, "POST", s.PublicURL+"/self-service/login?flow="+toString(l["id"]), map[string]any{
				"method": "password", "identifier": email, "password": "correct horse battery staple"})
			if r.Status != 200 {
				errs <- fmt.Sprintf("login %s: %d %s", email, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if logs := s.Logs(); strings.Contains(logs, "database is locked") || strings.Contains(logs, "SQLITE_BUSY") {
		t.Errorf("the logs mention a locked database:\n%s", logs)
	}
}

// TestAPIFlowEnforcementOffInDev: with --dev and
// DEV_DISABLE_API_FLOW_ENFORCEMENT=true, API flows accept cookies and
// Origin (foundation §8.3); without --dev the variable changes nothing.
func TestAPIFlowEnforcementOffInDev(t *testing.T) {
	for _, dev := range []bool{true, false} {
		t.Run(fmt.Sprintf("dev=%v", dev), func(t *testing.T) {
			s := Start(t, ServerOptions{NoDev: !dev, Env: []string{"DEV_DISABLE_API_FLOW_ENFORCEMENT=true", "HASHERS_BCRYPT_COST=12"}})
			f := call(t, "GET", s.PublicURL+"/self-service/login/api", nil).object(t)
			r := call(t, "POST", s.PublicURL+"/self-service/login?flow="+toString(f["id"]),
				map[string]any{"method": "password", "identifier": "nobody@example.org", "password": "x"},
				"Cookie", "a=b", "Origin", "http://elsewhere.example")
			ids := flowMessageIDs(t, r.object(t))
			want := "4000001" // the Origin/Cookie refusal
			if dev {
				want = "4000006" // checked, and the credentials are wrong
			}
			if r.Status != 400 || len(ids) != 1 || ids[0] != want {
				t.Errorf("%d %v, want [%s]", r.Status, ids, want)
			}
		})
	}
}
