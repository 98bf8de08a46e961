package flow

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

func TestFlowErrorDecisions(t *testing.T) {
	validation := &apierr.Error{Status: 400, Err: &identity.ValidationError{Causes: []identity.Cause{{
		InstancePtr: "#/traits/email", Path: []string{"traits", "email"}, Message: text.NewValidationRequired("email")}}}}
	tests := []struct {
		name       string
		typ        Type // "" = no flow
		accept     string
		err        error
		wantStatus int
		wantLoc    string // prefix of Location
		wantErrID  string // error.id of an envelope
		wantSaved  bool
		wantMsg    int    // a flow-level message id
		wantNode   string // a node that must carry a message
	}{
		{name: "no flow, JSON", accept: "application/json", err: apierr.NotFound(), wantStatus: 404},
		{name: "no flow, HTML goes to the error UI", err: ErrFlowIDMissing(), wantStatus: 303, wantLoc: "http://localhost:4455/error?id="},
		{name: "api flow, form error", typ: TypeAPI, err: NewFormError("", text.NewInvalidCredentials()),
			wantStatus: 400, wantSaved: true, wantMsg: text.IDInvalidCredentials},
		{name: "browser HTML, form error redirects to the UI", typ: TypeBrowser, err: NewFormError("password", text.NewValidationRequired("password")),
			wantStatus: 303, wantLoc: "http://localhost:4455/login?flow=", wantSaved: true},
		{name: "browser JSON, form error with its own status", typ: TypeBrowser, accept: "application/json",
			err:        &FormError{Status: 429, Messages: []FieldMessage{{Message: text.NewValidationGeneric("slow down")}}},
			wantStatus: 429, wantSaved: true, wantMsg: text.IDValidationGeneric},
		{name: "validation error lands on its node", typ: TypeAPI, err: validation, wantStatus: 400, wantSaved: true, wantNode: "traits.email"},
		{name: "any 400 becomes 4000001", typ: TypeAPI, err: ErrOriginOnAPIFlow(), wantStatus: 400, wantSaved: true, wantMsg: text.IDValidationGeneric},
		{name: "api flow, 403 is an envelope", typ: TypeAPI, err: web.ErrCSRF(), wantStatus: 403, wantErrID: "security_csrf_violation"},
		{name: "browser JSON, 403 is an envelope", typ: TypeBrowser, accept: "application/json", err: web.ErrCSRF(), wantStatus: 403, wantErrID: "security_csrf_violation"},
		{name: "browser HTML, 403 goes to the error UI", typ: TypeBrowser, err: web.ErrCSRF(), wantStatus: 303, wantLoc: "http://localhost:4455/error?id="},
		{name: "api flow, plain error is a 500", typ: TypeAPI, err: errors.New("db on fire"), wantStatus: 500},
		{name: "api flow, 413 is not embedded", typ: TypeAPI, err: apierr.TooLarge(10), wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			r, _ := fx.browserRequest("POST", "/self-service/login?flow=x")
			var f Flow
			if tt.typ != "" {
				f = fx.newFlow(t, tt.typ, r)
				f.FlowBase().UI.Messages = append(f.FlowBase().UI.Messages, text.NewLoginReAuth()) // must be cleared
			}
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			w := httptest.NewRecorder()
			fx.rs.FlowError(w, r, fx.kind, f, tt.err)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, tt.wantLoc) || (tt.wantLoc == "") != (loc == "") {
				t.Errorf("Location = %q, want prefix %q", loc, tt.wantLoc)
			}
			if got := len(fx.saved) > 0; got != tt.wantSaved {
				t.Errorf("saved = %v, want %v", got, tt.wantSaved)
			}
			if strings.Contains(tt.wantLoc, "/error?id=") && len(fx.errs.rows) != 1 {
				t.Errorf("stored errors = %d, want 1", len(fx.errs.rows))
			}
			if w.Code == 303 {
				return
			}
			body := decodeBody(t, w)
			if tt.wantErrID != "" || !tt.wantSaved {
				e, _ := body["error"].(map[string]any)
				if e == nil || e["code"] != float64(tt.wantStatus) {
					t.Fatalf("want an envelope with code %d, got %s", tt.wantStatus, w.Body)
				}
				if tt.wantErrID != "" && e["id"] != tt.wantErrID {
					t.Errorf("error.id = %v, want %s", e["id"], tt.wantErrID)
				}
				return
			}
			uiObj := body["ui"].(map[string]any)
			msgs, _ := uiObj["messages"].([]any)
			if tt.wantMsg != 0 {
				if len(msgs) != 1 || msgs[0].(map[string]any)["id"] != float64(tt.wantMsg) {
					t.Errorf("messages = %v, want exactly [%d] (old ones cleared)", msgs, tt.wantMsg)
				}
			}
			if tt.wantNode != "" {
				if len(msgs) != 0 {
					t.Errorf("flow messages = %v, want none", msgs)
				}
				n := f.FlowBase().UI.Find(tt.wantNode)
				if n == nil || len(n.Messages) != 1 {
					t.Errorf("node %s = %+v, want one message", tt.wantNode, n)
				}
			}
		})
	}
}

func TestFlowErrorExpired(t *testing.T) {
	tests := []struct {
		name       string
		typ        Type
		accept     string
		wantStatus int
	}{
		{"api flow gets 410 with use_flow_id", TypeAPI, "", 410},
		{"browser JSON gets 410", TypeBrowser, "application/json", 410},
		{"browser HTML goes to the new flow", TypeBrowser, "", 303},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			r, _ := fx.browserRequest("POST", "/self-service/login?flow=x")
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			f := fx.newFlow(t, tt.typ, r)
			e := &ExpiredError{ExpiredAt: fx.now.Add(-90 * time.Second), Now: fx.now}
			w := httptest.NewRecorder()
			fx.rs.FlowError(w, r, fx.kind, f, e)
			if w.Code != tt.wantStatus || len(fx.renewed) != 1 {
				t.Fatalf("status = %d, renewed %d; body %s", w.Code, len(fx.renewed), w.Body)
			}
			newID := fx.renewed[0].FlowBase().ID.String()
			if fx.renewed[0].FlowBase().RequestURL != f.RequestURL || newID == f.ID.String() {
				t.Errorf("replacement must keep request_url and get a new id")
			}
			if w.Code == 303 {
				if loc := w.Header().Get("Location"); loc != "http://localhost:4455/login?flow="+newID+"&x=1" {
					t.Errorf("Location = %q", loc)
				}
				return
			}
			body := decodeBody(t, w)
			env := body["error"].(map[string]any)
			if body["use_flow_id"] != newID || body["since"] != float64(90*time.Second) ||
				env["id"] != "self_service_flow_expired" || env["message"] != "self-service flow expired" ||
				env["reason"] != "The self-service flow expired 1.50 minutes ago, initialize a new one." {
				t.Errorf("body %s", w.Body)
			}
		})
	}
}

func TestCreatedAndCSRFRendering(t *testing.T) {
	fx := newFixture(t)
	// A browser without a CSRF cookie: init mints it and renders the same
	// token masked into the flow.
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/self-service/login/browser?b=2&a=1", nil)
	r.Header.Set("Accept", "application/json")
	b, err := fx.rs.NewBase(w, r, TypeBrowser, time.Hour, "/self-service/login")
	if err != nil {
		t.Fatal(err)
	}
	f := &testFlow{Base: b}
	if f.RequestURL != "http://127.0.0.1:4433/self-service/login/browser?b=2&a=1" {
		t.Errorf("request_url = %s (D14: from the public base URL)", f.RequestURL)
	}
	fx.rs.Created(w, r, fx.kind, f)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v, want the CSRF cookie", cookies)
	}
	next := httptest.NewRequest("POST", "/", nil)
	next.AddCookie(cookies[0])
	value := nodeValue(t, f, CSRFNodeName)
	if len(value) != 88 || !fx.rs.CSRF.Valid(next, value) {
		t.Errorf("csrf_token %q does not verify against the minted cookie", value)
	}
	if f.CSRFTokenHash == "" || !csrfHashMatches(f.CSRFTokenHash, fx.rs.CSRF.Token(next)) {
		t.Error("the flow must remember the token's hash")
	}

	// HTML: a 303 to the UI, query kept and sorted.
	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", "/self-service/login/browser", nil)
	fx.rs.Created(w, r, fx.kind, f)
	if w.Code != 303 || w.Header().Get("Location") != "http://localhost:4455/login?flow="+f.ID.String()+"&x=1" {
		t.Errorf("got %d %q", w.Code, w.Header().Get("Location"))
	}

	// API flows carry an empty csrf_token and set no cookie.
	w = httptest.NewRecorder()
	api := fx.newFlow(t, TypeAPI, httptest.NewRequest("GET", "/self-service/login/api", nil))
	fx.rs.Created(w, httptest.NewRequest("GET", "/", nil), fx.kind, api)
	if w.Code != 200 || len(w.Result().Cookies()) != 0 || nodeValue(t, api, CSRFNodeName) != "" || api.CSRFTokenHash != "" {
		t.Errorf("api flow: %d cookies %v", w.Code, w.Result().Cookies())
	}
}

func nodeValue(t *testing.T, f Flow, name string) string {
	t.Helper()
	n := f.FlowBase().UI.Find(name)
	if n == nil {
		t.Fatalf("no node %s", name)
	}
	a, ok := n.Attributes.(*ui.InputAttributes)
	if !ok {
		t.Fatalf("node %s is not an input", name)
	}
	s, _ := a.Value.(string)
	return s
}

func TestCheckFetch(t *testing.T) {
	fx := newFixture(t)
	owner, _ := fx.browserRequest("GET", "/self-service/login/flows")
	other, _ := fx.browserRequest("GET", "/self-service/login/flows")
	f := fx.newFlow(t, TypeBrowser, owner)
	if err := fx.rs.CheckFetch(owner, fx.kind, f); err != nil {
		t.Errorf("owner: %v", err)
	}
	for name, r := range map[string]*http.Request{"other browser": other, "no cookie": httptest.NewRequest("GET", "/", nil)} {
		if e := apierr.As(fx.rs.CheckFetch(r, fx.kind, f)); e == nil || e.StatusCode() != 403 || e.ID != "security_csrf_violation" {
			t.Errorf("%s: %v, want 403", name, e)
		}
	}
	f.ExpiresAt = fx.now.Add(-time.Second)
	f.ReturnTo = "http://localhost:4455/x"
	e := apierr.As(fx.rs.CheckFetch(owner, fx.kind, f))
	if e == nil || e.StatusCode() != 410 || e.ID != "self_service_flow_expired" ||
		e.Details["redirect_to"] != "http://127.0.0.1:4433/self-service/login/browser?return_to=http%3A%2F%2Flocalhost%3A4455%2Fx" ||
		e.Details["return_to"] != "http://localhost:4455/x" {
		t.Errorf("browser expired: %+v", e)
	}
	api := fx.newFlow(t, TypeAPI, httptest.NewRequest("GET", "/", nil))
	api.ExpiresAt = fx.now.Add(-time.Second)
	e = apierr.As(fx.rs.CheckFetch(httptest.NewRequest("GET", "/", nil), fx.kind, api))
	if e == nil || e.StatusCode() != 410 || e.Details["api"] != "http://127.0.0.1:4433/self-service/login/api" ||
		!strings.Contains(e.Reason, "Call the login flow init API endpoint") {
		t.Errorf("api expired: %+v", e)
	}
}

func TestCheckSubmission(t *testing.T) {
	fx := newFixture(t)
	r, tok := fx.browserRequest("POST", "/")
	browser := fx.newFlow(t, TypeBrowser, r)
	api := fx.newFlow(t, TypeAPI, httptest.NewRequest("GET", "/", nil))
	withHeader := func(k, v string) *http.Request {
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set(k, v)
		return req
	}
	tests := []struct {
		name       string
		f          Flow
		r          *http.Request
		token      string
		disable    bool
		wantStatus int
		wantReason string
	}{
		{name: "browser, masked token", f: browser, r: r, token: web.Mask(tok)},
		{name: "browser, wrong token", f: browser, r: r, token: web.Mask(make([]byte, 32)), wantStatus: 403},
		{name: "browser, no token", f: browser, r: r, wantStatus: 403},
		{name: "browser, no cookie", f: browser, r: httptest.NewRequest("POST", "/", nil), token: web.Mask(tok), wantStatus: 403},
		{name: "api, clean", f: api, r: httptest.NewRequest("POST", "/", nil)},
		{name: "api, Origin", f: api, r: withHeader("Origin", "http://x"), wantStatus: 400, wantReason: `included the "Origin" key`},
		{name: "api, cookie", f: api, r: withHeader("Cookie", "a=b"), wantStatus: 400, wantReason: `included the "Cookie" key`},
		{name: "api, cloudflare cookie only", f: api, r: withHeader("Cookie", "__cfduid=1; __cf_bm=2")},
		{name: "api, dev enforcement off", f: api, r: withHeader("Origin", "http://x"), disable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx.rs.DisableAPIFlowEnforcement = tt.disable
			err := fx.rs.CheckSubmission(tt.r, tt.f, tt.token)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			e := apierr.As(err)
			if e == nil || e.StatusCode() != tt.wantStatus || !strings.Contains(e.Reason, tt.wantReason) {
				t.Fatalf("err = %v, want %d %q", err, tt.wantStatus, tt.wantReason)
			}
		})
	}
}
