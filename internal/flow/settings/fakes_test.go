package settings

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
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

// memStore keeps flows, credentials and containers in memory. Flows are
// stored as JSON, as the real store keeps their ui.
type memStore struct {
	mu         sync.Mutex
	flows      map[uuid.UUID][]byte
	owners     map[uuid.UUID]uuid.UUID
	creds      map[uuid.UUID]map[identity.CredentialsType]identity.Credentials
	containers map[string]Container // token hash + "/" + name
	errors     map[uuid.UUID]*flow.StoredError
	getErr     error // returned by GetSettingsFlow when set
	commits    int
}

func newMemStore() *memStore {
	return &memStore{flows: map[uuid.UUID][]byte{}, owners: map[uuid.UUID]uuid.UUID{},
		creds: map[uuid.UUID]map[identity.CredentialsType]identity.Credentials{}, containers: map[string]Container{},
		errors: map[uuid.UUID]*flow.StoredError{}}
}

func (m *memStore) put(f *Flow) {
	b, err := json.Marshal(f)
	if err != nil {
		panic(err)
	}
	m.flows[f.ID] = b
	m.owners[f.ID] = f.IdentityID
}

func (m *memStore) CreateSettingsFlow(_ context.Context, f *Flow) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(f)
	return nil
}

func (m *memStore) GetSettingsFlow(_ context.Context, id uuid.UUID) (*Flow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.getErr != nil {
		return nil, m.getErr
	}
	b, ok := m.flows[id]
	if !ok {
		return nil, apierr.NotFound()
	}
	f := &Flow{}
	if err := json.Unmarshal(b, f); err != nil {
		return nil, err
	}
	f.Identity = nil
	f.IdentityID = m.owners[id]
	return f, nil
}

func (m *memStore) UpdateSettingsFlow(_ context.Context, f *Flow) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.flows[f.ID]; !ok || m.owners[f.ID] != f.IdentityID {
		return apierr.NotFound()
	}
	m.put(f)
	return nil
}

func (m *memStore) CommitSettings(_ context.Context, c *Commit) (*identity.Identity, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, err := c.Apply(m.creds[c.IdentityID])
	if err != nil {
		return nil, err
	}
	if m.owners[a.Flow.ID] != c.IdentityID {
		return nil, apierr.NotFound()
	}
	m.creds[c.IdentityID] = a.Identity.Credentials
	m.put(a.Flow)
	m.put(a.Next)
	m.commits++
	out := *a.Identity
	out.UpdatedAt = time.Now().UTC()
	return &out, nil
}

func (m *memStore) IdentityCredentials(_ context.Context, id uuid.UUID) (map[identity.CredentialsType]identity.Credentials, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[identity.CredentialsType]identity.Credentials{}
	for t, c := range m.creds[id] {
		out[t] = c
	}
	return out, nil
}

func (m *memStore) SaveContinuity(_ context.Context, c *Container) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.containers[c.TokenHash+"/"+c.Name] = *c
	return nil
}

func (m *memStore) TakeContinuity(_ context.Context, tokenHash string, names []string) ([]Container, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Container
	for _, n := range names {
		if c, ok := m.containers[tokenHash+"/"+n]; ok {
			out = append(out, c)
			delete(m.containers, tokenHash+"/"+n)
		}
	}
	return out, nil
}

func (m *memStore) DeleteContinuity(ctx context.Context, tokenHash string, names []string) (int64, error) {
	got, err := m.TakeContinuity(ctx, tokenHash, names)
	return int64(len(got)), err
}

func (m *memStore) CreateError(_ context.Context, e *flow.StoredError) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.ID = uuid.New()
	m.errors[e.ID] = e
	return nil
}

func (m *memStore) ReadError(_ context.Context, id uuid.UUID) (*flow.StoredError, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.errors[id]; ok {
		return e, nil
	}
	return nil, apierr.NotFound()
}

// fakeSessions knows sessions by their X-Session-Token.
type fakeSessions struct {
	mu       sync.Mutex
	byToken  map[string]*session.Session
	aalErr   error // CheckAAL's answer under highest_available
	revoked  int
	issued   int
	aal2URL  string
	required []string
	// added are the AMR entries AddAuthenticationMethod appended.
	added []session.AuthenticationMethod
}

func (f *fakeSessions) FromRequest(_ context.Context, r *http.Request) (*session.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.byToken[r.Header.Get("X-Session-Token")]
	if !ok {
		return nil, session.ErrNoSession(nil)
	}
	c := *s
	return &c, nil
}

func (f *fakeSessions) CheckAAL(_ *session.Session, required string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.required = append(f.required, required)
	if required == session.RequireHighestAvailable {
		return f.aalErr
	}
	return nil
}

func (f *fakeSessions) IssueCookie(w http.ResponseWriter, s *session.Session) {
	f.mu.Lock()
	f.issued++
	f.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "ory_kratos_session", Value: s.Token})
}

func (f *fakeSessions) RevokeOtherSessions(context.Context, uuid.UUID, uuid.UUID) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked++
	return 1, nil
}

func (f *fakeSessions) AddAuthenticationMethod(_ context.Context, s *session.Session, m session.AuthenticationMethod) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.added = append(f.added, m)
	stored, ok := f.byToken[s.Token]
	if !ok {
		return nil
	}
	stored.AMR = append(stored.AMR, m)
	stored.AAL = session.ComputeAAL(stored.AMR)
	s.AMR, s.AAL = stored.AMR, stored.AAL
	return nil
}

// fakeMethod answers method=<name> with whatever settings returns. When
// readsCreds, it is a CredentialsReader and records the credential types
// each PopulateSettings saw.
type fakeMethod struct {
	name       string
	settings   func(s *Submission) (*Update, error)
	readsCreds bool
	mu         sync.Mutex
	populated  [][]identity.CredentialsType
}

func (m *fakeMethod) Name() string { return m.name }

func (m *fakeMethod) ReadsCredentials() bool { return m.readsCreds }

func (m *fakeMethod) PopulateSettings(_ context.Context, f *Flow, _ *identity.Identity, creds map[identity.CredentialsType]identity.Credentials) error {
	types := []identity.CredentialsType{}
	for t := range creds {
		types = append(types, t)
	}
	slices.Sort(types)
	m.mu.Lock()
	m.populated = append(m.populated, types)
	m.mu.Unlock()
	f.UI.Nodes = append(f.UI.Nodes, ui.NewInput("method", m.name, ui.Group(m.name), ui.InputSubmit,
		ui.WithLabel(text.NewNodeLabelSave())))
	return nil
}

func (m *fakeMethod) Settings(_ context.Context, s *Submission) (*Update, error) {
	return m.settings(s)
}

// succeed is a Settings func that accepts anything and changes nothing.
func succeed(s *Submission) (*Update, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	cur := s.Identity
	return &Update{Traits: cur.Traits, Apply: func(stored map[identity.CredentialsType]identity.Credentials) (*identity.Identity, error) {
		next := *cur
		next.Credentials = stored
		return &next, nil
	}}, nil
}

const testPublic = flowtest.PublicURL

type harness struct {
	t        *testing.T
	h        *Handler
	store    *memStore
	sessions *fakeSessions
	rs       *flow.Responder
	user     *identity.Identity
	other    *identity.Identity
	method   *fakeMethod
	now      time.Time
	// csrf is the CSRF cookie the last browser flow was created with.
	csrf *http.Cookie
}

type harnessOptions struct {
	opts    func(o *Options)
	allowed []string
}

var mustURL = flowtest.URL

func newHarness(t *testing.T, ho harnessOptions) *harness {
	t.Helper()
	st := newMemStore()
	hs := &harness{t: t, store: st, now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	rs := flowtest.NewResponder(t, st, ho.allowed...)
	rs.Errors.Writer = web.ErrorWriter{Log: slog.New(slog.DiscardHandler)}
	rs.Writer = web.ErrorWriter{Log: slog.New(slog.DiscardHandler)}
	rs.Now = func() time.Time { return hs.now }
	hs.rs = rs
	hs.user = &identity.Identity{ID: uuid.New(), SchemaID: "default", State: identity.StateActive,
		Traits: json.RawMessage(`{"email":"user@example.org"}`)}
	hs.other = &identity.Identity{ID: uuid.New(), SchemaID: "default", State: identity.StateActive,
		Traits: json.RawMessage(`{"email":"other@example.org"}`)}
	hs.sessions = &fakeSessions{byToken: map[string]*session.Session{
		"user":  {ID: uuid.New(), IdentityID: hs.user.ID, Identity: hs.user, Token: "user", Active: true, AAL: session.AAL1, AuthenticatedAt: hs.now},
		"other": {ID: uuid.New(), IdentityID: hs.other.ID, Identity: hs.other, Token: "other", Active: true, AAL: session.AAL1, AuthenticatedAt: hs.now},
	}}
	hs.method = &fakeMethod{name: "profile", settings: succeed}
	o := Options{
		UIURL:                   mustURL(t, "http://localhost:4455/settings"),
		LoginUIURL:              mustURL(t, "http://localhost:4455/login"),
		Lifespan:                time.Hour,
		PrivilegedSessionMaxAge: time.Hour,
		RequiredAAL:             session.RequireHighestAvailable,
	}
	if ho.opts != nil {
		ho.opts(&o)
	}
	h, err := NewHandler(st, hs.sessions, []Method{hs.method}, rs, o)
	if err != nil {
		t.Fatal(err)
	}
	hs.h = h
	return hs
}

// request builds a request as "user" (token) unless token is "".
func request(method, target, token string, body string, headers ...string) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("X-Session-Token", token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func serve(h http.HandlerFunc, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h(w, r)
	return w
}

func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return m
}

// initAPI creates an API flow of the "user".
func (hs *harness) initAPI(token string) *Flow {
	hs.t.Helper()
	w := serve(hs.h.InitAPI, request("GET", "/self-service/settings/api", token, ""))
	if w.Code != 200 {
		hs.t.Fatalf("init api: %d %s", w.Code, w.Body)
	}
	f, err := hs.store.GetSettingsFlow(context.Background(), uuid.MustParse(decode(hs.t, w)["id"].(string)))
	if err != nil {
		hs.t.Fatal(err)
	}
	return f
}

// browserFlow creates a browser flow of the "user" in the store directly.
func (hs *harness) browserFlow(returnTo string) *Flow {
	hs.t.Helper()
	target := "/self-service/settings/browser"
	if returnTo != "" {
		target += "?return_to=" + url.QueryEscape(returnTo)
	}
	r := request("GET", target, "user", "")
	w := httptest.NewRecorder()
	base, err := hs.rs.NewBase(w, r, flow.TypeBrowser, time.Hour, submitPath)
	if err != nil {
		hs.t.Fatal(err)
	}
	f, err := hs.h.create(w, r, base, hs.user)
	if err != nil {
		hs.t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == hs.rs.CSRF.CookieName {
			hs.csrf = c
		}
	}
	return f
}

// browserSubmit posts body (JSON when asJSON, else a form) to f as the
// "user" browser, with the CSRF cookie and a matching csrf_token.
func (hs *harness) browserSubmit(f *Flow, fields map[string]string, asJSON bool) *httptest.ResponseRecorder {
	hs.t.Helper()
	tok := web.Mask(mustDecodeCSRF(hs.t, hs.csrf.Value))
	var r *http.Request
	if asJSON {
		m := map[string]any{"csrf_token": tok}
		for k, v := range fields {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		r = request("POST", submitPath+"?flow="+f.ID.String(), "user", string(b), "Accept", "application/json")
	} else {
		form := url.Values{"csrf_token": {tok}}
		for k, v := range fields {
			form.Set(k, v)
		}
		r = request("POST", submitPath+"?flow="+f.ID.String(), "user", "")
		r.Body = io.NopCloser(strings.NewReader(form.Encode()))
		r.ContentLength = int64(len(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.AddCookie(hs.csrf)
	return serve(hs.h.Submit, r)
}

func mustDecodeCSRF(t *testing.T, v string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
