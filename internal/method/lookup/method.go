package lookup

import (
	"context"
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
	// UseLookupSecret spends the code with key codeKey of credentialID:
	// true when this call spent it, false (nothing written) when it was
	// spent before, a 404 when the credential does not exist (any more).
	// Exactly one of parallel calls with one code wins.
	UseLookupSecret(ctx context.Context, identityID, credentialID uuid.UUID, codeKey string) (time.Time, bool, error)
	// LookupSecretUses returns when each spent code of credentialID was
	// used, by code key.
	LookupSecretUses(ctx context.Context, identityID, credentialID uuid.UUID) (map[string]time.Time, error)
}

// Options configure New.
type Options struct {
	Now func() time.Time
}

// Method is the lookup_secret method. It is safe for concurrent use.
type Method struct {
	store  Store
	hasher *Hasher
	now    func() time.Time
}

var _ login.Method = (*Method)(nil)

// New builds the method; hasher comes from NewHasher(secrets.default).
func New(store Store, hasher *Hasher, o Options) *Method {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Method{store: store, hasher: hasher, now: o.Now}
}

// Name is "lookup_secret".
func (m *Method) Name() identity.CredentialsType { return identity.CredentialsLookupSecret }

// AAL is aal2: backup codes stand in for a second factor.
func (m *Method) AAL() session.AAL { return session.AAL2 }
