package text

import (
	"fmt"
	"strings"
	"time"
)

// Second-factor messages: TOTP and lookup secrets in login and settings
// (foundation Appendix A, settings-flow §10). Wire values: append only.
const (
	IDLoginTOTPLabel             = 1010006
	IDLoginLookupLabel           = 1010007
	IDLoginTOTP                  = 1010009
	IDLoginLookup                = 1010010
	IDSettingsTOTPUnlink         = 1050004
	IDSettingsTOTPQRCode         = 1050005
	IDSettingsTOTPSecret         = 1050006
	IDSettingsLookupReveal       = 1050007
	IDSettingsLookupRegenerate   = 1050008
	IDSettingsLookupSecret       = 1050009
	IDSettingsLookupSecretsLabel = 1050010
	IDSettingsLookupConfirm      = 1050011
	IDSettingsLookupSecretUsed   = 1050014
	IDSettingsLookupSecretList   = 1050015
	IDSettingsLookupDisable      = 1050016
	IDSettingsTOTPSecretLabel    = 1050017
	IDNodeLabelVerifyCode        = 1070006
	IDTOTPCodeInvalid            = 4000008
	IDNoTOTPDevice               = 4000011
	IDLookupAlreadyUsed          = 4000012
	IDNoLookupCodes              = 4000014
	IDLookupInvalid              = 4000016
)

// NewLoginTOTPLabel labels the login code input ("Authentication code").
func NewLoginTOTPLabel() Message {
	return Message{ID: IDLoginTOTPLabel, Text: "Authentication code", Type: Info}
}

// NewLoginLookupLabel labels the login lookup secret input.
func NewLoginLookupLabel() Message {
	return Message{ID: IDLoginLookupLabel, Text: "Backup recovery code", Type: Info}
}

// NewLoginTOTP labels the TOTP login button ("Use Authenticator").
func NewLoginTOTP() Message { return Message{ID: IDLoginTOTP, Text: "Use Authenticator", Type: Info} }

// NewLoginLookup labels the lookup secret login button.
func NewLoginLookup() Message {
	return Message{ID: IDLoginLookup, Text: "Use backup recovery code", Type: Info}
}

// NewSettingsTOTPUnlink labels the totp_unlink button.
func NewSettingsTOTPUnlink() Message {
	return Message{ID: IDSettingsTOTPUnlink, Text: "Unlink TOTP Authenticator App", Type: Info}
}

// NewSettingsTOTPQRCode labels the totp_qr image.
func NewSettingsTOTPQRCode() Message {
	return Message{ID: IDSettingsTOTPQRCode, Text: "Authenticator app QR code", Type: Info}
}

// NewSettingsTOTPSecret is the totp_secret_key text: the base32 secret.
func NewSettingsTOTPSecret(secret string) Message {
	return Message{ID: IDSettingsTOTPSecret, Text: secret, Type: Info, Context: map[string]any{"secret": secret}}
}

// NewSettingsTOTPSecretLabel labels the totp_secret_key text.
func NewSettingsTOTPSecretLabel() Message {
	return Message{ID: IDSettingsTOTPSecretLabel, Type: Info,
		Text: "This is your authenticator app secret. Use it if you can not scan the QR code."}
}

// NewNodeLabelVerifyCode labels the settings totp_code input.
func NewNodeLabelVerifyCode() Message {
	return Message{ID: IDNodeLabelVerifyCode, Text: "Verify code", Type: Info}
}

// NewSettingsLookupReveal labels the lookup_secret_reveal button.
func NewSettingsLookupReveal() Message {
	return Message{ID: IDSettingsLookupReveal, Text: "Reveal backup recovery codes", Type: Info}
}

// NewSettingsLookupRegenerate labels the lookup_secret_regenerate button.
func NewSettingsLookupRegenerate() Message {
	return Message{ID: IDSettingsLookupRegenerate, Text: "Generate new backup recovery codes", Type: Info}
}

// NewSettingsLookupConfirm labels the lookup_secret_confirm button.
func NewSettingsLookupConfirm() Message {
	return Message{ID: IDSettingsLookupConfirm, Text: "Confirm backup recovery codes", Type: Info}
}

// NewSettingsLookupDisable labels the lookup_secret_disable button.
func NewSettingsLookupDisable() Message {
	return Message{ID: IDSettingsLookupDisable, Text: "Disable this method", Type: Info}
}

// NewSettingsLookupSecretsLabel labels the lookup_secret_codes text.
func NewSettingsLookupSecretsLabel() Message {
	return Message{ID: IDSettingsLookupSecretsLabel, Type: Info,
		Text: "These are your back up recovery codes. Please keep them in a safe place!"}
}

// NewSettingsLookupSecret is one unused code of the list (1050009).
func NewSettingsLookupSecret(secret string) Message {
	return Message{ID: IDSettingsLookupSecret, Text: secret, Type: Info, Context: map[string]any{"secret": secret}}
}

// NewSettingsLookupSecretMasked is one unused code that Warden cannot show
// any more: codes are stored hashed (D16), so a reveal lists the unused
// ones masked (context masked: true, beyond Kratos) next to the used ones.
func NewSettingsLookupSecretMasked(mask string) Message {
	return Message{ID: IDSettingsLookupSecret, Text: mask, Type: Info,
		Context: map[string]any{"secret": mask, "masked": true}}
}

// NewSettingsLookupSecretUsed is one used code of the list (1050014); the
// text carries Go's time.String() form, as Kratos's, and the context v1's
// used_at_unix too (D1).
func NewSettingsLookupSecretUsed(usedAt time.Time) Message {
	usedAt = usedAt.UTC()
	return Message{ID: IDSettingsLookupSecretUsed, Text: fmt.Sprintf("Secret was used at %s", usedAt), Type: Info,
		Context: map[string]any{"used_at": usedAt, "used_at_unix": usedAt.Unix()}}
}

// NewSettingsLookupSecretList is the lookup_secret_codes text (1050015):
// the codes joined by ", " ("used" for used ones), each as its own message
// in context.secrets.
func NewSettingsLookupSecretList(shown []string, secrets []Message) Message {
	return Message{ID: IDSettingsLookupSecretList, Text: strings.Join(shown, ", "), Type: Info,
		Context: map[string]any{"secrets": secrets}}
}

// NewTOTPCodeInvalid is 4000008: a wrong (or replayed) code.
func NewTOTPCodeInvalid() Message {
	return Message{ID: IDTOTPCodeInvalid, Type: Error, Context: map[string]any{},
		Text: "The provided authentication code is invalid, please try again."}
}

// NewNoTOTPDevice is 4000011.
func NewNoTOTPDevice() Message {
	return Message{ID: IDNoTOTPDevice, Text: "You have no TOTP device set up.", Type: Error, Context: map[string]any{}}
}

// NewLookupAlreadyUsed is 4000012.
func NewLookupAlreadyUsed() Message {
	return Message{ID: IDLookupAlreadyUsed, Text: "This backup recovery code has already been used.", Type: Error,
		Context: map[string]any{}}
}

// NewNoLookupCodes is 4000014.
func NewNoLookupCodes() Message {
	return Message{ID: IDNoLookupCodes, Text: "You have no backup recovery codes set up.", Type: Error,
		Context: map[string]any{}}
}

// NewLookupInvalid is 4000016.
func NewLookupInvalid() Message {
	return Message{ID: IDLookupInvalid, Text: "The backup recovery code is not valid.", Type: Error,
		Context: map[string]any{}}
}
