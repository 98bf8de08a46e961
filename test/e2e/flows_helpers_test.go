package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

// Helpers for the login and registration tests (flows part of issue 3).

// uiURL is where the compat config's flow UIs live.
const uiBase = "http://localhost:4455"

// browser is a cookie-keeping HTTP client that never follows redirects,
// like a browser test that asserts every Location.
type browser struct {
	t   *testing.T
	c   *http.Client
	jar *cookiejar.Jar
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, jar: jar, c: &http.Client{Timeout: 30 * time.Second, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; headers are name, value pairs.
func (b *browser) do(method, target string, body io.Reader, headers ...string) reply {
	b.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return reply{Status: res.StatusCode, Header: res.Header, Body: raw, Took: time.Since(start)}
}

func (b *browser) get(target string, headers ...string) reply {
	b.t.Helper()
	return b.do("GET", target, nil, headers...)
}

// postForm submits a urlencoded form, as an HTML form does.
func (b *browser) postForm(target string, form url.Values, headers ...string) reply {
	b.t.Helper()
	return b.do("POST", target, strings.NewReader(form.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
}

// postJSON submits JSON, as an SPA does (a JSON request, §0.4).
func (b *browser) postJSON(target string, v any, headers ...string) reply {
	b.t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do("POST", target, bytes.NewReader(raw),
		append([]string{"Content-Type", "application/json", "Accept", "application/json"}, headers...)...)
}

// cookie returns the value of the named cookie the jar holds for u.
func (b *browser) cookie(u, name string) string {
	pu, err := url.Parse(u)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range b.jar.Cookies(pu) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// startFlow inits a browser flow of kind ("login", "registration") with
// query, follows nothing, and fetches the flow the 303 points at.
func (b *browser) startFlow(s *Server, kind, query string) (id string, f map[string]any) {
	b.t.Helper()
	r := b.get(s.PublicURL + "/self-service/" + kind + "/browser" + query)
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("init %s: %d %s", kind, r.Status, r.Body)
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), uiBase+"/"+kind+"?flow=") {
		b.t.Fatalf("init %s: Location %q", kind, loc)
	}
	id = loc.Query().Get("flow")
	got := b.get(s.PublicURL + "/self-service/" + kind + "/flows?id=" + id)
	if got.Status != 200 {
		b.t.Fatalf("fetch %s flow: %d %s", kind, got.Status, got.Body)
	}
	return id, got.object(b.t)
}

// nodeValue is the value attribute of the named node of a flow JSON.
func nodeValue(t *testing.T, f map[string]any, name string) any {
	t.Helper()
	for _, n := range nodesOf(t, f) {
		a := n["attributes"].(map[string]any)
		if a["name"] == name {
			return a["value"]
		}
	}
	t.Fatalf("flow has no node %q", name)
	return nil
}

func nodesOf(t *testing.T, f map[string]any) []map[string]any {
	t.Helper()
	uiObj, ok := f["ui"].(map[string]any)
	if !ok {
		t.Fatalf("no ui in %v", f)
	}
	var out []map[string]any
	for _, n := range uiObj["nodes"].([]any) {
		out = append(out, n.(map[string]any))
	}
	return out
}

// nodeMessageIDs are the message ids on the named node.
func nodeMessageIDs(t *testing.T, f map[string]any, name string) []string {
	t.Helper()
	var ids []string
	for _, n := range nodesOf(t, f) {
		if n["attributes"].(map[string]any)["name"] == name {
			for _, m := range n["messages"].([]any) {
				ids = append(ids, toString(m.(map[string]any)["id"]))
			}
		}
	}
	return ids
}

// flowMessageIDs are the ids of ui.messages.
func flowMessageIDs(t *testing.T, f map[string]any) []string {
	t.Helper()
	var ids []string
	msgs, _ := f["ui"].(map[string]any)["messages"].([]any)
	for _, m := range msgs {
		ids = append(ids, toString(m.(map[string]any)["id"]))
	}
	return ids
}

func toString(v any) string {
	switch v := v.(type) {
	case json.Number:
		return v.String()
	case string:
		return v
	default:
		raw, _ := json.Marshal(v)
		return string(raw)
	}
}

func csrfOf(t *testing.T, f map[string]any) string {
	t.Helper()
	s, _ := nodeValue(t, f, "csrf_token").(string)
	return s
}

// registerAPI registers email/password through the SDK's native flow and
// returns the session token.
func registerAPI(t *testing.T, s *Server, email, password string) *client.SuccessfulNativeRegistration {
	t.Helper()
	ctx := context.Background()
	api := s.Public().FrontendAPI
	f, _, err := api.CreateNativeRegistrationFlow(ctx).Execute()
	must(t, err)
	body := client.UpdateRegistrationFlowWithPasswordMethodAsUpdateRegistrationFlowBody(
		client.NewUpdateRegistrationFlowWithPasswordMethod("password", password, map[string]any{"email": email}))
	res, _, err := api.UpdateRegistrationFlow(ctx).Flow(f.Id).UpdateRegistrationFlowBody(body).Execute()
	must(t, err)
	return res
}

// loginAPI signs in through the SDK's native flow.
func loginAPI(t *testing.T, s *Server, identifier, password string) *client.SuccessfulNativeLogin {
	t.Helper()
	res, _, err := tryLoginAPI(s, identifier, password)
	must(t, err)
	return res
}

func tryLoginAPI(s *Server, identifier, password string) (*client.SuccessfulNativeLogin, *http.Response, error) {
	ctx := context.Background()
	api := s.Public().FrontendAPI
	f, res, err := api.CreateNativeLoginFlow(ctx).Execute()
	if err != nil {
		return nil, res, err
	}
	body := client.UpdateLoginFlowWithPasswordMethodAsUpdateLoginFlowBody(
		client.NewUpdateLoginFlowWithPasswordMethod(identifier, "password", password))
	return api.UpdateLoginFlow(ctx).Flow(f.Id).UpdateLoginFlowBody(body).Execute()
}

// whoami returns the session of a token through the SDK.
func whoami(t *testing.T, s *Server, token string) *client.Session {
	t.Helper()
	sess, _, err := s.Public().FrontendAPI.ToSession(context.Background()).XSessionToken(token).Execute()
	must(t, err)
	return sess
}

// csrfName is csrf_token_<hex sha256(public base URL string)> (§8.1).
func csrfName(publicBase string) string {
	sum := sha256.Sum256([]byte(publicBase))
	return "csrf_token_" + hex.EncodeToString(sum[:])
}
