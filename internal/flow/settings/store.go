package settings

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// Store persists settings flows and continuity containers. Errors are
// *apierr.Error: 404 for an unknown id (or one of another network, or a
// flow of another kind), 409 for a unique violation, 503 when the database
// is unreachable.
type Store interface {
	// CreateSettingsFlow inserts f (its IdentityID, not Identity). The
	// csrf_token node's value is never stored (D16).
	CreateSettingsFlow(ctx context.Context, f *Flow) error
	// GetSettingsFlow loads a settings flow; Identity is left nil.
	GetSettingsFlow(ctx context.Context, id uuid.UUID) (*Flow, error)
	// UpdateSettingsFlow saves f's mutable fields (ui, state, active).
	UpdateSettingsFlow(ctx context.Context, f *Flow) error
	// CommitSettings writes a successful update in one transaction: it
	// locks the identity against other settings updates, reads its
	// credentials, calls c.Apply, and writes what Apply returned: the
	// identity, the submitted flow (state, ui) and the new flow. Of the
	// identity, the credentials (with identifiers) replace the stored ones;
	// traits and addresses are written only when Traits is non-nil (a
	// password change leaves them as stored, so it cannot undo a
	// concurrent profile change). Addresses are matched to the stored ones
	// by via and value, and a stored address keeps its id and verification
	// state. It returns the identity as stored (address ids and states,
	// updated_at). When Apply fails, the flow is not the identity's, or an
	// identifier is taken (409), nothing is written, and Apply's error is
	// returned as is.
	CommitSettings(ctx context.Context, c *Commit) (*identity.Identity, error)
	// IdentityCredentials reads the identity's credentials (with
	// identifiers); an identity without any has an empty map.
	IdentityCredentials(ctx context.Context, identityID uuid.UUID) (map[identity.CredentialsType]identity.Credentials, error)
	ContinuityStore
}

// Commit is one successful settings update; see Store.CommitSettings.
type Commit struct {
	IdentityID uuid.UUID
	// Apply turns the stored credentials, read inside the transaction,
	// into what is written. It runs once per attempt of the transaction,
	// with the identity locked: it must not use the store.
	Apply func(stored map[identity.CredentialsType]identity.Credentials) (*Applied, error)
}

// Applied is what one attempt of a Commit writes.
type Applied struct {
	// Identity is the identity to store (see Update.Apply).
	Identity *identity.Identity
	// Flow is the submitted flow in its success state; it must belong to
	// the commit's identity. Next is the flow Flow's ui.action now points
	// at (§8.2).
	Flow, Next *Flow
}

// Sessions is what the settings flow needs from the session manager.
type Sessions interface {
	// FromRequest returns the request's session with its identity (public
	// view, addresses, no credentials), or a 401 *apierr.Error.
	FromRequest(ctx context.Context, r *http.Request) (*session.Session, error)
	// CheckAAL is nil when s satisfies required ("aal1" or
	// "highest_available"), else session_aal2_required.
	CheckAAL(s *session.Session, required string) error
	// IssueCookie sets the session cookie again (D5).
	IssueCookie(w http.ResponseWriter, s *session.Session)
	// RevokeOtherSessions deactivates the identity's sessions but keep.
	RevokeOtherSessions(ctx context.Context, identityID, keep uuid.UUID) (int64, error)
	// AddAuthenticationMethod appends m to the stored AMR of s and
	// recomputes its AAL, keeping authenticated_at; s is updated to what
	// was stored. A session that is gone or no longer active (logged out
	// meanwhile) is left alone, without an error.
	AddAuthenticationMethod(ctx context.Context, s *session.Session, m session.AuthenticationMethod) error
}
