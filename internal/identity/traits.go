package identity

import (
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
)

// ApplyTraits validates traits against i's schema and, when they are valid,
// sets i.Traits and re-derives what the schema extension says (foundation
// §5.2, settings-flow §5.1 step 5):
//
//   - password and webauthn identifiers are replaced by the ones in the
//     traits; a missing credential of that type is created with an empty
//     config, as Kratos does, so that the identifier is reserved (unique);
//   - totp and lookup_secret credentials are keyed by the identity id;
//   - verifiable and recovery addresses become the derived list, where an
//     existing address with the same via and value keeps its id and
//     verification state and a new one is pending and unverified.
//
// oidc identifiers are left alone. Invalid traits give a 400 whose Reason is
// ValidationError.Error() and which wraps the *ValidationError, so that
// flows can put each message on its field (errors.As). An unknown schema id
// is a 400 "Unable to find JSON Schema ID: <id>". On error i is unchanged.
func (s *Service) ApplyTraits(i *Identity, traits json.RawMessage) error {
	sch, ok := s.schemas.Get(i.SchemaID)
	if !ok {
		return apierr.BadRequest("Unable to find JSON Schema ID: %s", i.SchemaID)
	}
	ex, err := sch.Validate(traits)
	if err != nil {
		var verr *ValidationError
		if errors.As(err, &verr) {
			return &apierr.Error{Status: 400, Reason: verr.Error(), Err: verr}
		}
		return apierr.Internal(err)
	}
	now := s.now()
	i.Traits = cloneJSON(traits)
	i.SchemaURL = s.SchemaURL(i.SchemaID)
	deriveIdentifiers(i, CredentialsPassword, ex.PasswordIdentifiers, now)
	deriveIdentifiers(i, CredentialsWebAuthn, ex.WebAuthnIdentifiers, now)
	if i.ID != uuid.Nil {
		for _, t := range []CredentialsType{CredentialsTOTP, CredentialsLookupSecret} {
			if c, ok := i.Credentials[t]; ok {
				c.Identifiers = []string{i.ID.String()}
				i.Credentials[t] = c
			}
		}
	}
	i.VerifiableAddresses = mergeVerifiable(i.VerifiableAddresses, ex.VerifiableAddresses)
	i.RecoveryAddresses = mergeRecovery(i.RecoveryAddresses, ex.RecoveryAddresses)
	return nil
}

func deriveIdentifiers(i *Identity, t CredentialsType, ids []string, now time.Time) {
	c, ok := i.Credentials[t]
	if !ok && len(ids) == 0 {
		return
	}
	if ok && slices.Equal(c.Identifiers, ids) && c.Identifiers != nil {
		return
	}
	if !ok {
		c = Credentials{Type: t, Config: json.RawMessage("{}")}
	}
	c.Identifiers = append([]string{}, ids...)
	setCredential(i, c, now)
}

func mergeVerifiable(existing []VerifiableAddress, want []Address) []VerifiableAddress {
	var out []VerifiableAddress
	for _, w := range want {
		idx := slices.IndexFunc(existing, func(a VerifiableAddress) bool {
			return a.Via == w.Via && normalizeAddress(a.Via, a.Value) == w.Value
		})
		if idx >= 0 {
			a := existing[idx]
			a.Value = w.Value
			out = append(out, a)
			continue
		}
		out = append(out, VerifiableAddress{Value: w.Value, Via: w.Via, Status: AddressStatusPending})
	}
	return out
}

func mergeRecovery(existing []RecoveryAddress, want []Address) []RecoveryAddress {
	var out []RecoveryAddress
	for _, w := range want {
		idx := slices.IndexFunc(existing, func(a RecoveryAddress) bool {
			return a.Via == w.Via && normalizeAddress(a.Via, a.Value) == w.Value
		})
		if idx >= 0 {
			a := existing[idx]
			a.Value = w.Value
			out = append(out, a)
			continue
		}
		out = append(out, RecoveryAddress{Value: w.Value, Via: w.Via})
	}
	return out
}
