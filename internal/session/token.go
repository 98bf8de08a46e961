package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// Token formats are v1's (decision D1): a prefix and 32 characters from
// [A-Za-z0-9], about 190 bits of entropy.
const (
	TokenPrefix       = "ory_st_"
	LogoutTokenPrefix = "ory_lo_"
	tokenChars        = 32
	alphabet          = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	// acceptBelow is the largest multiple of len(alphabet) that fits a
	// byte: bytes at or above it are dropped, so b%62 has no modulo bias.
	acceptBelow = 256 - 256%len(alphabet)
)

// NewToken returns a fresh session token: "ory_st_" + 32 random characters.
func NewToken() string {
	out := make([]byte, 0, len(TokenPrefix)+tokenChars)
	out = append(out, TokenPrefix...)
	var buf [48]byte
	for len(out) < cap(out) {
		_, _ = rand.Read(buf[:]) // never fails: crypto/rand aborts the process instead
		out = appendUnbiased(out, buf[:], cap(out))
	}
	return string(out)
}

// LogoutTokenFor is the logout token of the session whose token is
// sessionToken: "ory_lo_" + 32 characters derived with SHA-256 (counter
// mode, domain-separated). Deriving it is what lets GET
// /self-service/logout/browser show the logout token at any time although
// the store keeps only hashes (D16): whoever holds the session token may
// log it out anyway, and the logout token reveals nothing of the session
// token.
func LogoutTokenFor(sessionToken string) string {
	out := make([]byte, 0, len(LogoutTokenPrefix)+tokenChars)
	out = append(out, LogoutTokenPrefix...)
	for ctr := byte(0); len(out) < cap(out); ctr++ {
		h := sha256.New()
		h.Write([]byte("warden/session/logout-token\x00"))
		h.Write([]byte{ctr})
		h.Write([]byte(sessionToken))
		out = appendUnbiased(out, h.Sum(nil), cap(out))
	}
	return string(out)
}

// appendUnbiased maps bytes below acceptBelow onto the alphabet until dst
// has n bytes.
func appendUnbiased(dst, src []byte, n int) []byte {
	for _, b := range src {
		if len(dst) == n {
			break
		}
		if int(b) < acceptBelow {
			dst = append(dst, alphabet[int(b)%len(alphabet)])
		}
	}
	return dst
}

// HashToken is what the store keeps of a token: hex(SHA-256(token)). The
// tokens carry enough entropy that a salt or a slow hash adds nothing, and
// an unsalted hash can be looked up through a unique index.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// isTokenFormat reports whether v looks like a session token we mint. A
// session cookie whose value does not is "undecodable", and the request
// falls back to Authorization: Bearer as Kratos does (foundation §3.3).
func isTokenFormat(v string) bool {
	if len(v) != len(TokenPrefix)+tokenChars || v[:len(TokenPrefix)] != TokenPrefix {
		return false
	}
	for i := len(TokenPrefix); i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
