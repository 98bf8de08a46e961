package lookup

import (
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
)

// Changes hears what a settings submission did to the identity's second
// factors, keyed by the submitted flow. The settings flow gives methods no
// session, yet adding a factor must upgrade the session (§13 Q18) and,
// beyond Kratos, adding or removing one revokes the identity's other
// sessions: the app applies both once the update is stored, from an
// after-settings hook that knows the session (internal/app/mfa.go).
//
// Every submission first clears its flow's entry, so an entry never
// outlives the submission that made it.
type Changes interface {
	// ClearFactorChange forgets what flowID's earlier submissions did.
	ClearFactorChange(flowID uuid.UUID)
	// RecordFactorChange says flowID's submission adds (added) or removes
	// the method's factor, if the update is stored.
	RecordFactorChange(flowID uuid.UUID, method identity.CredentialsType, added bool)
	// FactorChange is what flowID's current submission does (ok false:
	// nothing). The flow that follows a success is built before the update
	// is stored, so it asks this to show the factor as it will be.
	FactorChange(flowID uuid.UUID) (method identity.CredentialsType, added, ok bool)
}

func clearChange(c Changes, flowID uuid.UUID) {
	if c != nil {
		c.ClearFactorChange(flowID)
	}
}

// willHave reports, for a flow being built after a successful submission
// of another flow (§8.2), whether that submission adds (true) or removes
// (false) the method's factor; decided is false when it does neither.
func willHave(c Changes, requestURL string, method identity.CredentialsType) (has, decided bool) {
	if c == nil {
		return false, false
	}
	prev, ok := submittedFlow(requestURL)
	if !ok {
		return false, false
	}
	m, added, ok := c.FactorChange(prev)
	if !ok || m != method {
		return false, false
	}
	return added, true
}

// submittedFlow is the flow whose submission created a flow with this
// request_url: the flow that follows a success is created for the submit
// URL, PUBLIC/self-service/settings?flow=<id> (§8.2, §13 Q1).
func submittedFlow(requestURL string) (uuid.UUID, bool) {
	u, err := url.Parse(requestURL)
	if err != nil || !strings.HasSuffix(u.Path, "/self-service/settings") {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(u.Query().Get("flow"))
	return id, err == nil
}

func recordChange(c Changes, flowID uuid.UUID, method identity.CredentialsType, added bool) {
	if c != nil {
		c.RecordFactorChange(flowID, method, added)
	}
}
