package webauthn

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// Settings is the webauthn method of the settings flow (settings-flow
// §5.4): register a security key, remove one.
type Settings struct {
	m *Method
}

var (
	_ settings.Method            = (*Settings)(nil)
	_ settings.CredentialsReader = (*Settings)(nil)
)

// NewSettings is m's settings method.
func NewSettings(m *Method) *Settings {
	return &Settings{m: m}
}

// Name is "webauthn".
func (s *Settings) Name() string { return string(identity.CredentialsWebAuthn) }

// AnswersAPIFlows tells the settings flow that submissions to API flows are
// this method's too (NativeFlows, beyond Kratos).
func (s *Settings) AnswersAPIFlows() bool { return s.m.o.NativeFlows }

// ReadsCredentials: the nodes list the identity's keys.
func (s *Settings) ReadsCredentials() bool { return true }

// lockOutReason is the message on webauthn_remove when the key is the
// identity's last first factor (§5.4).
const lockOutReason = "unable to remove this security key because it would lock you out of your account"

// PopulateSettings adds a remove button per key — except a passwordless
// key that is the identity's only first factor —, the display name input,
// the trigger with the registration options, the hidden webauthn_register
// input and the script (§3.5). The keys are those of creds (for the flow
// that follows a registration or removal, as it leaves them).
func (s *Settings) PopulateSettings(_ context.Context, f *settings.Flow, i *identity.Identity, creds map[identity.CredentialsType]identity.Credentials) error {
	if !s.m.serves(f.Type) {
		return nil
	}
	cfg, err := configOf(creds)
	if err != nil {
		return err
	}
	for _, c := range cfg.Credentials {
		if c.IsPasswordless {
			ok, err := hasOtherFirstFactor(creds, c.ID)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		f.UI.Nodes = append(f.UI.Nodes, removeNode(c))
	}
	creation, _, err := s.m.beginRegistration(f.ID, i, cfg)
	if err != nil {
		return err
	}
	options, err := optionsJSON(creation)
	if err != nil {
		return err
	}
	f.UI.Nodes = append(f.UI.Nodes, ui.NewInput(registerName, "", ui.GroupWebAuthn, ui.InputText,
		ui.WithLabel(text.NewSettingsWebAuthnName())))
	f.UI.Nodes = append(f.UI.Nodes, s.m.ceremonyNodes(f.Type, registerTrigger, browserRegisterJS, options,
		text.NewSettingsWebAuthnAdd(), registerInput)...)
	return nil
}

// beginRegistration is the creation request and session data of flow
// flowID for identity i: the same every time (see challenge), so the
// session data needs no storage. Keys i has already are excluded.
func (m *Method) beginRegistration(flowID uuid.UUID, i *identity.Identity, cfg Config) (*protocol.CredentialCreation, *webauthn.SessionData, error) {
	name := i.ID.String()
	if ids := m.identifiers(i); len(ids) > 0 {
		name = ids[0]
	}
	u := &user{handle: cfg.userHandle(i.ID), name: name}
	exclude := make([]protocol.CredentialDescriptor, 0, len(cfg.Credentials))
	for _, c := range cfg.Credentials {
		exclude = append(exclude, protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: c.ID})
	}
	challenge := m.challenge(purposeRegister, flowID, i.ID)
	creation, sd, err := m.rp.BeginRegistration(u, webauthn.WithExclusions(exclude),
		func(o *protocol.PublicKeyCredentialCreationOptions) error {
			o.Challenge = challenge
			return nil
		})
	if err != nil {
		return nil, nil, apierr.Internal(fmt.Errorf("webauthn: begin registration: %w", err))
	}
	return creation, sd, nil
}

// Settings registers or removes a key (§5.4). The body's shape is checked
// first (a registration needs a display name), then s.Check (CSRF), then
// the privileged session; registering wins when both are asked.
func (s *Settings) Settings(ctx context.Context, sub *settings.Submission) (*settings.Update, error) {
	reg, err := credentialField(sub.Body, registerInput)
	if err != nil {
		return nil, err
	}
	name, _ := sub.Body[registerName].(string)
	remove, _ := sub.Body[removeButton].(string)
	if reg != nil && name == "" {
		return nil, flow.NewFormError(registerName, text.NewValidationRequired(registerName))
	}
	sub.Flow.UI.SetValue(registerName, name)
	if err := sub.Check(); err != nil {
		return nil, err
	}
	if !sub.Privileged {
		return nil, &settings.PrivilegeError{}
	}
	stored, err := s.m.store.FindIdentityByID(ctx, sub.Identity.ID, true)
	if err != nil {
		return nil, fmt.Errorf("webauthn: load credentials: %w", err)
	}
	if reg != nil {
		return s.register(sub, stored, reg, name)
	}
	return s.remove(sub, stored, remove)
}

// register checks the creation response against the flow's challenge and
// the relying party; the key is added to the stored keys inside the write
// transaction (a key registered already is refused there).
func (s *Settings) register(sub *settings.Submission, stored *identity.Identity, reg []byte, name string) (*settings.Update, error) {
	parsed, err := protocol.ParseCredentialCreationResponseBytes(reg)
	if err != nil {
		return nil, errParse(err)
	}
	cfg, err := configOf(stored.Credentials)
	if err != nil {
		return nil, apierr.Internal(err)
	}
	_, sd, err := s.m.beginRegistration(sub.Flow.ID, sub.Identity, cfg)
	if err != nil {
		return nil, err
	}
	created, err := s.m.rp.CreateCredential(&user{handle: cfg.userHandle(sub.Identity.ID)}, *sd, parsed)
	if err != nil {
		// Kratos answers a 500; a bad response is the client's error.
		return nil, apierr.BadRequest("Unable to create WebAuthn credential: %s", libraryReason(err))
	}
	ids := s.m.identifiers(sub.Identity)
	if len(ids) == 0 {
		return nil, flow.NewFormError("", text.NewNoIdentifiers())
	}
	key := Credential{ID: created.ID, PublicKey: created.PublicKey, AttestationType: created.AttestationType,
		Authenticator: Authenticator{AAGUID: created.Authenticator.AAGUID, SignCount: created.Authenticator.SignCount},
		DisplayName:   name, AddedAt: s.m.o.Now().UTC().Round(time.Second), IsPasswordless: s.m.o.Passwordless,
		Flags: &Flags{UserPresent: created.Flags.UserPresent, UserVerified: created.Flags.UserVerified,
			BackupEligible: created.Flags.BackupEligible, BackupState: created.Flags.BackupState}}
	id := sub.Identity.ID
	up := update(sub.Identity, func(creds map[identity.CredentialsType]identity.Credentials) error {
		cfg, err := configOf(creds)
		if err != nil {
			return apierr.Internal(err)
		}
		if cfg.find(key.ID) >= 0 {
			return apierr.BadRequest("You tried to add a WebAuthn credential which is registered already.")
		}
		cfg.UserHandle = cfg.userHandle(id)
		cfg.Credentials = append(cfg.Credentials, key)
		raw, err := json.Marshal(cfg)
		if err != nil {
			return apierr.Internal(fmt.Errorf("webauthn: encode credential config: %w", err))
		}
		c := creds[identity.CredentialsWebAuthn]
		c.Type, c.Identifiers, c.Config, c.Version = identity.CredentialsWebAuthn, append([]string{}, ids...), raw, 1
		creds[identity.CredentialsWebAuthn] = c
		return nil
	})
	// The ceremony proved the key: the session gains it at the level it
	// proves (§5.4 step 7, §13 Q18).
	up.Completed = &session.AuthenticationMethod{Method: identity.CredentialsWebAuthn, AAL: s.m.AAL()}
	up.FactorChanged = true
	return up, nil
}

// remove takes one key away; the last one takes the credential type with
// it (§5.4). A passwordless key that is the identity's last first factor
// stays, with the lock-out message on webauthn_remove; the rule is checked
// again on the credentials as stored inside the write transaction, so two
// parallel removals cannot take both of the last two.
func (s *Settings) remove(sub *settings.Submission, stored *identity.Identity, hexID string) (*settings.Update, error) {
	keyID, err := removable(stored.Credentials, hexID)
	if err != nil {
		return nil, err
	}
	up := update(sub.Identity, func(creds map[identity.CredentialsType]identity.Credentials) error {
		if _, err := removable(creds, hexID); err != nil {
			return err
		}
		without, err := WithoutCredential(creds, keyID)
		if err != nil {
			return apierr.Internal(err)
		}
		clear(creds)
		maps.Copy(creds, without)
		return nil
	})
	up.FactorChanged = true
	return up, nil
}

// removable finds the key hexID in creds and checks that it may go.
func removable(creds map[identity.CredentialsType]identity.Credentials, hexID string) ([]byte, error) {
	cfg, err := configOf(creds)
	if err != nil {
		return nil, apierr.Internal(err)
	}
	if len(cfg.Credentials) == 0 {
		return nil, apierr.BadRequest("You tried to remove a WebAuthn but you have no WebAuthn set up.")
	}
	for _, c := range cfg.Credentials {
		if c.HexID() != hexID {
			continue
		}
		if c.IsPasswordless {
			ok, err := hasOtherFirstFactor(creds, c.ID)
			if err != nil {
				return nil, apierr.Internal(err)
			}
			if !ok {
				return nil, flow.NewFormError(removeButton, text.NewValidationGeneric(lockOutReason))
			}
		}
		return c.ID, nil
	}
	return nil, apierr.BadRequest("You tried to remove a WebAuthn credential which does not exist.")
}

// update is a success that edits the stored credentials with edit, inside
// the write transaction; traits and addresses stay as stored.
func update(current *identity.Identity, edit func(map[identity.CredentialsType]identity.Credentials) error) *settings.Update {
	return &settings.Update{Traits: current.Traits, Apply: func(stored map[identity.CredentialsType]identity.Credentials) (*identity.Identity, error) {
		next := *current
		next.Traits, next.VerifiableAddresses, next.RecoveryAddresses = nil, nil, nil
		next.Credentials = maps.Clone(stored)
		if next.Credentials == nil {
			next.Credentials = map[identity.CredentialsType]identity.Credentials{}
		}
		if err := edit(next.Credentials); err != nil {
			return nil, err
		}
		return &next, nil
	}}
}
