package hash

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidateImportUnknownFormatReason(t *testing.T) {
	// The reason Kratos gives (spec §5.3), verbatim.
	const want = "The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2"
	for _, h := range []string{"", "123456", "$unknown$x", "{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a", "$2x$10$abc"} {
		err := ValidateImport([]byte(h))
		if err == nil || err.Error() != want {
			t.Errorf("ValidateImport(%q) = %v, want %q", h, err, want)
		}
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("ValidateImport(%q) does not match ErrUnknownFormat", h)
		}
	}
}

// zeros is n zero bytes in the given base64 encoding, to build hashes with
// long keys without a real derivation.
func zeros(enc *base64.Encoding, n int) string { return enc.EncodeToString(make([]byte, n)) }

// absurd are hashes whose parameters Kratos would accept and then hang on
// or run out of memory with. Compare and ValidateImport must refuse them
// before any derivation: if the limit checks did not come first, this test
// would hang or be killed for its memory instead of failing.
var absurd = []struct {
	name, hash string
	reason     string // part of the ValidateImport text
}{
	{"argon2id max everything", "$argon2id$v=19$m=4294967295,t=4294967295,p=255$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw", "memory m (KiB) must be between 1 and 1048576, got 4294967295"},
	{"argon2id 2 GiB", "$argon2id$v=19$m=2097152,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw", "memory m (KiB) must be between 1 and 1048576"},
	{"argon2id t=100000", "$argon2id$v=19$m=8,t=100000,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw", "iterations t must be between 1 and 64"},
	{"argon2i 1 GiB x 64", "$argon2i$v=19$m=1048576,t=64,p=1$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw", "memory × iterations (m × t) must be at most 4194304 KiB"},
	{"argon2id huge key", "$argon2id$v=19$m=32,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$" + zeros(base64.RawStdEncoding, 8192), "the hash is 10974 bytes long, the maximum is 8192"},
	{"argon2id 2 KiB key", "$argon2id$v=19$m=32,t=1,p=1$cm94YnRVOW5jZzFzcVE4bQ$" + zeros(base64.RawStdEncoding, 2048), "the key is 2048 bytes long, it must be 16 to 1024 bytes"},
	{"pbkdf2 max iterations", "$pbkdf2-sha256$i=4294967295,l=32$c2FsdA$" + zeros(base64.RawStdEncoding, 32), "iterations i must be between 1 and 4000000"},
	{"pbkdf2 iterations over 32 bits", "$pbkdf2-sha256$i=99999999999,l=32$c2FsdA$" + zeros(base64.RawStdEncoding, 32), "parameter i=\"99999999999\" is not a number"},
	{"pbkdf2 long key multiplies work", "$pbkdf2-sha1$i=2000000,l=1024$c2FsdA$" + zeros(base64.RawStdEncoding, 1024), "iterations × key blocks (2000000 × 52) must be at most 4000000"},
	{"scrypt N=2^30", "$scrypt$ln=1073741824,r=8,p=1$c2FsdA==$" + zeros(base64.StdEncoding, 32), "ln (N) must be between 2 and 1048576"},
	{"scrypt 2 GiB", "$scrypt$ln=1048576,r=16,p=1$c2FsdA==$" + zeros(base64.StdEncoding, 32), "128 × N × r × p must be at most 1073741824 bytes"},
	{"scrypt p=2^31", "$scrypt$ln=16384,r=8,p=2147483648$c2FsdA==$" + zeros(base64.StdEncoding, 32), "128 × N × r × p must be at most"},
	{"scrypt r=2^32-1", "$scrypt$ln=16384,r=4294967295,p=1$c2FsdA==$" + zeros(base64.StdEncoding, 32), "128 × N × r × p must be at most"},
	{"firescrypt ln=40", "$firescrypt$ln=40,r=8,p=1$c2FsdA==$" + zeros(base64.StdEncoding, 32) + "$Bw==$" + zeros(base64.StdEncoding, 32), "ln (log2 N, Firebase's mem_cost) must be between 1 and 20, got 40"},
	{"firescrypt 2^20 x r=64", "$firescrypt$ln=20,r=64,p=1$c2FsdA==$" + zeros(base64.StdEncoding, 32) + "$Bw==$" + zeros(base64.StdEncoding, 32), "128 × N × r × p must be at most"},
}

func TestAbsurdParametersRefused(t *testing.T) {
	ctx := t.Context()
	for _, tt := range absurd {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateImport([]byte(tt.hash))
			if !errors.Is(err, ErrUnknownFormat) {
				t.Fatalf("ValidateImport = %v, want an error matching ErrUnknownFormat", err)
			}
			if !strings.HasPrefix(err.Error(), "The imported password hash can not be used: ") || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("ValidateImport reason = %q, want it to contain %q", err, tt.reason)
			}
			if err := Compare(ctx, []byte("password"), []byte(tt.hash)); !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("Compare = %v, want ErrUnknownFormat", err)
			}
		})
	}
}

// The largest parameters we accept must still be accepted: the limits are
// inclusive and leave room for the strongest common presets. Only parsing
// runs here; deriving at these limits takes seconds.
func TestLimitsAreInclusive(t *testing.T) {
	tests := []string{
		"$argon2id$v=19$m=1048576,t=4,p=255$cm94YnRVOW5jZzFzcVE4bQ$" + zeros(base64.RawStdEncoding, 1024),
		"$argon2id$v=19$m=65536,t=64,p=1$cm94YnRVOW5jZzFzcVE4bQ$" + zeros(base64.RawStdEncoding, 16),
		"$pbkdf2-sha1$i=1300000,l=32$c2FsdA$" + zeros(base64.RawStdEncoding, 32),
		"$pbkdf2-sha512$i=4000000,l=64$c2FsdA$" + zeros(base64.RawStdEncoding, 64),
		"$scrypt$ln=1048576,r=8,p=1$c2FsdA==$" + zeros(base64.StdEncoding, 32),
		"$scrypt$ln=1024,r=8,p=1024$c2FsdA==$" + zeros(base64.StdEncoding, 32),
		"$firescrypt$ln=20,r=8,p=1$c2FsdA==$" + zeros(base64.StdEncoding, 64) + "$$" + zeros(base64.StdEncoding, 64),
		"$2a$18$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q.", // importMaxBcryptCost
	}
	for i, h := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if err := ValidateImport([]byte(h)); err != nil {
				t.Fatalf("ValidateImport(%.60s…) = %v", h, err)
			}
		})
	}
}

func TestValidateImportBcryptCostCap(t *testing.T) {
	// The salt+hash part is irrelevant: the cost is refused while parsing.
	const salted = "$2a$31$" + "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	if err := ValidateImport([]byte(salted)); err == nil {
		t.Fatal("an imported bcrypt hash at cost 31 must be refused")
	}
	const ok = "$2a$10$" + "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	if err := ValidateImport([]byte(ok)); err != nil {
		t.Fatalf("cost 10 must import: %v", err)
	}
}
