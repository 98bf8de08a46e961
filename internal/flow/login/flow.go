package login

import (
	"time"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/session"
)

// Flow is Kratos's selfServiceLoginFlow (foundation §1.2), plus v1's state
// and organization_id (D1).
type Flow struct {
	flow.Base
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Refresh is "forced": the user must sign in again even with a session.
	Refresh      bool        `json:"refresh"`
	RequestedAAL session.AAL `json:"requested_aal"`
	// OrganizationID is v1's; Warden has no organizations, so it is null.
	OrganizationID *string `json:"organization_id"`
}
