package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/apierr"
)

// fakeHasher stands in for bcrypt: deterministic, with bcrypt's 72-byte
// limit and its error text.
type fakeHasher struct{}

func (fakeHasher) Generate(_ context.Context, pw []byte) ([]byte, error) {
	if len(pw) > 72 {
		return nil, errors.New("passwords are limited to a maximum length of 72 characters")
	}
	return []byte(fakeHash(string(pw))), nil
}

func fakeHash(pw string) string {
	sum := sha256.Sum256([]byte(pw))
	return "$2a$04$" + hex.EncodeToString(sum[:])
}

// testClock advances one second per reading, so that every timestamp a
// test sees is distinct and predictable.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// Employee schemas as in Kratos's identity handler tests.
const (
	barSchema = `{"$id":"https://example.com/bar.schema.json","type":"object","properties":{"traits":{"type":"object",
		"properties":{"bar":{"type":"string"}}}}}`
	employeeSchema = `{"type":"object","properties":{"traits":{"type":"object","properties":{
		"email":{"type":"string","format":"email","ory.sh/kratos":{"credentials":{"password":{"identifier":true}},
			"verification":{"via":"email"},"recovery":{"via":"email"}}},
		"department":{"type":"string"}},"required":["email"]}}}`
	managerSchema = `{"type":"object","properties":{"traits":{"type":"object","properties":{
		"email":{"type":"string","format":"email","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}},
		"additionalProperties":false}}}`
)

type serviceEnv struct {
	svc   *Service
	store *fakeStore
	clock *testClock
}

type envOpts struct {
	validateHash func([]byte) error
}

func newServiceEnv(t *testing.T, o envOpts) serviceEnv {
	t.Helper()
	compat := compatSchemaPath(t)
	schemas, err := LoadSchemas(context.Background(), []SchemaSource{
		{ID: "default", URL: b64(barSchema)},
		{ID: "employee", URL: b64(employeeSchema)},
		{ID: "manager", URL: b64(managerSchema)},
		{ID: "compat", URL: "file://" + compat},
	}, "default", nil)
	if err != nil {
		t.Fatalf("LoadSchemas: %v", err)
	}
	clock := &testClock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	st := newFakeStore(clock.Now)
	pub, err := url.Parse("https://id.example/")
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(st, schemas, fakeHasher{}, ServiceOptions{PublicURL: pub, Now: clock.Now, ValidateImportedHash: o.validateHash})
	return serviceEnv{svc: svc, store: st, clock: clock}
}

// wantAPIError checks status and reason of an *apierr.Error.
func wantAPIError(t *testing.T, err error, status int, reason string) *apierr.Error {
	t.Helper()
	e := apierr.As(err)
	if e == nil {
		t.Fatalf("error %v is not an *apierr.Error", err)
	}
	if e.StatusCode() != status {
		t.Errorf("status = %d, want %d (%v)", e.StatusCode(), status, err)
	}
	if reason != "" && e.Reason != reason {
		t.Errorf("reason = %q\nwant     %q", e.Reason, reason)
	}
	return e
}

func (e serviceEnv) mustCreate(t *testing.T, p CreateParams) *Identity {
	t.Helper()
	i, err := e.svc.Create(context.Background(), p)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return i
}
