package registration

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/flowtest"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

type memFlows struct{ flowtest.Flows[Flow] }

func (m *memFlows) CreateRegistrationFlow(_ context.Context, f *Flow) error {
	m.Put(f.ID, *f)
	return nil
}

func (m *memFlows) GetRegistrationFlow(_ context.Context, id uuid.UUID) (*Flow, error) {
	return m.Get(id)
}

func (m *memFlows) UpdateRegistrationFlow(ctx context.Context, f *Flow) error {
	return m.CreateRegistrationFlow(ctx, f)
}

// memIdentities refuses a second identity with the same traits.
type memIdentities struct {
	mu      sync.Mutex
	byTrait map[string]uuid.UUID
	deleted []uuid.UUID
}

func (m *memIdentities) CreateIdentity(_ context.Context, i *identity.Identity) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byTrait == nil {
		m.byTrait = map[string]uuid.UUID{}
	}
	if _, dup := m.byTrait[string(i.Traits)]; dup {
		return apierr.Conflict(errors.New("duplicate"))
	}
	m.byTrait[string(i.Traits)] = i.ID
	return nil
}

func (m *memIdentities) DeleteIdentity(_ context.Context, id uuid.UUID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleted = append(m.deleted, id)
	return nil
}

type fakeSessions struct {
	signedIn bool
	failSave bool
}

func (f *fakeSessions) FromRequest(_ context.Context, r *http.Request) (*session.Session, error) {
	if !f.signedIn || r.Header.Get("X-Session-Token") == "" {
		return nil, apierr.Unauthorized("", "No valid session cookie found.")
	}
	return &session.Session{ID: uuid.New()}, nil
}
func (f *fakeSessions) NewSession(i *identity.Identity) *session.Session {
	return &session.Session{ID: uuid.New(), IdentityID: i.ID}
}
func (f *fakeSessions) Authenticate(_ context.Context, s *session.Session, _ *identity.Identity, m identity.CredentialsType, aal session.AAL) error {
	s.AMR = append(s.AMR, session.AuthenticationMethod{Method: m, AAL: aal})
	s.Active, s.AAL = true, aal
	return nil
}
func (f *fakeSessions) Save(_ context.Context, s *session.Session) error {
	if f.failSave {
		return errors.New("disk full")
	}
	s.Token = "tok"
	return nil
}
func (f *fakeSessions) IssueCookie(w http.ResponseWriter, s *session.Session) {
	http.SetCookie(w, &http.Cookie{Name: "ory_kratos_session", Value: s.Token})
}

// fakeMethod registers {"email": <traits.email>} unless the password is "bad".
type fakeMethod struct{}

func (fakeMethod) Name() identity.CredentialsType { return identity.CredentialsPassword }
func (fakeMethod) PopulateRegistration(_ context.Context, f *Flow) error {
	f.UI.Nodes = append(f.UI.Nodes,
		ui.NewInput("method", "password", ui.GroupPassword, ui.InputSubmit),
		ui.NewInput("password", nil, ui.GroupPassword, ui.InputPassword),
		ui.NewInput("traits.name", nil, ui.GroupPassword, ui.InputText),
		ui.NewInput("traits.email", nil, ui.GroupPassword, ui.InputEmail))
	return nil
}
func (fakeMethod) Register(_ context.Context, f *Flow, body map[string]any) (*identity.Identity, error) {
	traits, _ := body["traits"].(map[string]any)
	f.UI.SetValue("traits.email", traits["email"])
	if body["password"] == "bad" {
		return nil, flow.NewFormError("password", text.NewPasswordPolicy("it is bad"))
	}
	raw, _ := json.Marshal(traits)
	return &identity.Identity{ID: uuid.New(), State: identity.StateActive, Traits: raw}, nil
}

type harness struct {
	h          *Handler
	flows      *memFlows
	identities *memIdentities
	sessions   *fakeSessions
}

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	rs := flowtest.NewResponder(t, nil)
	hs := &harness{flows: &memFlows{}, identities: &memIdentities{}, sessions: &fakeSessions{}}
	o.UIURL = flowtest.URL(t, flowtest.UIBase+"registration")
	o.Lifespan = time.Hour
	o.SortKeys = []string{flow.CSRFNodeName, "traits.email", "traits.name", "password"}
	hs.h = NewHandler(hs.flows, hs.identities, hs.sessions, []Method{fakeMethod{}}, rs, o)
	return hs
}

var (
	do     = flowtest.Do
	decode = flowtest.Body
)

var sessionHook = Options{Enabled: true, AfterMethodHooks: map[identity.CredentialsType][]string{"password": {HookSession}}}

func (hs *harness) apiFlow(t *testing.T) uuid.UUID {
	t.Helper()
	w := do(hs.h.InitAPI, httptest.NewRequest("GET", "/self-service/registration/api", nil))
	if w.Code != 200 {
		t.Fatalf("init %d %s", w.Code, w.Body)
	}
	return uuid.MustParse(decode(t, w)["id"].(string))
}

func (hs *harness) submit(id uuid.UUID, body string, hdr map[string]string) *httptest.ResponseRecorder {
	target := "/self-service/registration?flow=" + id.String()
	if q := hdr["query"]; q != "" {
		target += "&" + q
	}
	r := httptest.NewRequest("POST", target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		if k != "query" {
			r.Header.Set(k, v)
		}
	}
	return do(hs.h.Submit, r)
}

func TestInitAndNodeOrder(t *testing.T) {
	hs := newHarness(t, sessionHook)
	w := do(hs.h.InitAPI, httptest.NewRequest("GET", "/self-service/registration/api", nil))
	if w.Code != 200 || len(w.Result().Cookies()) != 0 {
		t.Fatalf("%d %v", w.Code, w.Result().Cookies())
	}
	var names []string
	for _, n := range decode(t, w)["ui"].(map[string]any)["nodes"].([]any) {
		names = append(names, n.(map[string]any)["attributes"].(map[string]any)["name"].(string))
	}
	if want := []string{"csrf_token", "traits.email", "traits.name", "password", "method"}; !slices.Equal(names, want) {
		t.Errorf("order %v, want %v", names, want)
	}
	b := decode(t, w)
	if _, has := b["created_at"]; has {
		t.Error("registration flows have no created_at on the wire")
	}
}

func TestInitRules(t *testing.T) {
	tests := []struct {
		name       string
		o          Options
		browser    bool
		accept     string
		signedIn   bool
		wantStatus int
		wantLoc    string
		wantErrID  string
	}{
		{name: "api, disabled", o: Options{}, wantStatus: 400, wantErrID: "self_service_flow_disabled"},
		{name: "browser, disabled, HTML", o: Options{}, browser: true, wantStatus: 303, wantLoc: "http://localhost:4455/error?id="},
		{name: "browser, disabled, JSON", o: Options{}, browser: true, accept: "application/json", wantStatus: 400, wantErrID: "self_service_flow_disabled"},
		{name: "api, signed in", o: sessionHook, signedIn: true, wantStatus: 400, wantErrID: "session_already_available"},
		{name: "browser, signed in, HTML", o: sessionHook, browser: true, signedIn: true, wantStatus: 303, wantLoc: "http://localhost:4455/"},
		{name: "browser, signed in, JSON", o: sessionHook, browser: true, accept: "application/json", signedIn: true, wantStatus: 400,
			wantErrID: "session_already_available"},
		{name: "browser, HTML", o: sessionHook, browser: true, wantStatus: 303, wantLoc: "http://localhost:4455/registration?flow="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, tt.o)
			hs.sessions.signedIn = tt.signedIn
			path, h := "/self-service/registration/api", hs.h.InitAPI
			if tt.browser {
				path, h = "/self-service/registration/browser", hs.h.InitBrowser
			}
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("X-Session-Token", "t")
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			w := do(h, r)
			if w.Code != tt.wantStatus || !strings.HasPrefix(w.Header().Get("Location"), tt.wantLoc) {
				t.Fatalf("%d %q %s", w.Code, w.Header().Get("Location"), w.Body)
			}
			if tt.wantErrID != "" && decode(t, w)["error"].(map[string]any)["id"] != tt.wantErrID {
				t.Errorf("body %s", w.Body)
			}
		})
	}
}

func TestSubmit(t *testing.T) {
	t.Run("session hook, api", func(t *testing.T) {
		hs := newHarness(t, sessionHook)
		w := hs.submit(hs.apiFlow(t), `{"method":"password","password":"x","traits":{"email":"a@b.c"}}`, nil)
		b := decode(t, w)
		if w.Code != 200 || b["session_token"] != "tok" || b["session"] == nil || b["identity"] == nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("no session hook", func(t *testing.T) {
		hs := newHarness(t, Options{Enabled: true})
		w := hs.submit(hs.apiFlow(t), `{"method":"password","password":"x","traits":{"email":"a@b.c"}}`, nil)
		b := decode(t, w)
		if w.Code != 200 || b["session"] != nil || b["identity"] == nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("duplicate is 4000007", func(t *testing.T) {
		hs := newHarness(t, sessionHook)
		body := `{"method":"password","password":"x","traits":{"email":"dup@b.c"}}`
		if w := hs.submit(hs.apiFlow(t), body, nil); w.Code != 200 {
			t.Fatal(w.Body)
		}
		w := hs.submit(hs.apiFlow(t), body, nil)
		b := decode(t, w)
		msgs := b["ui"].(map[string]any)["messages"].([]any)
		if w.Code != 400 || len(msgs) != 1 || msgs[0].(map[string]any)["id"] != float64(text.IDDuplicateIdentifier) {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		// The submitted traits come back.
		for _, n := range b["ui"].(map[string]any)["nodes"].([]any) {
			a := n.(map[string]any)["attributes"].(map[string]any)
			if a["name"] == "traits.email" && a["value"] != "dup@b.c" {
				t.Errorf("traits.email value %v", a["value"])
			}
		}
	})
	t.Run("unknown and disabled methods", func(t *testing.T) {
		hs := newHarness(t, sessionHook)
		if w := hs.submit(hs.apiFlow(t), `{"method":"nope"}`, nil); w.Code != 400 || !strings.Contains(w.Body.String(), "4010003") {
			t.Errorf("unknown: %d %s", w.Code, w.Body)
		}
		if w := hs.submit(hs.apiFlow(t), `{"method":"oidc"}`, nil); w.Code != 404 {
			t.Errorf("disabled: %d %s", w.Code, w.Body)
		}
	})
	t.Run("signed in: JSON 400, HTML 302", func(t *testing.T) {
		hs := newHarness(t, sessionHook)
		id := hs.apiFlow(t)
		hs.sessions.signedIn = true
		if w := hs.submit(id, `{}`, map[string]string{"X-Session-Token": "t"}); w.Code != 400 {
			t.Errorf("JSON: %d", w.Code)
		}
		for q, want := range map[string]string{
			"":                                  "http://localhost:4455/",
			"return_to=http://localhost:4455/x": "http://localhost:4455/",
			"return_to=http://127.0.0.1:4433/self-service/login/browser": "http://127.0.0.1:4433/self-service/login/browser",
		} {
			r := httptest.NewRequest("POST", "/self-service/registration?flow="+id.String()+"&"+q, strings.NewReader("a=b"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("X-Session-Token", "t")
			w := do(hs.h.Submit, r)
			if w.Code != http.StatusFound || w.Header().Get("Location") != want {
				t.Errorf("%q: %d %q, want 302 %q", q, w.Code, w.Header().Get("Location"), want)
			}
		}
	})
	t.Run("browser HTML errors redirect with 302", func(t *testing.T) {
		hs := newHarness(t, sessionHook)
		w := do(hs.h.InitBrowser, httptest.NewRequest("GET", "/self-service/registration/browser", nil))
		cookies := w.Result().Cookies()
		id := strings.TrimPrefix(w.Header().Get("Location"), "http://localhost:4455/registration?flow=")
		f, err := hs.flows.Get(uuid.MustParse(id))
		if err != nil {
			t.Fatal(err)
		}
		tok := web.Mask(hs.h.rs.CSRF.Token(withCookies(httptest.NewRequest("GET", "/", nil), cookies)))
		form := url.Values{"method": {"password"}, "password": {"bad"}, "traits.email": {"a@b.c"}, "csrf_token": {tok}}
		r := withCookies(httptest.NewRequest("POST", "/self-service/registration?flow="+f.ID.String(), strings.NewReader(form.Encode())), cookies)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w = do(hs.h.Submit, r)
		if w.Code != http.StatusFound || w.Header().Get("Location") != "http://localhost:4455/registration?flow="+id {
			t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
		}
		// Success: 303 to the default return URL, session cookie and a new CSRF cookie.
		form.Set("password", "good")
		r = withCookies(httptest.NewRequest("POST", "/self-service/registration?flow="+f.ID.String(), strings.NewReader(form.Encode())), cookies)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w = do(hs.h.Submit, r)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "http://localhost:4455/" || len(w.Result().Cookies()) != 2 {
			t.Fatalf("%d %q %v", w.Code, w.Header().Get("Location"), w.Result().Cookies())
		}
		// CSRF mismatch: 303 to the error UI.
		form.Set("csrf_token", web.Mask(make([]byte, 32)))
		r = withCookies(httptest.NewRequest("POST", "/self-service/registration?flow="+f.ID.String(), strings.NewReader(form.Encode())), cookies)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if w = do(hs.h.Submit, r); w.Code != 303 || !strings.HasPrefix(w.Header().Get("Location"), "http://localhost:4455/error?id=") {
			t.Fatalf("csrf: %d %q", w.Code, w.Header().Get("Location"))
		}
	})
	t.Run("a failed session hook leaves no identity", func(t *testing.T) {
		hs := newHarness(t, sessionHook)
		hs.sessions.failSave = true
		w := hs.submit(hs.apiFlow(t), `{"method":"password","password":"x","traits":{"email":"gone@b.c"}}`, nil)
		if w.Code != 500 || len(hs.identities.deleted) != 1 {
			t.Fatalf("%d deleted %v", w.Code, hs.identities.deleted)
		}
	})
}

func withCookies(r *http.Request, cs []*http.Cookie) *http.Request {
	for _, c := range cs {
		r.AddCookie(c)
	}
	return r
}
