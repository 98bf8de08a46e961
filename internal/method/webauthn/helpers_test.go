package webauthn

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/ui"
)

const (
	testRPID   = "localhost"
	testOrigin = "http://localhost:4455"
	testEmail  = "key@example.org"
	testSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":{"type":"object",
 "properties":{"email":{"type":"string","format":"email","ory.sh/kratos":{"credentials":{"password":{"identifier":true},
 "webauthn":{"identifier":true}}}}},"required":["email"]}}}`
	noIDSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":{"type":"object",
 "properties":{"email":{"type":"string"}}}}}`
)

// fakeStore keeps identities in memory, like the SQL store's contract.
type fakeStore struct {
	mu         sync.Mutex
	identities map[uuid.UUID]*identity.Identity
	used       map[string]bool
	edits      int
}

func newFakeStore() *fakeStore {
	return &fakeStore{identities: map[uuid.UUID]*identity.Identity{}, used: map[string]bool{}}
}

func (s *fakeStore) put(i *identity.Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *i
	cp.Credentials = maps.Clone(i.Credentials)
	s.identities[i.ID] = &cp
}

func (s *fakeStore) FindIdentityByID(_ context.Context, id uuid.UUID, _ bool) (*identity.Identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.identities[id]
	if !ok {
		return nil, apierr.NotFound()
	}
	cp := *i
	cp.Credentials = maps.Clone(i.Credentials)
	return &cp, nil
}

func (s *fakeStore) FindIdentityByCredentialsIdentifier(ctx context.Context, t identity.CredentialsType, identifier string) (*identity.Identity, error) {
	s.mu.Lock()
	var found uuid.UUID
	for id, i := range s.identities {
		for _, v := range i.Credentials[t].Identifiers {
			if v == identifier {
				found = id
			}
		}
	}
	s.mu.Unlock()
	if found == uuid.Nil {
		return nil, apierr.NotFound()
	}
	return s.FindIdentityByID(ctx, found, true)
}

func (s *fakeStore) UseWebAuthnChallenge(_ context.Context, h string, _ time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used[h] {
		return false, nil
	}
	s.used[h] = true
	return true, nil
}

func (s *fakeStore) EditWebAuthnConfig(_ context.Context, id uuid.UUID, edit func([]byte) ([]byte, bool, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.identities[id]
	if !ok {
		return apierr.NotFound()
	}
	c, ok := i.Credentials[identity.CredentialsWebAuthn]
	if !ok {
		return apierr.NotFound()
	}
	next, write, err := edit(c.Config)
	if err != nil || !write {
		return err
	}
	c.Config = next
	i.Credentials = maps.Clone(i.Credentials)
	i.Credentials[identity.CredentialsWebAuthn] = c
	s.edits++
	return nil
}

// config is the identity's stored webauthn config.
func (s *fakeStore) config(t *testing.T, id uuid.UUID) Config {
	t.Helper()
	i, err := s.FindIdentityByID(context.Background(), id, true)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := configOf(i.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type env struct {
	store    *fakeStore
	method   *Method
	settings *Settings
	// updates is the last accepted update per flow.
	updates map[uuid.UUID]*settings.Update
	user    *identity.Identity
}

// newEnv is a method on a fake store holding one identity with a
// password credential (so passwordless keys are removable).
func newEnv(t *testing.T, o Options, schema string) *env {
	t.Helper()
	schemas, err := identity.LoadSchemas(context.Background(), []identity.SchemaSource{
		{ID: "default", URL: "base64://" + base64.StdEncoding.EncodeToString([]byte(schema))}}, "default", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.RPID == "" {
		o.RPID, o.RPDisplayName, o.Origins = testRPID, "Warden Test", []string{testOrigin}
	}
	o.Secret, o.ScriptURL = "a-secret-of-some-length", "http://127.0.0.1:4433/.well-known/ory/webauthn.js"
	st := newFakeStore()
	m, err := New(st, schemas, o)
	if err != nil {
		t.Fatal(err)
	}
	u := &identity.Identity{ID: uuid.New(), SchemaID: "default", Traits: json.RawMessage(`{"email":"` + testEmail + `"}`),
		State: identity.StateActive, Credentials: map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {Type: identity.CredentialsPassword, Identifiers: []string{testEmail},
				Config: json.RawMessage(`{"hashed_password":"$argon2id$v=19$m=16,t=1,p=1$c2FsdA$aGFzaA"}`)},
		}}
	st.put(u)
	return &env{store: st, method: m, settings: NewSettings(m), updates: map[uuid.UUID]*settings.Update{}, user: u}
}

// settingsFlow is a new settings flow of type t for the identity, populated.
func (e *env) settingsFlow(t *testing.T, ft flow.Type) *settings.Flow {
	t.Helper()
	f := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: ft, ExpiresAt: time.Now().Add(time.Hour),
		UI: ui.NewContainer("http://x/self-service/settings")}, IdentityID: e.user.ID}
	pub := e.user.Public()
	f.Identity = &pub
	stored, err := e.store.FindIdentityByID(context.Background(), e.user.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.settings.PopulateSettings(context.Background(), f, &pub, stored.Credentials); err != nil {
		t.Fatal(err)
	}
	return f
}

// loginFlow is a new login flow, populated for sess.
func (e *env) loginFlow(t *testing.T, ft flow.Type, aal session.AAL, refresh bool, sess *session.Session) *login.Flow {
	t.Helper()
	f := &login.Flow{Base: flow.Base{ID: uuid.New(), Type: ft, ExpiresAt: time.Now().Add(time.Hour),
		UI: ui.NewContainer("http://x/self-service/login")}, RequestedAAL: aal, Refresh: refresh}
	f.UI.Nodes = append(f.UI.Nodes, flow.NewCSRFNode())
	if err := e.method.PopulateLogin(context.Background(), f, sess); err != nil {
		t.Fatal(err)
	}
	return f
}

// submit runs a settings submission and, on success, stores the update as
// the settings flow's transaction would.
func (e *env) submit(t *testing.T, f *settings.Flow, body map[string]any, privileged bool) error {
	t.Helper()
	pub := e.user.Public()
	up, err := e.settings.Settings(context.Background(), &settings.Submission{Flow: f, Identity: &pub, Body: body,
		Privileged: privileged, Check: func() error { return nil }})
	if err != nil {
		return err
	}
	e.updates[f.ID] = up
	stored, err := e.store.FindIdentityByID(context.Background(), e.user.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	next, err := up.Apply(stored.Credentials)
	if err != nil {
		return err
	}
	if next.Traits != nil {
		t.Errorf("the update rewrites traits: %s", next.Traits)
	}
	stored.Credentials = next.Credentials
	e.store.put(stored)
	return nil
}

// options is the options JSON a flow shows on its trigger: the onclick
// argument in browser flows, the value in API flows.
func options(t *testing.T, c *ui.Container, trigger string) string {
	t.Helper()
	n := c.Find(trigger)
	if n == nil {
		t.Fatalf("no %s node", trigger)
	}
	a := n.Attributes.(*ui.InputAttributes)
	if v, ok := a.Value.(string); ok && v != "" {
		return v
	}
	open := strings.IndexByte(a.OnClick, '(')
	if open < 0 || !strings.HasSuffix(a.OnClick, ")") {
		t.Fatalf("onclick %q", a.OnClick)
	}
	return a.OnClick[open+1 : len(a.OnClick)-1]
}

// device is a virtual authenticator with one key.
type device struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
	rp   virtualwebauthn.RelyingParty
}

func newDevice() *device {
	d := &device{auth: virtualwebauthn.NewAuthenticator(), cred: newEC2Credential(),
		rp: virtualwebauthn.RelyingParty{ID: testRPID, Name: "Warden Test", Origin: testOrigin}}
	d.auth.AddCredential(d.cred)
	return d
}

// register answers a registration's options.
func (d *device) register(t *testing.T, opts string) string {
	t.Helper()
	o, err := virtualwebauthn.ParseAttestationOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	return virtualwebauthn.CreateAttestationResponse(d.rp, d.auth, d.cred, *o)
}

// assert answers a login's options, with the key's counter moved on.
func (d *device) assert(t *testing.T, opts string) string {
	t.Helper()
	o, err := virtualwebauthn.ParseAssertionOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	d.cred.Counter++
	return virtualwebauthn.CreateAssertionResponse(d.rp, d.auth, d.cred, *o)
}

// formMessage is the one message of a form error, "field:id".
func formMessage(t *testing.T, err error) string {
	t.Helper()
	var fe *flow.FormError
	if errors.As(err, &fe) && len(fe.Messages) == 1 {
		m := fe.Messages[0]
		return m.Field + ":" + itoa(m.Message.ID)
	}
	if e := apierr.As(err); e != nil {
		return "status " + itoa(e.StatusCode()) + ": " + e.Reason
	}
	t.Fatalf("not a form error: %v", err)
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

// newEC2Credential is a P-256 credential whose public key encodes well.
// virtualwebauthn writes the coordinates with big.Int.Bytes, which drops
// leading zero bytes: one key in 128 would have a 31-byte coordinate and be
// refused (rightly) by the verifier, making tests fail at random.
func newEC2Credential() virtualwebauthn.Credential {
	for {
		c := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		k, err := x509.ParsePKCS8PrivateKey(c.Key.Data)
		if err != nil {
			panic(err)
		}
		if ec, ok := k.(*ecdsa.PrivateKey); ok && len(ec.X.Bytes()) == 32 && len(ec.Y.Bytes()) == 32 {
			return c
		}
	}
}
