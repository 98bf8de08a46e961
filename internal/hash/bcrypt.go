package hash

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// bcryptMaxPassword is the longest password bcrypt reads; it silently
// ignores every byte after it, so longer passwords are refused instead.
const bcryptMaxPassword = 72

// BcryptOptions configures NewBcrypt.
type BcryptOptions struct {
	// Cost is the bcrypt cost, 4..31 (hashers.bcrypt.cost). The dev-mode
	// minimum of 12 (spec §9.1) is the caller's business.
	Cost int
}

type bcryptHasher struct{ cost int }

// NewBcrypt returns a Hasher that produces "$2a$<cost>$…" hashes.
func NewBcrypt(o BcryptOptions) Hasher { return &bcryptHasher{cost: o.Cost} }

func (h *bcryptHasher) Generate(ctx context.Context, password []byte) ([]byte, error) {
	if len(password) > bcryptMaxPassword {
		return nil, ErrTooLong
	}
	// x/crypto/bcrypt silently replaces a cost below 4 by 10; a config
	// mistake should be loud instead.
	if h.cost < bcrypt.MinCost || h.cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("hash: bcrypt cost must be between %d and %d, got %d", bcrypt.MinCost, bcrypt.MaxCost, h.cost)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hash: bcrypt: %w", err)
	}
	out, err := bcrypt.GenerateFromPassword(password, h.cost)
	if err != nil {
		return nil, fmt.Errorf("hash: bcrypt: %w", err)
	}
	return out, nil
}

// Understands: a bcrypt hash of the configured cost. $2a$, $2b$ and $2y$
// are the same algorithm for the passwords we accept, so re-hashing them
// would only churn; $2$ and $2z$ are legacy markers and get upgraded.
func (h *bcryptHasher) Understands(hash []byte) bool {
	b, err := parseBcrypt(hash)
	if err != nil {
		return false
	}
	switch b.minor {
	case 'a', 'b', 'y':
		return b.cost == h.cost
	}
	return false
}

type bcryptHash struct {
	raw   []byte
	minor byte // 0 for "$2$"
	cost  int
}

// isBcrypt recognises the prefixes Kratos accepts: $2$, $2a$, $2b$, $2y$,
// $2z$. $2x$ (crypt_blowfish's marker for its old sign-extension bug) is
// deliberately not among them: x/crypto would verify it as $2a$, which is
// wrong for passwords with non-ASCII bytes.
func isBcrypt(hash []byte) bool {
	for _, p := range []string{"$2$", "$2a$", "$2b$", "$2y$", "$2z$"} {
		if bytes.HasPrefix(hash, []byte(p)) {
			return true
		}
	}
	return false
}

// parseBcrypt checks the whole modular-crypt layout: "$2<minor>$<cc>$"
// followed by 22 salt and 31 hash characters of bcrypt's base64 alphabet.
// x/crypto parses only a prefix and would accept trailing junk that can
// never match.
func parseBcrypt(hash []byte) (*bcryptHash, error) {
	const format = "bcrypt"
	if !isBcrypt(hash) {
		return nil, ErrUnknownFormat
	}
	b := &bcryptHash{raw: hash}
	rest := hash[len("$2"):]
	if rest[0] != '$' {
		b.minor = rest[0]
		rest = rest[1:]
	}
	rest = rest[1:] // the '$' after the version
	if len(rest) != 2+1+53 || rest[2] != '$' || !isDigit(rest[0]) || !isDigit(rest[1]) {
		return nil, invalid(format, "it must look like $2a$<2-digit cost>$<53 characters of salt and hash>")
	}
	b.cost = int(rest[0]-'0')*10 + int(rest[1]-'0')
	if err := within(format, "the cost", uint64(b.cost), uint64(bcrypt.MinCost), uint64(bcrypt.MaxCost)); err != nil {
		return nil, err
	}
	for _, c := range rest[3:] {
		if !isBcryptBase64(c) {
			return nil, invalid(format, "salt and hash contain %q, which is not in bcrypt's base64 alphabet", c)
		}
	}
	return b, nil
}

func (b *bcryptHash) verify(password []byte) error {
	if len(password) > bcryptMaxPassword {
		// bcrypt would compare only the first 72 bytes, so a longer
		// password could match a hash it was never hashed into.
		return fmt.Errorf("%w: %w", ErrMismatch, ErrTooLong)
	}
	err := bcrypt.CompareHashAndPassword(b.raw, password)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return ErrMismatch
	default:
		return invalid("bcrypt", "%v", err)
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isBcryptBase64(c byte) bool {
	return c == '.' || c == '/' || isDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}
