package session

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
)

// FromRequest finds the request's session (foundation §3.3). It returns an
// active, unexpired session of an active identity, with Token set to the
// token the request carried and Identity loaded in its public view (no
// credentials, no metadata_admin; addresses and schema_url included).
//
// Without such a session the error is whoami's 401 (ErrNoSession); callers
// that answer differently (session_inactive) test it with IsNoSession. A
// store failure is returned as is (503/500), never as "no session": a
// database outage must not look like a logout.
//
// It costs one indexed read of session, identity and addresses (one
// statement), and writes nothing.
func (m *Manager) FromRequest(ctx context.Context, r *http.Request) (*Session, error) {
	token, hash, err := m.requestToken(r)
	if err != nil {
		return nil, err
	}
	s, err := m.st.FindSessionByTokenHash(ctx, hash)
	if err != nil {
		return nil, findErr(err)
	}
	var state identity.State
	if s.Identity != nil {
		state = s.Identity.State
	}
	if err := m.judge(s, state); err != nil {
		return nil, err
	}
	s.Token = token
	// The store's identity is this call's own: make it the public view in
	// place rather than in a new copy.
	*s.Identity = s.Identity.Public()
	if s.Identity.SchemaURL == "" {
		s.Identity.SchemaURL = m.schemaURL(s.Identity.SchemaID)
	}
	return s, nil
}

// Whoami is FromRequest for GET /sessions/whoami: the same read and the
// same judgement, and the answer's body (appendSessionJSON of the session)
// remembered per stored content (answerMemo). s.Identity is nil when body
// is set; when the session is one the encoder does not write by hand, body
// is nil and s is as FromRequest returns it.
func (m *Manager) Whoami(ctx context.Context, r *http.Request) (s *Session, body []byte, err error) {
	token, hash, err := m.requestToken(r)
	if err != nil {
		return nil, nil, err
	}
	read, err := m.st.FindWhoamiByTokenHash(ctx, hash)
	if err != nil {
		return nil, nil, findErr(err)
	}
	if a, ok := m.answers.get(read.Key); ok {
		c := a.session
		if err := m.judge(&c, a.state); err != nil {
			return nil, nil, err
		}
		c.Token = token
		return &c, a.body, nil
	}
	if s, err = read.Session(); err != nil {
		return nil, nil, err
	}
	var state identity.State
	if s.Identity != nil {
		state = s.Identity.State
	}
	if err := m.judge(s, state); err != nil {
		return nil, nil, err
	}
	s.Identity = m.publicIdentity(s.Identity)
	body, ok := appendSessionJSON(nil, s)
	if !ok {
		s.Token = token
		return s, nil, nil
	}
	a := &memoAnswer{session: *s, state: state, body: body}
	a.session.Identity = nil
	m.answers.put(read.Key, a)
	c := a.session
	c.Token = token
	return &c, body, nil
}

// requestToken is the request's session token and its hash; a request
// without one has no session.
func (m *Manager) requestToken(r *http.Request) (token, hash string, err error) {
	token = ExtractToken(r, m.opts.Cookie.Name)
	if token == "" {
		return "", "", ErrNoSession(errors.New("session: the request carries no session token"))
	}
	return token, HashToken(token), nil
}

// findErr is a failed session read as the caller answers it: an unknown
// token is no session; anything else (503/500) stays what it is.
func findErr(err error) error {
	if apierr.Is(err, http.StatusNotFound) {
		return ErrNoSession(errors.New("session: unknown session token"))
	}
	return err
}

// judge accepts an active, unexpired session of an active identity.
func (m *Manager) judge(s *Session, state identity.State) error {
	switch {
	case !s.Active:
		return ErrNoSession(errors.New("session: the session is inactive"))
	case !s.ExpiresAt.After(m.opts.Now()):
		return ErrNoSession(errors.New("session: the session expired"))
	case state != identity.StateActive:
		return ErrNoSession(errors.New("session: the identity is not active"))
	}
	return nil
}

// Header names of §3.3.
const (
	HeaderSessionToken  = "X-Session-Token"
	HeaderSessionCookie = "X-Session-Cookie"
)

// ExtractToken picks the request's session token by Kratos's precedence
// (foundation §3.3):
//  1. X-Session-Token, when non-empty, wins even if it is invalid;
//  2. X-Session-Cookie stands in for the Cookie header (v0.10.1): its value
//     is read as if it were the only cookie, the session cookie;
//  3. the session cookie;
//  4. Authorization: Bearer <token> (scheme case-insensitive, exactly two
//     space-separated parts), used only when the cookie is missing or
//     undecodable (not in our token format).
//
// It returns "" when the request carries no usable token.
func ExtractToken(r *http.Request, cookieName string) string {
	if tok := r.Header.Get(HeaderSessionToken); tok != "" {
		return tok
	}
	var fromCookie string
	if v := r.Header.Get(HeaderSessionCookie); v != "" {
		fromCookie = v
	} else if c, err := r.Cookie(cookieName); err == nil {
		fromCookie = c.Value
	}
	if isTokenFormat(fromCookie) {
		return fromCookie
	}
	return BearerToken(r)
}

// BearerToken is the token of an "Authorization: Bearer <token>" header, or "".
func BearerToken(r *http.Request) string {
	parts := strings.Split(r.Header.Get("Authorization"), " ")
	if len(parts) != 2 || !strings.EqualFold(parts[0], "bearer") {
		return ""
	}
	return parts[1]
}
