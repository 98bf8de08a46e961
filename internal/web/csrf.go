package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/warden-id/warden/internal/apierr"
)

// CSRF issues and checks Kratos's anti-CSRF tokens (foundation §8, settings
// §7): a cookie holding 32 random bytes, and per-request masked copies of
// it in the flows' csrf_token field. Masking (pad ‖ token XOR pad) makes the
// field differ on every response, so it cannot be recovered by compression
// side channels (BREACH).
type CSRF struct {
	CookieName string // csrf_token_<hex sha256(public base URL string)>
	Path       string
	Domain     string
	Secure     bool
	SameSite   http.SameSite
}

const (
	csrfTokenLen = 32
	csrfMaxAge   = 365 * 24 * time.Hour
)

// CSRFCookieName is csrf_token_ + hex(sha256(publicBaseURL)) over the exact
// string form of the public base URL, trailing slash included (§8.1).
func CSRFCookieName(publicBaseURL string) string {
	sum := sha256.Sum256([]byte(publicBaseURL))
	return "csrf_token_" + hex.EncodeToString(sum[:])
}

// Token returns the real token from the request's CSRF cookie, or nil when
// the cookie is missing or malformed.
func (c CSRF) Token(r *http.Request) []byte {
	ck, err := r.Cookie(c.CookieName)
	if err != nil {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(ck.Value)
	if err != nil || len(b) != csrfTokenLen {
		return nil
	}
	return b
}

// Ensure returns the request's real token, minting one and setting the
// cookie when the request has none (§8.1: set on every non-ignored public
// request that lacks a valid cookie).
func (c CSRF) Ensure(w http.ResponseWriter, r *http.Request) []byte {
	if tok := c.Token(r); tok != nil {
		return tok
	}
	return c.Regenerate(w)
}

// Regenerate mints a new real token and sets its cookie. Used on principal
// changes and logout, so that tokens issued before no longer verify.
func (c CSRF) Regenerate(w http.ResponseWriter) []byte {
	tok := make([]byte, csrfTokenLen)
	_, _ = rand.Read(tok) // crypto/rand never fails on supported platforms
	http.SetCookie(w, &http.Cookie{
		Name:     c.CookieName,
		Value:    base64.StdEncoding.EncodeToString(tok),
		Path:     c.Path,
		Domain:   c.Domain,
		MaxAge:   int(csrfMaxAge / time.Second),
		Expires:  time.Now().Add(csrfMaxAge),
		HttpOnly: true,
		Secure:   c.Secure,
		SameSite: c.SameSite,
	})
	return tok
}

// Mask returns the form value for a real token: base64(pad ‖ token XOR pad),
// 88 characters. A nil token masks to "" (API flows carry an empty value).
func Mask(token []byte) string {
	if len(token) != csrfTokenLen {
		return ""
	}
	out := make([]byte, 2*csrfTokenLen)
	pad := out[:csrfTokenLen]
	_, _ = rand.Read(pad)
	for i := range token {
		out[csrfTokenLen+i] = token[i] ^ pad[i]
	}
	return base64.StdEncoding.EncodeToString(out)
}

// unmask accepts the 64-byte masked form or the raw 32-byte form.
func unmask(v string) []byte {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil
	}
	switch len(b) {
	case csrfTokenLen:
		return b
	case 2 * csrfTokenLen:
		tok := make([]byte, csrfTokenLen)
		for i := range tok {
			tok[i] = b[i] ^ b[csrfTokenLen+i]
		}
		return tok
	default:
		return nil
	}
}

// Valid reports whether the submitted value (masked or raw) matches the
// request's cookie token, in constant time. No cookie never matches.
func (c CSRF) Valid(r *http.Request, submitted string) bool {
	real := c.Token(r)
	got := unmask(submitted)
	if real == nil || got == nil {
		return false
	}
	return subtle.ConstantTimeCompare(real, got) == 1
}

// MatchesStored reports whether the request's cookie unmasks to the same
// token as a flow's stored (masked) token; flow fetches check this (§8.2).
func (c CSRF) MatchesStored(r *http.Request, stored string) bool {
	return c.Valid(r, stored)
}

// ErrCSRF is Kratos's security_csrf_violation. Every CSRF error carries the
// same three details, whatever the cause, as Kratos's do (settings §7.4).
func ErrCSRF() *apierr.Error {
	return &apierr.Error{
		Status:  http.StatusForbidden,
		ID:      "security_csrf_violation",
		Message: "the request was rejected to protect you from Cross-Site-Request-Forgery",
		Reason:  "Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.",
		Details: map[string]any{
			"docs":          "https://www.ory.sh/kratos/docs/debug/csrf",
			"hint":          "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).",
			"reject_reason": "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.",
		},
	}
}
