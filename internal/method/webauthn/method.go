package webauthn

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// Store is what the method reads and writes.
type Store interface {
	// FindIdentityByID loads an identity, with credentials when asked.
	FindIdentityByID(ctx context.Context, id uuid.UUID, withCredentials bool) (*identity.Identity, error)
	// FindIdentityByCredentialsIdentifier finds the owner of a webauthn
	// identifier (404 when none), credentials included.
	FindIdentityByCredentialsIdentifier(ctx context.Context, t identity.CredentialsType, identifier string) (*identity.Identity, error)
	// UseWebAuthnChallenge records an answered challenge by its hash; false
	// (nothing written) when it was answered before.
	UseWebAuthnChallenge(ctx context.Context, challengeHash string, expiresAt time.Time) (bool, error)
	// EditWebAuthnConfig rewrites the identity's webauthn config in place,
	// serialised with settings updates of the identity.
	EditWebAuthnConfig(ctx context.Context, identityID uuid.UUID, edit func(config []byte) ([]byte, bool, error)) error
}

// Schemas finds identity schemas (the webauthn identifiers, §5.4 step 5).
type Schemas interface {
	Get(id string) (*identity.Schema, bool)
}

// Options configure New (selfservice.methods.webauthn.config).
type Options struct {
	RPID          string   // rp.id
	RPDisplayName string   // rp.display_name
	Origins       []string // rp.origins (v1), or [rp.origin]
	// Passwordless makes WebAuthn a first factor (aal1) instead of a second
	// one (aal2), for login and for the keys settings registers.
	Passwordless bool
	// NativeFlows serves API flows too (beyond Kratos): their nodes carry
	// the options in the trigger's value and the client posts the
	// credential as JSON (README, "Differences from Kratos").
	NativeFlows bool
	// Secret is secrets.default[0]: it keys the derived challenges.
	Secret string
	// ScriptURL is PUBLIC/.well-known/ory/webauthn.js.
	ScriptURL string
	Now       func() time.Time
}

// Method is the webauthn method of the login flow; NewSettings makes its
// settings method. It is safe for concurrent use.
type Method struct {
	store   Store
	schemas Schemas
	rp      *webauthn.WebAuthn
	key     []byte
	script  Script
	o       Options
}

var _ login.Method = (*Method)(nil)

// New builds the method; a relying party go-webauthn refuses (no id or
// display name, a bad origin) is an error, as is an empty secret.
func New(store Store, schemas Schemas, o Options) (*Method, error) {
	if o.Secret == "" {
		return nil, errors.New("webauthn: secrets.default is empty")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	uv := protocol.VerificationDiscouraged // as Kratos: a second factor is about possession
	if o.Passwordless {
		uv = protocol.VerificationPreferred // a first factor asks for the PIN or biometrics it has
	}
	rp, err := webauthn.New(&webauthn.Config{
		RPID:                   o.RPID,
		RPDisplayName:          o.RPDisplayName,
		RPOrigins:              o.Origins,
		AttestationPreference:  protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{UserVerification: uv},
	})
	if err != nil {
		return nil, fmt.Errorf("webauthn: relying party: %w", err)
	}
	mac := hmac.New(sha256.New, []byte(o.Secret))
	mac.Write([]byte("warden webauthn challenge key v1"))
	return &Method{store: store, schemas: schemas, rp: rp, key: mac.Sum(nil), script: NewScript(), o: o}, nil
}

// Name is "webauthn".
func (m *Method) Name() identity.CredentialsType { return identity.CredentialsWebAuthn }

// AAL is aal1 for passwordless logins, else aal2 (foundation §3.2).
func (m *Method) AAL() session.AAL {
	if m.o.Passwordless {
		return session.AAL1
	}
	return session.AAL2
}

// Ceremony purposes, part of the derived challenge.
const (
	purposeLogin    = "login"
	purposeRegister = "register"
)

// challenge is the challenge of one ceremony: HMAC-SHA-256 under a key
// derived from secrets.default, over the purpose, the flow id and the
// identity id. Kratos stores a random challenge in the flow's internal
// context; Warden derives it instead, so showing a flow writes nothing and
// the challenge is still the server's alone: unpredictable without the
// secret, bound to one flow (a random UUID) and one identity, and never
// read from the client. A login's challenge is answered once
// (Store.UseWebAuthnChallenge); a registration's adds one key, once (a
// key already registered is refused).
func (m *Method) challenge(purpose string, flowID, identityID uuid.UUID) []byte {
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte(purpose))
	mac.Write([]byte{0})
	mac.Write(flowID[:])
	mac.Write(identityID[:])
	return mac.Sum(nil)
}

// challengeHash is how the store remembers an answered challenge.
func challengeHash(c []byte) string {
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:])
}

// user is a WebAuthn user: the identity's handle, name and keys.
type user struct {
	handle []byte
	name   string
	keys   []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return u.handle }
func (u *user) WebAuthnName() string                       { return u.name }
func (u *user) WebAuthnDisplayName() string                { return u.name }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.keys }

// optionsJSON is the options as the browser script and native clients
// take them: {"publicKey": {…}}.
func optionsJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("webauthn: encode options: %w", err)
	}
	return string(b), nil
}

// identifiers are the identity's webauthn identifiers, from its schema
// (the traits marked credentials.webauthn.identifier), else as stored.
func (m *Method) identifiers(i *identity.Identity) []string {
	if m.schemas != nil {
		if sch, ok := m.schemas.Get(i.SchemaID); ok {
			if ex, err := sch.Validate(i.Traits); err == nil {
				return ex.WebAuthnIdentifiers
			}
		}
	}
	if c, ok := i.Credentials[identity.CredentialsWebAuthn]; ok {
		return c.Identifiers
	}
	return nil
}
