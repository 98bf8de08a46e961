package settings

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// States of a settings flow (§3.1). A flow never goes back from success to
// show_form, even when a later submission fails (§13 Q5).
const (
	StateShowForm flow.State = "show_form"
	StateSuccess  flow.State = "success"
)

// Flow is Kratos's selfServiceSettingsFlow (§3.1), plus v1's continue_with
// and transient_payload (D1). It has no created_at/updated_at on the wire.
type Flow struct {
	flow.Base
	// Identity is the identity the flow belongs to, as currently stored,
	// in its public view (no credentials, no metadata_admin, §3.7). It is
	// taken from the request's session whenever the flow is shown, never
	// stored with the flow.
	Identity *identity.Identity `json:"identity"`
	// ContinueWith is set only on a browser flow's success answer (D5).
	ContinueWith []flow.ContinueWith `json:"continue_with,omitempty"`
	// TransientPayload is echoed from the submission (v1), never stored.
	TransientPayload map[string]any `json:"transient_payload,omitempty"`

	// IdentityID owns the flow; only its sessions may see or submit it (D8).
	IdentityID uuid.UUID `json:"-"`
	CreatedAt  time.Time `json:"-"`
	UpdatedAt  time.Time `json:"-"`
}

// Method is a settings method (profile, password, totp, lookup_secret,
// webauthn). Methods are safe for concurrent use.
type Method interface {
	// Name is the strategy id (§5.0): the body's "method" value, the node
	// group, and the key of the after.<method> configuration.
	Name() string
	// PopulateSettings adds the method's nodes for identity i (public view)
	// to a flow that is being created. creds are i's credentials as the
	// flow will find them: as stored for a new flow, and as the update
	// leaves them for the flow that follows a success (it is built inside
	// the update's transaction, so it must not use the store). creds is
	// nil unless some enabled method is a CredentialsReader.
	PopulateSettings(ctx context.Context, f *Flow, i *identity.Identity, creds map[identity.CredentialsType]identity.Credentials) error
	// Settings checks a submission addressed to the method, in Kratos's
	// order (§5.0): the body's shape, then s.Check (CSRF or the API-flow
	// rules), then the privileged session, then the semantics. Bad input is
	// a *flow.FormError or an error wrapping *identity.ValidationError, with
	// the submitted non-secret values left in the flow's nodes; a missing
	// privilege is a *PrivilegeError. Nothing is stored.
	Settings(ctx context.Context, s *Submission) (*Update, error)
}

// NodeKeeper is an optional Method interface. A method whose nodes stay
// valid while other methods update the identity (TOTP's pending key and QR
// code, say) returns true, and the flow that follows another method's
// success copies its nodes from the submitted flow instead of populating
// them again: work for methods a request does not touch is not redone
// (issue 4; Kratos regenerates every method's nodes).
type NodeKeeper interface {
	KeepsSettingsNodes() bool
}

// CredentialsReader is an optional Method interface: a method whose nodes
// depend on the identity's credentials (which second factors it has) says
// so, and the flow reads them once per flow it builds for PopulateSettings.
type CredentialsReader interface {
	ReadsCredentials() bool
}

// Submission is one settings submission handed to a method.
type Submission struct {
	Flow *Flow
	// Session is the request's session (active, of the flow's identity).
	// Methods must not change it: the flow records what an update proves
	// (Update.Completed).
	Session *session.Session
	// Identity is the session's identity: public view, traits and
	// addresses, no credentials. Methods must not write it back as is.
	Identity *identity.Identity
	Body     map[string]any
	// Privileged reports whether the session may change protected fields
	// (authenticated_at + privileged_session_max_age ≥ now, §6.1).
	Privileged bool
	// Check applies the CSRF rules of browser flows and the browser
	// indicator rules of API flows (§7.3).
	Check func() error
}

// Update is what an accepted submission changes.
type Update struct {
	// ReturnToUI says the method only changed the flow (Kratos's lookup
	// reveal and regenerate): the flow is saved and shown again, not
	// succeeded, and nothing else is written (§2.6 step 5, §2.7 row 12).
	// Traits and Apply are ignored.
	ReturnToUI bool
	// Traits are the identity's traits after the update; the flow that
	// follows the success shows them.
	Traits json.RawMessage
	// Apply turns the identity's stored credentials, read inside the write
	// transaction, into the identity to store: the complete credentials
	// map, and the traits and addresses, or nil Traits to leave those as
	// stored (see Store.CommitSettings). It runs once per attempt of the
	// transaction and must not keep state between calls. An error (a
	// *PrivilegeError, a form error) aborts the transaction.
	Apply func(stored map[identity.CredentialsType]identity.Credentials) (*identity.Identity, error)
	// Completed is the factor the submission proved (a TOTP code of a new
	// device, new backup codes, a new security key), nil when none. Once
	// the update is stored, the flow appends it to the session's AMR with
	// the time of the update and recomputes the session's AAL (§13 Q18),
	// before the post-persist hooks run and the answer is written;
	// authenticated_at does not move, and removing a factor never
	// downgrades a session.
	Completed *session.AuthenticationMethod
	// FactorChanged says the update adds, changes or removes a credential
	// that proves the user (a password, a second factor). Once it is
	// stored, the identity's other sessions are revoked when
	// Options.RevokeOtherSessionsAfter is on for the method (beyond
	// Kratos: whoever held another session did not see the change).
	FactorChanged bool
}

// PrivilegeError says the update needs a privileged session (§6.1). The
// answer is session_refresh_required; the submission is kept for replay
// after the refresh login for browser flows, and for API flows too when
// PauseAPI is set (the profile method does, as Kratos, §13 Q19).
type PrivilegeError struct {
	PauseAPI bool
}

func (e *PrivilegeError) Error() string {
	return "settings: the update needs a privileged session"
}
