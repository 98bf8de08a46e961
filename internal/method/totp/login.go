package totp

import (
	"context"
	"errors"
	"fmt"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// codeNode is the name of the code input in login and settings.
const codeNode = "totp_code"

// loginMinLength is the login body schema's minLength of totp_code.
const loginMinLength = 6

// PopulateLogin adds the code input and the submit button to aal2 flows of
// a session whose identity has a usable TOTP device (foundation §1.2).
func (m *Method) PopulateLogin(ctx context.Context, f *login.Flow, sess *session.Session) error {
	if f.RequestedAAL != session.AAL2 || sess == nil {
		return nil
	}
	i, err := m.store.FindIdentityByID(ctx, sess.IdentityID, true)
	if err != nil {
		return fmt.Errorf("totp: load the session identity: %w", err)
	}
	if _, _, err := credentialKey(i); err != nil {
		return nil
	}
	f.UI.Nodes = append(f.UI.Nodes,
		ui.NewInput(codeNode, "", ui.GroupTOTP, ui.InputText, ui.Required(), ui.WithLabel(text.NewLoginTOTPLabel())),
		ui.NewInput("method", string(identity.CredentialsTOTP), ui.GroupTOTP, ui.InputSubmit, ui.WithLabel(text.NewLoginTOTP())))
	return nil
}

// Login checks a code for the session's identity (foundation §1.5): a
// missing or short code is a message on totp_code, no device is 4000011, a
// wrong code — or one whose time step was accepted already (a replay,
// beyond Kratos) — is 4000008. Wrong and replayed codes count towards the
// login throttle. Nothing is written unless the code is good.
func (m *Method) Login(ctx context.Context, f *login.Flow, body map[string]any, sess *session.Session) (*identity.Identity, error) {
	if sess == nil {
		// An aal2 flow needs the session that proved the first factor.
		return nil, login.ErrAAL1Required()
	}
	// The code is never echoed back (Kratos resets the node).
	f.UI.SetValue(codeNode, nil)
	fe := &flow.FormError{}
	code := codeField(fe, body, codeNode, loginMinLength)
	if len(fe.Messages) > 0 {
		return nil, fe
	}
	i, err := m.store.FindIdentityByID(ctx, sess.IdentityID, true)
	if err != nil {
		return nil, fmt.Errorf("totp: load the session identity: %w", err)
	}
	c, key, err := credentialKey(i)
	if err != nil {
		return nil, flow.NewFormError("", text.NewNoTOTPDevice())
	}
	step, ok := matchStep(key.Secret(), code, m.now())
	if !ok {
		return nil, wrongCode("", login.ErrBadCredentials)
	}
	fresh, err := m.store.RecordTOTPStep(ctx, i.ID, c.ID, step)
	if err != nil {
		return nil, fmt.Errorf("totp: record step: %w", err)
	}
	if !fresh {
		return nil, wrongCode("", errors.Join(login.ErrBadCredentials, errReplay))
	}
	return i, nil
}

// errReplay is the log cause of a refused replay.
var errReplay = errors.New("totp: the code's time step was used already")

// wrongCode is 4000008 on field ("" = the flow).
func wrongCode(field string, cause error) error {
	fe := flow.NewFormError(field, text.NewTOTPCodeInvalid())
	fe.Err = cause
	return fe
}
