package policy

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const hibpPassword = "correct-horse-battery-x1" // on no list, unlike anything similar to an identifier

// sha1Parts returns the upper-case prefix and suffix the range API sees.
func sha1Parts(pw string) (prefix, suffix string) {
	sum := sha1.Sum([]byte(pw))
	d := strings.ToUpper(hex.EncodeToString(sum[:]))
	return d[:5], d[5:]
}

// fakeHIBP is a TLS range API answering with respond and counting requests.
type fakeHIBP struct {
	srv      *httptest.Server
	requests atomic.Int32
	mu       sync.Mutex
	paths    []string
	headers  []http.Header
}

func newFakeHIBP(t *testing.T, respond func(w http.ResponseWriter, prefix string)) *fakeHIBP {
	t.Helper()
	f := &fakeHIBP{}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		f.mu.Lock()
		f.paths = append(f.paths, r.URL.Path)
		f.headers = append(f.headers, r.Header.Clone())
		f.mu.Unlock()
		respond(w, strings.TrimPrefix(r.URL.Path, "/range/"))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// validator returns a Validator that talks to f. o's HIBP fields are filled in.
func (f *fakeHIBP) validator(o Options) *Validator {
	o.HIBPEnabled = true
	o.HIBPHost = f.srv.Listener.Addr().String()
	o.HTTPClient = f.srv.Client()
	v := New(o)
	v.retryWait = time.Millisecond
	return v
}

func body(lines ...string) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, _ string) { fmt.Fprint(w, strings.Join(lines, "\r\n")) }
}

func status(code int) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, _ string) { w.WriteHeader(code) }
}

func TestHIBPRangeAnswers(t *testing.T) {
	t.Parallel()
	_, suffix := sha1Parts(hibpPassword)
	other := "0018A45C4D1DEF81644B54AB7F969B88D65"
	for _, tc := range []struct {
		name        string
		maxBreaches int
		respond     func(http.ResponseWriter, string)
		want        wantResult
	}{
		{name: "hit", respond: body(other+":7", suffix+":3"), want: wantResult{reason: breached}},
		{name: "miss", respond: body(other + ":7")},
		{name: "empty body", respond: body()},
		{name: "lower-case suffix", respond: body(strings.ToLower(suffix) + ":3"), want: wantResult{reason: breached}},
		{name: "count equal to max", maxBreaches: 5, respond: body(suffix + ":5")},
		{name: "count above max", maxBreaches: 5, respond: body(suffix + ":6"), want: wantResult{reason: breached}},
		{name: "padding row", respond: body(suffix + ":0")},
		{name: "missing count means one", respond: body(suffix), want: wantResult{reason: breached}},
		{name: "missing count within max", maxBreaches: 1, respond: body(suffix)},
		{name: "junk line without count is ignored", respond: body("invalid", other+":2")},
		{name: "malformed count", respond: body(other+":text", suffix+":2"), want: wantResult{internal: true}},
		{name: "line too long", respond: body(strings.Repeat("A", 70<<10)), want: wantResult{internal: true}},
		{name: "body too large", respond: func(w http.ResponseWriter, _ string) {
			line := other + ":1\n"
			fmt.Fprint(w, strings.Repeat(line, (hibpMaxBody/len(line))+10))
		}, want: wantResult{internal: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, ignore := range []bool{true, false} {
				f := newFakeHIBP(t, tc.respond)
				v := f.validator(Options{MaxBreaches: tc.maxBreaches, IgnoreNetworkErrors: ignore})
				checkResult(t, v.Validate(context.Background(), nil, hibpPassword), tc.want)
			}
		})
	}
}

func TestHIBPRequest(t *testing.T) {
	t.Parallel()
	prefix, _ := sha1Parts(hibpPassword)
	f := newFakeHIBP(t, body())
	if err := f.validator(Options{}).Validate(context.Background(), nil, hibpPassword); err != nil {
		t.Fatal(err)
	}
	if len(f.paths) != 1 || f.paths[0] != "/range/"+prefix {
		t.Fatalf("paths = %v, want [/range/%s]", f.paths, prefix)
	}
	if h := f.headers[0]; h.Get("Add-Padding") != "true" || h.Get("User-Agent") == "" {
		t.Fatalf("headers = %v", h)
	}
}

func TestHIBPNotCalled(t *testing.T) {
	t.Parallel()
	f := newFakeHIBP(t, body())
	for _, tc := range []struct {
		name string
		opts Options
		pw   string
	}{
		{name: "disabled", pw: hibpPassword},
		{name: "blocklisted", opts: Options{HIBPEnabled: true}, pw: "password1"},
		{name: "too short", opts: Options{HIBPEnabled: true}, pw: "x1"},
	} {
		o := tc.opts
		o.HIBPHost = f.srv.Listener.Addr().String()
		o.HTTPClient = f.srv.Client()
		_ = New(o).Validate(context.Background(), nil, tc.pw) // outcome tested elsewhere; only the call count matters
	}
	if n := f.requests.Load(); n != 0 {
		t.Fatalf("range API called %d times", n)
	}
}

func TestHIBPNetworkErrors(t *testing.T) {
	t.Parallel()
	closed := closedAddr(t)
	for _, tc := range []struct {
		name     string
		respond  func(http.ResponseWriter, string)
		host     string // overrides the fake's address
		ignore   bool
		want     wantResult
		requests int32
	}{
		{name: "500 ignored", respond: status(500), ignore: true, requests: hibpAttempts},
		{name: "500", respond: status(500), requests: hibpAttempts,
			want: wantResult{reason: "unable to check if password has been leaked because an unexpected network error occurred: unexpected status code 500"}},
		{name: "429 retried", respond: status(429), requests: hibpAttempts,
			want: wantResult{reason: "unable to check if password has been leaked because an unexpected network error occurred: unexpected status code 429"}},
		{name: "404 not retried", respond: status(404), requests: 1,
			want: wantResult{reason: "unable to check if password has been leaked because an unexpected network error occurred: unexpected status code 404"}},
		{name: "403 ignored", respond: status(403), ignore: true, requests: 1},
		{name: "unreachable ignored", host: closed, ignore: true},
		{name: "unreachable", host: closed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeHIBP(t, tc.respond)
			o := Options{IgnoreNetworkErrors: tc.ignore}
			v := f.validator(o)
			if tc.host != "" {
				v.opts.HIBPHost = tc.host
			}
			err := v.Validate(context.Background(), nil, hibpPassword)
			if tc.host != "" && !tc.ignore {
				var viol *Violation
				if !errors.As(err, &viol) || !strings.HasPrefix(viol.Reason, reasonNetwork+": ") {
					t.Fatalf("got %v, want a network violation", err)
				}
				if !strings.Contains(viol.Reason, "refused") || strings.Contains(viol.Reason, "/range/") {
					t.Fatalf("reason %q should name the cause and not the URL", viol.Reason)
				}
			} else {
				checkResult(t, err, tc.want)
			}
			if n := f.requests.Load(); n != tc.requests {
				t.Fatalf("%d requests, want %d", n, tc.requests)
			}
			if v.cache.entries[sha1Prefix(hibpPassword)] != (rangeEntry{}) {
				t.Fatal("a failed lookup must not be cached")
			}
		})
	}
}

func sha1Prefix(pw string) string { p, _ := sha1Parts(pw); return p }

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestHIBPTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	f := newFakeHIBP(t, func(w http.ResponseWriter, _ string) { <-release })
	t.Cleanup(func() { close(release) }) // runs before the server closes: lets handlers return
	v := f.validator(Options{})
	v.opts.HTTPClient.Timeout = 50 * time.Millisecond
	start := time.Now()
	err := v.Validate(context.Background(), nil, hibpPassword)
	var viol *Violation
	if !errors.As(err, &viol) || !strings.HasPrefix(viol.Reason, reasonNetwork) {
		t.Fatalf("got %v, want a network violation", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestHIBPCancelledContext(t *testing.T) {
	t.Parallel()
	f := newFakeHIBP(t, body())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := f.validator(Options{IgnoreNetworkErrors: true}).Validate(ctx, nil, hibpPassword)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestHIBPCache(t *testing.T) {
	t.Parallel()
	_, suffix := sha1Parts(hibpPassword)
	f := newFakeHIBP(t, body(suffix+":2"))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := f.validator(Options{Now: func() time.Time { return now }})
	for i, tc := range []struct {
		advance  time.Duration
		requests int32
	}{
		{0, 1},
		{0, 1},                // cache hit: no request
		{59 * time.Minute, 1}, // still fresh
		{2 * time.Minute, 2},  // 61 minutes after the fetch: expired
		{30 * time.Minute, 2}, // fresh again
	} {
		now = now.Add(tc.advance)
		checkResult(t, v.Validate(context.Background(), nil, hibpPassword), wantResult{reason: breached})
		if n := f.requests.Load(); n != tc.requests {
			t.Fatalf("step %d: %d requests, want %d", i, n, tc.requests)
		}
	}
}

func TestHIBPCacheAfterFailure(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	f := newFakeHIBP(t, func(w http.ResponseWriter, _ string) {
		if fail.Load() {
			w.WriteHeader(503)
		}
	})
	v := f.validator(Options{IgnoreNetworkErrors: true})
	for range 2 {
		checkResult(t, v.Validate(context.Background(), nil, hibpPassword), wantResult{})
	}
	if n := f.requests.Load(); n != 2*hibpAttempts {
		t.Fatalf("%d requests, want %d: failures must not be cached", n, 2*hibpAttempts)
	}
	fail.Store(false)
	for range 2 {
		checkResult(t, v.Validate(context.Background(), nil, hibpPassword), wantResult{})
	}
	if n := f.requests.Load(); n != 2*hibpAttempts+1 {
		t.Fatalf("%d requests, want %d", n, 2*hibpAttempts+1)
	}
}

func TestRangeCacheBounded(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newRangeCache(2, time.Hour)
	c.put("AAAAA", suffixSet{}, start)
	c.put("BBBBB", suffixSet{}, start.Add(time.Minute))
	c.put("CCCCC", suffixSet{}, start.Add(2*time.Minute)) // evicts the oldest, AAAAA
	if len(c.entries) != 2 {
		t.Fatalf("%d entries, want 2", len(c.entries))
	}
	now := start.Add(3 * time.Minute)
	if _, ok := c.get("AAAAA", now); ok {
		t.Fatal("oldest entry should be evicted")
	}
	for _, p := range []string{"BBBBB", "CCCCC"} {
		if _, ok := c.get(p, now); !ok {
			t.Fatalf("%s should be cached", p)
		}
	}
	// Once both have expired, a put clears them instead of evicting one.
	c.put("DDDDD", suffixSet{}, start.Add(3*time.Hour))
	if len(c.entries) != 1 {
		t.Fatalf("%d entries, want 1", len(c.entries))
	}
}

func TestSuffixSet(t *testing.T) {
	t.Parallel()
	a := strings.Repeat("A", suffixLen)
	b := strings.Repeat("B", suffixLen)
	c := strings.Repeat("C", suffixLen)
	s := suffixSet{packed: a + c}
	for _, tc := range []struct {
		q    string
		want bool
	}{{a, true}, {b, false}, {c, true}, {"", false}, {strings.Repeat("D", suffixLen), false}} {
		if got := s.has(tc.q); got != tc.want {
			t.Errorf("has(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if (suffixSet{}).has(a) {
		t.Error("empty set has nothing")
	}
}
