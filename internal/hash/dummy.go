package hash

import (
	"context"
	"crypto/rand"
	"fmt"
)

// Dummy equalises login timing for unknown identifiers: comparing against
// it costs what comparing against a real hash of the configured hasher costs,
// so response times do not reveal whether an account exists (style.md §12,
// caddy's fakePassword).
type Dummy struct{ hash []byte }

// NewDummy hashes a random password once with h and keeps the hash. Build it
// at start-up, after the hasher, and share it.
func NewDummy(ctx context.Context, h Hasher) (*Dummy, error) {
	// 32 random bytes fit bcrypt's 72-byte limit and cannot be guessed.
	pw := make([]byte, 32)
	if _, err := rand.Read(pw); err != nil {
		return nil, fmt.Errorf("hash: dummy password: %w", err)
	}
	hash, err := h.Generate(ctx, pw)
	if err != nil {
		return nil, fmt.Errorf("hash: dummy hash: %w", err)
	}
	return &Dummy{hash: hash}, nil
}

// Compare does the work of Compare against the dummy hash and always fails:
// it returns ErrMismatch, or the context's error.
func (d *Dummy) Compare(ctx context.Context, password []byte) error {
	// The outcome is irrelevant (a random 32-byte password never matches);
	// only the work counts. A cancelled context is still reported.
	if err := Compare(ctx, password, d.hash); err != nil && ctx.Err() != nil {
		return err
	}
	return ErrMismatch
}
