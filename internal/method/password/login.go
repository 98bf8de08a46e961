package password

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// PopulateLogin adds identifier, password and the submit button to aal1
// flows (foundation §1.2). A refresh login carries the session identity's
// identifier as a hidden node instead; if that identity has no usable
// password, the method adds nothing.
func (m *Method) PopulateLogin(ctx context.Context, f *login.Flow, sess *session.Session) error {
	if f.RequestedAAL != session.AAL1 {
		return nil
	}
	if f.Refresh && sess != nil {
		i, err := m.identities.FindIdentityByID(ctx, sess.IdentityID, true)
		if err != nil {
			return fmt.Errorf("password: load the session identity: %w", err)
		}
		c := i.Credentials[identity.CredentialsPassword]
		if len(c.Identifiers) == 0 || hashOf(i) == "" {
			return nil
		}
		f.UI.Nodes = append(f.UI.Nodes, ui.NewInput("identifier", c.Identifiers[0], ui.GroupDefault, ui.InputHidden))
	} else {
		f.UI.Nodes = append(f.UI.Nodes, ui.NewInput("identifier", "", ui.GroupDefault, ui.InputText,
			ui.Required(), ui.WithLabel(text.NewNodeLabelID())))
	}
	f.UI.Nodes = append(f.UI.Nodes,
		ui.NewInput("password", nil, ui.GroupPassword, ui.InputPassword, ui.Required(), ui.WithLabel(text.NewNodeLabelPassword())),
		ui.NewInput("method", "password", ui.GroupPassword, ui.InputSubmit, ui.WithLabel(text.NewLoginSignIn())))
	return nil
}

// Login verifies identifier and password (foundation §1.5). An unknown
// identifier, a credential without a hash, an unusable hash and a wrong
// password all cost one hash comparison and give the same 4000006: neither
// the answer nor its timing tells whether an account exists. A hash not in
// the configured format is replaced after a successful comparison.
func (m *Method) Login(ctx context.Context, f *login.Flow, body map[string]any, _ *session.Session) (*identity.Identity, error) {
	fe := &flow.FormError{}
	field := "identifier"
	if _, ok := body["identifier"]; !ok {
		if _, legacy := body["password_identifier"]; legacy {
			field = "password_identifier" // Kratos's legacy name
		}
	}
	identifier := requireString(fe, body, field, "identifier")
	password := requireString(fe, body, "password", "password")
	// The form comes back with what was typed, never with the password.
	f.UI.SetValue("identifier", identifier)
	f.UI.SetValue("password", nil)
	if len(fe.Messages) > 0 {
		return nil, fe
	}

	i, err := m.identities.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword,
		strings.ToLower(strings.TrimSpace(identifier)))
	if err != nil {
		if !apierr.Is(err, http.StatusNotFound) {
			return nil, err
		}
		return nil, m.invalid(ctx, password)
	}
	stored := hashOf(i)
	if stored == "" {
		return nil, m.invalid(ctx, password)
	}
	if err := hash.Compare(ctx, []byte(password), []byte(stored)); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("password: compare: %w", err)
		}
		return nil, invalidCredentials(err)
	}
	if !m.hasher.Understands([]byte(stored)) {
		if err := m.upgrade(ctx, i, password); err != nil {
			return nil, err
		}
	}
	return i, nil
}

// invalid does the work of a comparison against the dummy hash, then
// answers 4000006.
func (m *Method) invalid(ctx context.Context, password string) error {
	if err := m.dummy.Compare(ctx, []byte(password)); ctx.Err() != nil {
		return fmt.Errorf("password: compare: %w", err)
	}
	return invalidCredentials(nil)
}

func invalidCredentials(cause error) error {
	if cause == nil {
		cause = login.ErrBadCredentials
	} else {
		cause = errors.Join(login.ErrBadCredentials, cause)
	}
	return &flow.FormError{Messages: []flow.FieldMessage{{Message: text.NewInvalidCredentials()}}, Err: cause}
}

// upgrade re-hashes the password with the configured hasher and stores it
// in this request (foundation §9.1). A password the new hasher refuses
// (bcrypt's 72 bytes, after an import from another format) keeps its old
// hash: the login itself succeeded.
func (m *Method) upgrade(ctx context.Context, i *identity.Identity, password string) error {
	h, err := m.hasher.Generate(ctx, []byte(password))
	if errors.Is(err, hash.ErrTooLong) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("password: upgrade hash: %w", err)
	}
	if err := setHash(i, h); err != nil {
		return err
	}
	if err := m.identities.UpdateIdentity(ctx, i); err != nil {
		return fmt.Errorf("password: store upgraded hash: %w", err)
	}
	return nil
}
