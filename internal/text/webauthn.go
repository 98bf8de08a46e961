package text

import "time"

// WebAuthn messages in login and settings (foundation Appendix A,
// settings-flow §10). Wire values: append only. The passwordless sign-in
// button reuses 1010001 (IDLoginSignIn) with its own text, as Kratos does;
// a failed assertion reuses 4000008 (IDTOTPCodeInvalid).
const (
	IDLoginWebAuthn             = 1010008
	IDLoginWebAuthnPasswordless = 1010012
	IDLoginContinue             = 1010013
	IDSettingsWebAuthnAdd       = 1050012
	IDSettingsWebAuthnName      = 1050013
	IDSettingsWebAuthnRemove    = 1050018
	IDNoWebAuthnDevice          = 4000013
	IDNoWebAuthnUser            = 4000015
)

// NewLoginWebAuthn labels the login trigger of a second-factor (or
// refresh) login ("Use security key").
func NewLoginWebAuthn() Message {
	return Message{ID: IDLoginWebAuthn, Text: "Use security key", Type: Info}
}

// NewLoginWebAuthnSignIn labels the passwordless method button.
func NewLoginWebAuthnSignIn() Message {
	return Message{ID: IDLoginSignIn, Text: "Sign in with security key", Type: Info}
}

// NewLoginWebAuthnPasswordless is the flow message of the passwordless
// step that follows the identifier.
func NewLoginWebAuthnPasswordless() Message {
	return Message{ID: IDLoginWebAuthnPasswordless, Type: Info,
		Text: "Prepare your WebAuthn device (e.g. security key, biometrics scanner, ...) and press continue."}
}

// NewLoginContinue labels the passwordless login trigger ("Continue").
func NewLoginContinue() Message {
	return Message{ID: IDLoginContinue, Text: "Continue", Type: Info}
}

// NewSettingsWebAuthnAdd labels webauthn_register_trigger.
func NewSettingsWebAuthnAdd() Message {
	return Message{ID: IDSettingsWebAuthnAdd, Text: "Add security key", Type: Info}
}

// NewSettingsWebAuthnName labels webauthn_register_displayname.
func NewSettingsWebAuthnName() Message {
	return Message{ID: IDSettingsWebAuthnName, Text: "Name of the security key", Type: Info}
}

// NewSettingsWebAuthnRemove labels a webauthn_remove button.
func NewSettingsWebAuthnRemove(name string, addedAt time.Time) Message {
	return Message{ID: IDSettingsWebAuthnRemove, Text: `Remove security key "` + name + `"`, Type: Info,
		Context: map[string]any{"display_name": name, "added_at": addedAt}}
}

// NewNoWebAuthnDevice is 4000013.
func NewNoWebAuthnDevice() Message {
	return Message{ID: IDNoWebAuthnDevice, Text: "You have no WebAuthn device set up.", Type: Error,
		Context: map[string]any{}}
}

// NewNoWebAuthnUser is 4000015: an unknown identifier, or one without a
// passwordless security key (one answer for both).
func NewNoWebAuthnUser() Message {
	return Message{ID: IDNoWebAuthnUser, Text: "This account does not exist or has no security key set up.", Type: Error,
		Context: map[string]any{}}
}
