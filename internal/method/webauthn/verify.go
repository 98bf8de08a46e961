package webauthn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/text"
)

// credentialField reads a ceremony result from the body: the JSON text the
// browser script posts, or (native apps, beyond Kratos) the same JSON as
// an object. Absent or "" is nil; any other type is the validator's
// message on the field.
func credentialField(body map[string]any, field string) ([]byte, error) {
	switch v := body[field].(type) {
	case nil:
		return nil, nil
	case string:
		if v == "" {
			return nil, nil
		}
		return []byte(v), nil
	case map[string]any:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, apierr.BadRequest("Unable to parse WebAuthn response: %s", err)
		}
		return b, nil
	default:
		return nil, flow.NewFormError(field, text.NewValidationGeneric("expected string, but got "+jsonType(v)))
	}
}

// jsonType names a decoded JSON value's type as the schema validator does.
func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case float64, json.Number:
		return "number"
	case []any:
		return "array"
	default:
		return "string"
	}
}

// errParse is the 400 for a response that does not parse (§10.4).
func errParse(err error) error {
	return apierr.BadRequest("Unable to parse WebAuthn response: %s", libraryReason(err))
}

// libraryReason is go-webauthn's error with its details, which say what
// was wrong ("Parse error for Registration", "Error validating origin").
func libraryReason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" && pe.Details != pe.Error() {
		return pe.Error() + ": " + pe.Details
	}
	return err.Error()
}

// errWrongAssertion is 4000008 for a failed assertion; it counts towards
// the login throttle (login.ErrBadCredentials). cause is for logs.
func errWrongAssertion(cause error) error {
	fe := flow.NewFormError("", text.NewTOTPCodeInvalid())
	fe.Err = errors.Join(login.ErrBadCredentials, cause)
	return fe
}

// Reasons a parsed assertion is refused after its signature checked out.
var (
	errReplay = errors.New("webauthn: the challenge was answered already")
	errClone  = errors.New("webauthn: the signature counter did not move forward (cloned authenticator?)")
)

// verify checks a login assertion of identity i (foundation §1.5): it must
// parse, answer this flow's challenge for i from an allowed origin, and be
// signed by one of i's keys of this mode. Then, in this order, the
// challenge is spent (a replay, even a parallel one, is refused here with
// nothing written) and the key's signature counter moves forward; a
// counter that does not (a cloned authenticator) marks the key with
// clone_warning and is refused. Every refusal is 4000008.
func (m *Method) verify(ctx context.Context, f *login.Flow, i *identity.Identity, resp []byte) (*identity.Identity, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(resp)
	if err != nil {
		return nil, errParse(err)
	}
	cfg, err := configOf(i.Credentials)
	if err != nil {
		return nil, apierr.Internal(err)
	}
	keys := cfg.filter(m.o.Passwordless)
	if len(keys) == 0 {
		if m.o.Passwordless {
			return nil, flow.NewFormError("", text.NewNoWebAuthnUser())
		}
		return nil, flow.NewFormError("", text.NewNoWebAuthnDevice())
	}
	_, sd, err := m.beginLogin(f, i, cfg, keys)
	if err != nil {
		return nil, err
	}
	u := &user{handle: cfg.userHandle(i.ID), name: i.ID.String()}
	for _, k := range keys {
		lk := k.library()
		if k.Flags == nil {
			// A key stored without flags (v0.10.1): take the assertion's
			// backup eligibility, which the key cannot have changed.
			lk.Flags.BackupEligible = parsed.Response.AuthenticatorData.Flags.HasBackupEligible()
		}
		u.keys = append(u.keys, lk)
	}
	if _, err := m.rp.ValidateLogin(u, *sd, parsed); err != nil {
		return nil, errWrongAssertion(fmt.Errorf("webauthn: %s", libraryReason(err)))
	}
	won, err := m.store.UseWebAuthnChallenge(ctx, challengeHash(m.challenge(purposeLogin, f.ID, i.ID)), f.ExpiresAt)
	if err != nil {
		return nil, err
	}
	if !won {
		return nil, errWrongAssertion(errReplay)
	}
	ad := parsed.Response.AuthenticatorData
	if err := m.recordUse(ctx, i, parsed.RawID, ad.Counter, ad.Flags); err != nil {
		return nil, err
	}
	return i, nil
}

// recordUse moves the used key's signature counter to the assertion's,
// and stores the v1 flags of a key that has none. A counter that does not
// move forward (the stored or the new one is not zero, and the new one is
// not larger) sets the key's clone_warning instead and is errClone. The
// comparison is made with the counter as stored when the write happens,
// so parallel logins with one counter value cannot both pass.
func (m *Method) recordUse(ctx context.Context, i *identity.Identity, keyID []byte, counter uint32, flags protocol.AuthenticatorFlags) error {
	var cloned bool
	err := m.store.EditWebAuthnConfig(ctx, i.ID, func(raw []byte) ([]byte, bool, error) {
		cloned = false
		cfg, err := ParseConfig(raw)
		if err != nil {
			return nil, false, apierr.Internal(err)
		}
		k := cfg.find(keyID)
		if k < 0 {
			return nil, false, errWrongAssertion(errors.New("webauthn: the key was removed meanwhile"))
		}
		c := &cfg.Credentials[k]
		write := false
		switch stored := c.Authenticator.SignCount; {
		case counter <= stored && (counter != 0 || stored != 0):
			cloned, write = true, !c.Authenticator.CloneWarning
			c.Authenticator.CloneWarning = true
		case counter > stored:
			c.Authenticator.SignCount, write = counter, true
		}
		if c.Flags == nil && !cloned {
			c.Flags = &Flags{UserPresent: flags.HasUserPresent(), UserVerified: flags.HasUserVerified(),
				BackupEligible: flags.HasBackupEligible(), BackupState: flags.HasBackupState()}
			write = true
		}
		if !write {
			return nil, false, nil
		}
		next, err := json.Marshal(cfg)
		if err != nil {
			return nil, false, apierr.Internal(fmt.Errorf("webauthn: encode credential config: %w", err))
		}
		return next, true, nil
	})
	if err != nil {
		return err
	}
	if cloned {
		return errWrongAssertion(errClone)
	}
	return nil
}
