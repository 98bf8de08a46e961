package hash

import (
	"crypto/pbkdf2"
	"crypto/sha1" // verifying imported PBKDF2-SHA1 hashes only, never producing them
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base64"
	gohash "hash"
	"regexp"
	"strings"
)

// isPbkdf2Hash is Kratos's recognition pattern (spec §5.3: $pbkdf2-sha<N>$).
var isPbkdf2Hash = regexp.MustCompile(`^\$pbkdf2-sha[0-9]{1,3}\$`)

func isPbkdf2(hash []byte) bool { return isPbkdf2Hash.Match(hash) }

type pbkdf2Hash struct {
	alg        string
	prf        func() gohash.Hash
	iterations uint64
	salt, key  []byte
}

// pbkdf2PRF maps the algorithm name to the HMAC hash exactly as Kratos does
// (spec §9.1): sha224 and sha384 are SHA3-224 and SHA3-384, a Kratos quirk
// kept so that hashes Kratos produced still verify, and any other
// sha<N> falls back to SHA-256.
func pbkdf2PRF(alg string) func() gohash.Hash {
	switch alg {
	case "sha1":
		return sha1.New
	case "sha224":
		return func() gohash.Hash { return sha3.New224() }
	case "sha384":
		return func() gohash.Hash { return sha3.New384() }
	case "sha512":
		return sha512.New
	default:
		return sha256.New
	}
}

// parsePbkdf2 reads $pbkdf2-<alg>$i=<iterations>,l=<keylen>$<salt>$<key>
// with standard base64 without padding. Like Kratos, the derived length is
// the length of the stored key and l is only parsed: Kratos's own import
// fixture has l=128 with a 16-byte key, and such hashes must keep working.
func parsePbkdf2(hash []byte) (*pbkdf2Hash, error) {
	const format = "pbkdf2"
	if !isPbkdf2(hash) {
		return nil, ErrUnknownFormat
	}
	f, err := fields(format, hash, 4)
	if err != nil {
		return nil, err
	}
	p := &pbkdf2Hash{alg: strings.TrimPrefix(f[0], "pbkdf2-")}
	p.prf = pbkdf2PRF(p.alg)
	n, err := params(format, f[1], 32, "i", "l")
	if err != nil {
		return nil, err
	}
	p.iterations = n[0]
	if err := within(format, "iterations i", p.iterations, 1, pbkdf2MaxWork); err != nil {
		return nil, err
	}
	if p.salt, err = decode(format, "salt", base64.RawStdEncoding, f[2], 1, maxSaltLen); err != nil {
		return nil, err
	}
	if p.key, err = decode(format, "key", base64.RawStdEncoding, f[3], minKeyLen, maxKeyLen); err != nil {
		return nil, err
	}
	// The work depends on the key length through the number of output
	// blocks, so it can only be checked once the key is decoded.
	blocks := ceilDiv(uint64(len(p.key)), uint64(p.prf().Size()))
	if work := p.iterations * blocks; work > pbkdf2MaxWork {
		return nil, invalid(format, "iterations × key blocks (%d × %d) must be at most %d, got %d; use fewer iterations or a shorter key",
			p.iterations, blocks, pbkdf2MaxWork, work)
	}
	return p, nil
}

func (p *pbkdf2Hash) verify(password []byte) error {
	derived, err := pbkdf2.Key(p.prf, string(password), p.salt, int(p.iterations), len(p.key))
	if err != nil {
		return invalid("pbkdf2", "%v", err)
	}
	return equal(p.key, derived)
}
