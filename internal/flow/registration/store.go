package registration

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// Store persists registration flows. Errors are *apierr.Error: 404 for an
// unknown id, 503 when the database is unreachable.
type Store interface {
	// CreateRegistrationFlow inserts f. The csrf_token node's value is never
	// stored (D16).
	CreateRegistrationFlow(ctx context.Context, f *Flow) error
	// GetRegistrationFlow loads a registration flow.
	GetRegistrationFlow(ctx context.Context, id uuid.UUID) (*Flow, error)
	// UpdateRegistrationFlow saves f's mutable fields (ui, active, state).
	UpdateRegistrationFlow(ctx context.Context, f *Flow) error
}

// Identities stores the new identity. CreateIdentity answers 409 when an
// identifier or address is taken (atomically: the unique indexes decide).
type Identities interface {
	CreateIdentity(ctx context.Context, i *identity.Identity) error
	DeleteIdentity(ctx context.Context, id uuid.UUID) error
}

// Sessions is what registration needs from the session manager.
type Sessions interface {
	// FromRequest returns the request's session, or a 401 *apierr.Error.
	FromRequest(ctx context.Context, r *http.Request) (*session.Session, error)
	NewSession(i *identity.Identity) *session.Session
	Authenticate(ctx context.Context, s *session.Session, i *identity.Identity, method identity.CredentialsType, aal session.AAL) error
	// Save inserts s and sets s.Token.
	Save(ctx context.Context, s *session.Session) error
	IssueCookie(w http.ResponseWriter, s *session.Session)
}

// Method is a registration method (password today).
type Method interface {
	// Name is the body's "method" value the method answers and the AMR
	// method of the session the session hook creates.
	Name() identity.CredentialsType
	// PopulateRegistration adds the method's nodes to a new flow.
	PopulateRegistration(ctx context.Context, f *Flow) error
	// Register checks a submission and returns the new identity, not yet
	// stored, with its credentials. Wrong input is a *flow.FormError or an
	// error wrapping *identity.ValidationError. Before returning an error
	// the method leaves the submitted traits (never secrets) in the nodes.
	Register(ctx context.Context, f *Flow, body map[string]any) (*identity.Identity, error)
}
