package text

import (
	"fmt"
	"time"
)

// Login, registration and shared node labels (foundation Appendix A). Wire
// values: append only.
const (
	IDLoginSignIn          = 1010001
	IDLoginReAuth          = 1010003
	IDLoginMFA             = 1010004
	IDRegistrationSignUp   = 1040001
	IDNodeLabelPassword    = 1070001
	IDNodeLabelGenerated   = 1070002
	IDNodeLabelID          = 1070004
	IDNoIdentifiers        = 4000009
	IDAddressNotVerified   = 4000010
	IDLoginFlowExpired     = 4010001
	IDLoginNoStrategy      = 4010002
	IDRegistrationNoMethod = 4010003
	IDRegistrationExpired  = 4040001
)

// NewLoginSignIn is the label of the password login button ("Sign in").
func NewLoginSignIn() Message { return Message{ID: IDLoginSignIn, Text: "Sign in", Type: Info} }

// NewLoginReAuth is the info message of a refresh login (1010003).
func NewLoginReAuth() Message {
	return Message{ID: IDLoginReAuth, Text: "Please confirm this action by verifying that it is you.", Type: Info}
}

// NewLoginMFA is the info message of an AAL upgrade login (1010004).
func NewLoginMFA() Message {
	return Message{ID: IDLoginMFA, Text: "Please complete the second authentication challenge.", Type: Info}
}

// NewRegistrationSignUp is the label of the registration button ("Sign up").
func NewRegistrationSignUp() Message {
	return Message{ID: IDRegistrationSignUp, Text: "Sign up", Type: Info}
}

// NewNodeLabelPassword is the label of a password input ("Password").
func NewNodeLabelPassword() Message {
	return Message{ID: IDNodeLabelPassword, Text: "Password", Type: Info}
}

// NewNodeLabelGenerated is a label taken from a schema property's title.
func NewNodeLabelGenerated(title string) Message {
	return Message{ID: IDNodeLabelGenerated, Text: title, Type: Info}
}

// NewNodeLabelID is the label of the login identifier input ("ID").
func NewNodeLabelID() Message { return Message{ID: IDNodeLabelID, Text: "ID", Type: Info} }

// NewInvalidCredentials is 4000006, the one answer for an unknown
// identifier and a wrong password alike.
func NewInvalidCredentials() Message {
	return Message{ID: IDInvalidCredentials, Type: Error, Context: map[string]any{},
		Text: "The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number."}
}

// NewNoIdentifiers is 4000009: the traits carry no password identifier.
func NewNoIdentifiers() Message {
	return Message{ID: IDNoIdentifiers, Type: Error, Context: map[string]any{},
		Text: "Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration."}
}

// NewAddressNotVerified is 4000010 (the require_verified_address hook).
func NewAddressNotVerified() Message {
	return Message{ID: IDAddressNotVerified, Type: Error, Context: map[string]any{},
		Text: "Account not active yet. Did you forget to verify your email address?"}
}

// NewLoginNoStrategy is 4010002: no login method answered the submission.
func NewLoginNoStrategy() Message {
	return Message{ID: IDLoginNoStrategy, Type: Error, Context: map[string]any{},
		Text: "Could not find a strategy to log you in with. Did you fill out the form correctly?"}
}

// NewRegistrationNoMethod is 4010003: no registration method answered.
func NewRegistrationNoMethod() Message {
	return Message{ID: IDRegistrationNoMethod, Type: Error, Context: map[string]any{},
		Text: "Could not find a strategy to sign you up with. Did you fill out the form correctly?"}
}

// NewLoginFlowExpired is 4010001 on the replacement of an expired login
// flow. The context carries the real expiry time (decision D11).
func NewLoginFlowExpired(expiredAt, now time.Time) Message {
	return flowExpired(IDLoginFlowExpired, "login", expiredAt, now)
}

// NewRegistrationFlowExpired is 4040001, the registration counterpart.
func NewRegistrationFlowExpired(expiredAt, now time.Time) Message {
	return flowExpired(IDRegistrationExpired, "registration", expiredAt, now)
}

func flowExpired(id int, flow string, expiredAt, now time.Time) Message {
	return Message{ID: id, Type: Error,
		Text: fmt.Sprintf("The %s flow expired %.2f minutes ago, please try again.", flow, now.Sub(expiredAt).Minutes()),
		Context: map[string]any{
			"expired_at":      expiredAt.UTC(),
			"expired_at_unix": expiredAt.Unix(),
		}}
}
