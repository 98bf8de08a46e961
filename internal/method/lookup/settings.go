package lookup

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
)

// numCodes and codeLen are Kratos's: 12 codes of 8 characters [a-z0-9].
const (
	numCodes = 12
	codeLen  = 8
	alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// masked is how reveal shows a code Warden cannot show (it keeps hashes).
const masked = "********"

// Settings is the lookup_secret method of the settings flow (§5.5).
type Settings struct {
	m *Method
}

var (
	_ settings.Method            = (*Settings)(nil)
	_ settings.CredentialsReader = (*Settings)(nil)
)

// NewSettings is m's settings method.
func NewSettings(m *Method) *Settings { return &Settings{m: m} }

// Name is "lookup_secret".
func (s *Settings) Name() string { return string(identity.CredentialsLookupSecret) }

// ReadsCredentials: the nodes depend on whether codes are saved.
func (s *Settings) ReadsCredentials() bool { return true }

// PopulateSettings shows reveal and disable to an identity with codes (even
// when all are used, §13 Q15), regenerate to one without (§3.5); creds say
// which (for the flow that follows a confirm or disable, as that
// submission leaves them).
func (s *Settings) PopulateSettings(_ context.Context, f *settings.Flow, _ *identity.Identity, creds map[identity.CredentialsType]identity.Credentials) error {
	if _, _, has := readConfig(&identity.Identity{Credentials: creds}); has {
		f.UI.Nodes = append(f.UI.Nodes, revealButton(), disableButton())
		return nil
	}
	f.UI.Nodes = append(f.UI.Nodes, regenerateButton())
	return nil
}

// Settings runs one of the four actions (§5.5) after CSRF and a privileged
// session; when several flags are set, confirm wins over reveal, reveal
// over disable, disable over regenerate (the rendered buttons all carry
// value "true", so naive form serializers send several).
func (s *Settings) Settings(ctx context.Context, sub *settings.Submission) (*settings.Update, error) {
	if err := sub.Check(); err != nil {
		return nil, err
	}
	if !sub.Privileged {
		return nil, &settings.PrivilegeError{}
	}
	switch {
	case boolField(sub.Body, confirmNode):
		return s.confirm(sub)
	case boolField(sub.Body, revealNode):
		return s.reveal(ctx, sub)
	case boolField(sub.Body, disableNode):
		up := change(sub.Identity, func(creds map[identity.CredentialsType]identity.Credentials) {
			delete(creds, identity.CredentialsLookupSecret)
		})
		up.FactorChanged = true
		return up, nil
	case boolField(sub.Body, regenerateNode):
		return s.regenerate(sub)
	}
	// The flow picked this method for a set flag; none is set.
	return nil, apierr.BadRequest("Did not receive any value changes.")
}

// errNotRegenerated is Kratos's 400 for a confirm without fresh codes.
func errNotRegenerated() *apierr.Error {
	return apierr.BadRequest("You must (re-)generate recovery backup codes before you can save them.")
}

// regenerate shows 12 new codes and the confirm button; nothing is stored
// but the flow (§5.5: the codes are not saved before confirmation).
func (s *Settings) regenerate(sub *settings.Submission) (*settings.Update, error) {
	codes, err := newCodes()
	if err != nil {
		return nil, apierr.Internal(err)
	}
	removeAll(sub.Flow.UI)
	sub.Flow.UI.Nodes = append(sub.Flow.UI.Nodes, newCodesText(codes), confirmButton())
	return &settings.Update{ReturnToUI: true}, nil
}

// confirm stores the codes the flow shows, hashed, replacing old ones.
func (s *Settings) confirm(sub *settings.Submission) (*settings.Update, error) {
	codes := regeneratedCodes(sub.Flow.UI)
	if len(codes) != numCodes {
		return nil, errNotRegenerated()
	}
	cfg, err := s.m.hasher.NewConfig(codes)
	if err != nil {
		return nil, apierr.Internal(err)
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, apierr.Internal(fmt.Errorf("lookup: encode config: %w", err))
	}
	id := sub.Identity.ID
	// A new credential (zero id): the old codes' spent marks do not apply.
	cred := identity.Credentials{Type: identity.CredentialsLookupSecret, Identifiers: []string{id.String()}, Config: raw}
	up := change(sub.Identity, func(creds map[identity.CredentialsType]identity.Credentials) {
		creds[identity.CredentialsLookupSecret] = cred
	})
	// The user holds the codes just shown: the session gains them (§13 Q18).
	up.Completed = &session.AuthenticationMethod{Method: identity.CredentialsLookupSecret, AAL: session.AAL2}
	up.FactorChanged = true
	return up, nil
}

// errNoCodes is Kratos's 400 for a reveal without codes.
func errNoCodes() *apierr.Error {
	return apierr.BadRequest("Can not reveal lookup codes because you have none.")
}

// reveal lists the identity's codes (§5.5). Warden stores codes hashed
// (D16) and cannot show unused ones again: they are listed masked
// ("********", context masked: true) with the used ones ("used", 1050014
// with used_at), so the user sees how many are left and can regenerate.
// Codes kept in Kratos's plain form are shown as Kratos shows them.
func (s *Settings) reveal(ctx context.Context, sub *settings.Submission) (*settings.Update, error) {
	stored, err := s.m.store.FindIdentityByID(ctx, sub.Identity.ID, true)
	if err != nil {
		return nil, fmt.Errorf("lookup: load credentials: %w", err)
	}
	c, cfg, ok := readConfig(stored)
	if !ok {
		return nil, errNoCodes()
	}
	uses, err := s.m.store.LookupSecretUses(ctx, stored.ID, c.ID)
	if err != nil {
		return nil, fmt.Errorf("lookup: read used codes: %w", err)
	}
	shown := make([]string, len(cfg.RecoveryCodes))
	msgs := make([]text.Message, len(cfg.RecoveryCodes))
	for k, rc := range cfg.RecoveryCodes {
		usedAt, used := uses[rc.key()]
		if !used && rc.UsedAt != nil && !rc.UsedAt.IsZero() {
			usedAt, used = *rc.UsedAt, true
		}
		switch {
		case used:
			shown[k], msgs[k] = "used", text.NewSettingsLookupSecretUsed(usedAt)
		case rc.Hash == "" && rc.Code != "":
			shown[k], msgs[k] = rc.Code, text.NewSettingsLookupSecret(rc.Code)
		default:
			shown[k], msgs[k] = masked, text.NewSettingsLookupSecretMasked(masked)
		}
	}
	removeAll(sub.Flow.UI)
	sub.Flow.UI.Nodes = append(sub.Flow.UI.Nodes, codesText(shown, msgs), disableButton(), regenerateButton())
	return &settings.Update{ReturnToUI: true}, nil
}

// newCodes are 12 random codes; each character is uniform over the
// alphabet (rejection sampling, no modulo bias).
func newCodes() ([]string, error) {
	codes := make([]string, numCodes)
	buf := make([]byte, 64)
	for k := range codes {
		out := make([]byte, 0, codeLen)
		for len(out) < codeLen {
			if _, err := rand.Read(buf); err != nil {
				return nil, fmt.Errorf("lookup: random codes: %w", err)
			}
			for _, b := range buf {
				// 252 = 7×36: bytes above it would favour the first letters.
				if b < 252 && len(out) < codeLen {
					out = append(out, alphabet[int(b)%len(alphabet)])
				}
			}
		}
		codes[k] = string(out)
	}
	return codes, nil
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
