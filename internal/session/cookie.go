package session

import (
	"fmt"
	"net/http"
	"time"
)

// CookieOptions are the session cookie's attributes (foundation §3.3,
// §8.4): session.cookie.* with the cookies.* fallbacks already applied.
type CookieOptions struct {
	Name, Domain, Path string
	SameSite           http.SameSite
	// Secure is false only in dev mode.
	Secure bool
	// Persistent gives the cookie Max-Age/Expires; otherwise it is a
	// browser-session cookie.
	Persistent bool
}

// Validate rejects a cookie name that http.SetCookie would silently drop,
// so a bad session.cookie.name stops startup instead of logging everyone
// out (foundation §13 item 58: an error, never a panic).
func (o CookieOptions) Validate() error {
	c := http.Cookie{Name: o.Name, Value: "x", Path: o.Path, Domain: o.Domain}
	if err := c.Valid(); err != nil {
		return fmt.Errorf("session.cookie: %w", err)
	}
	return nil
}

// IssueCookie sets the session cookie. Its value is the session token:
// opaque to clients, and only as secret as the cookie itself (HttpOnly,
// Secure outside dev). A persistent cookie lives until the session expires.
// A session without its plain token (not just issued, not from the
// request) cannot have a cookie; that is a programming error and is logged.
func (m *Manager) IssueCookie(w http.ResponseWriter, s *Session) {
	if s.Token == "" {
		m.log.Error("session: IssueCookie called for a session without its token", "session_id", s.ID)
		return
	}
	c := m.cookie(s.Token)
	if m.opts.Cookie.Persistent {
		ttl := s.ExpiresAt.Sub(m.now())
		if ttl <= 0 {
			ttl = m.opts.Lifespan
		}
		c.MaxAge = int(ttl / time.Second)
		c.Expires = m.now().Add(ttl)
	}
	http.SetCookie(w, c)
}

// ClearCookie expires the session cookie (Max-Age=0 and a past Expires).
func (m *Manager) ClearCookie(w http.ResponseWriter) {
	c := m.cookie("")
	c.MaxAge = -1 // written as Max-Age=0
	c.Expires = time.Unix(0, 0)
	http.SetCookie(w, c)
}

func (m *Manager) cookie(value string) *http.Cookie {
	o := m.opts.Cookie
	return &http.Cookie{
		Name:     o.Name,
		Value:    value,
		Path:     o.Path,
		Domain:   o.Domain,
		HttpOnly: true,
		Secure:   o.Secure,
		SameSite: o.SameSite,
	}
}
