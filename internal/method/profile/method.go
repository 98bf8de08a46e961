package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
)

// Traits validates traits and derives identifiers and addresses
// (*identity.Service).
type Traits interface {
	ApplyTraits(i *identity.Identity, traits json.RawMessage) error
}

// Method is the profile method. It is safe for concurrent use.
type Method struct {
	traits Traits
	// fields are the trait fields of each identity schema, by schema id,
	// computed once at startup.
	fields map[string][]flow.TraitField
}

var _ settings.Method = (*Method)(nil)

// New builds the method; fields holds flow.TraitFields of every schema.
func New(traits Traits, fields map[string][]flow.TraitField) *Method {
	return &Method{traits: traits, fields: fields}
}

// Name is "profile".
func (m *Method) Name() string { return "profile" }

// Settings checks a profile submission (§5.1): decode and validate the
// traits (the form comes back with what was submitted), CSRF, a non-empty
// change; then, in the write transaction, the protected-change rule.
func (m *Method) Settings(_ context.Context, s *settings.Submission) (*settings.Update, error) {
	fields := m.fields[s.Identity.SchemaID]
	traits := map[string]any{}
	var raw json.RawMessage
	switch t := s.Body["traits"].(type) {
	case nil:
		// Kratos's decoder fills in {}; the schema's own rules judge it.
	case map[string]any:
		flow.ConvertFormTraits(t, fields)
		traits = t
	default:
		// Not an object: the schema says so, on the traits node.
		b, err := json.Marshal(t)
		if err != nil {
			return nil, fmt.Errorf("profile: encode traits: %w", err)
		}
		raw = b
	}
	refill(s.Flow, traits)
	if raw == nil {
		b, err := json.Marshal(traits)
		if err != nil {
			return nil, fmt.Errorf("profile: encode traits: %w", err)
		}
		raw = b
	}
	scratch := &identity.Identity{ID: s.Identity.ID, SchemaID: s.Identity.SchemaID}
	if err := m.traits.ApplyTraits(scratch, raw); err != nil {
		return nil, err
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("{}")) {
		return nil, apierr.BadRequest("Did not receive any value changes.")
	}
	current := s.Identity
	privileged := s.Privileged
	return &settings.Update{Traits: raw, Apply: func(stored map[identity.CredentialsType]identity.Credentials) (*identity.Identity, error) {
		next := *current
		next.Credentials = maps.Clone(stored)
		if next.Credentials == nil {
			next.Credentials = map[identity.CredentialsType]identity.Credentials{}
		}
		// The stored verification state of an address that stays wins over
		// the session's copy (store.UpdateIdentity's matching rule).
		next.VerifiableAddresses = withoutIDs(current.VerifiableAddresses)
		next.RecoveryAddresses = nil
		if err := m.traits.ApplyTraits(&next, raw); err != nil {
			return nil, err
		}
		if !privileged && protected(current, stored, &next) {
			return nil, &settings.PrivilegeError{PauseAPI: true}
		}
		return &next, nil
	}}, nil
}

// protected reports whether the update changes a credential (identifiers or
// config of any type) or the verifiable addresses (§5.1 step 6). Recovery
// addresses are not protected (§13 Q13).
func protected(current *identity.Identity, stored map[identity.CredentialsType]identity.Credentials, next *identity.Identity) bool {
	for t := range next.Credentials {
		if _, ok := stored[t]; !ok {
			return true
		}
	}
	for t, old := range stored {
		nc, ok := next.Credentials[t]
		if !ok || !sameSet(old.Identifiers, nc.Identifiers) || !bytes.Equal(old.Config, nc.Config) {
			return true
		}
	}
	type key struct {
		via   identity.AddressVia
		value string
	}
	before := map[key]bool{}
	for _, a := range current.VerifiableAddresses {
		before[key{a.Via, a.Value}] = true
	}
	if len(before) != len(next.VerifiableAddresses) {
		return true
	}
	for _, a := range next.VerifiableAddresses {
		if !before[key{a.Via, a.Value}] {
			return true
		}
	}
	return false
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func withoutIDs(in []identity.VerifiableAddress) []identity.VerifiableAddress {
	out := slices.Clone(in)
	for k := range out {
		out[k].ID = [16]byte{}
	}
	return out
}
