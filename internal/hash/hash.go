package hash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// Hasher produces new hashes in the configured format.
type Hasher interface {
	// Generate hashes password with a fresh random salt. The bcrypt hasher
	// returns ErrTooLong for passwords longer than 72 bytes. Options outside
	// the limits of limits.go give an error, never a hash that Compare would
	// later refuse.
	Generate(ctx context.Context, password []byte) ([]byte, error)
	// Understands reports whether hash is already in this hasher's format
	// and parameters, so that no re-hash ("upgrade", spec §9.1) is needed
	// after a successful login.
	Understands(hash []byte) bool
}

var (
	// ErrMismatch means the password does not match the hash.
	ErrMismatch = errors.New("the password does not match the hash")
	// ErrTooLong is bcrypt's 72-byte limit. The text is the one Kratos puts
	// into the password policy message 4000005 (spec §9.1).
	ErrTooLong = errors.New("passwords are limited to a maximum length of 72 characters")
	// ErrUnknownFormat means the hash is not in a format this package can
	// verify: an unknown prefix, a malformed hash, or parameters beyond the
	// limits. The text is Kratos's ("unknown hash algorithm"); errors about a
	// recognised but unusable hash wrap it and say what is wrong.
	ErrUnknownFormat = errors.New("unknown hash algorithm")
)

// importUnknownReason is the 400 reason Kratos gives when an imported hash
// has no known prefix (spec §5.3). Kept verbatim for wire compatibility.
const importUnknownReason = "The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2"

// formatError says why a hash in a recognised format cannot be used. It
// matches ErrUnknownFormat so that callers need only one check.
type formatError struct {
	format string // "bcrypt", "argon2id", …; empty before recognition
	reason string
}

func (e *formatError) Error() string {
	if e.format == "" {
		return e.reason
	}
	return e.format + " hash: " + e.reason
}
func (e *formatError) Unwrap() error { return ErrUnknownFormat }

func invalid(format, f string, args ...any) error {
	return &formatError{format: format, reason: fmt.Sprintf(f, args...)}
}

// importError carries a complete, human-readable 400 reason for the admin
// API while still matching ErrUnknownFormat.
type importError struct {
	reason string
	cause  error
}

func (e *importError) Error() string { return e.reason }
func (e *importError) Unwrap() error { return e.cause }

// stored is a parsed hash whose parameters passed the limits.
type stored interface {
	// verify derives the key from password and compares it in constant
	// time. It returns nil or an error matching ErrMismatch, or
	// ErrUnknownFormat should the derivation itself refuse the parameters.
	verify(password []byte) error
}

// parse recognises the format by its prefix (the prefixes Kratos v1
// recognises, spec §5.3), then parses and checks the limits. It does no
// expensive work.
func parse(hash []byte) (stored, error) {
	if len(hash) > maxEncodedLen {
		// Checked before recognition so that nothing scans megabytes of
		// input; the longest legal hash is far shorter.
		return nil, invalid("", "the hash is %d bytes long, the maximum is %d", len(hash), maxEncodedLen)
	}
	switch {
	case isBcrypt(hash):
		return parseBcrypt(hash)
	case bytes.HasPrefix(hash, []byte("$argon2id$")):
		return parseArgon2(hash, argon2id)
	case bytes.HasPrefix(hash, []byte("$argon2i$")):
		return parseArgon2(hash, argon2i)
	case isPbkdf2(hash):
		return parsePbkdf2(hash)
	case bytes.HasPrefix(hash, []byte("$scrypt$")):
		return parseScrypt(hash)
	case bytes.HasPrefix(hash, []byte("$firescrypt$")):
		return parseFirebaseScrypt(hash)
	default:
		return nil, ErrUnknownFormat
	}
}

// Compare verifies password against any supported stored hash in constant
// time. It returns nil, an error matching ErrMismatch (a bcrypt comparison
// with a password over 72 bytes also matches ErrTooLong), an error matching
// ErrUnknownFormat (unknown, malformed, or beyond the limits: checked before
// any expensive work), or the context's error.
func Compare(ctx context.Context, password, hash []byte) error {
	s, err := parse(hash)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("hash: compare: %w", err)
	}
	return s.verify(password)
}

// ValidateImport checks a hash given to the admin identity API: a known
// format whose parameters are within the limits. The error text is a
// complete sentence meant as the 400 reason; the error matches
// ErrUnknownFormat. An unknown prefix gives Kratos's reason verbatim.
func ValidateImport(hash []byte) error {
	st, err := parse(hash)
	if b, ok := st.(*bcryptHash); ok && err == nil && b.cost > importMaxBcryptCost {
		// Compare must keep accepting costs up to 31 (a server may be
		// configured that high), but an import at cost 31 would make every
		// login of that identity take about two days of CPU.
		err = invalid("bcrypt", "the cost must be at most %d for an import, got %d", importMaxBcryptCost, b.cost)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnknownFormat) && !isFormatError(err):
		return &importError{reason: importUnknownReason, cause: err}
	default:
		return &importError{
			reason: fmt.Sprintf("The imported password hash can not be used: %s.", err),
			cause:  err,
		}
	}
}

func isFormatError(err error) bool {
	var fe *formatError
	return errors.As(err, &fe)
}
