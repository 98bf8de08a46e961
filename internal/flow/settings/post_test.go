package settings

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/hook"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// The post-settings executor (settings-flow §8.2), checklist §11.3 items
// 34–38, and the flow model, §11.4 items 39–42.

func TestItem34_BrowserSuccessWithoutReturnToGoesToTheSettingsUI(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	w := hs.browserSubmit(f, map[string]string{"method": "profile"}, false)
	if id := wantLocationPrefix(t, w.Code, w.Header(), "http://localhost:4455/settings?flow="); id != f.ID.String() {
		t.Errorf("flow %s, want %s", id, f.ID)
	}
	got, _ := hs.store.GetSettingsFlow(context.Background(), f.ID)
	if got.State != StateSuccess {
		t.Errorf("state %s", got.State)
	}
}

func TestItem35_ReturnToWinsOverTheAfterURL(t *testing.T) {
	hs := newHarness(t, harnessOptions{allowed: []string{"https://www.ory.sh/"}, opts: func(o *Options) {
		o.AfterReturnTo = mustURL(t, "https://www.ory.sh")
	}})
	f := hs.browserFlow("https://www.ory.sh/kratos/")
	w := hs.browserSubmit(f, map[string]string{"method": "profile"}, false)
	if w.Code != 303 || w.Header().Get("Location") != "https://www.ory.sh/kratos/" {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestItem36_TheMethodsAfterURLWinsOverTheFlows(t *testing.T) {
	hs := newHarness(t, harnessOptions{allowed: []string{"https://www.ory.sh/"}, opts: func(o *Options) {
		o.AfterReturnTo = mustURL(t, "https://www.ory.sh/global")
		o.AfterMethodReturnTo = map[string]*url.URL{"profile": mustURL(t, "https://www.ory.sh/profile")}
	}})
	f := hs.browserFlow("")
	w := hs.browserSubmit(f, map[string]string{"method": "profile"}, false)
	if w.Code != 303 || w.Header().Get("Location") != "https://www.ory.sh/profile" {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestItem37_APISuccessIsTheFlowWithTheIdentity(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.initAPI("user")
	w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`))
	got := decode(t, w)
	if w.Code != 200 || got["state"] != "success" || got["id"] != f.ID.String() ||
		got["identity"].(map[string]any)["id"] != hs.user.ID.String() {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// §13 Q1: ui.action points at a new, stored flow; message 1050001.
	uiObj := got["ui"].(map[string]any)
	action := uiObj["action"].(string)
	next := strings.TrimPrefix(action, testPublic+"self-service/settings?flow=")
	if next == action || next == f.ID.String() {
		t.Fatalf("action %q", action)
	}
	if _, err := hs.store.GetSettingsFlow(context.Background(), uuid.MustParse(next)); err != nil {
		t.Errorf("the next flow: %v", err)
	}
	msgs := uiObj["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["id"] != float64(text.IDSettingsSaved) {
		t.Errorf("messages %v", msgs)
	}
	if got["continue_with"] != nil || w.Header().Get("Set-Cookie") != "" {
		t.Errorf("API success with continue_with or a cookie: %v %q", got["continue_with"], w.Header().Get("Set-Cookie"))
	}
}

func TestItem38_BrowserJSONSuccessIsTheFlowWithTheIdentity(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	w := hs.browserSubmit(f, map[string]string{"method": "profile"}, true)
	got := decode(t, w)
	if w.Code != 200 || got["state"] != "success" || got["identity"].(map[string]any)["id"] != hs.user.ID.String() {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// D5: the session cookie again, and continue_with.
	cw, _ := got["continue_with"].([]any)
	if len(cw) != 1 || cw[0].(map[string]any)["redirect_browser_to"] != "http://localhost:4455/settings?flow="+f.ID.String() {
		t.Errorf("continue_with %v", got["continue_with"])
	}
	if !strings.Contains(w.Header().Get("Set-Cookie"), "ory_kratos_session=user") {
		t.Errorf("Set-Cookie %q", w.Header().Get("Set-Cookie"))
	}
}

func TestItem39_RequestURLIsBuiltOnThePublicURLAndLifespanZero(t *testing.T) {
	hs := newHarness(t, harnessOptions{opts: func(o *Options) { o.Lifespan = 0 }})
	r := request("GET", "https://ory.sh/self-service/settings/api?refresh=true", "user", "")
	r.Host = "ory.sh"
	w := serve(hs.h.InitAPI, r)
	got := decode(t, w)
	// D14: the public base URL, not the Host header or the connection.
	if got["request_url"] != testPublic+"self-service/settings/api?refresh=true" {
		t.Errorf("request_url %v", got["request_url"])
	}
	if got["issued_at"] != got["expires_at"] {
		t.Errorf("lifespan 0: issued %v expires %v", got["issued_at"], got["expires_at"])
	}
}

func TestItem40_ReturnToMustBeAllowed(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	w := serve(hs.h.InitAPI, request("GET", "/self-service/settings/api?return_to=https://not-allowed/foobar", "user", ""))
	if e := decode(t, w)["error"].(map[string]any); w.Code != 400 || e["id"] != "self_service_flow_return_to_forbidden" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = serve(hs.h.InitAPI, request("GET", "/self-service/settings/api?return_to="+testPublic+"self-service/login/browser", "user", ""))
	if w.Code != 200 || decode(t, w)["return_to"] != testPublic+"self-service/login/browser" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestItem41_AFlowIsValidForItsIdentityUntilItExpires(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.initAPI("user")
	body := `{"method":"profile"}`
	if w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", body)); w.Code != 200 {
		t.Errorf("own flow: %d %s", w.Code, w.Body)
	}
	f = hs.initAPI("user")
	w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "other", body))
	if e := decode(t, w)["error"].(map[string]any); w.Code != 403 || e["id"] != "security_identity_mismatch" {
		t.Errorf("another identity's flow: %d %s", w.Code, w.Body)
	}
	hs.now = hs.now.Add(2 * time.Hour)
	if w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", body)); w.Code != 410 {
		t.Errorf("expired: %d %s", w.Code, w.Body)
	}
}

func TestItem42_ReturnToComesFromTheRequestURL(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	with := hs.browserFlow("http://localhost:4455/x")
	without := hs.browserFlow("")
	if with.ReturnTo != "http://localhost:4455/x" || without.ReturnTo != "" {
		t.Errorf("return_to %q %q", with.ReturnTo, without.ReturnTo)
	}
	w := serve(hs.h.InitAPI, request("GET", "/self-service/settings/api", "user", ""))
	if _, ok := decode(t, w)["return_to"]; ok {
		t.Errorf("return_to present without one: %s", w.Body)
	}
}

// A failing post-persist hook answers an error with the update saved
// (§2.7 row 15); a parsing (pre-persist) hook's messages go on the form.
func TestHooksAfterSettings(t *testing.T) {
	failing := &fakeHook{err: &hook.StatusError{StatusCode: 500}}
	hs := newHarness(t, harnessOptions{opts: func(o *Options) { o.AfterHooks = []hook.Hook{failing} }})
	f := hs.initAPI("user")
	w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`))
	e := decode(t, w)["error"].(map[string]any)
	if w.Code != 400 || e["code"] != float64(500) || e["message"] != "web hook failed with status code 500" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got, _ := hs.store.GetSettingsFlow(context.Background(), f.ID); got.State != StateSuccess || hs.store.commits != 1 {
		t.Errorf("the update must be saved: state %s, commits %d", got.State, hs.store.commits)
	}
	if failing.calls != 1 || failing.last.IdentityID != hs.user.ID || failing.last.FlowType != "api" {
		t.Errorf("hook context %+v", failing.last)
	}

	// A per-method list replaces the global one.
	hs = newHarness(t, harnessOptions{opts: func(o *Options) {
		o.AfterHooks = []hook.Hook{failing}
		o.AfterMethodHooks = map[string][]hook.Hook{"profile": {}}
	}})
	f = hs.initAPI("user")
	if w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`)); w.Code != 200 {
		t.Errorf("per-method list: %d %s", w.Code, w.Body)
	}

	interrupt := &fakeHook{pre: true, err: &hook.InterruptError{StatusCode: 400, Messages: []hook.FieldMessages{
		{Field: "traits.email", Messages: []text.Message{{ID: 4000001, Text: "not this one", Type: text.Error}}}}}}
	hs = newHarness(t, harnessOptions{opts: func(o *Options) { o.AfterHooks = []hook.Hook{interrupt} }})
	f = hs.initAPI("user")
	w = serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`))
	if w.Code != 400 || !strings.Contains(w.Body.String(), "not this one") || hs.store.commits != 0 {
		t.Fatalf("interrupt: %d %s (commits %d)", w.Code, w.Body, hs.store.commits)
	}
}

// fakeHook records its calls; pre puts it in the pre-persist slot.
type fakeHook struct {
	pre   bool
	err   error
	calls int
	last  hook.Context
	run   func() // called on Run, when set
}

func (h *fakeHook) Name() string { return hook.NameWebHook }

func (h *fakeHook) PrePersist() bool { return h.pre }

func (h *fakeHook) Run(_ context.Context, hc hook.Context) error {
	h.calls++
	h.last = hc
	if h.run != nil {
		h.run()
	}
	return h.err
}

// The continuity of §6.5 with a fake method: a browser submission without
// privileges is paused, and the GET after the refresh login replays it.
func TestContinuityPauseAndResume(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	var seen []string
	hs.method.settings = func(s *Submission) (*Update, error) {
		seen = append(seen, s.Body["traits"].(map[string]any)["email"].(string))
		if !s.Privileged {
			return nil, &PrivilegeError{}
		}
		return succeed(s)
	}
	sess := hs.sessions.byToken["user"]
	sess.AuthenticatedAt = hs.now.Add(-2 * time.Hour)
	f := hs.browserFlow("")
	w := hs.browserSubmit(f, map[string]string{"method": "profile", "traits.email": "paused@example.org"}, false)
	if w.Code != 303 || !strings.HasPrefix(w.Header().Get("Location"), testPublic+"self-service/login/browser?refresh=true&return_to=") {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
	}
	var cont *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == ContinuityCookieName {
			cont = c
		}
	}
	if cont == nil || !cont.HttpOnly {
		t.Fatalf("continuity cookie %+v", cont)
	}
	// D16: only the hash of the token is stored, and the body is sealed.
	for k, c := range hs.store.containers {
		if strings.Contains(k, cont.Value) || strings.Contains(string(c.Payload), "paused@example.org") {
			t.Fatalf("container %s leaks the token or the body: %s", k, c.Payload)
		}
	}
	// The refresh login; then the browser comes back with a GET.
	sess.AuthenticatedAt = hs.now
	resume := func() *httptest.ResponseRecorder {
		r := request("GET", submitTarget+f.ID.String(), "user", "")
		r.AddCookie(hs.csrf)
		r.AddCookie(cont)
		return serve(hs.h.Submit, r)
	}
	w = resume()
	if w.Code != 303 || len(seen) != 2 || seen[1] != "paused@example.org" {
		t.Fatalf("resume: %d %q %v", w.Code, w.Header().Get("Location"), seen)
	}
	if got, _ := hs.store.GetSettingsFlow(context.Background(), f.ID); got.State != StateSuccess {
		t.Errorf("state %s", got.State)
	}
	// Consumed: a second GET has nothing to resume (§13 Q8).
	w = resume()
	if w.Code != 303 || len(seen) != 2 {
		t.Fatalf("second GET: %d %v", w.Code, seen)
	}
	got, _ := hs.store.GetSettingsFlow(context.Background(), f.ID)
	if len(got.UI.Messages) != 1 || !strings.Contains(got.UI.Messages[0].Text, `HTTP Request Method was "GET"`) {
		t.Errorf("messages %+v", got.UI.Messages)
	}
}

func TestContinuityExpiredOrOtherIdentity(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Container)
		want string
	}{
		{"expired", func(c *Container) { c.ExpiresAt = time.Now().Add(-time.Hour) }, "resumable session has expired"},
		{"another identity", func(c *Container) { c.IdentityID = uuid.New() }, "initiated by another person"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, harnessOptions{})
			hs.now = time.Now()
			hs.method.settings = func(s *Submission) (*Update, error) { return nil, &PrivilegeError{} }
			f := hs.browserFlow("")
			w := hs.browserSubmit(f, map[string]string{"method": "profile"}, false)
			var cont *http.Cookie
			for _, c := range w.Result().Cookies() {
				if c.Name == ContinuityCookieName {
					cont = c
				}
			}
			for k, c := range hs.store.containers {
				tc.edit(&c)
				hs.store.containers[k] = c
			}
			r := request("GET", submitTarget+f.ID.String(), "user", "")
			r.AddCookie(cont)
			w = serve(hs.h.Submit, r)
			if w.Code != 303 {
				t.Fatalf("%d", w.Code)
			}
			got, _ := hs.store.GetSettingsFlow(context.Background(), f.ID)
			if len(got.UI.Messages) != 1 || !strings.Contains(got.UI.Messages[0].Text, tc.want) {
				t.Errorf("messages %+v", got.UI.Messages)
			}
		})
	}
}

// A store failure while reading the flow is forwarded, never a 404.
func TestStoreFailureIsForwarded(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	hs.store.getErr = apierr.Unavailable(errors.New("db down"))
	w := serve(hs.h.Submit, request("POST", submitTarget+uuid.NewString(), "user", `{"method":"profile"}`))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// keeper is a method whose nodes outlive other methods' updates.
type keeper struct {
	fakeMethod
	populated int
}

func (k *keeper) KeepsSettingsNodes() bool { return true }

func (k *keeper) PopulateSettings(_ context.Context, f *Flow, _ *identity.Identity, _ map[identity.CredentialsType]identity.Credentials) error {
	k.populated++
	f.UI.Nodes = append(f.UI.Nodes, ui.NewInput("totp_code", nil, ui.GroupTOTP, ui.InputText),
		ui.NewText("totp_secret_key", text.Message{ID: 1050006, Text: fmt.Sprintf("secret-%d", k.populated), Type: text.Info}, ui.GroupTOTP))
	return nil
}

// After another method's success the next flow keeps a NodeKeeper's nodes
// instead of populating them again (no work for untouched methods).
func TestUntouchedMethodsKeepTheirNodes(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	k := &keeper{fakeMethod: fakeMethod{name: "totp"}}
	h, err := NewHandler(hs.store, hs.sessions, []Method{hs.method, k}, hs.rs, hs.h.o)
	if err != nil {
		t.Fatal(err)
	}
	hs.h = h
	f := hs.initAPI("user")
	w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`))
	if w.Code != 200 || k.populated != 1 {
		t.Fatalf("%d, populated %d times", w.Code, k.populated)
	}
	if !strings.Contains(w.Body.String(), `"secret-1"`) {
		t.Errorf("the next flow lost the kept node: %s", w.Body)
	}
}
