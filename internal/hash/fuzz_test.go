package hash

import (
	"context"
	"errors"
	"testing"
)

// FuzzCompare: no input may panic, every error is one of the documented
// kinds, and ValidateImport agrees with Compare about what is usable.
//
// Hashes that parse with expensive (but allowed) parameters are only
// parsed, not derived, so that fuzzing stays fast; the derivation code is
// covered for those by the vector tests.
func FuzzCompare(f *testing.F) {
	for _, v := range knownVectors {
		f.Add([]byte(v.password), []byte(v.hash))
	}
	for _, a := range absurd {
		f.Add([]byte("password"), []byte(a.hash))
	}
	for _, s := range []string{"", "$", "$$$$", "$2a$", "$2$", "$argon2id$v=19$$$", "$pbkdf2-sha1$$$",
		"$scrypt$ln=,r=,p=$$", "$firescrypt$ln=1,r=1,p=1$$$$$", "$argon2i$v=19$m=1,t=1,p=1$AA$AAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add([]byte("pw"), []byte(s))
	}
	f.Fuzz(func(t *testing.T, password, hash []byte) {
		s, parseErr := parse(hash)
		importErr := ValidateImport(hash)
		// Compare accepts bcrypt costs up to 31; imports stop at
		// importMaxBcryptCost on purpose (ValidateImport).
		if b, ok := s.(*bcryptHash); ok && parseErr == nil && b.cost > importMaxBcryptCost {
			if importErr == nil {
				t.Fatalf("ValidateImport accepts bcrypt cost %d", b.cost)
			}
			return
		}
		if (parseErr == nil) != (importErr == nil) {
			t.Fatalf("parse = %v but ValidateImport = %v", parseErr, importErr)
		}
		if importErr != nil && !errors.Is(importErr, ErrUnknownFormat) {
			t.Fatalf("ValidateImport = %v, does not match ErrUnknownFormat", importErr)
		}
		if parseErr == nil && !cheap(s) {
			return
		}
		err := Compare(context.Background(), password, hash)
		if err != nil && !errors.Is(err, ErrMismatch) && !errors.Is(err, ErrUnknownFormat) {
			t.Fatalf("Compare = %v, not one of the documented errors", err)
		}
		if (parseErr != nil) != (err != nil && errors.Is(err, ErrUnknownFormat)) {
			t.Fatalf("parse = %v but Compare = %v", parseErr, err)
		}
	})
}

// cheap reports whether deriving s takes at most a few milliseconds.
func cheap(s stored) bool {
	switch h := s.(type) {
	case *bcryptHash:
		return h.cost <= 6
	case *argon2Hash:
		return uint64(h.memory)*uint64(h.iterations) <= 4096
	case *pbkdf2Hash:
		return h.iterations*ceilDiv(uint64(len(h.key)), uint64(h.prf().Size())) <= 10_000
	case *scryptHash:
		return 128*h.n*h.r*h.p <= 4<<20
	}
	return false
}
