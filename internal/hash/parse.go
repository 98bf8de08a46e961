package hash

import (
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
)

// fields splits a "$a$b$c" hash into ["a","b","c"] and checks the count, so
// that every parser indexes safely.
func fields(format string, hash []byte, want int) ([]string, error) {
	s := string(hash)
	if !strings.HasPrefix(s, "$") {
		return nil, invalid(format, "it must start with $")
	}
	parts := strings.Split(s[1:], "$")
	if len(parts) != want {
		return nil, invalid(format, "it has %d $-separated fields, want %d", len(parts), want)
	}
	return parts, nil
}

// params parses "k1=v1,k2=v2,…" with exactly the given keys in that order
// (the order Kratos's parsers require) into unsigned integers of at most
// bits bits each. Signs, spaces and trailing text are refused.
func params(format, s string, bits int, keys ...string) ([]uint64, error) {
	items := strings.Split(s, ",")
	if len(items) != len(keys) {
		return nil, invalid(format, "parameters %q must be %s", s, paramsPattern(keys))
	}
	out := make([]uint64, len(keys))
	for i, item := range items {
		k, v, ok := strings.Cut(item, "=")
		if !ok || k != keys[i] {
			return nil, invalid(format, "parameters %q must be %s", s, paramsPattern(keys))
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil {
			return nil, invalid(format, "parameter %s=%q is not a number below 2^%d", k, v, bits)
		}
		out[i] = n
	}
	return out, nil
}

func paramsPattern(keys []string) string {
	p := make([]string, len(keys))
	for i, k := range keys {
		p[i] = k + "=<number>"
	}
	return strings.Join(p, ",")
}

// decode decodes one base64 field strictly (as Kratos does) and checks its
// length. what names the field in the error ("salt", "key", …).
func decode(format, what string, enc *base64.Encoding, s string, minLen, maxLen int) ([]byte, error) {
	b, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, invalid(format, "the %s is not valid %s: %v", what, encodingName(enc), err)
	}
	if len(b) < minLen || len(b) > maxLen {
		return nil, invalid(format, "the %s is %d bytes long, it must be %d to %d bytes", what, len(b), minLen, maxLen)
	}
	return b, nil
}

func encodingName(enc *base64.Encoding) string {
	if enc == base64.RawStdEncoding {
		return "base64 (standard alphabet, no padding)"
	}
	return "base64 (standard alphabet, padded)"
}

// equal compares two derived keys in constant time (for equal lengths; the
// length of a stored key is not a secret).
func equal(stored, derived []byte) error {
	if subtle.ConstantTimeCompare(stored, derived) == 1 {
		return nil
	}
	return ErrMismatch
}

// within reports a limit violation in the words of the hash's parameters.
func within(format, name string, v, lo, hi uint64) error {
	if v < lo || v > hi {
		return invalid(format, "%s must be between %d and %d, got %d", name, lo, hi, v)
	}
	return nil
}

// ceilDiv is ⌈a/b⌉ for b > 0.
func ceilDiv(a, b uint64) uint64 { return (a + b - 1) / b }
