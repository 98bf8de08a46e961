package identity

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// State is an identity's state.
type State string

const (
	StateActive   State = "active"
	StateInactive State = "inactive"
)

// Valid reports whether s is a state Kratos knows.
func (s State) Valid() bool { return s == StateActive || s == StateInactive }

// CredentialsType names a credential method. Wire values.
type CredentialsType string

const (
	CredentialsPassword     CredentialsType = "password"
	CredentialsOIDC         CredentialsType = "oidc"
	CredentialsTOTP         CredentialsType = "totp"
	CredentialsLookupSecret CredentialsType = "lookup_secret"
	CredentialsWebAuthn     CredentialsType = "webauthn"
)

// AddressVia is how an address is reached.
type AddressVia string

const (
	ViaEmail AddressVia = "email"
	ViaPhone AddressVia = "phone"
)

// Verifiable address statuses.
const (
	AddressStatusPending   = "pending"
	AddressStatusSent      = "sent"
	AddressStatusCompleted = "completed"
)

// Identity is a person (or machine) known to Warden. JSON tags are Kratos's
// (foundation §5.1). Handlers decide which parts a response may show: see
// Public (no credentials, no metadata_admin) and Admin.
type Identity struct {
	ID                  uuid.UUID                       `json:"id"`
	SchemaID            string                          `json:"schema_id"`
	SchemaURL           string                          `json:"schema_url"`
	State               State                           `json:"state"`
	StateChangedAt      *time.Time                      `json:"state_changed_at,omitempty"`
	Traits              json.RawMessage                 `json:"traits"`
	VerifiableAddresses []VerifiableAddress             `json:"verifiable_addresses,omitempty"`
	RecoveryAddresses   []RecoveryAddress               `json:"recovery_addresses,omitempty"`
	MetadataPublic      json.RawMessage                 `json:"metadata_public"`
	MetadataAdmin       json.RawMessage                 `json:"metadata_admin,omitempty"`
	Credentials         map[CredentialsType]Credentials `json:"credentials,omitempty"`
	CreatedAt           time.Time                       `json:"created_at"`
	UpdatedAt           time.Time                       `json:"updated_at"`
}

// Credentials is one credential of an identity. Config is the method's own
// JSON (e.g. {"hashed_password":"…"}); it is never shown on the wire except
// where Kratos does (include_credential=oidc).
type Credentials struct {
	ID          uuid.UUID       `json:"-"`
	Type        CredentialsType `json:"type"`
	Identifiers []string        `json:"identifiers"`
	Config      json.RawMessage `json:"config,omitempty"`
	Version     int             `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// VerifiableAddress is an address that can be verified (foundation §5.1).
type VerifiableAddress struct {
	ID         uuid.UUID  `json:"id"`
	Value      string     `json:"value"`
	Verified   bool       `json:"verified"`
	Via        AddressVia `json:"via"`
	Status     string     `json:"status"`
	VerifiedAt *time.Time `json:"verified_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// RecoveryAddress is an address that can receive recovery messages.
type RecoveryAddress struct {
	ID        uuid.UUID  `json:"id"`
	Value     string     `json:"value"`
	Via       AddressVia `json:"via"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Public is the identity as whoami, sessions and the identity list show it:
// no credentials and no metadata_admin (foundation §5.1).
func (i Identity) Public() Identity {
	i.Credentials = nil
	i.MetadataAdmin = nil
	return i
}

// WithoutCredentialConfig drops every credential's config, as admin get does
// unless include_credential asks for one.
func (i Identity) WithoutCredentialConfig() Identity {
	if i.Credentials == nil {
		return i
	}
	c := make(map[CredentialsType]Credentials, len(i.Credentials))
	for k, v := range i.Credentials {
		v.Config = nil
		c[k] = v
	}
	i.Credentials = c
	return i
}
