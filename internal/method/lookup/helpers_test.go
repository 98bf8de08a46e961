package lookup

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/ui"
)

type fixture struct {
	st *store.Store
	m  *Method
	h  *Hasher
}

func newFixture(t *testing.T, dialect string) *fixture {
	t.Helper()
	h, err := NewHasher([]string{"a-very-secret-default-secret-32b"})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, dialect)
	return &fixture{st: st, h: h, m: New(st, h, Options{Now: time.Now})}
}

// hashedConfig is the config Warden stores for codes.
func (fx *fixture) hashedConfig(t *testing.T, codes ...string) json.RawMessage {
	t.Helper()
	salt, err := newSalt()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Salt: encodeSalt(salt)}
	for _, c := range codes {
		cfg.RecoveryCodes = append(cfg.RecoveryCodes, Code{Hash: fx.h.Hash(salt, c)})
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// identityWith stores an identity with a password and, when cfg is not
// nil, a lookup_secret credential with that config.
func (fx *fixture) identityWith(t *testing.T, email string, cfg json.RawMessage) *identity.Identity {
	t.Helper()
	i := &identity.Identity{ID: uuid.New(), SchemaID: "default", State: identity.StateActive,
		Traits: json.RawMessage(`{"email":"` + email + `"}`),
		Credentials: map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {Identifiers: []string{email}, Config: json.RawMessage(`{"hashed_password":"$2a$04$x"}`)},
		}}
	if cfg != nil {
		i.Credentials[identity.CredentialsLookupSecret] = identity.Credentials{Identifiers: []string{i.ID.String()}, Config: cfg}
	}
	if err := fx.st.CreateIdentity(context.Background(), i); err != nil {
		t.Fatal(err)
	}
	return i
}

func aal2Flow(typ flow.Type) *login.Flow {
	return &login.Flow{Base: flow.Base{ID: uuid.New(), Type: typ, UI: ui.NewContainer("http://x/self-service/login")},
		RequestedAAL: session.AAL2}
}

func sessionOf(i *identity.Identity) *session.Session {
	return &session.Session{ID: uuid.New(), IdentityID: i.ID, AAL: session.AAL1, Active: true}
}
