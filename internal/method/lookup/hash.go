package lookup

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/warden-id/warden/internal/identity"
)

// Config is the stored config of a lookup_secret credential. Warden writes
// hashes and a salt; Kratos's plain form ({"code": …, "used_at": …}) is
// still read, so identities carried over from Kratos keep their codes.
// identity.AvailableAAL counts the credential when recovery_codes is not
// empty (even when all are used, §13 Q15).
type Config struct {
	RecoveryCodes []Code `json:"recovery_codes"`
	// Salt is base64url (no padding) of 16 random bytes.
	Salt string `json:"salt,omitempty"`
}

// Code is one stored code.
type Code struct {
	// Hash is base64url (no padding) of the code's HMAC (see Hasher).
	Hash string `json:"hash,omitempty"`
	// Code and UsedAt are Kratos's plain form, never written by Warden.
	Code   string     `json:"code,omitempty"`
	UsedAt *time.Time `json:"used_at,omitempty"`
}

// key is the code's key in the store's table of spent codes: the stored
// hash, or for a plain code a SHA-256 of it (never the code itself).
func (c Code) key() string {
	if c.Hash != "" {
		return c.Hash
	}
	sum := sha256.Sum256([]byte("warden lookup_secret plain\x00" + c.Code))
	return "plain:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// Hasher hashes and checks codes with HMAC-SHA-256 under secrets.default.
type Hasher struct {
	keys [][]byte
}

// NewHasher takes secrets.default; the first secret hashes new codes.
func NewHasher(secrets []string) (*Hasher, error) {
	if len(secrets) == 0 || secrets[0] == "" {
		return nil, errors.New("lookup: secrets.default is empty")
	}
	h := &Hasher{}
	for _, s := range secrets {
		if s != "" {
			h.keys = append(h.keys, []byte(s))
		}
	}
	return h, nil
}

// hashPrefix separates this use of the secret from every other one.
const hashPrefix = "warden lookup_secret v1\x00"

func mac(key, salt []byte, code string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(hashPrefix))
	m.Write(salt)
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// Hash is code's stored hash under salt.
func (h *Hasher) Hash(salt []byte, code string) string {
	return base64.RawURLEncoding.EncodeToString(mac(h.keys[0], salt, code))
}

// newSalt is 16 random bytes.
func newSalt() ([]byte, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("lookup: salt: %w", err)
	}
	return b, nil
}

// find returns the index of the stored code that code is, or -1. Every
// stored code is compared (in constant time, under every secret), so the
// timing does not depend on where, or whether, the code matched.
func (h *Hasher) find(cfg Config, code string) int {
	salt, err := base64.RawURLEncoding.DecodeString(cfg.Salt)
	if err != nil {
		salt = nil
	}
	candidates := make([][]byte, 0, len(h.keys))
	for _, k := range h.keys {
		candidates = append(candidates, []byte(base64.RawURLEncoding.EncodeToString(mac(k, salt, code))))
	}
	found := -1
	for idx, c := range cfg.RecoveryCodes {
		match := 0
		if c.Hash != "" {
			for _, cand := range candidates {
				match |= subtle.ConstantTimeCompare([]byte(c.Hash), cand)
			}
		} else if c.Code != "" {
			match = subtle.ConstantTimeCompare([]byte(c.Code), []byte(code))
		}
		if match == 1 && found < 0 {
			found = idx
		}
	}
	return found
}

// readConfig is i's lookup_secret credential and its config; ok is false
// when the identity has no codes (no credential, an empty or unreadable
// config, or an empty list).
func readConfig(i *identity.Identity) (identity.Credentials, Config, bool) {
	c, has := i.Credentials[identity.CredentialsLookupSecret]
	var cfg Config
	if !has || len(c.Config) == 0 || json.Unmarshal(c.Config, &cfg) != nil || len(cfg.RecoveryCodes) == 0 {
		return c, cfg, false
	}
	return c, cfg, true
}

func encodeSalt(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// NewConfig is the stored config for freshly generated codes: a new salt
// and each code's hash.
func (h *Hasher) NewConfig(codes []string) (Config, error) {
	salt, err := newSalt()
	if err != nil {
		return Config{}, err
	}
	cfg := Config{Salt: encodeSalt(salt), RecoveryCodes: make([]Code, len(codes))}
	for k, c := range codes {
		cfg.RecoveryCodes[k] = Code{Hash: h.Hash(salt, c)}
	}
	return cfg, nil
}
