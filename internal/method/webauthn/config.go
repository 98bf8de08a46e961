package webauthn

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
)

// Config is the stored config of a webauthn credential, as Kratos stores
// it (identity.CredentialsWebAuthnConfig): []byte fields are standard
// base64 in JSON. One identity credential holds all of the identity's
// security keys.
type Config struct {
	Credentials []Credential `json:"credentials"`
	// UserHandle is the WebAuthn user handle: the identity id's 16 bytes.
	UserHandle []byte `json:"user_handle"`
}

// Credential is one registered security key.
type Credential struct {
	ID              []byte        `json:"id"`
	PublicKey       []byte        `json:"public_key"`
	AttestationType string        `json:"attestation_type"`
	Authenticator   Authenticator `json:"authenticator"`
	DisplayName     string        `json:"display_name"`
	AddedAt         time.Time     `json:"added_at"`
	// IsPasswordless keys are first factors (aal1); the others are second
	// factors (foundation §3.2).
	IsPasswordless bool `json:"is_passwordless"`
	// Flags are v1's (D1: additive): the authenticator's flags at
	// registration. Keys stored by v0.10.1 have none.
	Flags *Flags `json:"flags,omitempty"`
}

// Authenticator is the stored authenticator state. SignCount is the
// signature counter of the last accepted assertion (it only moves forward);
// CloneWarning records that an assertion came with a counter that did not
// (a possibly cloned authenticator).
type Authenticator struct {
	AAGUID       []byte `json:"aaguid"`
	SignCount    uint32 `json:"sign_count"`
	CloneWarning bool   `json:"clone_warning"`
}

// Flags are the authenticator data flags (v1).
type Flags struct {
	UserPresent    bool `json:"user_present"`
	UserVerified   bool `json:"user_verified"`
	BackupEligible bool `json:"backup_eligible"`
	BackupState    bool `json:"backup_state"`
}

// HexID is the id a webauthn_remove button carries: lowercase hex of the
// raw credential id (§3.5).
func (c Credential) HexID() string { return hex.EncodeToString(c.ID) }

// name is the display name, or "unnamed".
func (c Credential) name() string {
	if c.DisplayName == "" {
		return "unnamed"
	}
	return c.DisplayName
}

// library is the credential as go-webauthn validates it.
func (c Credential) library() webauthn.Credential {
	wc := webauthn.Credential{ID: c.ID, PublicKey: c.PublicKey, AttestationType: c.AttestationType,
		Authenticator: webauthn.Authenticator{AAGUID: c.Authenticator.AAGUID, SignCount: c.Authenticator.SignCount,
			CloneWarning: c.Authenticator.CloneWarning}}
	if c.Flags != nil {
		wc.Flags = webauthn.CredentialFlags{UserPresent: c.Flags.UserPresent, UserVerified: c.Flags.UserVerified,
			BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState}
	}
	return wc
}

// ParseConfig reads a stored config; an empty one ("{}", or none: a
// credential that only reserves the identifiers) has no keys.
func ParseConfig(raw []byte) (Config, error) {
	var c Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return Config{}, fmt.Errorf("webauthn: stored credential config: %w", err)
	}
	return c, nil
}

// configOf is the identity's webauthn config (empty without one).
func configOf(creds map[identity.CredentialsType]identity.Credentials) (Config, error) {
	c, ok := creds[identity.CredentialsWebAuthn]
	if !ok {
		return Config{}, nil
	}
	return ParseConfig(c.Config)
}

// find returns the index of the key with this id, or -1.
func (c Config) find(id []byte) int {
	for k := range c.Credentials {
		if bytes.Equal(c.Credentials[k].ID, id) {
			return k
		}
	}
	return -1
}

// filter keeps the keys usable for one kind of login: passwordless keys
// for a first-factor login, the others for a second factor.
func (c Config) filter(passwordless bool) []Credential {
	var out []Credential
	for _, k := range c.Credentials {
		if k.IsPasswordless == passwordless {
			out = append(out, k)
		}
	}
	return out
}

// userHandle is the stored user handle, or the identity id's bytes for a
// config without one.
func (c Config) userHandle(id uuid.UUID) []byte {
	if len(c.UserHandle) > 0 {
		return c.UserHandle
	}
	return id[:]
}

// WithoutCredential is creds after removing the security key id: the
// webauthn credential loses that key, and the whole type when it was the
// last (§5.4). Other types are shared with creds, not copied.
func WithoutCredential(creds map[identity.CredentialsType]identity.Credentials, id []byte) (map[identity.CredentialsType]identity.Credentials, error) {
	out := make(map[identity.CredentialsType]identity.Credentials, len(creds))
	for t, c := range creds {
		out[t] = c
	}
	cfg, err := configOf(creds)
	if err != nil {
		return nil, err
	}
	k := cfg.find(id)
	if k < 0 {
		return out, nil
	}
	cfg.Credentials = append(cfg.Credentials[:k:k], cfg.Credentials[k+1:]...)
	if len(cfg.Credentials) == 0 {
		delete(out, identity.CredentialsWebAuthn)
		return out, nil
	}
	c := out[identity.CredentialsWebAuthn]
	if c.Config, err = json.Marshal(cfg); err != nil {
		return nil, fmt.Errorf("webauthn: encode credential config: %w", err)
	}
	out[identity.CredentialsWebAuthn] = c
	return out, nil
}

// hasOtherFirstFactor reports whether creds keep a first factor (§6.3)
// once the security key id is gone: a password, an oidc link, or another
// passwordless key. Removing a passwordless key needs one (§5.4: the
// first-factor count before removal is at least 2).
func hasOtherFirstFactor(creds map[identity.CredentialsType]identity.Credentials, id []byte) (bool, error) {
	without, err := WithoutCredential(creds, id)
	if err != nil {
		return false, err
	}
	firstOnly := make(map[identity.CredentialsType]identity.Credentials, len(without))
	for t, c := range without {
		switch t {
		case identity.CredentialsTOTP, identity.CredentialsLookupSecret:
			continue
		case identity.CredentialsWebAuthn:
			cfg, err := ParseConfig(c.Config)
			if err != nil {
				return false, err
			}
			if cfg.Credentials = cfg.filter(true); len(cfg.Credentials) == 0 {
				continue
			}
			if c.Config, err = json.Marshal(cfg); err != nil {
				return false, fmt.Errorf("webauthn: encode credential config: %w", err)
			}
		}
		firstOnly[t] = c
	}
	// With the second factors gone, any available level is a first factor.
	return identity.AvailableAAL(firstOnly) != identity.AAL0, nil
}
