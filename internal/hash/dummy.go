package hash

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Dummy equalises login timing for unknown identifiers: comparing against
// it costs what comparing against a real hash of the configured hasher costs,
// so response times do not reveal whether an account exists (style.md §12,
// caddy's fakePassword).
type Dummy struct{ hash []byte }

// NewDummy returns the dummy for h. Build it at start-up, after the
// hasher, and share it.
//
// For this package's hashers it hashes nothing: it writes a hash in h's
// exact format and parameters (bcrypt cost; argon2 m, t, p, salt and key
// length) with a random salt and a random digest. Comparing a password
// against it runs the same key derivation as against a real hash, because
// the derivation depends only on the password, the parameters and the
// salt; the digest is only compared at the end, in constant time, and a
// random one matches no password (2^-184 for bcrypt). Hashing a random
// password instead, as this did before, cost one full hash at start-up
// (300 ms at bcrypt cost 12, 95 % of start-to-ready) and bought nothing.
// Other Hasher implementations still hash a random password here.
//
// Options Generate would refuse are an error here too, so a broken hasher
// configuration still stops start-up rather than the first login.
func NewDummy(ctx context.Context, h Hasher) (*Dummy, error) {
	var (
		hash []byte
		err  error
	)
	switch h := h.(type) {
	case *bcryptHasher:
		hash, err = h.dummy()
	case *argon2Hasher:
		hash, err = h.dummy()
	default:
		hash, err = generateDummy(ctx, h)
	}
	if err != nil {
		return nil, fmt.Errorf("hash: dummy hash: %w", err)
	}
	// Compare parses before it derives; a dummy it would refuse would cost
	// nothing, which is exactly what the dummy is there to prevent.
	if _, err := parse(hash); err != nil {
		return nil, fmt.Errorf("hash: dummy hash: %w", err)
	}
	return &Dummy{hash: hash}, nil
}

// generateDummy hashes 32 random bytes with h: they fit bcrypt's 72-byte
// limit and cannot be guessed.
func generateDummy(ctx context.Context, h Hasher) ([]byte, error) {
	pw := make([]byte, 32)
	if _, err := rand.Read(pw); err != nil {
		return nil, fmt.Errorf("random password: %w", err)
	}
	return h.Generate(ctx, pw)
}

// dummy is "$2a$<cost>$" + a random 16-byte salt (22 characters) + a random
// 23-byte digest (31 characters), the layout GenerateFromPassword writes.
func (h *bcryptHasher) dummy() ([]byte, error) {
	if h.cost < bcrypt.MinCost || h.cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost must be between %d and %d, got %d", bcrypt.MinCost, bcrypt.MaxCost, h.cost)
	}
	var salt [16]byte
	var digest [23]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return nil, err
	}
	if _, err := rand.Read(digest[:]); err != nil {
		return nil, err
	}
	// bcrypt's base64: its own alphabet, no padding.
	enc := base64.NewEncoding("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789").
		WithPadding(base64.NoPadding)
	out := fmt.Appendf(nil, "$2a$%02d$", h.cost)
	out = enc.AppendEncode(out, salt[:])
	return enc.AppendEncode(out, digest[:]), nil
}

// dummy is an argon2id hash with the configured parameters, a random salt
// and a random key, each of the configured length.
func (h *argon2Hasher) dummy() ([]byte, error) {
	o := h.o
	if err := checkArgon2(argon2id, o.Memory, o.Iterations, o.Parallelism, uint64(o.SaltLength), uint64(o.KeyLength)); err != nil {
		return nil, fmt.Errorf("argon2 options: %w", err)
	}
	a := &argon2Hash{variant: argon2id, memory: o.Memory, iterations: o.Iterations, parallelism: o.Parallelism,
		salt: make([]byte, o.SaltLength), key: make([]byte, o.KeyLength)}
	if _, err := rand.Read(a.salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(a.key); err != nil {
		return nil, err
	}
	return a.encode(), nil
}

// Compare does the work of Compare against the dummy hash and always fails:
// it returns ErrMismatch, or the context's error.
func (d *Dummy) Compare(ctx context.Context, password []byte) error {
	// The outcome is irrelevant (a random digest never matches); only the
	// work counts. A cancelled context is still reported.
	if err := Compare(ctx, password, d.hash); err != nil && ctx.Err() != nil {
		return err
	}
	return ErrMismatch
}
