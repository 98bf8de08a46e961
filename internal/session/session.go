package session

import (
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
)

// AAL is an authenticator assurance level. Wire values; they compare as
// strings in the order aal0 < aal1 < aal2 < aal3, as Kratos compares them.
type AAL string

const (
	AAL0 AAL = "aal0"
	AAL1 AAL = "aal1"
	AAL2 AAL = "aal2"
	AAL3 AAL = "aal3"
)

// AuthenticationMethod is one AMR entry.
type AuthenticationMethod struct {
	Method      identity.CredentialsType `json:"method"`
	AAL         AAL                      `json:"aal"`
	CompletedAt time.Time                `json:"completed_at"`
}

// Device is a v1 session device (additive: D1).
type Device struct {
	ID        uuid.UUID `json:"id"`
	IPAddress *string   `json:"ip_address"`
	UserAgent *string   `json:"user_agent"`
	Location  *string   `json:"location"`
}

// Session is Kratos's session object (foundation §3.1). Tokens are never
// serialised; they exist in plain text only in memory right after issue,
// and as hashes in the store (D16).
type Session struct {
	ID              uuid.UUID              `json:"id"`
	Active          bool                   `json:"active"`
	ExpiresAt       time.Time              `json:"expires_at"`
	AuthenticatedAt time.Time              `json:"authenticated_at"`
	AAL             AAL                    `json:"authenticator_assurance_level"`
	AMR             []AuthenticationMethod `json:"authentication_methods"`
	IssuedAt        time.Time              `json:"issued_at"`
	// Identity is the declassified identity (no credentials, no
	// metadata_admin); nil in the aal2-required login answer.
	Identity *identity.Identity `json:"identity"`
	Devices  []Device           `json:"devices"`

	IdentityID uuid.UUID `json:"-"`
	// Token is the plain session token: set when just issued (Save) and on
	// sessions found by Manager.FromRequest (the token the request carried).
	Token string `json:"-"`
	// LogoutToken is the plain logout token, set only when just issued;
	// LogoutTokenFor derives it from Token at any time.
	LogoutToken string `json:"-"`
	// IdentityAvailableAAL is the identity's highest available AAL (§3.2),
	// as stored with the identity; see Manager.HighestAvailableAAL.
	IdentityAvailableAAL AAL `json:"-"`
	// CreatedAt is when the row was inserted (list order; never on the wire).
	CreatedAt time.Time `json:"-"`
}
