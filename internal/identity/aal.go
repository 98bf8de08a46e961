package identity

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Authenticator assurance levels as an identity's credentials offer them.
// Wire values; the session package has the same strings as its AAL type.
const (
	AAL0 = "aal0" // no usable credential
	AAL1 = "aal1" // at least one first factor
	AAL2 = "aal2" // at least one second factor
)

// AvailableAAL is the highest AAL creds make reachable (foundation §3.2):
// aal1 with at least one active first-factor credential, aal2 with at least
// one active multi-factor credential (v0.10.1 raises to aal2 even without a
// first factor), else aal0. Credentials are counted whether or not their
// method is enabled, as Kratos counts them. A config that does not parse
// counts as no credential rather than failing the caller: this runs on every
// identity write and must not turn a broken row into a 500.
func AvailableAAL(creds map[CredentialsType]Credentials) string {
	var first, multi int
	for t, c := range creds {
		f, m := countCredential(t, c)
		first += f
		multi += m
	}
	switch {
	case multi > 0:
		return AAL2
	case first > 0:
		return AAL1
	default:
		return AAL0
	}
}

// countCredential returns how many first factors and second factors one
// credential provides.
func countCredential(t CredentialsType, c Credentials) (first, multi int) {
	if len(c.Config) == 0 {
		return 0, 0
	}
	switch t {
	case CredentialsPassword:
		var cfg PasswordConfig
		if json.Unmarshal(c.Config, &cfg) != nil {
			return 0, 0
		}
		// Imported pbkdf2/argon2i/scrypt hashes do not count until login has
		// upgraded them to the configured hasher (Kratos counts only bcrypt
		// and argon2id).
		if firstIdentifier(c) != "" && (isBcrypt(cfg.HashedPassword) || strings.HasPrefix(cfg.HashedPassword, "$argon2id$")) {
			return 1, 0
		}
	case CredentialsOIDC:
		var cfg OIDCConfig
		if json.Unmarshal(c.Config, &cfg) != nil {
			return 0, 0
		}
		linked := make(map[string]bool, len(cfg.Providers))
		for _, p := range cfg.Providers {
			linked[p.Provider+":"+p.Subject] = true
		}
		for _, id := range c.Identifiers {
			if linked[id] {
				first++
			}
		}
	case CredentialsTOTP:
		var cfg struct {
			TOTPURL string `json:"totp_url"`
		}
		if json.Unmarshal(c.Config, &cfg) != nil || cfg.TOTPURL == "" || firstIdentifier(c) == "" {
			return 0, 0
		}
		if _, err := url.Parse(cfg.TOTPURL); err == nil {
			return 0, 1
		}
	case CredentialsLookupSecret:
		var cfg struct {
			RecoveryCodes []json.RawMessage `json:"recovery_codes"`
		}
		if json.Unmarshal(c.Config, &cfg) == nil && len(cfg.RecoveryCodes) > 0 {
			return 0, 1
		}
	case CredentialsWebAuthn:
		var cfg struct {
			Credentials []struct {
				IsPasswordless bool `json:"is_passwordless"`
			} `json:"credentials"`
		}
		if json.Unmarshal(c.Config, &cfg) != nil {
			return 0, 0
		}
		for _, k := range cfg.Credentials {
			if k.IsPasswordless {
				first++
			} else {
				multi++
			}
		}
	}
	return first, multi
}

func firstIdentifier(c Credentials) string {
	if len(c.Identifiers) == 0 {
		return ""
	}
	return c.Identifiers[0]
}

// isBcrypt matches Kratos's `^\$2[abzy]?\$` bcrypt test.
func isBcrypt(h string) bool {
	if !strings.HasPrefix(h, "$2") {
		return false
	}
	rest := h[2:]
	if rest != "" && strings.ContainsRune("abzy", rune(rest[0])) {
		rest = rest[1:]
	}
	return strings.HasPrefix(rest, "$")
}
