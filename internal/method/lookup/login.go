package lookup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// codeNode is the login input's name.
const codeNode = "lookup_secret"

// PopulateLogin adds the code input and the submit button to aal2 flows of
// a session whose identity has lookup codes (foundation §1.2).
func (m *Method) PopulateLogin(ctx context.Context, f *login.Flow, sess *session.Session) error {
	if f.RequestedAAL != session.AAL2 || sess == nil {
		return nil
	}
	i, err := m.store.FindIdentityByID(ctx, sess.IdentityID, true)
	if err != nil {
		return fmt.Errorf("lookup: load the session identity: %w", err)
	}
	if _, _, ok := readConfig(i); !ok {
		return nil
	}
	f.UI.Nodes = append(f.UI.Nodes,
		ui.NewInput(codeNode, "", ui.GroupLookupSecret, ui.InputText, ui.Required(), ui.WithLabel(text.NewLoginLookupLabel())),
		ui.NewInput("method", string(identity.CredentialsLookupSecret), ui.GroupLookupSecret, ui.InputSubmit,
			ui.WithLabel(text.NewLoginLookup())))
	return nil
}

// Login spends one code of the session's identity (foundation §1.5): a
// missing code is 4000002 on lookup_secret, no codes 4000014, an unknown
// code 4000016, a spent one 4000012. The code is spent atomically: of
// parallel submissions of one code exactly one succeeds. Wrong and spent
// codes count towards the login throttle.
func (m *Method) Login(ctx context.Context, f *login.Flow, body map[string]any, sess *session.Session) (*identity.Identity, error) {
	if sess == nil {
		return nil, login.ErrAAL1Required()
	}
	f.UI.SetValue(codeNode, nil) // never echoed back
	code, msg := stringField(body, codeNode)
	if msg != nil {
		return nil, flow.NewFormError(codeNode, *msg)
	}
	i, err := m.store.FindIdentityByID(ctx, sess.IdentityID, true)
	if err != nil {
		return nil, fmt.Errorf("lookup: load the session identity: %w", err)
	}
	c, cfg, ok := readConfig(i)
	if !ok {
		return nil, flow.NewFormError("", text.NewNoLookupCodes())
	}
	idx := m.hasher.find(cfg, strings.TrimSpace(code))
	if idx < 0 {
		return nil, refused(text.NewLookupInvalid(), login.ErrBadCredentials)
	}
	rc := cfg.RecoveryCodes[idx]
	if rc.UsedAt != nil && !rc.UsedAt.IsZero() {
		return nil, refused(text.NewLookupAlreadyUsed(), login.ErrBadCredentials)
	}
	_, fresh, err := m.store.UseLookupSecret(ctx, i.ID, c.ID, rc.key())
	switch {
	case apierr.Is(err, http.StatusNotFound):
		// The codes were replaced since we read them.
		return nil, refused(text.NewLookupInvalid(), errors.Join(login.ErrBadCredentials, err))
	case err != nil:
		return nil, fmt.Errorf("lookup: spend code: %w", err)
	case !fresh:
		return nil, refused(text.NewLookupAlreadyUsed(), login.ErrBadCredentials)
	}
	return i, nil
}

// refused is a flow-level message with its cause.
func refused(m text.Message, cause error) error {
	fe := flow.NewFormError("", m)
	fe.Err = cause
	return fe
}
