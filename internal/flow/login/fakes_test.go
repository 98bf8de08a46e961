package login

import (
	"context"
	"encoding/json"
	"net/http"
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
)

type memFlows struct{ flowtest.Flows[Flow] }

func (m *memFlows) CreateLoginFlow(_ context.Context, f *Flow) error {
	m.Put(f.ID, *f)
	return nil
}

func (m *memFlows) GetLoginFlow(_ context.Context, id uuid.UUID) (*Flow, error) { return m.Get(id) }

func (m *memFlows) UpdateLoginFlow(ctx context.Context, f *Flow) error {
	return m.CreateLoginFlow(ctx, f)
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
	rs := flowtest.NewResponder(t, nil)
	hs := &harness{flows: &memFlows{}, sessions: &fakeSessions{}, throttle: &memThrottle{}, rs: rs,
		user: &identity.Identity{ID: uuid.New(), State: identity.StateActive, Traits: json.RawMessage(`{}`)}}
	methods := []Method{
		&fakeMethod{name: identity.CredentialsPassword, aal: session.AAL1, id: hs.user},
		&fakeMethod{name: identity.CredentialsTOTP, aal: session.AAL2, id: hs.user},
	}
	hs.h = NewHandler(hs.flows, hs.throttle, hs.sessions, methods, rs, Options{
		UIURL: flowtest.URL(t, flowtest.UIBase+"login"), Lifespan: time.Hour, RequireHighestAAL: true,
		Throttle: ThrottleOptions{Enabled: true, Window: time.Minute, MaxPerIdentifier: 3, MaxPerAddress: 100},
	})
	return hs
}

// signIn gives the harness a session of the given AAL for its user.
func (hs *harness) signIn(aal session.AAL) *session.Session {
	hs.sessions.current = &session.Session{ID: uuid.New(), IdentityID: hs.user.ID, Token: "current", AAL: aal, Active: true,
		AMR: []session.AuthenticationMethod{{Method: identity.CredentialsPassword, AAL: session.AAL1}}}
	return hs.sessions.current
}

var (
	do   = flowtest.Do
	body = flowtest.Body
)
