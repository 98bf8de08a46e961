package password

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// Settings is the password method of the settings flow (settings §5.2). It
// shares the method's hasher, policy and schema handling.
type Settings struct {
	m *Method
}

var _ settings.Method = (*Settings)(nil)

// NewSettings is m's settings method.
func NewSettings(m *Method) *Settings { return &Settings{m: m} }

// Name is "password".
func (s *Settings) Name() string { return string(identity.CredentialsPassword) }

// PopulateSettings adds the new-password input and the "Save" button (§3.5).
func (s *Settings) PopulateSettings(_ context.Context, f *settings.Flow, _ *identity.Identity, _ map[identity.CredentialsType]identity.Credentials) error {
	f.UI.Nodes = append(f.UI.Nodes,
		ui.NewInput("password", nil, ui.GroupPassword, ui.InputPassword, ui.Required(), ui.WithLabel(text.NewNodeLabelPassword())),
		ui.NewInput("method", "password", ui.GroupPassword, ui.InputSubmit, ui.WithLabel(text.NewNodeLabelSave())))
	return nil
}

// Settings checks a new password (§5.2): present (4000002), CSRF, a
// privileged session, login identifiers in the traits (4000009), the policy
// against every identifier (4000005); then it is hashed with the configured
// hasher. The write keeps the stored identifiers and every other credential,
// and creates the password credential if the identity had none.
func (s *Settings) Settings(ctx context.Context, sub *settings.Submission) (*settings.Update, error) {
	fe := &flow.FormError{}
	password := requireString(fe, sub.Body, "password", "password")
	sub.Flow.UI.SetValue("password", nil) // never echoed
	if len(fe.Messages) > 0 {
		return nil, fe
	}
	if err := sub.Check(); err != nil {
		return nil, err
	}
	if !sub.Privileged {
		return nil, &settings.PrivilegeError{}
	}
	scratch := &identity.Identity{ID: sub.Identity.ID, SchemaID: sub.Identity.SchemaID}
	if err := s.m.traits.ApplyTraits(scratch, sub.Identity.Traits); err != nil {
		return nil, err
	}
	ids := scratch.Credentials[identity.CredentialsPassword].Identifiers
	if len(ids) == 0 {
		return nil, flow.NewFormError("", text.NewNoIdentifiers())
	}
	if err := s.m.checkPolicy(ctx, ids, password); err != nil {
		return nil, err
	}
	h, err := s.m.hasher.Generate(ctx, []byte(password))
	if errors.Is(err, hash.ErrTooLong) {
		return nil, flow.NewFormError("password", text.NewPasswordPolicy(hash.ErrTooLong.Error()))
	}
	if err != nil {
		return nil, fmt.Errorf("password: hash: %w", err)
	}
	current := sub.Identity
	return &settings.Update{Traits: current.Traits, Apply: func(stored map[identity.CredentialsType]identity.Credentials) (*identity.Identity, error) {
		next := *current
		// Traits and addresses stay as stored (nil Traits), whatever the
		// session's copy says.
		next.Traits, next.VerifiableAddresses, next.RecoveryAddresses = nil, nil, nil
		next.Credentials = maps.Clone(stored)
		if err := setHash(&next, h); err != nil {
			return nil, err
		}
		if c := next.Credentials[identity.CredentialsPassword]; len(c.Identifiers) == 0 {
			c.Identifiers = append([]string{}, ids...)
			next.Credentials[identity.CredentialsPassword] = c
		}
		return &next, nil
	}, FactorChanged: true}, nil // a new password: the other sessions may go (after.password.revoke_other_sessions)
}
