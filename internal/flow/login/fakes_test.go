package login

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

type memFlows struct {
	mu    sync.Mutex
	flows map[uuid.UUID]Flow
}

func (m *memFlows) CreateLoginFlow(_ context.Context, f *Flow) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.flows == nil {
		m.flows = map[uuid.UUID]Flow{}
	}
	m.flows[f.ID] = *f
	return nil
}

func (m *memFlows) GetLoginFlow(_ context.Context, id uuid.UUID) (*Flow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.flows[id]
	if !ok {
		return nil, apierr.NotFound()
	}
	return &f, nil
}

func (m *memFlows) UpdateLoginFlow(_ context.Context, f *Flow) error {
	return m.CreateLoginFlow(context.Background(), f)
}

type memThrottle struct {
	mu     sync.Mutex
	counts map[string]int
}

func (m *memThrottle) LoginFailures(_ context.Context, keys []string, _ time.Time, _ time.Duration) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for _, k := range keys {
		if n := m.counts[k]; n > 0 {
			out[k] = n
		}
	}
	return out, nil
}

func (m *memThrottle) RecordLoginFailure(_ context.Context, keys []string, _ time.Time, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]int{}
	}
	for _, k := range keys {
		m.counts[k]++
	}
	return nil
}

func (m *memThrottle) ResetLoginFailures(_ context.Context, keys []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		delete(m.counts, k)
	}
	return nil
}

// fakeSessions knows one session, found by the X-Session-Token header.
type fakeSessions struct {
	highest session.AAL // "" = aal1
	current *session.Session
	saved   []*session.Session
	revoked int
}

func (f *fakeSessions) FromRequest(_ context.Context, r *http.Request) (*session.Session, error) {
	if f.current == nil || r.Header.Get("X-Session-Token") != f.current.Token {
		return nil, apierr.Unauthorized("", "No valid session cookie found.")
	}
	c := *f.current
	return &c, nil
}

func (f *fakeSessions) NewSession(i *identity.Identity) *session.Session {
	return &session.Session{ID: uuid.New(), IdentityID: i.ID, AAL: session.AAL0}
}

func (f *fakeSessions) Authenticate(_ context.Context, s *session.Session, i *identity.Identity, m identity.CredentialsType, aal session.AAL) error {
	if i.State != identity.StateActive {
		return session.ErrIdentityDisabled()
	}
	s.AMR = append(s.AMR, session.AuthenticationMethod{Method: m, AAL: aal})
	s.AAL = session.ComputeAAL(s.AMR)
	s.Active = true
	p := i.Public()
	s.Identity = &p
	return nil
}

func (f *fakeSessions) Save(_ context.Context, s *session.Session) error {
	if s.Token == "" {
		s.Token = "tok-" + s.ID.String()
	}
	f.saved = append(f.saved, s)
	return nil
}

func (f *fakeSessions) IssueCookie(w http.ResponseWriter, s *session.Session) {
	http.SetCookie(w, &http.Cookie{Name: "ory_kratos_session", Value: s.Token})
}

func (f *fakeSessions) HighestAvailableAAL(*session.Session) session.AAL {
	if f.highest == "" {
		return session.AAL1
	}
	return f.highest
}

func (f *fakeSessions) RevokeOtherSessions(context.Context, uuid.UUID, uuid.UUID) (int64, error) {
	f.revoked++
	return 0, nil
}

// fakeMethod accepts password "right" for its identity.
type fakeMethod struct {
	name identity.CredentialsType
	aal  session.AAL
	id   *identity.Identity
}

func (m *fakeMethod) Name() identity.CredentialsType { return m.name }
func (m *fakeMethod) AAL() session.AAL               { return m.aal }

func (m *fakeMethod) PopulateLogin(_ context.Context, f *Flow, _ *session.Session) error {
	if f.RequestedAAL == m.aal {
		f.UI.Nodes = append(f.UI.Nodes, ui.NewInput("method", string(m.name), ui.GroupPassword, ui.InputSubmit))
	}
	return nil
}

func (m *fakeMethod) Login(_ context.Context, _ *Flow, body map[string]any, _ *session.Session) (*identity.Identity, error) {
	if body["password"] != "right" {
		return nil, &flow.FormError{Messages: []flow.FieldMessage{{Message: text.NewInvalidCredentials()}}, Err: ErrBadCredentials}
	}
	return m.id, nil
}

type harness struct {
	h        *Handler
	flows    *memFlows
	sessions *fakeSessions
	throttle *memThrottle
	rs       *flow.Responder
	user     *identity.Identity
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	parse := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	public := parse("http://127.0.0.1:4433/")
	csrf := web.CSRF{CookieName: web.CSRFCookieName(public.String()), Path: "/"}
	policy, _ := flow.NewReturnToPolicy(public, []*url.URL{parse("http://localhost:4455/")})
	rs := &flow.Responder{PublicURL: public, DefaultReturnTo: parse("http://localhost:4455/"), ReturnTo: policy, CSRF: csrf,
		Errors: &flow.ErrorManager{Store: nopErrors{}, UIURL: parse("http://localhost:4455/error"), CSRF: csrf}}
	hs := &harness{flows: &memFlows{}, sessions: &fakeSessions{}, throttle: &memThrottle{}, rs: rs,
		user: &identity.Identity{ID: uuid.New(), State: identity.StateActive, Traits: json.RawMessage(`{}`)}}
	methods := []Method{
		&fakeMethod{name: identity.CredentialsPassword, aal: session.AAL1, id: hs.user},
		&fakeMethod{name: identity.CredentialsTOTP, aal: session.AAL2, id: hs.user},
	}
	hs.h = NewHandler(hs.flows, hs.throttle, hs.sessions, methods, rs, Options{
		UIURL: parse("http://localhost:4455/login"), Lifespan: time.Hour, RequireHighestAAL: true,
		Throttle: ThrottleOptions{Enabled: true, Window: time.Minute, MaxPerIdentifier: 3, MaxPerAddress: 100},
	})
	return hs
}

type nopErrors struct{}

func (nopErrors) CreateError(_ context.Context, e *flow.StoredError) error {
	e.ID = uuid.New()
	return nil
}
func (nopErrors) ReadError(context.Context, uuid.UUID) (*flow.StoredError, error) {
	return nil, apierr.NotFound()
}

// signIn gives the harness a session of the given AAL for its user.
func (hs *harness) signIn(aal session.AAL) *session.Session {
	hs.sessions.current = &session.Session{ID: uuid.New(), IdentityID: hs.user.ID, Token: "current", AAL: aal, Active: true,
		AMR: []session.AuthenticationMethod{{Method: identity.CredentialsPassword, AAL: session.AAL1}}}
	return hs.sessions.current
}

func do(h http.HandlerFunc, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h(w, r)
	return w
}

func body(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return m
}
