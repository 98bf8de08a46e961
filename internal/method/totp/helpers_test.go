package totp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	stdtotp "github.com/pquerna/otp/totp"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/ui"
)

// testSchema marks traits.email as the TOTP account name, as the compat
// schema does.
const testSchema = `{"$id":"https://example.invalid/s.json","$schema":"http://json-schema.org/draft-07/schema#",
"type":"object","properties":{"traits":{"type":"object","properties":{
"email":{"type":"string","ory.sh/kratos":{"credentials":{"totp":{"account_name":true}}}},
"nick":{"type":"string"}}}}}`

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// fixture is a store on a fresh SQLite file, a method on a test clock and
// the schemas.
type fixture struct {
	st      *store.Store
	m       *Method
	clk     *clock
	schemas *identity.Schemas
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	schemas, err := identity.LoadSchemas(context.Background(), []identity.SchemaSource{
		{ID: "default", URL: "base64://" + base64.StdEncoding.EncodeToString([]byte(testSchema))},
	}, "default", nil)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, store.DialectSQLite)
	clk := &clock{t: time.Date(2024, 5, 1, 12, 0, 10, 0, time.UTC)}
	return &fixture{st: st, clk: clk, schemas: schemas,
		m: New(st, schemas, Options{Issuer: "Warden Test", Now: clk.now})}
}

// identityWith stores an identity with a password and, when key is not
// nil, a TOTP credential for it.
func (fx *fixture) identityWith(t *testing.T, email string, key *otp.Key) *identity.Identity {
	t.Helper()
	i := &identity.Identity{ID: uuid.New(), SchemaID: "default", State: identity.StateActive,
		Traits: json.RawMessage(`{"email":"` + email + `"}`),
		Credentials: map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {Identifiers: []string{email}, Config: json.RawMessage(`{"hashed_password":"$2a$04$x"}`)},
		}}
	if key != nil {
		c, err := credential(i.ID, uuid.Nil, key.URL())
		if err != nil {
			t.Fatal(err)
		}
		i.Credentials[identity.CredentialsTOTP] = c
	}
	if err := fx.st.CreateIdentity(context.Background(), i); err != nil {
		t.Fatal(err)
	}
	return i
}

func testKey(t *testing.T) *otp.Key {
	t.Helper()
	k, err := newKey("Warden Test", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// codeAt is the key's code at t.
func codeAt(t *testing.T, k *otp.Key, at time.Time) string {
	t.Helper()
	c, err := stdtotp.GenerateCodeCustom(k.Secret(), at, codeOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// aal2Flow is a fresh aal2 login flow of type typ.
func aal2Flow(typ flow.Type) *login.Flow {
	return &login.Flow{Base: flow.Base{ID: uuid.New(), Type: typ, UI: ui.NewContainer("http://x/self-service/login")},
		RequestedAAL: session.AAL2}
}

// sessionOf is an aal1 session of i.
func sessionOf(i *identity.Identity) *session.Session {
	return &session.Session{ID: uuid.New(), IdentityID: i.ID, AAL: session.AAL1, Active: true}
}
