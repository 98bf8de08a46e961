// Package flowtest holds what the flows' unit tests share: an in-memory
// flow table, the Responder they answer through and small HTTP helpers. It
// is imported by tests only.
package flowtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/web"
)

// The addresses the tests' Responder uses.
const (
	PublicURL = "http://127.0.0.1:4433/"
	UIBase    = "http://localhost:4455/"
)

// Flows keeps flows of one type by id. Like a store it hands out copies,
// so a handler's changes show only once it saves them.
type Flows[F any] struct {
	mu    sync.Mutex
	flows map[uuid.UUID]F
}

// Put stores a copy of f under id.
func (m *Flows[F]) Put(id uuid.UUID, f F) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.flows == nil {
		m.flows = map[uuid.UUID]F{}
	}
	m.flows[id] = f
}

// Get returns a copy of the flow, or a 404 *apierr.Error.
func (m *Flows[F]) Get(id uuid.UUID) (*F, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.flows[id]
	if !ok {
		return nil, apierr.NotFound()
	}
	return &f, nil
}

// NopErrors stores no error: CreateError gives it an id, ReadError finds none.
type NopErrors struct{}

func (NopErrors) CreateError(_ context.Context, e *flow.StoredError) error {
	e.ID = uuid.New()
	return nil
}

func (NopErrors) ReadError(context.Context, uuid.UUID) (*flow.StoredError, error) {
	return nil, apierr.NotFound()
}

// URL parses s or fails the test.
func URL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// NewResponder is the Responder of a server at PublicURL whose UI lives at
// UIBase (the default return_to, allowed with the extra URLs), with the
// error UI at UIBase/error and errors kept in errs (NopErrors when nil).
func NewResponder(t testing.TB, errs flow.ErrorStore, allowed ...string) *flow.Responder {
	t.Helper()
	if errs == nil {
		errs = NopErrors{}
	}
	public := URL(t, PublicURL)
	csrf := web.CSRF{CookieName: web.CSRFCookieName(public.String()), Path: "/"}
	urls := []*url.URL{URL(t, UIBase)}
	for _, a := range allowed {
		urls = append(urls, URL(t, a))
	}
	policy, err := flow.NewReturnToPolicy(public, urls)
	if err != nil {
		t.Fatal(err)
	}
	return &flow.Responder{PublicURL: public, DefaultReturnTo: URL(t, UIBase), ReturnTo: policy, CSRF: csrf,
		Errors: &flow.ErrorManager{Store: errs, UIURL: URL(t, UIBase+"error"), CSRF: csrf}}
}

// Do runs h on r.
func Do(h http.HandlerFunc, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h(w, r)
	return w
}

// Body decodes a JSON answer into a map or fails the test.
func Body(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return m
}
