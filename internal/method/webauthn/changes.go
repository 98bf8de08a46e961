package webauthn

import (
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/session"
)

// Change is what one settings submission does to the identity's security
// keys, if its update is stored.
type Change struct {
	// Added says a key is added; AAL is then the level it proves (aal1
	// for a passwordless key, else aal2): the session's AMR gains
	// {webauthn, AAL} (§5.4 step 7, §13 Q18).
	Added bool
	AAL   session.AAL
	// RemovedID is the raw id of the key a removal takes away.
	RemovedID []byte
}

// Changes hears, per submitted flow, what webauthn settings submissions
// do. The settings flow gives methods no session, yet adding a key must
// upgrade it and, beyond Kratos, adding or removing one revokes the
// identity's other sessions and an aal1 session may not remove the last
// second factor: the app does that from after-settings hooks that know the
// session (internal/app/webauthn.go), as for TOTP (totp.Changes). Every
// submission first clears its flow's entry.
type Changes interface {
	// ClearWebAuthnChange forgets what flowID's earlier submissions did.
	ClearWebAuthnChange(flowID uuid.UUID)
	// RecordWebAuthnChange says flowID's submission makes change c.
	RecordWebAuthnChange(flowID uuid.UUID, c Change)
}
