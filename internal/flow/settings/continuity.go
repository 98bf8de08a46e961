package settings

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/web"
)

// Continuity (§6.5): a browser submission that needs a privileged session is
// paused server-side, the browser does a refresh login, comes back to
// GET /self-service/settings?flow=<id>, and the paused submission is replayed.
//
// The ory_kratos_continuity cookie holds a random token. The store keeps only
// its SHA-256 (D16), and the paused body (which may hold a new password) is
// sealed with AES-GCM under a key derived from the token, so neither the
// database nor its backups can read or replay it without the browser's
// cookie.

// ContinuityCookieName is Kratos's continuity cookie.
const ContinuityCookieName = "ory_kratos_continuity"

// continuityLifespan is how long a paused submission waits (§6.5: 15 min).
const continuityLifespan = 15 * time.Minute

// containerPrefix names a settings container: ory_kratos_settings_<method>.
const containerPrefix = "ory_kratos_settings_"

// continuityTokenLen is the cookie token's size in random bytes.
const continuityTokenLen = 32

// Container is one paused submission (a continuity_containers row).
type Container struct {
	ID uuid.UUID
	// TokenHash is the hex SHA-256 of the cookie token (D16).
	TokenHash  string
	Name       string
	IdentityID uuid.UUID
	// Payload is the sealed submission, a JSON string.
	Payload   json.RawMessage
	ExpiresAt time.Time
}

// ContinuityStore keeps paused submissions.
type ContinuityStore interface {
	// SaveContinuity stores c, replacing a container with the same token
	// hash and name.
	SaveContinuity(ctx context.Context, c *Container) error
	// TakeContinuity deletes and returns the containers of tokenHash with
	// one of names (none is not an error).
	TakeContinuity(ctx context.Context, tokenHash string, names []string) ([]Container, error)
	// DeleteContinuity deletes them and says how many there were.
	DeleteContinuity(ctx context.Context, tokenHash string, names []string) (int64, error)
}

// CookieOptions are the continuity cookie's attributes (cookies.*; Secure
// unless dev). SameSite is Lax, as Kratos's.
type CookieOptions struct {
	Path, Domain string
	Secure       bool
}

// paused is what a container holds, sealed.
type paused struct {
	FlowID uuid.UUID      `json:"flow_id"`
	Body   map[string]any `json:"body"`
}

// continuityToken is the request's cookie token, nil when it has none.
func continuityToken(r *http.Request) []byte {
	c, err := r.Cookie(ContinuityCookieName)
	if err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) != continuityTokenLen {
		return nil
	}
	return b
}

func tokenHash(tok []byte) string {
	sum := sha256.Sum256(tok)
	return hex.EncodeToString(sum[:])
}

func (h *Handler) setContinuityCookie(w http.ResponseWriter, tok []byte, maxAge time.Duration) {
	o := h.o.Continuity
	c := &http.Cookie{Name: ContinuityCookieName, Path: o.Path, Domain: o.Domain, HttpOnly: true, Secure: o.Secure,
		SameSite: http.SameSiteLaxMode}
	if maxAge > 0 {
		c.Value = base64.RawURLEncoding.EncodeToString(tok)
		c.MaxAge = int(maxAge / time.Second)
	} else {
		c.MaxAge = -1
	}
	if c.Path == "" {
		c.Path = "/"
	}
	http.SetCookie(w, c)
}

// pause keeps the submission for method m for replay after the refresh
// login, under the request's continuity token (a new one when it has none).
func (h *Handler) pause(w http.ResponseWriter, r *http.Request, f *Flow, m Method, identityID uuid.UUID, body map[string]any) error {
	tok := continuityToken(r)
	if tok == nil {
		tok = make([]byte, continuityTokenLen)
		if _, err := rand.Read(tok); err != nil {
			return apierr.Internal(fmt.Errorf("settings: continuity token: %w", err))
		}
	}
	sealed, err := seal(tok, paused{FlowID: f.ID, Body: body})
	if err != nil {
		return err
	}
	c := &Container{ID: uuid.New(), TokenHash: tokenHash(tok), Name: containerPrefix + m.Name(), IdentityID: identityID,
		Payload: sealed, ExpiresAt: h.rs.Clock().UTC().Add(continuityLifespan)}
	if err := h.store.SaveContinuity(r.Context(), c); err != nil {
		return err
	}
	h.setContinuityCookie(w, tok, continuityLifespan)
	return nil
}

// containerNames are the settings containers of the enabled methods, in
// dispatch order.
func (h *Handler) containerNames() []string {
	names := make([]string, 0, len(h.order))
	for _, m := range dispatchOrder {
		if _, ok := h.methods[m]; ok {
			names = append(names, containerPrefix+m)
		}
	}
	return names
}

// errResumeExpired and errResumeOtherIdentity become flow messages (§4.2).
func errResumeExpired() *apierr.Error {
	return apierr.BadRequest("You must restart the flow because the resumable session has expired.")
}

func errResumeOtherIdentity() *apierr.Error {
	return apierr.BadRequest("You must restart the flow because the resumable session was initiated by another person.")
}

// resume finds a paused submission for this flow (§6.5 step 2). Only HTML
// requests on browser flows resume. The containers found are consumed
// whatever their fate; one paused for another flow is ignored.
func (h *Handler) resume(w http.ResponseWriter, r *http.Request, f *Flow, s *session.Session) (Method, map[string]any, error) {
	if f.Type != flow.TypeBrowser || web.IsJSONRequest(r) {
		return nil, nil, nil
	}
	tok := continuityToken(r)
	if tok == nil {
		return nil, nil, nil
	}
	found, err := h.store.TakeContinuity(r.Context(), tokenHash(tok), h.containerNames())
	if err != nil || len(found) == 0 {
		return nil, nil, err
	}
	h.setContinuityCookie(w, nil, 0)
	now := h.rs.Clock()
	for _, name := range dispatchOrder {
		m, ok := h.methods[name]
		if !ok {
			continue
		}
		for _, c := range found {
			if c.Name != containerPrefix+name {
				continue
			}
			if c.ExpiresAt.Before(now) {
				return nil, nil, errResumeExpired()
			}
			if c.IdentityID != s.IdentityID {
				return nil, nil, errResumeOtherIdentity()
			}
			p, err := open(tok, c.Payload)
			if err != nil {
				// Sealed under another token: not this browser's submission.
				h.o.Log.WarnContext(r.Context(), "settings: unreadable continuity container ignored", "error", err.Error())
				continue
			}
			if p.FlowID != f.ID {
				continue
			}
			return m, p.Body, nil
		}
	}
	return nil, nil, nil
}

// abortContinuity drops pending settings containers of the request's
// browser when a new settings flow is created (§6.5 step 3).
func (h *Handler) abortContinuity(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	tok := continuityToken(r)
	if tok == nil {
		return nil
	}
	n, err := h.store.DeleteContinuity(ctx, tokenHash(tok), h.containerNames())
	if err != nil {
		return err
	}
	if n > 0 {
		h.setContinuityCookie(w, nil, 0)
	}
	return nil
}

// sealKey derives the payload key from the cookie token; the stored hash is
// SHA-256 of the token, so it reveals nothing about this HMAC.
func sealKey(tok []byte) []byte {
	mac := hmac.New(sha256.New, tok)
	mac.Write([]byte("warden settings continuity payload v1"))
	return mac.Sum(nil)
}

func newGCM(tok []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(sealKey(tok))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts p under the token; the result is a JSON string.
func seal(tok []byte, p paused) (json.RawMessage, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, apierr.Internal(fmt.Errorf("settings: encode paused submission: %w", err))
	}
	gcm, err := newGCM(tok)
	if err != nil {
		return nil, apierr.Internal(fmt.Errorf("settings: continuity cipher: %w", err))
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, apierr.Internal(fmt.Errorf("settings: continuity nonce: %w", err))
	}
	box := gcm.Seal(nonce, nonce, plain, nil)
	out, err := json.Marshal(base64.StdEncoding.EncodeToString(box))
	if err != nil {
		return nil, apierr.Internal(err)
	}
	return out, nil
}

// open is seal's inverse; numbers come back as json.Number, as decoded
// bodies have them.
func open(tok []byte, raw json.RawMessage) (*paused, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("settings: paused submission: %w", err)
	}
	box, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("settings: paused submission: %w", err)
	}
	gcm, err := newGCM(tok)
	if err != nil {
		return nil, err
	}
	if len(box) < gcm.NonceSize() {
		return nil, errors.New("settings: paused submission too short")
	}
	plain, err := gcm.Open(nil, box[:gcm.NonceSize()], box[gcm.NonceSize():], nil)
	if err != nil {
		return nil, fmt.Errorf("settings: paused submission: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.UseNumber()
	var p paused
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("settings: paused submission: %w", err)
	}
	return &p, nil
}
