package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
)

// PasswordHasher hashes cleartext passwords given to the admin API.
type PasswordHasher interface {
	Generate(ctx context.Context, pw []byte) ([]byte, error)
}

// ServiceOptions configures a Service.
type ServiceOptions struct {
	// PublicURL is serve.public.base_url; schema_url is built on it.
	PublicURL *url.URL
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ValidateImportedHash checks a hashed_password given to the admin API.
	// Its error text is the 400 reason. Nil accepts the v0.10.1 formats by
	// prefix (foundation §5.3).
	ValidateImportedHash func([]byte) error
}

// Service is the domain logic of the admin identity API: validation against
// the schemas, credential import, derivation of identifiers and addresses.
// Handlers decode and encode; Service decides. Every error it returns is an
// *apierr.Error: 400 for the request, 404/409/503 from the store, 500 for
// the rest. Returned identities carry schema_url and credentials.
type Service struct {
	store        Store
	schemas      *Schemas
	hasher       PasswordHasher
	publicURL    *url.URL
	now          func() time.Time
	validateHash func([]byte) error
}

// NewService wires a Service.
func NewService(store Store, schemas *Schemas, hasher PasswordHasher, o ServiceOptions) *Service {
	s := &Service{store: store, schemas: schemas, hasher: hasher, publicURL: o.PublicURL, now: o.Now, validateHash: o.ValidateImportedHash}
	if s.now == nil {
		s.now = time.Now
	}
	if s.validateHash == nil {
		s.validateHash = defaultValidateImportedHash
	}
	return s
}

// CreateParams is Kratos's adminCreateIdentityBody. The handler decodes it
// strictly (unknown fields such as id or schema_url are a 400).
type CreateParams struct {
	SchemaID            string              `json:"schema_id"`
	Traits              json.RawMessage     `json:"traits"`
	State               State               `json:"state"`
	MetadataPublic      json.RawMessage     `json:"metadata_public"`
	MetadataAdmin       json.RawMessage     `json:"metadata_admin"`
	VerifiableAddresses []VerifiableAddress `json:"verifiable_addresses"`
	RecoveryAddresses   []RecoveryAddress   `json:"recovery_addresses"`
	Credentials         *CredentialsImport  `json:"credentials"`
}

// UpdateParams is Kratos's adminUpdateIdentityBody (PUT), plus v1's
// credentials.
type UpdateParams struct {
	SchemaID       string             `json:"schema_id"`
	Traits         json.RawMessage    `json:"traits"`
	State          State              `json:"state"`
	MetadataPublic json.RawMessage    `json:"metadata_public"`
	MetadataAdmin  json.RawMessage    `json:"metadata_admin"`
	Credentials    *CredentialsImport `json:"credentials"`
}

// SchemaURL is the public URL of a schema (foundation §5.1).
func (s *Service) SchemaURL(id string) string { return SchemaURL(s.publicURL, id) }

// errInvalidState is Kratos's reason for a state other than active/inactive.
func errInvalidState() *apierr.Error { return apierr.BadRequest("identity state is not valid") }

// Create validates and stores a new identity (foundation §5.3). Checks run
// in Kratos's order: state, credentials, schema, traits; then the store
// answers 409 for a used identifier or address.
func (s *Service) Create(ctx context.Context, p CreateParams) (*Identity, error) {
	now := s.now()
	state := StateActive
	if p.State != "" {
		if !p.State.Valid() {
			return nil, errInvalidState()
		}
		state = p.State
	}
	if err := checkMetadata(p.MetadataPublic, p.MetadataAdmin); err != nil {
		return nil, err
	}
	i := &Identity{
		ID:             uuid.New(),
		SchemaID:       p.SchemaID,
		State:          state,
		StateChangedAt: &now,
		MetadataPublic: cloneJSON(p.MetadataPublic),
		MetadataAdmin:  cloneJSON(p.MetadataAdmin),
	}
	if i.SchemaID == "" {
		i.SchemaID = s.schemas.DefaultID()
	}
	// Given addresses survive only when the traits derive the same one;
	// that is how an import marks an address as already verified.
	for _, a := range p.VerifiableAddresses {
		a.ID = uuid.Nil
		a.Value = normalizeAddress(a.Via, a.Value)
		if a.Status == "" {
			a.Status = AddressStatusPending
			if a.Verified {
				a.Status = AddressStatusCompleted
			}
		}
		i.VerifiableAddresses = append(i.VerifiableAddresses, a)
	}
	for _, a := range p.RecoveryAddresses {
		a.ID = uuid.Nil
		a.Value = normalizeAddress(a.Via, a.Value)
		i.RecoveryAddresses = append(i.RecoveryAddresses, a)
	}
	if err := s.importCredentials(ctx, i, p.Credentials, now); err != nil {
		return nil, err
	}
	if err := s.ApplyTraits(i, p.Traits); err != nil {
		return nil, err
	}
	if err := s.store.CreateIdentity(ctx, i); err != nil {
		return nil, storeError("create identity", err)
	}
	return i, nil
}

// Update replaces an identity's traits, metadata and (when given) state and
// schema, with PUT semantics (foundation §5.3): omitted metadata becomes
// null, an empty schema_id keeps the current one, credentials are kept
// unless v1's credentials member imports new ones.
func (s *Service) Update(ctx context.Context, id uuid.UUID, p UpdateParams) (*Identity, error) {
	i, err := s.store.FindIdentityByID(ctx, id, true)
	if err != nil {
		return nil, storeError("find identity", err)
	}
	now := s.now()
	if p.SchemaID != "" {
		i.SchemaID = p.SchemaID
	}
	if p.State != "" && p.State != i.State {
		if !p.State.Valid() {
			return nil, errInvalidState()
		}
		i.State = p.State
		i.StateChangedAt = &now
	}
	if err := checkMetadata(p.MetadataPublic, p.MetadataAdmin); err != nil {
		return nil, err
	}
	i.MetadataPublic = cloneJSON(p.MetadataPublic)
	i.MetadataAdmin = cloneJSON(p.MetadataAdmin)
	if err := s.importCredentials(ctx, i, p.Credentials, now); err != nil {
		return nil, err
	}
	return s.save(ctx, i, p.Traits)
}

// save re-derives everything from traits and persists an existing identity.
func (s *Service) save(ctx context.Context, i *Identity, traits json.RawMessage) (*Identity, error) {
	if err := s.ApplyTraits(i, traits); err != nil {
		return nil, err
	}
	if err := s.store.UpdateIdentity(ctx, i); err != nil {
		return nil, storeError("update identity", err)
	}
	return i, nil
}

// checkMetadata refuses metadata that is not JSON. Any JSON value is fine
// and is stored exactly as given (foundation §5.1).
func checkMetadata(docs ...json.RawMessage) error {
	for _, d := range docs {
		if len(d) > 0 && !json.Valid(d) {
			return apierr.BadRequest("metadata_public and metadata_admin must be valid JSON.")
		}
	}
	return nil
}

// cloneJSON copies caller-owned bytes; nil stays nil (stored as SQL NULL,
// shown as null).
func cloneJSON(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage{}, b...)
}

// storeError keeps the store's *apierr.Error (404, 409, 503) and makes
// anything else a logged 500.
func storeError(op string, err error) error {
	if e := apierr.As(err); e != nil {
		return e
	}
	return apierr.Internal(fmt.Errorf("identity: %s: %w", op, err))
}
