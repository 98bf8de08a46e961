package registration

import (
	"github.com/warden-id/warden/internal/flow"
)

// Flow is Kratos's selfServiceRegistrationFlow (foundation §2.2), plus v1's
// state and organization_id (D1). It has no created_at/updated_at on the
// wire.
type Flow struct {
	flow.Base
	// OrganizationID is v1's; Warden has no organizations, so it is null.
	OrganizationID *string `json:"organization_id"`
}
