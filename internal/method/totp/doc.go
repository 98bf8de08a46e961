// Package totp is the TOTP second factor (settings-flow §5.3, foundation
// §1.2, §1.5): the aal2 login with a code from an authenticator app, and the
// settings method that links a device (QR code, secret, code check) and
// unlinks it.
//
// Codes are RFC 6238 with Kratos's parameters: SHA1, 6 digits, 30 s steps,
// accepted one step early or late. Beyond Kratos, a code is accepted once:
// the store records the last time step each credential accepted, in one
// atomic statement, so a replayed code (or one of an earlier step) is
// refused with 4000008 even when sent in parallel.
//
// The credential is Kratos's: type totp, identifier = identity id, config
// {"totp_url":"otpauth://totp/<issuer>:<account>?…"}. The secret must stay
// readable to check codes, so it is stored as Kratos stores it.
//
// Settings keeps each shown pending key (and its QR code, ~8 ms of CPU to
// render) for the flow that follows a success and for the same browser,
// so profile and password updates do not render QR codes (pending.go).
// A link says, in its settings.Update, that it proved the device
// (Completed) and changed a factor (FactorChanged), as does an unlink
// (FactorChanged); the settings flow upgrades the session and revokes the
// identity's other sessions once the update is stored.
//
// totp sits in layer L5: it imports the flows it serves (flow/login,
// flow/settings), flow, session, identity, ui and text.
package totp
