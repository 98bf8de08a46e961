package totp

import (
	"context"
	"fmt"
	"maps"
	"strconv"

	"github.com/google/uuid"
	"github.com/pquerna/otp"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
)

// Settings is the totp method of the settings flow (settings-flow §5.3):
// link a device by confirming one code of a new key, unlink it.
type Settings struct {
	m       *Method
	pending *pendingCache
}

var (
	_ settings.Method            = (*Settings)(nil)
	_ settings.CredentialsReader = (*Settings)(nil)
)

// NewSettings is m's settings method.
func NewSettings(m *Method) *Settings {
	return &Settings{m: m, pending: &pendingCache{}}
}

// Name is "totp".
func (s *Settings) Name() string { return string(identity.CredentialsTOTP) }

// ReadsCredentials: the nodes depend on whether a device is linked.
func (s *Settings) ReadsCredentials() bool { return true }

// PopulateSettings shows the unlink button to an identity with a device,
// and the setup nodes of a pending key to one without (§3.5); creds say
// which (for the flow that follows a link or unlink, as that submission
// leaves them).
func (s *Settings) PopulateSettings(_ context.Context, f *settings.Flow, i *identity.Identity, creds map[identity.CredentialsType]identity.Credentials) error {
	if _, _, err := credentialKey(&identity.Identity{Credentials: creds}); err == nil {
		f.UI.Nodes = append(f.UI.Nodes, unlinkNodes()...)
		return nil
	}
	p, err := s.pendingFor(f, i)
	if err != nil {
		return err
	}
	k, err := otp.NewKeyFromURL(p.url)
	if err != nil {
		return fmt.Errorf("totp: pending key: %w", err)
	}
	f.UI.Nodes = append(f.UI.Nodes, setupNodes(p.qr, k.Secret())...)
	return nil
}

// pendingFor is the key a new flow shows (see pending.go): the key of the
// flow whose successful submission created this one, else the browser's
// pending key, when either exists for the same issuer and account name;
// else a new key. The result is remembered for this flow (and browser).
func (s *Settings) pendingFor(f *settings.Flow, i *identity.Identity) (pending, error) {
	account := s.m.accountName(i)
	now := s.m.now()
	var lookups []pendingKey
	if prev, ok := submittedFlow(f.RequestURL); ok {
		lookups = append(lookups, pendingKey{identity: i.ID, binding: "flow:" + prev.String()})
	}
	browser := f.Type == flow.TypeBrowser && f.CSRFTokenHash != ""
	if browser {
		lookups = append(lookups, pendingKey{identity: i.ID, binding: "csrf:" + f.CSRFTokenHash})
	}
	p, found := pending{}, false
	for _, k := range lookups {
		if c, ok := s.pending.get(k, now); ok {
			if key, err := otp.NewKeyFromURL(c.url); err == nil && key.AccountName() == account && key.Issuer() == s.m.issuer {
				p, found = c, true
				break
			}
		}
	}
	if !found {
		k, err := newKey(s.m.issuer, account)
		if err != nil {
			return pending{}, err
		}
		qr, err := qrDataURL(k)
		if err != nil {
			return pending{}, err
		}
		p = pending{url: k.URL(), qr: qr, expires: now.Add(pendingTTL)}
	}
	s.pending.put(pendingKey{identity: i.ID, binding: "flow:" + f.ID.String()}, p, now)
	if browser {
		s.pending.put(pendingKey{identity: i.ID, binding: "csrf:" + f.CSRFTokenHash}, p, now)
	}
	return p, nil
}

// errNoPendingKey answers a code for a flow that shows no key (it was
// created while the identity had a device). Kratos answers a 500 asking to
// report a bug; the user can reach this state, so Warden asks to restart.
func errNoPendingKey() *apierr.Error {
	return apierr.BadRequest("This settings flow has no TOTP key to link. Please start a new settings flow.")
}

// Settings links or unlinks a device (§5.3): CSRF, a privileged session;
// then with a device, totp_unlink removes it and anything else changes
// nothing (D9: a no-op success, the stored credentials are kept); without
// one, the code must be one of the flow's pending key (±1 step), which is
// then stored as the totp credential. The linking code's time step is
// recorded, so it cannot be replayed at login.
func (s *Settings) Settings(ctx context.Context, sub *settings.Submission) (*settings.Update, error) {
	unlink, err := unlinkFlag(sub.Body)
	if err != nil {
		return nil, err
	}
	sub.Flow.UI.SetValue(codeNode, nil) // a code is never echoed
	if err := sub.Check(); err != nil {
		return nil, err
	}
	if !sub.Privileged {
		return nil, &settings.PrivilegeError{}
	}
	stored, err := s.m.store.FindIdentityByID(ctx, sub.Identity.ID, true)
	if err != nil {
		return nil, fmt.Errorf("totp: load credentials: %w", err)
	}
	current := sub.Identity
	if _, _, err := credentialKey(stored); err == nil {
		if !unlink {
			return keep(current), nil
		}
		s.pending.forget(current.ID)
		up := change(current, func(creds map[identity.CredentialsType]identity.Credentials) {
			delete(creds, identity.CredentialsTOTP)
		})
		up.FactorChanged = true
		return up, nil
	}
	return s.link(ctx, sub)
}

// link checks the code against the flow's pending key and stores it.
func (s *Settings) link(ctx context.Context, sub *settings.Submission) (*settings.Update, error) {
	secret := pendingSecret(sub.Flow.UI)
	if secret == "" {
		return nil, errNoPendingKey()
	}
	fe := &flow.FormError{}
	code := codeField(fe, sub.Body, codeNode, 0)
	if len(fe.Messages) > 0 {
		return nil, fe
	}
	step, ok := matchStep(secret, code, s.m.now())
	if !ok {
		return nil, wrongCode(codeNode, nil)
	}
	credID, err := uuid.NewV7()
	if err != nil {
		return nil, apierr.Internal(fmt.Errorf("totp: credential id: %w", err))
	}
	// The code that proved the device is spent: login cannot replay it.
	fresh, err := s.m.store.RecordTOTPStep(ctx, sub.Identity.ID, credID, step)
	if err != nil {
		return nil, fmt.Errorf("totp: record step: %w", err)
	}
	if !fresh {
		return nil, wrongCode(codeNode, errReplay)
	}
	k, err := newKeyWithSecret(s.m.issuer, s.m.accountName(sub.Identity), secret)
	if err != nil {
		return nil, apierr.Internal(err)
	}
	cred, err := credential(sub.Identity.ID, credID, k.URL())
	if err != nil {
		return nil, apierr.Internal(err)
	}
	s.pending.forget(sub.Identity.ID)
	up := change(sub.Identity, func(creds map[identity.CredentialsType]identity.Credentials) {
		creds[identity.CredentialsTOTP] = cred
	})
	// The code proved the device: the session gains it (§13 Q18).
	up.Completed = &session.AuthenticationMethod{Method: identity.CredentialsTOTP, AAL: session.AAL2}
	up.FactorChanged = true
	return up, nil
}

// unlinkFlag reads totp_unlink as the body schema's boolean: a form value
// that is not a boolean is the validator's message on the field.
func unlinkFlag(body map[string]any) (bool, error) {
	switch v := body[unlinkNode].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, flow.NewFormError(unlinkNode, text.NewValidationGeneric("expected boolean, but got string"))
		}
		return b, nil
	default:
		return false, flow.NewFormError(unlinkNode, text.NewValidationGeneric("expected boolean, but got "+jsonType(v)))
	}
}

// keep is a success that changes nothing (D9): the stored credentials are
// written back as read inside the transaction, traits as stored.
func keep(current *identity.Identity) *settings.Update {
	return change(current, func(map[identity.CredentialsType]identity.Credentials) {})
}

// change is a success that edits the stored credentials with edit, inside
// the write transaction; traits and addresses stay as stored.
func change(current *identity.Identity, edit func(map[identity.CredentialsType]identity.Credentials)) *settings.Update {
	return &settings.Update{Traits: current.Traits, Apply: func(stored map[identity.CredentialsType]identity.Credentials) (*identity.Identity, error) {
		next := *current
		next.Traits, next.VerifiableAddresses, next.RecoveryAddresses = nil, nil, nil
		next.Credentials = maps.Clone(stored)
		if next.Credentials == nil {
			next.Credentials = map[identity.CredentialsType]identity.Credentials{}
		}
		edit(next.Credentials)
		return &next, nil
	}}
}
