package totp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// Store is what the method reads and writes.
type Store interface {
	// FindIdentityByID loads an identity, with credentials when asked.
	FindIdentityByID(ctx context.Context, id uuid.UUID, withCredentials bool) (*identity.Identity, error)
	// RecordTOTPStep remembers that credentialID of identityID accepted a
	// code of step; false (nothing written) when that step or a later one
	// was accepted before. Exactly one of parallel calls with one step wins.
	RecordTOTPStep(ctx context.Context, identityID, credentialID uuid.UUID, step int64) (bool, error)
}

// Schemas finds identity schemas (the account_name trait, §5.3).
type Schemas interface {
	Get(id string) (*identity.Schema, bool)
}

// Options configure New.
type Options struct {
	// Issuer is selfservice.methods.totp.config.issuer (default: the
	// public URL's hostname, set by the caller).
	Issuer string
	Now    func() time.Time
}

// Method is the totp method. It is safe for concurrent use.
type Method struct {
	store   Store
	schemas Schemas
	issuer  string
	now     func() time.Time
}

var _ login.Method = (*Method)(nil)

// New builds the method.
func New(store Store, schemas Schemas, o Options) *Method {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Method{store: store, schemas: schemas, issuer: o.Issuer, now: o.Now}
}

// Name is "totp".
func (m *Method) Name() identity.CredentialsType { return identity.CredentialsTOTP }

// AAL is aal2: TOTP is a second factor.
func (m *Method) AAL() session.AAL { return session.AAL2 }

// accountName is the trait marked credentials.totp.account_name in i's
// schema, else the identity id (§5.3).
func (m *Method) accountName(i *identity.Identity) string {
	if m.schemas != nil {
		if sch, ok := m.schemas.Get(i.SchemaID); ok {
			if ex, err := sch.Validate(i.Traits); err == nil && ex.TOTPAccountName != "" {
				return ex.TOTPAccountName
			}
		}
	}
	return i.ID.String()
}

// credential is the totp credential of identity id for key URL u.
func credential(id, credID uuid.UUID, u string) (identity.Credentials, error) {
	cfg, err := json.Marshal(Config{TOTPURL: u})
	if err != nil {
		return identity.Credentials{}, fmt.Errorf("totp: encode config: %w", err)
	}
	return identity.Credentials{ID: credID, Type: identity.CredentialsTOTP, Identifiers: []string{id.String()}, Config: cfg}, nil
}
