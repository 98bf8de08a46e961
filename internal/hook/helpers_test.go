package hook

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// seen is one request a target server received.
type seen struct {
	method string
	path   string
	header http.Header
	body   string
}

// targetOpts shape a target server's answer.
type targetOpts struct {
	status int           // default 200
	body   string        // answer body
	delay  time.Duration // wait before answering
}

// newTarget starts a server that records each request on the returned
// channel and answers per o.
func newTarget(t *testing.T, o targetOpts) (*httptest.Server, <-chan seen) {
	t.Helper()
	ch := make(chan seen, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("target: read body: %v", err)
		}
		ch <- seen{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: string(b)}
		if o.delay > 0 {
			select {
			case <-time.After(o.delay):
			case <-r.Context().Done():
			}
		}
		status := o.status
		if status == 0 {
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if _, err := io.WriteString(w, o.body); err != nil {
			t.Logf("target: write: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

// receive waits for one request.
func receive(t *testing.T, ch <-chan seen) seen {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("the target received no request")
		return seen{}
	}
}

// none asserts that no request arrives within a short while.
func none(t *testing.T, ch <-chan seen) {
	t.Helper()
	select {
	case s := <-ch:
		t.Fatalf("unexpected request: %s %s", s.method, s.path)
	case <-time.After(100 * time.Millisecond):
	}
}

// b64 is a base64:// body source.
func b64(src string) string {
	return "base64://" + base64.StdEncoding.EncodeToString([]byte(src))
}

// Fixed ids used in hook contexts.
var (
	testIdentityID = uuid.MustParse("9f425a8d-7efc-4768-8f23-7647a74fdf13")
	testSessionID  = uuid.MustParse("0e5e5b7a-4a0a-4a8e-9b39-9c7d0a5d6d01")
)

// testContext is a settings-like hook context.
func testContext() Context {
	return Context{
		Flow: map[string]any{"id": "flow-1", "type": "api", "state": "success"},
		Identity: map[string]any{
			"id":     testIdentityID.String(),
			"traits": map[string]any{"email": "foo@example.com"},
		},
		Session: map[string]any{"id": testSessionID.String()},
		RequestHeaders: http.Header{
			"User-Agent":    {"test-agent"},
			"Accept":        {"application/json"},
			"Cookie":        {"ory_kratos_session=secret-cookie; other=1"},
			"Authorization": {"Bearer secret-token"},
		},
		RequestMethod:    http.MethodPost,
		RequestURL:       "https://auth.example.com/self-service/settings?flow=flow-1",
		FlowType:         "api",
		IdentityID:       testIdentityID,
		CurrentSessionID: testSessionID,
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newLog captures every log record at debug level.
func newLog() (*slog.Logger, *syncBuffer) {
	b := &syncBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// mustWebHook builds a web_hook or fails the test.
func mustWebHook(t *testing.T, cfg map[string]any, deps Deps) *WebHook {
	t.Helper()
	h, err := FromConfig("selfservice.flows.settings.after.hooks[0]", Config{Hook: NameWebHook, Config: cfg}, deps)
	if err != nil {
		t.Fatalf("FromConfig: %v", err)
	}
	w, ok := h.(*WebHook)
	if !ok {
		t.Fatalf("FromConfig returned %T, want *WebHook", h)
	}
	return w
}
