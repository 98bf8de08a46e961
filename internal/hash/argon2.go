package hash

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// Argon2Options configures NewArgon2 (hashers.argon2.*, spec §9.1).
type Argon2Options struct {
	Memory      uint32 // KiB (128MB → 131072)
	Iterations  uint32
	Parallelism uint8
	SaltLength  uint32 // bytes
	KeyLength   uint32 // bytes
}

type argon2Variant string

const (
	argon2id argon2Variant = "argon2id"
	argon2i  argon2Variant = "argon2i"
)

type argon2Hasher struct{ o Argon2Options }

// NewArgon2 returns a Hasher that produces argon2id hashes encoded as
// $argon2id$v=19$m=<KiB>,t=<iterations>,p=<parallelism>$<salt>$<key>
// (standard base64 without padding).
func NewArgon2(o Argon2Options) Hasher { return &argon2Hasher{o: o} }

func (h *argon2Hasher) Generate(ctx context.Context, password []byte) ([]byte, error) {
	o := h.o
	// Options beyond the limits would produce a hash that Compare refuses,
	// locking the user out; zero iterations or parallelism would panic.
	if err := checkArgon2(argon2id, o.Memory, o.Iterations, o.Parallelism, uint64(o.SaltLength), uint64(o.KeyLength)); err != nil {
		return nil, fmt.Errorf("hash: argon2 options: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("hash: argon2: %w", err)
	}
	a := &argon2Hash{
		variant: argon2id, memory: o.Memory, iterations: o.Iterations, parallelism: o.Parallelism,
		salt: make([]byte, o.SaltLength),
	}
	if _, err := rand.Read(a.salt); err != nil {
		return nil, fmt.Errorf("hash: argon2 salt: %w", err)
	}
	a.key = a.derive(password, o.KeyLength)
	return a.encode(), nil
}

// Understands: argon2id with exactly the configured m, t, p, salt and key
// length, so that a config change upgrades hashes at the next login.
func (h *argon2Hasher) Understands(hash []byte) bool {
	s, err := parse(hash)
	if err != nil {
		return false
	}
	a, ok := s.(*argon2Hash)
	return ok && a.variant == argon2id &&
		a.memory == h.o.Memory && a.iterations == h.o.Iterations && a.parallelism == h.o.Parallelism &&
		len(a.salt) == int(h.o.SaltLength) && len(a.key) == int(h.o.KeyLength)
}

type argon2Hash struct {
	variant     argon2Variant
	memory      uint32 // KiB
	iterations  uint32
	parallelism uint8
	salt, key   []byte
}

// parseArgon2 reads $argon2{id,i}$v=19$m=..,t=..,p=..$<salt>$<key>. Only
// version 19 (0x13) is accepted, as in Kratos.
func parseArgon2(hash []byte, v argon2Variant) (*argon2Hash, error) {
	format := string(v)
	f, err := fields(format, hash, 5)
	if err != nil {
		return nil, err
	}
	if f[1] != fmt.Sprintf("v=%d", argon2.Version) {
		return nil, invalid(format, "version %q is not supported, only v=%d", f[1], argon2.Version)
	}
	// p is a uint8 in the format (and in argon2's API), t and m uint32.
	n, err := params(format, f[2], 32, "m", "t", "p")
	if err != nil {
		return nil, err
	}
	if n[2] > 255 {
		return nil, invalid(format, "parallelism must be between 1 and 255, got %d", n[2])
	}
	a := &argon2Hash{variant: v, memory: uint32(n[0]), iterations: uint32(n[1]), parallelism: uint8(n[2])}
	// Limits on the numbers first: decoding is cheap, but the reason for a
	// refusal should name the absurd parameter when there is one.
	if err := checkArgon2(v, a.memory, a.iterations, a.parallelism, 1, minKeyLen); err != nil {
		return nil, err
	}
	if a.salt, err = decode(format, "salt", base64.RawStdEncoding, f[3], 1, maxSaltLen); err != nil {
		return nil, err
	}
	if a.key, err = decode(format, "key", base64.RawStdEncoding, f[4], minKeyLen, maxKeyLen); err != nil {
		return nil, err
	}
	return a, nil
}

// checkArgon2 applies the limits of limits.go to argon2 parameters.
func checkArgon2(v argon2Variant, memory, iterations uint32, parallelism uint8, saltLen, keyLen uint64) error {
	format := string(v)
	if err := within(format, "memory m (KiB)", uint64(memory), 1, argon2MaxMemoryKiB); err != nil {
		return err
	}
	if err := within(format, "iterations t", uint64(iterations), 1, argon2MaxIterations); err != nil {
		return err
	}
	if work := uint64(memory) * uint64(iterations); work > argon2MaxWorkKiB {
		return invalid(format, "memory × iterations (m × t) must be at most %d KiB, got %d", argon2MaxWorkKiB, work)
	}
	if err := within(format, "parallelism p", uint64(parallelism), 1, 255); err != nil {
		return err
	}
	if err := within(format, "salt length", saltLen, 1, maxSaltLen); err != nil {
		return err
	}
	return within(format, "key length", keyLen, minKeyLen, maxKeyLen)
}

func (a *argon2Hash) derive(password []byte, keyLen uint32) []byte {
	if a.variant == argon2i {
		return argon2.Key(password, a.salt, a.iterations, a.memory, a.parallelism, keyLen)
	}
	return argon2.IDKey(password, a.salt, a.iterations, a.memory, a.parallelism, keyLen)
}

func (a *argon2Hash) verify(password []byte) error {
	return equal(a.key, a.derive(password, uint32(len(a.key))))
}

func (a *argon2Hash) encode() []byte {
	return fmt.Appendf(nil, "$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		a.variant, argon2.Version, a.memory, a.iterations, a.parallelism,
		base64.RawStdEncoding.EncodeToString(a.salt), base64.RawStdEncoding.EncodeToString(a.key))
}
