package password

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/registration"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/password/policy"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// PopulateRegistration adds one input per trait of the default schema
// (group password), the password input and the submit button (§2.2).
func (m *Method) PopulateRegistration(_ context.Context, f *registration.Flow) error {
	f.UI.Nodes = append(f.UI.Nodes, flow.TraitNodes(m.fields, ui.GroupPassword, nil)...)
	f.UI.Nodes = append(f.UI.Nodes,
		ui.NewInput("password", nil, ui.GroupPassword, ui.InputPassword, ui.Required(), ui.WithLabel(text.NewNodeLabelPassword())),
		ui.NewInput("method", "password", ui.GroupPassword, ui.InputSubmit, ui.WithLabel(text.NewRegistrationSignUp())))
	return nil
}

// Register builds the identity of a registration (foundation §2.3): the
// traits must match the schema and name at least one password identifier
// (4000009), the password must pass the policy for every identifier
// (4000005 on the password node), then it is hashed. The identity is not
// stored; the flow does that. Whatever fails, the form comes back with the
// submitted traits and without the password.
func (m *Method) Register(ctx context.Context, f *registration.Flow, body map[string]any) (*identity.Identity, error) {
	fe := &flow.FormError{}
	traits := map[string]any{}
	var rawTraits json.RawMessage
	switch t := body["traits"].(type) {
	case nil:
	case map[string]any:
		convertFormTraits(t, m.fields)
		traits = t
	default:
		// Not an object: the schema says so, on the traits node.
		b, err := json.Marshal(t)
		if err != nil {
			return nil, fmt.Errorf("password: encode traits: %w", err)
		}
		rawTraits = b
	}
	m.refill(f, traits)
	password := requireString(fe, body, "password", "password")

	if rawTraits == nil {
		b, err := json.Marshal(traits)
		if err != nil {
			return nil, fmt.Errorf("password: encode traits: %w", err)
		}
		rawTraits = b
	}
	now := m.now().UTC()
	i := &identity.Identity{
		ID:             uuid.New(),
		SchemaID:       m.schemaID,
		State:          identity.StateActive,
		StateChangedAt: &now,
		Credentials: map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {Type: identity.CredentialsPassword, Identifiers: []string{}, Config: json.RawMessage("{}")},
		},
	}
	if err := m.traits.ApplyTraits(i, rawTraits); err != nil {
		var ve *identity.ValidationError
		if !errors.As(err, &ve) {
			return nil, err
		}
		for _, c := range ve.Causes {
			fe.Add(strings.Join(c.Path, "."), c.Message)
		}
	}
	if len(fe.Messages) > 0 {
		return nil, fe
	}
	ids := i.Credentials[identity.CredentialsPassword].Identifiers
	if len(ids) == 0 {
		return nil, flow.NewFormError("", text.NewNoIdentifiers())
	}
	if err := m.checkPolicy(ctx, ids, password); err != nil {
		return nil, err
	}
	h, err := m.hasher.Generate(ctx, []byte(password))
	if errors.Is(err, hash.ErrTooLong) {
		return nil, flow.NewFormError("password", text.NewPasswordPolicy(hash.ErrTooLong.Error()))
	}
	if err != nil {
		return nil, fmt.Errorf("password: hash: %w", err)
	}
	if err := setHash(i, h); err != nil {
		return nil, err
	}
	return i, nil
}

// checkPolicy runs the policy; a violation is 4000005 on the password node.
func (m *Method) checkPolicy(ctx context.Context, ids []string, password string) error {
	if m.policy == nil {
		return nil
	}
	err := m.policy.Validate(ctx, ids, password)
	var v *policy.Violation
	if errors.As(err, &v) {
		return &flow.FormError{Messages: []flow.FieldMessage{{Field: "password", Message: text.NewPasswordPolicy(v.Reason)}}, Err: err}
	}
	if err != nil {
		return fmt.Errorf("password: policy: %w", err)
	}
	return nil
}

// refill puts the submitted traits back into the trait nodes (and clears
// the ones not submitted); the password node never gets a value.
func (m *Method) refill(f *registration.Flow, traits map[string]any) {
	values := flow.FlattenTraits(traits)
	for _, fd := range m.fields {
		f.UI.SetValue(fd.Name, values[fd.Name])
	}
	f.UI.SetValue("password", nil)
}
