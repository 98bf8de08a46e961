package password

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/registration"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// Identities is what the method reads and writes.
type Identities interface {
	// FindIdentityByCredentialsIdentifier finds the owner of a normalised
	// password identifier, with credentials; 404 *apierr.Error if none.
	FindIdentityByCredentialsIdentifier(ctx context.Context, t identity.CredentialsType, identifier string) (*identity.Identity, error)
	FindIdentityByID(ctx context.Context, id uuid.UUID, withCredentials bool) (*identity.Identity, error)
	// UpdateIdentity stores a re-hashed password (hash upgrade).
	UpdateIdentity(ctx context.Context, i *identity.Identity) error
}

// Traits validates traits and derives identifiers and addresses
// (*identity.Service).
type Traits interface {
	ApplyTraits(i *identity.Identity, traits json.RawMessage) error
}

// Policy is the password policy (package policy): nil, a *policy.Violation,
// or another error when the check itself failed.
type Policy interface {
	Validate(ctx context.Context, identifiers []string, password string) error
}

// Method is the password method. It is safe for concurrent use.
type Method struct {
	identities Identities
	traits     Traits
	hasher     hash.Hasher
	dummy      *hash.Dummy
	policy     Policy
	schemaID   string
	fields     []flow.TraitField
	now        func() time.Time
}

var (
	_ login.Method        = (*Method)(nil)
	_ registration.Method = (*Method)(nil)
)

// Options configure New.
type Options struct {
	// SchemaID is the schema of identities created by registration
	// (identity.default_schema_id); Schema is its raw JSON, from which the
	// registration form is built.
	SchemaID string
	Schema   []byte
	Now      func() time.Time
}

// New builds the method. dummy must come from hash.NewDummy(hasher).
func New(identities Identities, traits Traits, hasher hash.Hasher, dummy *hash.Dummy, policy Policy, o Options) (*Method, error) {
	if dummy == nil {
		return nil, errors.New("password: a dummy hash is required (hash.NewDummy)")
	}
	fields, err := flow.TraitFields(o.Schema)
	if err != nil {
		return nil, fmt.Errorf("password: %w", err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Method{identities: identities, traits: traits, hasher: hasher, dummy: dummy, policy: policy,
		schemaID: o.SchemaID, fields: fields, now: o.Now}, nil
}

// Name is "password".
func (m *Method) Name() identity.CredentialsType { return identity.CredentialsPassword }

// AAL is aal1: a password is a first factor.
func (m *Method) AAL() session.AAL { return session.AAL1 }

// Fields are the trait fields of the registration form.
func (m *Method) Fields() []flow.TraitField { return m.fields }

// hashOf returns the stored hash of i's password credential, "" when the
// identity has none or its config is empty or unreadable.
func hashOf(i *identity.Identity) string {
	c, ok := i.Credentials[identity.CredentialsPassword]
	if !ok || len(c.Config) == 0 {
		return ""
	}
	var cfg identity.PasswordConfig
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		return ""
	}
	return cfg.HashedPassword
}

// setHash stores h as i's password hash, keeping identifiers.
func setHash(i *identity.Identity, h []byte) error {
	cfg, err := json.Marshal(identity.PasswordConfig{HashedPassword: string(h)})
	if err != nil {
		return fmt.Errorf("password: encode config: %w", err)
	}
	c := i.Credentials[identity.CredentialsPassword]
	c.Type = identity.CredentialsPassword
	c.Config = cfg
	if c.Identifiers == nil {
		c.Identifiers = []string{}
	}
	if i.Credentials == nil {
		i.Credentials = map[identity.CredentialsType]identity.Credentials{}
	}
	i.Credentials[identity.CredentialsPassword] = c
	return nil
}
