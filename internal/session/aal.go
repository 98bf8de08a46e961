package session

import "github.com/warden-id/warden/internal/identity"

// Authentication methods that are not credential types (foundation §3.1).
const (
	MethodLinkRecovery  identity.CredentialsType = "link_recovery"
	MethodLegacySession identity.CredentialsType = "v0.6_legacy_session"
)

// ComputeAAL is the session AAL its AMR list proves (foundation §3.2,
// Kratos's SetAuthenticatorAssuranceLevel): none → aal0; an aal1 and an aal2
// entry → aal2; anything else non-empty → aal1. So a second factor alone
// never yields aal2: aal2 means "two factors", not "one strong factor".
// Entries without an aal (sessions from before Kratos 0.9) count by method.
func ComputeAAL(amr []AuthenticationMethod) AAL {
	if len(amr) == 0 {
		return AAL0
	}
	var first, second bool
	for _, m := range amr {
		switch m.AAL {
		case AAL1:
			first = true
		case AAL2:
			second = true
		case "":
			switch m.Method {
			case identity.CredentialsPassword, identity.CredentialsOIDC, MethodLinkRecovery, MethodLegacySession:
				first = true
			case identity.CredentialsWebAuthn, identity.CredentialsTOTP, identity.CredentialsLookupSecret:
				second = true
			}
		}
	}
	if first && second {
		return AAL2
	}
	return AAL1
}

// Less reports whether a is a lower assurance level than b. The wire values
// order as strings (aal0 < aal1 < aal2 < aal3), as Kratos compares them.
func (a AAL) Less(b AAL) bool { return a < b }
