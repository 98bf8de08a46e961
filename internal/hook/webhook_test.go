package hook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// kratosTemplate is the shape of Kratos's own test template
// (selfservice/hook/stub/test_body.jsonnet) plus a trait.
const kratosTemplate = `function(ctx) {
  flow_id: ctx.flow.id,
  session_id: ctx.session.id,
  identity_id: ctx.identity.id,
  email: ctx.identity.traits.email,
  headers: ctx.request_headers,
  cookies: ctx.request_cookies,
  url: ctx.request_url,
  method: ctx.request_method
}`

func TestWebHookTemplates(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "body.jsonnet")
	if err := os.WriteFile(file, []byte(`function(ctx) { email: ctx.identity.traits.email }`), 0o600); err != nil {
		t.Fatal(err)
	}
	tplServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if _, err := w.Write([]byte(`function(ctx) { email: ctx.identity.traits.email, from: "http" }`)); err != nil {
			t.Logf("write: %v", err)
		}
	}))
	defer tplServer.Close()

	tests := []struct {
		name string
		body string
		want map[string]any
	}{
		{"kratos function(ctx)", b64(kratosTemplate), map[string]any{
			"flow_id":     "flow-1",
			"session_id":  testSessionID.String(),
			"identity_id": testIdentityID.String(),
			"email":       "foo@example.com",
			// Cookie and Authorization are not forwarded (Kratos v1 allow-list).
			"headers": map[string]any{"User-Agent": []any{"test-agent"}, "Accept": []any{"application/json"}},
			"cookies": map[string]any{"ory_kratos_session": "secret-cookie", "other": "1"},
			"url":     "https://auth.example.com/self-service/settings?flow=flow-1",
			"method":  "POST",
		}},
		{"std.extVar", b64(`local ctx = std.extVar('ctx'); { email: ctx.identity.traits.email }`),
			map[string]any{"email": "foo@example.com"}},
		{"not a function", b64(`{ constant: true }`), map[string]any{"constant": true}},
		{"conditional", b64(`function(ctx) if std.objectHas(ctx, 'session') then { s: true } else { s: false }`),
			map[string]any{"s": true}},
		{"file://", "file://" + file, map[string]any{"email": "foo@example.com"}},
		{"bare path (legacy)", file, map[string]any{"email": "foo@example.com"}},
		{"https:// fetched at startup", tplServer.URL + "/body.jsonnet", map[string]any{"email": "foo@example.com", "from": "http"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, ch := newTarget(t, targetOpts{})
			w := mustWebHook(t, map[string]any{"url": srv.URL + "/hook", "method": "POST", "body": tt.body}, Deps{})
			if err := w.Run(context.Background(), testContext()); err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := receive(t, ch)
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(got.body), &body); err != nil {
				t.Fatalf("body %q: %v", got.body, err)
			}
			if diff := cmp.Diff(tt.want, body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// The template is fetched once, at startup, not per call.
func TestWebHookTemplateFetchedOnce(t *testing.T) {
	var fetches atomic.Int32
	tplServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		if _, err := w.Write([]byte(`{a: 1}`)); err != nil {
			t.Logf("write: %v", err)
		}
	}))
	defer tplServer.Close()
	srv, ch := newTarget(t, targetOpts{})
	w := mustWebHook(t, map[string]any{"url": srv.URL, "body": tplServer.URL}, Deps{})
	for range 3 {
		if err := w.Run(context.Background(), testContext()); err != nil {
			t.Fatal(err)
		}
		receive(t, ch)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("template fetched %d times, want 1", n)
	}
}

func TestWebHookAuthAndMethods(t *testing.T) {
	tests := []struct {
		name  string
		cfg   map[string]any
		check func(t *testing.T, s seen)
	}{
		{"api_key in header", map[string]any{"auth": map[string]any{"type": "api_key",
			"config": map[string]any{"name": "X-Api-Key", "value": "k3y", "in": "header"}}},
			func(t *testing.T, s seen) {
				if got := s.header.Get("X-Api-Key"); got != "k3y" {
					t.Errorf("X-Api-Key = %q", got)
				}
			}},
		{"api_key in defaults to header", map[string]any{"auth": map[string]any{"type": "api_key",
			"config": map[string]any{"name": "Authorization", "value": "Bearer k3y"}}},
			func(t *testing.T, s seen) {
				if got := s.header.Get("Authorization"); got != "Bearer k3y" {
					t.Errorf("Authorization = %q", got)
				}
			}},
		{"api_key in cookie", map[string]any{"auth": map[string]any{"type": "api_key",
			"config": map[string]any{"name": "hook_key", "value": "k3y", "in": "cookie"}}},
			func(t *testing.T, s seen) {
				r := &http.Request{Header: s.header}
				c, err := r.Cookie("hook_key")
				if err != nil || c.Value != "k3y" {
					t.Errorf("cookie hook_key = %v, %v", c, err)
				}
				if s.header.Get("hook_key") != "" {
					t.Error("api key also sent as a header")
				}
			}},
		{"basic_auth", map[string]any{"auth": map[string]any{"type": "basic_auth",
			"config": map[string]any{"user": "alice", "password": "s3cret"}}},
			func(t *testing.T, s seen) {
				r := &http.Request{Header: s.header}
				u, p, ok := r.BasicAuth()
				if !ok || u != "alice" || p != "s3cret" {
					t.Errorf("basic auth = %q %q %v", u, p, ok)
				}
			}},
		{"method defaults to POST", map[string]any{},
			func(t *testing.T, s seen) {
				if s.method != http.MethodPost || s.body == "" {
					t.Errorf("method %s body %q", s.method, s.body)
				}
			}},
		{"PUT", map[string]any{"method": "PUT"},
			func(t *testing.T, s seen) {
				if s.method != http.MethodPut || !strings.Contains(s.body, "foo@example.com") {
					t.Errorf("method %s body %q", s.method, s.body)
				}
			}},
		{"GET still carries the body (Kratos)", map[string]any{"method": "GET"},
			func(t *testing.T, s seen) {
				if s.method != http.MethodGet || !strings.Contains(s.body, "foo@example.com") {
					t.Errorf("method %s body %q", s.method, s.body)
				}
			}},
		{"TRACE has no body", map[string]any{"method": "TRACE"},
			func(t *testing.T, s seen) {
				if s.method != http.MethodTrace || s.body != "" {
					t.Errorf("method %s body %q", s.method, s.body)
				}
			}},
		{"no body template sends no body", map[string]any{"body": nil},
			func(t *testing.T, s seen) {
				if s.body != "" {
					t.Errorf("body %q", s.body)
				}
			}},
		{"custom headers", map[string]any{"headers": map[string]any{"X-Tenant": "acme"}},
			func(t *testing.T, s seen) {
				if s.header.Get("X-Tenant") != "acme" || s.header.Get("Content-Type") != "application/json" {
					t.Errorf("headers %v", s.header)
				}
			}},
		{"form body", map[string]any{"headers": map[string]any{"Content-Type": "application/x-www-form-urlencoded"}},
			func(t *testing.T, s seen) {
				if s.body != "email=foo%40example.com" {
					t.Errorf("body %q", s.body)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, ch := newTarget(t, targetOpts{})
			cfg := map[string]any{"url": srv.URL, "body": b64(`function(ctx) { email: ctx.identity.traits.email }`)}
			for k, v := range tt.cfg {
				cfg[k] = v
			}
			w := mustWebHook(t, cfg, Deps{})
			if err := w.Run(context.Background(), testContext()); err != nil {
				t.Fatalf("Run: %v", err)
			}
			tt.check(t, receive(t, ch))
		})
	}
}

func TestWebHookFailures(t *testing.T) {
	t.Run("status 500", func(t *testing.T) {
		srv, ch := newTarget(t, targetOpts{status: http.StatusInternalServerError, body: `{"messages":[]}`})
		w := mustWebHook(t, map[string]any{"url": srv.URL, "method": "POST"}, Deps{})
		err := w.Run(context.Background(), testContext())
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 500 {
			t.Fatalf("err = %v, want *StatusError 500", err)
		}
		if err.Error() != "web hook failed with status code 500" {
			t.Errorf("err text = %q", err.Error())
		}
		receive(t, ch)
	})
	t.Run("status 400 without parse ignores messages", func(t *testing.T) {
		srv, _ := newTarget(t, targetOpts{status: 400,
			body: `{"messages":[{"instance_ptr":"#/traits/email","messages":[{"id":1,"text":"no","type":"error"}]}]}`})
		w := mustWebHook(t, map[string]any{"url": srv.URL}, Deps{})
		err := w.Run(context.Background(), testContext())
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != 400 {
			t.Fatalf("err = %v, want *StatusError 400", err)
		}
	})
	t.Run("transport error names only the host", func(t *testing.T) {
		srv, _ := newTarget(t, targetOpts{})
		url := srv.URL + "/services/T000/B000/secrettoken?sig=abc"
		srv.Close()
		log, logs := newLog()
		w := mustWebHook(t, map[string]any{"url": url}, Deps{Log: log})
		err := w.Run(context.Background(), testContext())
		if err == nil {
			t.Fatal("want an error")
		}
		for _, leak := range []string{"secrettoken", "sig=abc"} {
			if strings.Contains(err.Error(), leak) || strings.Contains(logs.String(), leak) {
				t.Errorf("%q leaked: err %q, logs %q", leak, err, logs)
			}
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv, ch := newTarget(t, targetOpts{delay: 2 * time.Second})
		w := mustWebHook(t, map[string]any{"url": srv.URL}, Deps{Timeout: 100 * time.Millisecond})
		start := time.Now()
		err := w.Run(context.Background(), testContext())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want a deadline error", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Run took %v", d)
		}
		receive(t, ch)
	})
	t.Run("template runtime error", func(t *testing.T) {
		srv, ch := newTarget(t, targetOpts{})
		w := mustWebHook(t, map[string]any{"url": srv.URL, "body": b64(`function(ctx) { x: ctx.nope }`)}, Deps{})
		err := w.Run(context.Background(), testContext())
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("err = %v", err)
		}
		none(t, ch)
	})
	t.Run("template import refused", func(t *testing.T) {
		srv, ch := newTarget(t, targetOpts{})
		w := mustWebHook(t, map[string]any{"url": srv.URL, "body": b64(`local x = import '/etc/passwd'; x`)}, Deps{})
		err := w.Run(context.Background(), testContext())
		if err == nil || !strings.Contains(err.Error(), "imports are not allowed") {
			t.Errorf("err = %v", err)
		}
		none(t, ch)
	})
}

func TestWebHookCancel(t *testing.T) {
	for _, tpl := range []string{
		`error "cancel"`,
		`function(ctx) if ctx.identity.traits.email == "foo@example.com" then error "cancel" else {}`,
		`function(ctx) error "cancel: not for this user"`,
	} {
		t.Run(tpl, func(t *testing.T) {
			srv, ch := newTarget(t, targetOpts{})
			w := mustWebHook(t, map[string]any{"url": srv.URL, "body": b64(tpl)}, Deps{})
			if err := w.Run(context.Background(), testContext()); err != nil {
				t.Fatalf("Run: %v, want nil (canceled)", err)
			}
			none(t, ch)
		})
	}
	t.Run("other errors are failures", func(t *testing.T) {
		srv, ch := newTarget(t, targetOpts{})
		w := mustWebHook(t, map[string]any{"url": srv.URL, "body": b64(`error "stop"`)}, Deps{})
		if err := w.Run(context.Background(), testContext()); err == nil || !strings.Contains(err.Error(), "stop") {
			t.Fatalf("err = %v", err)
		}
		none(t, ch)
	})
}

func TestWebHookIgnore(t *testing.T) {
	log, logs := newLog()
	srv, ch := newTarget(t, targetOpts{status: 500, delay: 200 * time.Millisecond})
	w := mustWebHook(t, map[string]any{
		"url":      srv.URL + "/notify/secrettoken",
		"body":     b64(`function(ctx) { email: ctx.identity.traits.email }`),
		"auth":     map[string]any{"type": "api_key", "config": map[string]any{"name": "X-Key", "value": "k3y-value"}},
		"response": map[string]any{"ignore": true},
	}, Deps{Log: log})
	// A request context that is already canceled: the call must still go
	// out, because it is detached from the request.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := w.Run(ctx, testContext()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Run waited %v for an ignored hook", d)
	}
	got := receive(t, ch)
	var body map[string]string
	if err := json.Unmarshal([]byte(got.body), &body); err != nil || body["email"] != "foo@example.com" || got.header.Get("X-Key") != "k3y-value" {
		t.Errorf("request: body %q, X-Key %q", got.body, got.header.Get("X-Key"))
	}
	// The failure (500) is logged, without secrets.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "status code 500") {
		if time.Now().After(deadline) {
			t.Fatalf("failure not logged; logs: %s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, leak := range []string{"k3y-value", "secrettoken", "foo@example.com"} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("log leaks %q: %s", leak, logs)
		}
	}
}

// One parsed template serves concurrent calls (run with -race).
func TestWebHookConcurrent(t *testing.T) {
	srv, ch := newTarget(t, targetOpts{})
	w := mustWebHook(t, map[string]any{"url": srv.URL, "body": b64(kratosTemplate)}, Deps{})
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() { errs <- w.Run(context.Background(), testContext()) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		receive(t, ch)
	}
}
