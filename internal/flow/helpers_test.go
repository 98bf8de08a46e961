package flow

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/web"
)

// testFlow is a minimal flow type.
type testFlow struct {
	Base
}

// memErrors is an in-memory ErrorStore.
type memErrors struct {
	mu   sync.Mutex
	rows map[uuid.UUID]*StoredError
}

func (m *memErrors) CreateError(_ context.Context, e *StoredError) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows == nil {
		m.rows = map[uuid.UUID]*StoredError{}
	}
	if e.ID == uuid.Nil {
		e.ID = uuid.New()
	}
	c := *e
	m.rows[e.ID] = &c
	return nil
}

func (m *memErrors) ReadError(_ context.Context, id uuid.UUID) (*StoredError, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.rows[id]
	if !ok {
		return nil, apierr.NotFound()
	}
	e.WasSeen = true
	c := *e
	return &c, nil
}

type fixture struct {
	rs      *Responder
	errs    *memErrors
	saved   []Flow
	renewed []Flow
	kind    Kind
	now     time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	public := mustURL(t, "http://127.0.0.1:4433/")
	csrf := web.CSRF{CookieName: web.CSRFCookieName(public.String()), Path: "/", SameSite: http.SameSiteLaxMode}
	p, _ := NewReturnToPolicy(public, nil)
	f := &fixture{errs: &memErrors{}, now: now}
	f.rs = &Responder{
		PublicURL:       public,
		DefaultReturnTo: mustURL(t, "http://localhost:4455/"),
		ReturnTo:        p,
		CSRF:            csrf,
		Errors:          &ErrorManager{Store: f.errs, UIURL: mustURL(t, "http://localhost:4455/error"), CSRF: csrf},
		Now:             func() time.Time { return now },
	}
	f.kind = Kind{
		Name:          "login",
		UIURL:         mustURL(t, "http://localhost:4455/login?x=1"),
		ErrorRedirect: http.StatusSeeOther,
		Save: func(_ context.Context, fl Flow) error {
			f.saved = append(f.saved, fl)
			return nil
		},
		Renew: func(_ context.Context, w http.ResponseWriter, r *http.Request, old Flow, _ *ExpiredError) (Flow, error) {
			nf := &testFlow{Base: f.rs.RenewBase(w, r, old.FlowBase(), time.Hour, "/self-service/login")}
			f.renewed = append(f.renewed, nf)
			return nf, nil
		},
	}
	return f
}

// newFlow makes a flow of type t with the request's CSRF cookie.
func (f *fixture) newFlow(t *testing.T, typ Type, r *http.Request) *testFlow {
	t.Helper()
	b, err := f.rs.NewBase(httptest.NewRecorder(), r, typ, time.Hour, "/self-service/login")
	if err != nil {
		t.Fatal(err)
	}
	return &testFlow{Base: b}
}

// browserRequest is a request carrying a CSRF cookie; it returns the token.
func (f *fixture) browserRequest(method, target string) (*http.Request, []byte) {
	w := httptest.NewRecorder()
	tok := f.rs.CSRF.Regenerate(w)
	r := httptest.NewRequest(method, target, nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	return r, tok
}

func decodeBody(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	return m
}
