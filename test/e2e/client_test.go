package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

// sdk returns an Ory SDK client whose server is baseURL (the admin or the
// public URL). It follows redirects, as generated clients do.
func sdk(baseURL string) *client.APIClient {
	cfg := client.NewConfiguration()
	cfg.Servers = client.ServerConfigurations{{URL: baseURL}}
	cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	return client.NewAPIClient(cfg)
}

// Admin is the SDK pointed at the admin port.
func (s *Server) Admin() *client.APIClient { return sdk(s.AdminURL) }

// Public is the SDK pointed at the public port.
func (s *Server) Public() *client.APIClient { return sdk(s.PublicURL) }

// reply is a raw HTTP response with its body read.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
	Took   time.Duration
}

// call sends one request without following redirects. A []byte or string
// body is sent as is; any other non-nil body is encoded as JSON. JSON
// bodies get Content-Type application/json unless headers (name, value,
// name, value …) say otherwise.
func call(t *testing.T, method, url string, body any, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	isJSON := false
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, isJSON = bytes.NewReader(b), true
	case string:
		rd, isJSON = strings.NewReader(b), true
	case io.Reader:
		rd, isJSON = b, true
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, isJSON = bytes.NewReader(raw), true
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return reply{Status: res.StatusCode, Header: res.Header, Body: b, Took: time.Since(start)}
}

// decode unmarshals the body into v (numbers as json.Number when v is *any).
func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// object is the body as a JSON object.
func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// envelope is Kratos's error body.
type envelope struct {
	Error struct {
		ID      string         `json:"id"`
		Code    int            `json:"code"`
		Status  string         `json:"status"`
		Request string         `json:"request"`
		Reason  string         `json:"reason"`
		Debug   string         `json:"debug"`
		Details map[string]any `json:"details"`
		Message string         `json:"message"`
	} `json:"error"`
}

// wantError checks that r is an error envelope with this status whose
// reason contains reasonPart (when not empty), and returns it.
func (r reply) wantError(t *testing.T, status int, reasonPart string) envelope {
	t.Helper()
	return checkEnvelope(t, r.Status, r.Header, r.Body, status, reasonPart)
}

func checkEnvelope(t *testing.T, gotStatus int, h http.Header, body []byte, status int, reasonPart string) envelope {
	t.Helper()
	if gotStatus != status {
		t.Fatalf("status = %d, want %d; body: %.500s", gotStatus, status, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	var e envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("not an error envelope (%v): %.500s", err, body)
	}
	if e.Error.Code != status || e.Error.Status != http.StatusText(status) || e.Error.Message == "" {
		t.Errorf("envelope code/status/message = %d/%q/%q, want %d/%q/non-empty",
			e.Error.Code, e.Error.Status, e.Error.Message, status, http.StatusText(status))
	}
	if !strings.Contains(e.Error.Reason, reasonPart) {
		t.Errorf("reason = %q, want it to contain %q", e.Error.Reason, reasonPart)
	}
	return e
}

// wantSDKError checks an SDK call's failure: the status and the raw JSON
// envelope (the SDK keeps Kratos's error body in GenericOpenAPIError).
func wantSDKError(t *testing.T, err error, res *http.Response, status int, reasonPart string) envelope {
	t.Helper()
	var ge *client.GenericOpenAPIError
	if !errors.As(err, &ge) {
		t.Fatalf("error = %v (%T), want a GenericOpenAPIError", err, err)
	}
	if res == nil {
		t.Fatalf("no HTTP response with error %v", err)
	}
	return checkEnvelope(t, res.StatusCode, res.Header, ge.Body(), status, reasonPart)
}

// must fails the test on an SDK error, showing the server's body.
func must(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ge *client.GenericOpenAPIError
	if errors.As(err, &ge) {
		t.Fatalf("%v: %s", err, ge.Body())
	}
	t.Fatal(err)
}

// newIdentity creates an identity of the default schema with this email,
// through the SDK.
func newIdentity(t *testing.T, s *Server, email string) *client.Identity {
	t.Helper()
	body := client.NewCreateIdentityBody("default", map[string]any{"email": email})
	id, _, err := s.Admin().IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(*body).Execute()
	must(t, err)
	return id
}

// jsonEqual compares two JSON documents by value (object key order and
// number spelling such as 1.50 vs 1.5 aside: numbers compare as text after
// the database's normalisation, so callers use canonical spellings).
func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var out any
		if err := dec.Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	x, err1 := json.Marshal(norm(a))
	y, err2 := json.Marshal(norm(b))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(x, y)
}
