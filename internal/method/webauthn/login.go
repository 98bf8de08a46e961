package webauthn

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// serves reports whether the method shows itself in flows of type t:
// browser flows always, API flows only with NativeFlows (Kratos has none).
func (m *Method) serves(t flow.Type) bool { return t == flow.TypeBrowser || m.o.NativeFlows }

// PopulateLogin adds the method's nodes (foundation §1.2):
//   - second factor (aal2 flows of a session whose identity has security
//     keys that are not passwordless): the hidden identifier, the trigger
//     with the options of the session identity's keys, the hidden
//     webauthn_login input and the script;
//   - passwordless (aal1 flows): the identifier input and a "Sign in with
//     security key" button; the options follow once the identifier is
//     known (Login). A refresh login knows the identity and shows its
//     passwordless keys' options at once.
func (m *Method) PopulateLogin(ctx context.Context, f *login.Flow, sess *session.Session) error {
	if !m.serves(f.Type) || f.RequestedAAL != m.AAL() {
		return nil
	}
	if m.o.Passwordless && !(f.Refresh && sess != nil) {
		f.UI.Upsert(ui.NewInput(identifierNode, "", ui.GroupDefault, ui.InputText, ui.Required(),
			ui.WithLabel(text.NewNodeLabelID())))
		f.UI.Nodes = append(f.UI.Nodes, ui.NewInput("method", string(identity.CredentialsWebAuthn), ui.GroupWebAuthn,
			ui.InputSubmit, ui.WithLabel(text.NewLoginWebAuthnSignIn())))
		return nil
	}
	if sess == nil {
		return nil
	}
	i, err := m.store.FindIdentityByID(ctx, sess.IdentityID, true)
	if err != nil {
		return fmt.Errorf("webauthn: load the session identity: %w", err)
	}
	if _, err := m.addLoginNodes(f, i, text.NewLoginWebAuthn()); err != nil {
		return err
	}
	return nil
}

// addLoginNodes shows the ceremony for identity i's keys of this mode; it
// reports false (and adds nothing) when i has none.
func (m *Method) addLoginNodes(f *login.Flow, i *identity.Identity, label text.Message) (bool, error) {
	cfg, err := configOf(i.Credentials)
	if err != nil {
		return false, err
	}
	keys := cfg.filter(m.o.Passwordless)
	if len(keys) == 0 {
		return false, nil
	}
	assertion, _, err := m.beginLogin(f, i, cfg, keys)
	if err != nil {
		return false, err
	}
	options, err := optionsJSON(assertion)
	if err != nil {
		return false, err
	}
	if ids := i.Credentials[identity.CredentialsWebAuthn].Identifiers; len(ids) > 0 {
		f.UI.Upsert(ui.NewInput(identifierNode, ids[0], ui.GroupDefault, ui.InputHidden))
	}
	for _, n := range m.ceremonyNodes(f.Type, loginTrigger, browserLoginJS, options, label, loginInput) {
		f.UI.Upsert(n)
	}
	return true, nil
}

// beginLogin is the assertion request and session data of flow f for
// identity i's keys: the same every time for the same flow, identity and
// keys, so the session data needs no storage (see challenge).
func (m *Method) beginLogin(f *login.Flow, i *identity.Identity, cfg Config, keys []Credential) (*protocol.CredentialAssertion, *webauthn.SessionData, error) {
	u := &user{handle: cfg.userHandle(i.ID), name: i.ID.String()}
	for _, k := range keys {
		u.keys = append(u.keys, k.library())
	}
	a, sd, err := m.rp.BeginLogin(u, webauthn.WithChallenge(m.challenge(purposeLogin, f.ID, i.ID)))
	if err != nil {
		return nil, nil, apierr.Internal(fmt.Errorf("webauthn: begin login: %w", err))
	}
	return a, sd, nil
}

// Login checks a submission (foundation §1.5). As a second factor the
// identity is the session's and webauthn_login its assertion. Passwordless,
// the identity is the identifier's: without webauthn_login the flow is
// shown again with that identity's options (login.ErrShowFlow), with it the
// assertion is checked. A wrong, replayed or unparsable assertion changes
// nothing (see verify).
func (m *Method) Login(ctx context.Context, f *login.Flow, body map[string]any, sess *session.Session) (*identity.Identity, error) {
	if !m.serves(f.Type) {
		// Kratos's webauthn strategy is not responsible for API flows.
		return nil, flow.NewFormError("", text.NewLoginNoStrategy())
	}
	resp, err := credentialField(body, loginInput)
	if err != nil {
		return nil, err
	}
	if !m.o.Passwordless {
		if sess == nil {
			return nil, login.ErrAAL1Required()
		}
		i, err := m.store.FindIdentityByID(ctx, sess.IdentityID, true)
		if err != nil {
			return nil, fmt.Errorf("webauthn: load the session identity: %w", err)
		}
		if resp == nil {
			return nil, flow.NewFormError(loginInput, text.NewValidationRequired(loginInput))
		}
		return m.verify(ctx, f, i, resp)
	}
	identifier, _ := body[identifierNode].(string)
	identifier = strings.ToLower(strings.TrimSpace(identifier))
	f.UI.SetValue(identifierNode, identifier)
	if identifier == "" {
		return nil, flow.NewFormError(identifierNode, text.NewValidationRequired(identifierNode))
	}
	i, err := m.store.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsWebAuthn, identifier)
	if apierr.Is(err, http.StatusNotFound) {
		return nil, flow.NewFormError("", text.NewNoWebAuthnUser())
	}
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, m.passwordlessStep(f, i, identifier)
	}
	return m.verify(ctx, f, i, resp)
}

// passwordlessStep shows the flow again for identity i (foundation §1.5):
// the nodes are replaced by the ceremony for its passwordless keys, the
// identifier kept hidden, with message 1010012.
func (m *Method) passwordlessStep(f *login.Flow, i *identity.Identity, identifier string) error {
	kept := f.UI.Nodes[:0:0]
	for _, n := range f.UI.Nodes {
		if n.Attributes.ID() == flow.CSRFNodeName {
			kept = append(kept, n)
		}
	}
	previous := f.UI.Nodes
	f.UI.Nodes = kept
	ok, err := m.addLoginNodes(f, i, text.NewLoginContinue())
	if err != nil {
		f.UI.Nodes = previous
		return err
	}
	if !ok {
		f.UI.Nodes = previous
		return flow.NewFormError("", text.NewNoWebAuthnUser())
	}
	f.UI.Upsert(ui.NewInput(identifierNode, identifier, ui.GroupDefault, ui.InputHidden, ui.Required()))
	f.UI.Sort(login.SortOptions)
	f.UI.ResetMessages()
	f.UI.Messages = append(f.UI.Messages, text.NewLoginWebAuthnPasswordless())
	return &login.ErrShowFlow{}
}
