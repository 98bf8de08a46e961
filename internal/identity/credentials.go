package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/warden-id/warden/internal/apierr"
)

// CredentialsImport is the "credentials" member of the admin create (and v1
// update) body: Kratos's identityWithCredentials. Only password and oidc
// exist in v0.10.1; the handler's strict decoding refuses anything else.
type CredentialsImport struct {
	Password *PasswordImport `json:"password,omitempty"`
	OIDC     *OIDCImport     `json:"oidc,omitempty"`
}

// PasswordImport is {"config": {"password": "…"} | {"hashed_password": "…"}}.
type PasswordImport struct {
	Config PasswordImportConfig `json:"config"`
}

// PasswordImportConfig carries a cleartext password or a hash. The
// cleartext wins when both are given, as in Kratos.
type PasswordImportConfig struct {
	Password       string `json:"password,omitempty"`
	HashedPassword string `json:"hashed_password,omitempty"`
}

// OIDCImport is {"config": {"providers": [{"provider", "subject"}]}}.
type OIDCImport struct {
	Config OIDCImportConfig `json:"config"`
}

// OIDCImportConfig lists the linked provider accounts.
type OIDCImportConfig struct {
	Providers []OIDCImportProvider `json:"providers"`
}

// OIDCImportProvider is one linked account.
type OIDCImportProvider struct {
	Provider string `json:"provider"`
	Subject  string `json:"subject"`
}

// PasswordConfig is the stored config of a password credential.
type PasswordConfig struct {
	HashedPassword string `json:"hashed_password"`
}

// OIDCConfig is the stored config of an oidc credential (Kratos's
// CredentialsConfig), with the provider entries in Kratos's field order.
type OIDCConfig struct {
	Providers []OIDCProvider `json:"providers"`
}

// OIDCProvider is one linked provider account. The initial tokens are
// empty for imported accounts (foundation §13 item 83).
type OIDCProvider struct {
	InitialIDToken      string `json:"initial_id_token"`
	InitialAccessToken  string `json:"initial_access_token"`
	InitialRefreshToken string `json:"initial_refresh_token"`
	Subject             string `json:"subject"`
	Provider            string `json:"provider"`
}

// importUnknownHash is Kratos's reason for a hash of no known format.
const importUnknownHash = "The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2"

// defaultValidateImportedHash accepts the v0.10.1 import formats by prefix
// (foundation §5.3); used when ServiceOptions.ValidateImportedHash is nil.
func defaultValidateImportedHash(h []byte) error {
	for _, p := range []string{"$argon2id$", "$argon2i$", "$2a$", "$2b$", "$2y$", "$2z$", "$2$", "$pbkdf2-sha"} {
		if bytes.HasPrefix(h, []byte(p)) {
			return nil
		}
	}
	return errors.New(importUnknownHash)
}

// importCredentials applies c to i: a password replaces the password
// credential's config (identifiers are derived from traits later), oidc
// providers are added to the oidc credential (duplicates ignored).
func (s *Service) importCredentials(ctx context.Context, i *Identity, c *CredentialsImport, now time.Time) error {
	if c == nil {
		return nil
	}
	if c.Password != nil {
		if err := s.importPassword(ctx, i, c.Password.Config, now); err != nil {
			return err
		}
	}
	if c.OIDC != nil {
		if err := importOIDC(i, c.OIDC.Config.Providers, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) importPassword(ctx context.Context, i *Identity, c PasswordImportConfig, now time.Time) error {
	var hashed []byte
	if c.Password != "" {
		// No password policy on import (foundation §5.3): the point is that
		// people keep signing in with the password they had.
		h, err := s.hasher.Generate(ctx, []byte(c.Password))
		if err != nil {
			return hashError(ctx, err, len(c.Password))
		}
		hashed = h
	} else {
		hashed = []byte(c.HashedPassword)
		if err := s.validateHash(hashed); err != nil {
			if e := apierr.As(err); e != nil {
				return e
			}
			// The validator's text is the complete reason (Kratos's, or
			// why a recognised hash has unsafe parameters).
			return &apierr.Error{Status: 400, Reason: err.Error(), Err: err}
		}
	}
	cfg, err := json.Marshal(PasswordConfig{HashedPassword: string(hashed)})
	if err != nil {
		return apierr.Internal(fmt.Errorf("identity: encode password config: %w", err))
	}
	cred := i.Credentials[CredentialsPassword]
	cred.Type = CredentialsPassword
	cred.Config = cfg
	if cred.Identifiers == nil {
		cred.Identifiers = []string{}
	}
	setCredential(i, cred, now)
	return nil
}

// hashError turns a hasher failure into the right status: bcrypt's 72-byte
// limit is the client's problem (400), never a 500.
func hashError(ctx context.Context, err error, pwLen int) error {
	if e := apierr.As(err); e != nil {
		return e
	}
	if ctx.Err() != nil {
		return apierr.Unavailable(fmt.Errorf("identity: hash password: %w", err))
	}
	if pwLen > 72 {
		return &apierr.Error{Status: 400, Reason: fmt.Sprintf("The password can not be used because %s.", err), Err: err}
	}
	return apierr.Internal(fmt.Errorf("identity: hash password: %w", err))
}

func importOIDC(i *Identity, providers []OIDCImportProvider, now time.Time) error {
	cred := i.Credentials[CredentialsOIDC]
	var cfg OIDCConfig
	if len(cred.Config) > 0 && !bytes.Equal(bytes.TrimSpace(cred.Config), []byte("null")) {
		if err := json.Unmarshal(cred.Config, &cfg); err != nil {
			return apierr.Internal(fmt.Errorf("identity: decode oidc config: %w", err))
		}
	}
	ids := append([]string{}, cred.Identifiers...)
	for _, p := range providers {
		if p.Provider == "" || p.Subject == "" {
			return apierr.BadRequest("Every imported OpenID Connect provider needs a non-empty provider and subject.")
		}
		id := p.Provider + ":" + p.Subject
		if slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
		cfg.Providers = append(cfg.Providers, OIDCProvider{Subject: p.Subject, Provider: p.Provider})
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return apierr.Internal(fmt.Errorf("identity: encode oidc config: %w", err))
	}
	cred.Type = CredentialsOIDC
	cred.Identifiers = ids
	cred.Config = b
	setCredential(i, cred, now)
	return nil
}

// setCredential stores cred in i.Credentials, stamping new credentials.
func setCredential(i *Identity, cred Credentials, now time.Time) {
	if i.Credentials == nil {
		i.Credentials = make(map[CredentialsType]Credentials)
	}
	if cred.CreatedAt.IsZero() {
		cred.CreatedAt = now
	}
	cred.UpdatedAt = now
	i.Credentials[cred.Type] = cred
}
