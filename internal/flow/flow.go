package flow

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/ui"
)

// Type is a flow's type, fixed at init by the endpoint used (foundation §0.4).
type Type string

const (
	// TypeAPI flows are started by native apps at …/api: no cookies, no CSRF.
	TypeAPI Type = "api"
	// TypeBrowser flows are started at …/browser and protected by CSRF.
	TypeBrowser Type = "browser"
)

// State is v1's flow state (decision D1: additive). Login and registration
// flows stay in choose_method until they succeed.
type State string

const (
	StateChooseMethod    State = "choose_method"
	StatePassedChallenge State = "passed_challenge"
)

// Base is what every self-service flow object carries. JSON tags are
// Kratos's; flow types embed Base so that these fields come first.
type Base struct {
	ID         uuid.UUID     `json:"id"`
	Type       Type          `json:"type"`
	ExpiresAt  time.Time     `json:"expires_at"`
	IssuedAt   time.Time     `json:"issued_at"`
	RequestURL string        `json:"request_url"`
	ReturnTo   string        `json:"return_to,omitempty"`
	Active     string        `json:"active,omitempty"`
	UI         *ui.Container `json:"ui"`
	State      State         `json:"state"`

	// CSRFTokenHash is the hex SHA-256 of the real CSRF token a browser flow
	// was created with; empty for API flows. The token itself is never
	// stored (D16).
	CSRFTokenHash string `json:"-"`

	// csrfToken is the real token to mask into the csrf_token node when the
	// flow is rendered in this request; nil means "the request's cookie".
	// Set when the cookie is being minted by the same response.
	csrfToken []byte
}

// FlowBase lets the responder reach the common fields of any flow type.
func (b *Base) FlowBase() *Base { return b }

// Flow is any self-service flow object: a type embedding Base.
type Flow interface {
	FlowBase() *Base
}

// Expired reports whether the flow has expired at now (expires_at < now).
func (b *Base) Expired(now time.Time) bool { return b.ExpiresAt.Before(now) }

// HashCSRFToken is how a flow remembers its CSRF token without storing it.
// The token is 32 random bytes, so a plain SHA-256 cannot be reversed.
func HashCSRFToken(token []byte) string {
	if len(token) == 0 {
		return ""
	}
	sum := sha256.Sum256(token)
	return hex.EncodeToString(sum[:])
}

// csrfHashMatches compares a stored hash with a token in constant time.
func csrfHashMatches(stored string, token []byte) bool {
	if stored == "" || len(token) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(stored), []byte(HashCSRFToken(token))) == 1
}

// ContinueWith is one v1 continue_with item of a success answer (D1:
// additive; v0.10.1 clients ignore it).
type ContinueWith struct {
	Action            string `json:"action"`
	OrySessionToken   string `json:"ory_session_token,omitempty"`
	RedirectBrowserTo string `json:"redirect_browser_to,omitempty"`
}

// SetSessionToken tells a native client to store its session token.
func SetSessionToken(token string) ContinueWith {
	return ContinueWith{Action: "set_ory_session_token", OrySessionToken: token}
}

// RedirectBrowserTo tells a browser app where to go next.
func RedirectBrowserTo(u string) ContinueWith {
	return ContinueWith{Action: "redirect_browser_to", RedirectBrowserTo: u}
}
