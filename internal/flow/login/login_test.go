package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

func TestInitDecisions(t *testing.T) {
	tests := []struct {
		name       string
		browser    bool
		accept     string
		session    session.AAL // "" = no session
		query      string
		wantStatus int
		wantLoc    string
		wantErrID  string
		wantReason string
		wantMsgs   []int
		wantAAL    session.AAL
		wantForced bool
	}{
		{name: "api, first login", wantStatus: 200, wantAAL: session.AAL1},
		{name: "api, aal2 without session", query: "aal=aal2", wantStatus: 401, wantErrID: "session_aal1_required"},
		{name: "api, aal2 and refresh without session", query: "aal=aal2&refresh=true", wantStatus: 401, wantErrID: "session_aal1_required"},
		{name: "api, refresh without session is a plain login", query: "refresh=true", wantStatus: 200, wantAAL: session.AAL1},
		{name: "api, aal3", query: "aal=AAL3", wantStatus: 400,
			wantReason: "Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got aal3"},
		{name: "api, aal0", query: "aal=aal0", wantStatus: 400},
		{name: "api, signed in", session: session.AAL1, wantStatus: 400, wantErrID: "session_already_available"},
		{name: "api, signed in, refresh", session: session.AAL1, query: "refresh=true", wantStatus: 200,
			wantMsgs: []int{text.IDLoginReAuth}, wantAAL: session.AAL1, wantForced: true},
		{name: "api, signed in, upgrade", session: session.AAL1, query: "aal=aal2", wantStatus: 200,
			wantMsgs: []int{text.IDLoginMFA}, wantAAL: session.AAL2},
		{name: "api, signed in, refresh and upgrade", session: session.AAL1, query: "aal=aal2&refresh=true", wantStatus: 200,
			wantMsgs: []int{text.IDLoginReAuth, text.IDLoginMFA}, wantAAL: session.AAL2, wantForced: true},
		{name: "api, aal2 session asks aal2", session: session.AAL2, query: "aal=aal2", wantStatus: 400, wantErrID: "session_already_available"},
		{name: "browser, HTML", browser: true, wantStatus: 303, wantLoc: "http://localhost:4455/login?flow="},
		{name: "browser, JSON", browser: true, accept: "application/json", wantStatus: 200, wantAAL: session.AAL1},
		{name: "browser, signed in goes to the default", browser: true, session: session.AAL1, wantStatus: 303, wantLoc: "http://localhost:4455/"},
		{name: "browser, signed in goes to return_to", browser: true, session: session.AAL1, query: "return_to=http://localhost:4455/app",
			wantStatus: 303, wantLoc: "http://localhost:4455/app"},
		{name: "browser, signed in, JSON", browser: true, accept: "application/json", session: session.AAL1, wantStatus: 400,
			wantErrID: "session_already_available"},
		{name: "browser, bad return_to, HTML", browser: true, query: "return_to=https://evil.example", wantStatus: 303,
			wantLoc: "http://localhost:4455/error?id="},
		{name: "browser, bad return_to, JSON", browser: true, accept: "application/json", query: "return_to=https://evil.example",
			wantStatus: 400, wantErrID: "self_service_flow_return_to_forbidden"},
		{name: "api, control characters in return_to", query: "return_to=%00%0d%0a", wantStatus: 400, wantErrID: "self_service_flow_return_to_forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			path, handler := "/self-service/login/api", hs.h.InitAPI
			if tt.browser {
				path, handler = "/self-service/login/browser", hs.h.InitBrowser
			}
			r := httptest.NewRequest("GET", path+"?"+tt.query, nil)
			if tt.session != "" {
				hs.signIn(tt.session)
				r.Header.Set("X-Session-Token", "current")
			}
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			w := do(handler, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if !strings.HasPrefix(w.Header().Get("Location"), tt.wantLoc) {
				t.Errorf("Location = %q, want prefix %q", w.Header().Get("Location"), tt.wantLoc)
			}
			if !tt.browser && len(w.Result().Cookies()) != 0 {
				t.Errorf("the API init set cookies: %v", w.Result().Cookies())
			}
			if w.Code == 303 {
				return
			}
			b := body(t, w)
			if w.Code != 200 {
				e := b["error"].(map[string]any)
				if tt.wantErrID != "" && e["id"] != tt.wantErrID {
					t.Errorf("error.id = %v, want %s", e["id"], tt.wantErrID)
				}
				if tt.wantReason != "" && e["reason"] != tt.wantReason {
					t.Errorf("reason = %v", e["reason"])
				}
				return
			}
			if b["requested_aal"] != string(tt.wantAAL) || b["refresh"] != tt.wantForced || b["state"] != "choose_method" {
				t.Errorf("flow: requested_aal %v refresh %v state %v", b["requested_aal"], b["refresh"], b["state"])
			}
			var ids []int
			msgs, _ := b["ui"].(map[string]any)["messages"].([]any)
			for _, m := range msgs {
				ids = append(ids, int(m.(map[string]any)["id"].(float64)))
			}
			if !slices.Equal(ids, tt.wantMsgs) {
				t.Errorf("messages = %v, want %v", ids, tt.wantMsgs)
			}
		})
	}
}

// newAPIFlow creates an API flow through the handler and returns its id.
func (hs *harness) newAPIFlow(t *testing.T, query string, token string) uuid.UUID {
	t.Helper()
	r := httptest.NewRequest("GET", "/self-service/login/api?"+query, nil)
	if token != "" {
		r.Header.Set("X-Session-Token", token)
	}
	w := do(hs.h.InitAPI, r)
	if w.Code != 200 {
		t.Fatalf("init: %d %s", w.Code, w.Body)
	}
	return uuid.MustParse(body(t, w)["id"].(string))
}

func submit(hs *harness, id uuid.UUID, jsonBody string, token string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/self-service/login?flow="+id.String(), strings.NewReader(jsonBody))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = "192.0.2.1:1234"
	if token != "" {
		r.Header.Set("X-Session-Token", token)
	}
	return do(hs.h.Submit, r)
}

func flowMessages(t *testing.T, w *httptest.ResponseRecorder) []int {
	t.Helper()
	var ids []int
	msgs, _ := body(t, w)["ui"].(map[string]any)["messages"].([]any)
	for _, m := range msgs {
		ids = append(ids, int(m.(map[string]any)["id"].(float64)))
	}
	return ids
}

func TestSubmitDispatch(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantMsg    int
	}{
		{"unknown method", `{"method":"carrier-pigeon"}`, 400, text.IDLoginNoStrategy},
		{"no method", `{"identifier":"x"}`, 400, text.IDLoginNoStrategy},
		{"method of another AAL", `{"method":"totp"}`, 400, text.IDLoginNoStrategy},
		{"known but disabled method", `{"method":"webauthn"}`, 404, 0},
		{"wrong password", `{"method":"password","identifier":"a","password":"wrong"}`, 400, text.IDInvalidCredentials},
		{"broken JSON", `{"method":`, 400, text.IDValidationGeneric},
		{"not an object", `[1,2]`, 400, text.IDValidationGeneric},
		{"right password", `{"method":"password","identifier":"a","password":"right"}`, 200, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			w := submit(hs, hs.newAPIFlow(t, "", ""), tt.body, "")
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			b := body(t, w)
			switch {
			case tt.wantMsg != 0:
				if got := flowMessages(t, w); !slices.Equal(got, []int{tt.wantMsg}) {
					t.Errorf("messages %v, want [%d]", got, tt.wantMsg)
				}
			case w.Code == 200:
				s := b["session"].(map[string]any)
				if b["session_token"] == "" || s["identity"] == nil || s["active"] != true {
					t.Errorf("success body %s", w.Body)
				}
			default:
				if b["error"] == nil {
					t.Errorf("want an envelope: %s", w.Body)
				}
			}
		})
	}
}

func TestSubmitRules(t *testing.T) {
	t.Run("flow id missing or unknown", func(t *testing.T) {
		hs := newHarness(t)
		for target, want := range map[string]int{"/self-service/login": 400, "/self-service/login?flow=nope": 400,
			"/self-service/login?flow=" + uuid.NewString(): 404} {
			r := httptest.NewRequest("POST", target, strings.NewReader(`{}`))
			r.Header.Set("Content-Type", "application/json")
			if w := do(hs.h.Submit, r); w.Code != want {
				t.Errorf("%s: %d, want %d", target, w.Code, want)
			}
		}
	})
	t.Run("already signed in", func(t *testing.T) {
		hs := newHarness(t)
		id := hs.newAPIFlow(t, "", "")
		hs.signIn(session.AAL1)
		w := submit(hs, id, `{"method":"password","password":"right"}`, "current")
		if w.Code != 400 || !slices.Equal(flowMessages(t, w), []int{text.IDValidationGeneric}) {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("refresh keeps the session", func(t *testing.T) {
		hs := newHarness(t)
		cur := hs.signIn(session.AAL1)
		id := hs.newAPIFlow(t, "refresh=true", "current")
		w := submit(hs, id, `{"method":"password","password":"right"}`, "current")
		if w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		saved := hs.sessions.saved[len(hs.sessions.saved)-1]
		if saved.ID != cur.ID || saved.Token != "current" || len(saved.AMR) != 2 || body(t, w)["session_token"] != "current" {
			t.Errorf("refresh must reuse the session: %+v", saved)
		}
	})
	t.Run("another identity gets a new session", func(t *testing.T) {
		hs := newHarness(t)
		cur := hs.signIn(session.AAL1)
		cur.IdentityID = uuid.New()
		id := hs.newAPIFlow(t, "refresh=true", "current")
		if w := submit(hs, id, `{"method":"password","password":"right"}`, "current"); w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if saved := hs.sessions.saved[len(hs.sessions.saved)-1]; saved.ID == cur.ID {
			t.Error("a login as another identity must not take over the session")
		}
	})
	t.Run("expired", func(t *testing.T) {
		hs := newHarness(t)
		id := hs.newAPIFlow(t, "", "")
		f, _ := hs.flows.Get(id)
		f.ExpiresAt = time.Now().Add(-time.Minute)
		hs.flows.Put(id, *f)
		w := submit(hs, id, `{"method":"password","password":"right"}`, "")
		b := body(t, w)
		if w.Code != 410 || b["use_flow_id"] == nil || b["use_flow_id"] == id.String() {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		nf, err := hs.flows.Get(uuid.MustParse(b["use_flow_id"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		if len(nf.UI.Messages) != 1 || nf.UI.Messages[0].ID != text.IDLoginFlowExpired || nf.UI.Messages[0].Context["expired_at"] == nil {
			t.Errorf("replacement messages %+v", nf.UI.Messages)
		}
	})
	t.Run("inactive identity", func(t *testing.T) {
		hs := newHarness(t)
		hs.user.State = "inactive"
		w := submit(hs, hs.newAPIFlow(t, "", ""), `{"method":"password","password":"right"}`, "")
		if w.Code != 401 || body(t, w)["error"].(map[string]any)["reason"] != "This account was disabled." {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("revoke_active_sessions hook", func(t *testing.T) {
		hs := newHarness(t)
		hs.h.o.AfterHooks = []string{HookRevokeActiveSessions}
		if w := submit(hs, hs.newAPIFlow(t, "", ""), `{"method":"password","password":"right"}`, ""); w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if hs.sessions.revoked != 1 {
			t.Error("other sessions were not revoked")
		}
	})
}

func TestThrottle(t *testing.T) {
	hs := newHarness(t)
	wrong := `{"method":"password","identifier":" Bob@Example.org","password":"wrong"}`
	right := `{"method":"password","identifier":"bob@example.org","password":"right"}`
	for range 3 {
		if w := submit(hs, hs.newAPIFlow(t, "", ""), wrong, ""); w.Code != 400 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	// The identifier is normalised: the fourth attempt, even right, is refused.
	w := submit(hs, hs.newAPIFlow(t, "", ""), right, "")
	if w.Code != http.StatusTooManyRequests || !slices.Equal(flowMessages(t, w), []int{text.IDValidationGeneric}) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// Another identifier from the same address still works.
	if w := submit(hs, hs.newAPIFlow(t, "", ""), `{"method":"password","identifier":"carol","password":"right"}`, ""); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for k := range hs.throttle.counts {
		if strings.Contains(k, "bob") {
			t.Errorf("throttle key %q holds the identifier in clear", k)
		}
	}
}

func TestLoginNodeOrder(t *testing.T) {
	c := ui.NewContainer("")
	c.Nodes = []ui.Node{
		ui.NewInput("method", "password", ui.GroupPassword, ui.InputSubmit),
		ui.NewInput("password", nil, ui.GroupPassword, ui.InputPassword),
		ui.NewInput("method", "totp", ui.GroupTOTP, ui.InputSubmit),
		ui.NewInput("identifier", "", ui.GroupDefault, ui.InputText),
		ui.NewInput("totp_code", "", ui.GroupTOTP, ui.InputText),
		ui.NewInput(flow.CSRFNodeName, "", ui.GroupDefault, ui.InputHidden),
		ui.NewInput("provider", "github", ui.GroupOIDC, ui.InputSubmit),
	}
	c.Sort(SortOptions)
	var got []string
	for _, n := range c.Nodes {
		got = append(got, string(n.Group)+"/"+n.Attributes.ID())
	}
	want := []string{"oidc/provider", "default/csrf_token", "default/identifier", "password/password", "password/method",
		"totp/totp_code", "totp/method"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v\nwant  %v", got, want)
	}
}

// TestSecondFactorPending: an identity with a second factor, signed in with
// its password only, gets no identity in the answer (API, SPA) or is sent to
// the aal2 login (HTML), as whoami would refuse the session (§1.6).
func TestSecondFactorPending(t *testing.T) {
	hs := newHarness(t)
	hs.sessions.highest = session.AAL2
	w := submit(hs, hs.newAPIFlow(t, "", ""), `{"method":"password","password":"right"}`, "")
	if b := body(t, w); w.Code != 200 || b["session"].(map[string]any)["identity"] != nil || b["session_token"] == "" {
		t.Fatalf("api: %d %s", w.Code, w.Body)
	}

	// Browser HTML.
	r := httptest.NewRequest("GET", "/self-service/login/browser?return_to=http://localhost:4455/x", nil)
	w = do(hs.h.InitBrowser, r)
	cookies := w.Result().Cookies()
	id := strings.TrimPrefix(w.Header().Get("Location"), "http://localhost:4455/login?flow=")
	probe := httptest.NewRequest("GET", "/", nil)
	for _, c := range cookies {
		probe.AddCookie(c)
	}
	form := "method=password&password=right&csrf_token=" + url.QueryEscape(web.Mask(hs.rs.CSRF.Token(probe)))
	r = httptest.NewRequest("POST", "/self-service/login?flow="+id, strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w = do(hs.h.Submit, r)
	want := "http://127.0.0.1:4433/self-service/login/browser?aal=aal2&return_to=http%3A%2F%2Flocalhost%3A4455%2Fx"
	if w.Code != 303 || w.Header().Get("Location") != want {
		t.Fatalf("browser: %d %q", w.Code, w.Header().Get("Location"))
	}
	var gotSession bool
	for _, c := range w.Result().Cookies() {
		gotSession = gotSession || c.Name == "ory_kratos_session"
	}
	if !gotSession {
		t.Error("the aal1 session cookie must still be issued")
	}
}
