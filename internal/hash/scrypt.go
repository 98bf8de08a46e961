package hash

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"

	"golang.org/x/crypto/scrypt"
)

type scryptHash struct {
	format  string // "scrypt" or "firescrypt", for error texts
	n, r, p uint64
	salt    []byte
	key     []byte // scrypt: the derived key. firescrypt: the stored hash
	// firebase scrypt only: derive an AES key from password and
	// salt+separator, then compare AES-256-CTR(signerKey) with key.
	separator, signerKey []byte
}

// parseScrypt reads Kratos v1's
// $scrypt$ln=<N>,r=<r>,p=<p>$<salt>$<key> with standard padded base64.
// Despite its name, Kratos passes ln to scrypt as N itself (its fixtures use
// ln=16384 and expect ln=16385 to fail as "not a power of two"), so we do
// the same: the imported hashes were written for that reading.
func parseScrypt(hash []byte) (*scryptHash, error) {
	const format = "scrypt"
	f, err := fields(format, hash, 4)
	if err != nil {
		return nil, err
	}
	if f[0] != "scrypt" {
		return nil, ErrUnknownFormat
	}
	n, err := params(format, f[1], 32, "ln", "r", "p")
	if err != nil {
		return nil, err
	}
	s := &scryptHash{format: format, n: n[0], r: n[1], p: n[2]}
	if s.n < 2 || s.n&(s.n-1) != 0 {
		return nil, invalid(format, "ln is scrypt's N and must be a power of two of at least 2, got %d", s.n)
	}
	if err := s.checkWork("ln (N)"); err != nil {
		return nil, err
	}
	if s.salt, err = decode(format, "salt", base64.StdEncoding, f[2], 1, maxSaltLen); err != nil {
		return nil, err
	}
	if s.key, err = decode(format, "key", base64.StdEncoding, f[3], minKeyLen, maxKeyLen); err != nil {
		return nil, err
	}
	return s, nil
}

// parseFirebaseScrypt reads Kratos v1's
// $firescrypt$ln=<log2 N>,r=<rounds>,p=<p>$<salt>$<hash>$<salt separator>$<signer key>
// (standard padded base64). Here ln really is log2 N: Firebase's "mem_cost".
func parseFirebaseScrypt(hash []byte) (*scryptHash, error) {
	const format = "firescrypt"
	f, err := fields(format, hash, 6)
	if err != nil {
		return nil, err
	}
	if f[0] != "firescrypt" {
		return nil, ErrUnknownFormat
	}
	n, err := params(format, f[1], 32, "ln", "r", "p")
	if err != nil {
		return nil, err
	}
	if n[0] < 1 || n[0] > 20 {
		return nil, invalid(format, "ln (log2 N, Firebase's mem_cost) must be between 1 and 20, got %d", n[0])
	}
	s := &scryptHash{format: format, n: 1 << n[0], r: n[1], p: n[2]}
	if err := s.checkWork("2^ln (N)"); err != nil {
		return nil, err
	}
	if s.salt, err = decode(format, "salt", base64.StdEncoding, f[2], 1, maxSaltLen); err != nil {
		return nil, err
	}
	if s.key, err = decode(format, "hash", base64.StdEncoding, f[3], minKeyLen, maxKeyLen); err != nil {
		return nil, err
	}
	if s.separator, err = decode(format, "salt separator", base64.StdEncoding, f[4], 0, maxSaltLen); err != nil {
		return nil, err
	}
	if s.signerKey, err = decode(format, "signer key", base64.StdEncoding, f[5], minKeyLen, maxKeyLen); err != nil {
		return nil, err
	}
	// The hash is the encrypted signer key, so the lengths agree; otherwise
	// no password could ever match.
	if len(s.key) != len(s.signerKey) {
		return nil, invalid(format, "the hash is %d bytes but the signer key %d; they must be equal", len(s.key), len(s.signerKey))
	}
	return s, nil
}

// checkWork applies the scrypt limits: N ≤ 2^20, r ≥ 1, p ≥ 1 and
// 128·N·r·p ≤ 1 GiB (memory times sequential passes). The order of the
// checks keeps every product below 2^64.
func (s *scryptHash) checkWork(nName string) error {
	if err := within(s.format, nName, s.n, 2, scryptMaxN); err != nil {
		return err
	}
	if s.r < 1 || s.p < 1 {
		return invalid(s.format, "r and p must be at least 1, got r=%d, p=%d", s.r, s.p)
	}
	mem := 128 * s.n * s.r // ≤ 2^7 · 2^20 · 2^32
	if mem > scryptMaxWork || s.p > scryptMaxWork/mem {
		return invalid(s.format, "128 × N × r × p must be at most %d bytes (N=%d, r=%d, p=%d)", scryptMaxWork, s.n, s.r, s.p)
	}
	return nil
}

func (s *scryptHash) verify(password []byte) error {
	if s.signerKey == nil {
		derived, err := scrypt.Key(password, s.salt, int(s.n), int(s.r), int(s.p), len(s.key))
		if err != nil {
			return invalid(s.format, "%v", err)
		}
		return equal(s.key, derived)
	}
	derived, err := s.firebase(password)
	if err != nil {
		return err
	}
	return equal(s.key, derived)
}

// firebase computes Firebase's modified scrypt: the signer key encrypted
// with AES-256-CTR (zero IV) under scrypt(password, salt‖separator).
func (s *scryptHash) firebase(password []byte) ([]byte, error) {
	salt := make([]byte, 0, len(s.salt)+len(s.separator))
	salt = append(append(salt, s.salt...), s.separator...)
	ck, err := scrypt.Key(password, salt, int(s.n), int(s.r), int(s.p), firebaseKeyLen)
	if err != nil {
		return nil, invalid(s.format, "%v", err)
	}
	block, err := aes.NewCipher(ck)
	if err != nil {
		return nil, invalid(s.format, "%v", err)
	}
	out := make([]byte, len(s.signerKey))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, s.signerKey)
	return out, nil
}
