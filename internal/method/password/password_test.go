package password_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/registration"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/password"
	"github.com/warden-id/warden/internal/method/password/policy"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

type env struct {
	m      *password.Method
	st     *store.Store
	hasher hash.Hasher
}

func newEnv(t *testing.T, s *store.Store, schemaFile string) env {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := identity.LoadSchemas(ctx, []identity.SchemaSource{{ID: "default", URL: "base64://" + b64(raw)}}, "default", nil)
	if err != nil {
		t.Fatal(err)
	}
	hasher := hash.NewBcrypt(hash.BcryptOptions{Cost: 4})
	ids := identity.NewService(s, schemas, hasher, identity.ServiceOptions{})
	dummy, err := hash.NewDummy(ctx, hasher)
	if err != nil {
		t.Fatal(err)
	}
	m, err := password.New(s, ids, hasher, dummy,
		policy.New(policy.Options{MinLength: 8, IdentifierSimilarityCheck: true}),
		password.Options{SchemaID: "default", Schema: raw})
	if err != nil {
		t.Fatal(err)
	}
	return env{m: m, st: s, hasher: hasher}
}

func regFlow(t *testing.T, m *password.Method) *registration.Flow {
	t.Helper()
	f := &registration.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("")}}
	f.UI.Nodes = append(f.UI.Nodes, flow.NewCSRFNode())
	if err := m.PopulateRegistration(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

func loginFlow(t *testing.T, m *password.Method, aal session.AAL, refresh bool, sess *session.Session) *login.Flow {
	t.Helper()
	f := &login.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("")}, RequestedAAL: aal, Refresh: refresh}
	if err := m.PopulateLogin(context.Background(), f, sess); err != nil {
		t.Fatal(err)
	}
	return f
}

// register runs Register and stores the identity, as the flow does.
func (e env) register(t *testing.T, email, pw string) *identity.Identity {
	t.Helper()
	i, err := e.m.Register(context.Background(), regFlow(t, e.m), map[string]any{
		"method": "password", "password": pw, "traits": map[string]any{"email": email}})
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	if err := e.st.CreateIdentity(context.Background(), i); err != nil {
		t.Fatal(err)
	}
	return i
}

func formMessages(t *testing.T, err error) map[string][]int {
	t.Helper()
	var fe *flow.FormError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *flow.FormError", err)
	}
	out := map[string][]int{}
	for _, m := range fe.Messages {
		out[m.Field] = append(out[m.Field], m.Message.ID)
	}
	return out
}

func TestRegister(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, "../../config/default.schema.json")
		ctx := context.Background()
		tests := []struct {
			name string
			body map[string]any
			want map[string][]int
		}{
			{"nothing", map[string]any{"method": "password"},
				map[string][]int{"password": {text.IDValidationRequired}, "traits.email": {text.IDValidationRequired}}},
			{"bad email", map[string]any{"password": "a-long-enough-pw", "traits": map[string]any{"email": "nope"}},
				map[string][]int{"traits.email": {text.IDValidationGeneric}}},
			{"traits not an object", map[string]any{"password": "a-long-enough-pw", "traits": "x"},
				map[string][]int{"traits": {text.IDValidationGeneric}}},
			{"password not a string", map[string]any{"password": json.Number("12345678"), "traits": map[string]any{"email": "a@b.co"}},
				map[string][]int{"password": {text.IDValidationGeneric}}},
			{"too short", map[string]any{"password": "short", "traits": map[string]any{"email": "a@b.co"}},
				map[string][]int{"password": {text.IDPasswordPolicy}}},
			{"like the identifier", map[string]any{"password": "someone@example.org", "traits": map[string]any{"email": "someone@example.org"}},
				map[string][]int{"password": {text.IDPasswordPolicy}}},
			{"longer than 72 bytes", map[string]any{"password": strings.Repeat("x9", 40), "traits": map[string]any{"email": "a@b.co"}},
				map[string][]int{"password": {text.IDPasswordPolicy}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := regFlow(t, e.m)
				_, err := e.m.Register(ctx, f, tt.body)
				got := formMessages(t, err)
				for field, ids := range tt.want {
					if len(got[field]) != len(ids) || got[field][0] != ids[0] {
						t.Errorf("messages = %v, want %v", got, tt.want)
					}
				}
				if len(got) != len(tt.want) {
					t.Errorf("messages = %v, want %v", got, tt.want)
				}
				if v := f.UI.Find("password").Attributes.(*ui.InputAttributes).Value; v != nil {
					t.Errorf("the password node got a value: %v", v)
				}
			})
		}

		// Traits are re-filled on error; the password never is.
		f := regFlow(t, e.m)
		_, err := e.m.Register(ctx, f, map[string]any{"password": "short",
			"traits": map[string]any{"email": "fill@example.org", "name": map[string]any{"first": "Ann"}}})
		if err == nil {
			t.Fatal("want a policy error")
		}
		if v := f.UI.Find("traits.email").Attributes.(*ui.InputAttributes).Value; v != "fill@example.org" {
			t.Errorf("traits.email = %v", v)
		}
		if v := f.UI.Find("traits.name.first").Attributes.(*ui.InputAttributes).Value; v != "Ann" {
			t.Errorf("traits.name.first = %v", v)
		}

		// Success: hashed with the configured hasher, identifier derived.
		i, err := e.m.Register(ctx, regFlow(t, e.m), map[string]any{"password": "correct horse battery",
			"traits": map[string]any{"email": "New@Example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		c := i.Credentials[identity.CredentialsPassword]
		if len(c.Identifiers) != 1 || c.Identifiers[0] != "new@example.org" || !strings.Contains(string(c.Config), `"hashed_password":"$2a$04$`) {
			t.Errorf("credential %+v", c)
		}
		if i.State != identity.StateActive || i.SchemaID != "default" || len(i.VerifiableAddresses) != 1 {
			t.Errorf("identity %+v", i)
		}
	})
}

func TestRegisterWithoutIdentifier(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		dir := t.TempDir()
		schema := `{"type":"object","properties":{"traits":{"type":"object","properties":{"nick":{"type":"string"}}}}}`
		if err := os.WriteFile(dir+"/s.json", []byte(schema), 0o600); err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, s, dir+"/s.json")
		_, err := e.m.Register(context.Background(), regFlow(t, e.m), map[string]any{"password": "correct horse battery",
			"traits": map[string]any{"nick": "x"}})
		if got := formMessages(t, err); len(got[""]) != 1 || got[""][0] != text.IDNoIdentifiers {
			t.Errorf("messages %v, want 4000009", got)
		}
	})
}

func TestLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, "../../config/default.schema.json")
		ctx := context.Background()
		alice := e.register(t, "alice@example.org", "correct horse battery")
		tests := []struct {
			name     string
			body     map[string]any
			wantID   bool
			wantMsgs map[string][]int
			wantBad  bool // wraps login.ErrBadCredentials
		}{
			{"right, identifier normalised", map[string]any{"identifier": "  ALICE@example.org ", "password": "correct horse battery"}, true, nil, false},
			{"legacy password_identifier", map[string]any{"password_identifier": "alice@example.org", "password": "correct horse battery"}, true, nil, false},
			{"wrong password", map[string]any{"identifier": "alice@example.org", "password": "wrong"}, false,
				map[string][]int{"": {text.IDInvalidCredentials}}, true},
			{"unknown identifier", map[string]any{"identifier": "nobody@example.org", "password": "wrong"}, false,
				map[string][]int{"": {text.IDInvalidCredentials}}, true},
			{"over 72 bytes", map[string]any{"identifier": "alice@example.org", "password": strings.Repeat("y", 100)}, false,
				map[string][]int{"": {text.IDInvalidCredentials}}, true},
			{"missing both", map[string]any{}, false,
				map[string][]int{"identifier": {text.IDValidationRequired}, "password": {text.IDValidationRequired}}, false},
			{"identifier not a string", map[string]any{"identifier": true, "password": "x"}, false,
				map[string][]int{"identifier": {text.IDValidationGeneric}}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := loginFlow(t, e.m, session.AAL1, false, nil)
				i, err := e.m.Login(ctx, f, tt.body, nil)
				if tt.wantID {
					if err != nil || i.ID != alice.ID {
						t.Fatalf("login: %v %v", i, err)
					}
					return
				}
				got := formMessages(t, err)
				if len(got) != len(tt.wantMsgs) {
					t.Errorf("messages %v, want %v", got, tt.wantMsgs)
				}
				if errors.Is(err, login.ErrBadCredentials) != tt.wantBad {
					t.Errorf("ErrBadCredentials = %v, want %v", !tt.wantBad, tt.wantBad)
				}
				if v := f.UI.Find("password").Attributes.(*ui.InputAttributes).Value; v != nil {
					t.Errorf("password value %v", v)
				}
			})
		}
	})
}

func TestLoginCredentialWithoutHash(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, "../../config/default.schema.json")
		ctx := context.Background()
		// An identity made by the admin API without a password: the
		// identifier is reserved with an empty config.
		i := &identity.Identity{ID: uuid.New(), SchemaID: "default", State: identity.StateActive,
			Traits: json.RawMessage(`{"email":"nopw@example.org"}`),
			Credentials: map[identity.CredentialsType]identity.Credentials{identity.CredentialsPassword: {
				Type: identity.CredentialsPassword, Identifiers: []string{"nopw@example.org"}, Config: json.RawMessage(`{}`)}}}
		if err := s.CreateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		_, err := e.m.Login(ctx, loginFlow(t, e.m, session.AAL1, false, nil),
			map[string]any{"identifier": "nopw@example.org", "password": "anything"}, nil)
		if !errors.Is(err, login.ErrBadCredentials) {
			t.Fatalf("err = %v", err)
		}
		// A refresh flow for this identity has no password nodes at all.
		f := loginFlow(t, e.m, session.AAL1, true, &session.Session{IdentityID: i.ID})
		if len(f.UI.Nodes) != 0 {
			t.Errorf("nodes %+v", f.UI.Nodes)
		}
	})
}

func TestLoginHashUpgrade(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, "../../config/default.schema.json")
		ctx := context.Background()
		for _, old := range []hash.Hasher{
			hash.NewBcrypt(hash.BcryptOptions{Cost: 5}),
			hash.NewArgon2(hash.Argon2Options{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}),
		} {
			h, err := old.Generate(ctx, []byte("imported password"))
			if err != nil {
				t.Fatal(err)
			}
			email := uuid.NewString() + "@example.org"
			i := &identity.Identity{ID: uuid.New(), SchemaID: "default", State: identity.StateActive,
				Traits: json.RawMessage(`{"email":"` + email + `"}`),
				Credentials: map[identity.CredentialsType]identity.Credentials{identity.CredentialsPassword: {
					Type: identity.CredentialsPassword, Identifiers: []string{email},
					Config: json.RawMessage(`{"hashed_password":"` + string(h) + `"}`)}}}
			if err := s.CreateIdentity(ctx, i); err != nil {
				t.Fatal(err)
			}
			if _, err := e.m.Login(ctx, loginFlow(t, e.m, session.AAL1, false, nil),
				map[string]any{"identifier": email, "password": "imported password"}, nil); err != nil {
				t.Fatal(err)
			}
			stored, err := s.FindIdentityByID(ctx, i.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			cfg := string(stored.Credentials[identity.CredentialsPassword].Config)
			if !strings.Contains(cfg, `"$2a$04$`) {
				t.Errorf("hash not upgraded to the configured bcrypt cost 4: %s", cfg)
			}
			if _, err := e.m.Login(ctx, loginFlow(t, e.m, session.AAL1, false, nil),
				map[string]any{"identifier": email, "password": "imported password"}, nil); err != nil {
				t.Errorf("login after upgrade: %v", err)
			}
		}
	})
}

func TestPopulateLogin(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, "../../config/default.schema.json")
		alice := e.register(t, "refresh@example.org", "correct horse battery")
		names := func(f *login.Flow) []string {
			var out []string
			for _, n := range f.UI.Nodes {
				a := n.Attributes.(*ui.InputAttributes)
				out = append(out, a.Name+":"+a.Type)
			}
			return out
		}
		if got := strings.Join(names(loginFlow(t, e.m, session.AAL1, false, nil)), ","); got != "identifier:text,password:password,method:submit" {
			t.Errorf("aal1 nodes %s", got)
		}
		if got := names(loginFlow(t, e.m, session.AAL2, false, nil)); len(got) != 0 {
			t.Errorf("aal2 nodes %v", got)
		}
		f := loginFlow(t, e.m, session.AAL1, true, &session.Session{IdentityID: alice.ID})
		id := f.UI.Find("identifier").Attributes.(*ui.InputAttributes)
		if id.Type != ui.InputHidden || id.Value != "refresh@example.org" {
			t.Errorf("refresh identifier %+v", id)
		}
	})
}

// TestUnknownIdentifierCostsAHash: an unknown identifier takes as long as a
// wrong password (one hash comparison), within a generous factor.
func TestUnknownIdentifierCostsAHash(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		raw, err := os.ReadFile("../../config/default.schema.json")
		if err != nil {
			t.Fatal(err)
		}
		schemas, err := identity.LoadSchemas(ctx, []identity.SchemaSource{{ID: "default", URL: "base64://" + b64(raw)}}, "default", nil)
		if err != nil {
			t.Fatal(err)
		}
		hasher := hash.NewBcrypt(hash.BcryptOptions{Cost: 10})
		dummy, err := hash.NewDummy(ctx, hasher)
		if err != nil {
			t.Fatal(err)
		}
		m, err := password.New(s, identity.NewService(s, schemas, hasher, identity.ServiceOptions{}), hasher, dummy, nil,
			password.Options{SchemaID: "default", Schema: raw})
		if err != nil {
			t.Fatal(err)
		}
		e := env{m: m, st: s, hasher: hasher}
		e.register(t, "timed@example.org", "correct horse battery")
		measure := func(identifier string) time.Duration {
			best := time.Hour
			for range 3 {
				start := time.Now()
				_, _ = m.Login(ctx, loginFlow(t, m, session.AAL1, false, nil),
					map[string]any{"identifier": identifier, "password": "wrong password"}, nil)
				best = min(best, time.Since(start))
			}
			return best
		}
		known, unknown := measure("timed@example.org"), measure("nobody@example.org")
		if unknown < known/2 {
			t.Errorf("unknown identifier took %v, a wrong password %v: the dummy hash is not compared", unknown, known)
		}
	})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
