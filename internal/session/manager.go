package session

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
)

// Values of session.whoami.required_aal (and the settings flow's key).
const (
	RequireAAL1             = "aal1"
	RequireHighestAvailable = "highest_available"
)

// Options configure a Manager: the session.* keys and what they depend on.
type Options struct {
	// Lifespan is session.lifespan: expires_at = authenticated_at + Lifespan.
	Lifespan time.Duration
	// EarliestPossibleExtend is session.earliest_possible_extend (§3.5).
	EarliestPossibleExtend time.Duration
	Cookie                 CookieOptions
	// WhoamiRequiredAAL is session.whoami.required_aal: "aal1" or
	// "highest_available" (validated by config, D13).
	WhoamiRequiredAAL string
	// PublicURL is serve.public.base_url (schema_url, redirect_browser_to).
	PublicURL *url.URL
	Now       func() time.Time
	Log       *slog.Logger
}

// Manager issues, finds and judges sessions. It is safe for concurrent use.
type Manager struct {
	st   Store
	opts Options
	log  *slog.Logger
	// aal2URL is PUBLIC/self-service/login/browser?aal=aal2, built once.
	aal2URL string
	// schemaURLs maps schema ids to their schema_url (see schemaURL).
	schemaURLs     sync.Map
	schemaURLCount atomic.Int32
	// answers remembers whoami's answers.
	answers answerMemo
}

// NewManager wires a Manager. Zero Now and Log default to time.Now and a
// discarding logger.
func NewManager(st Store, o Options) *Manager {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.WhoamiRequiredAAL == "" {
		o.WhoamiRequiredAAL = RequireHighestAvailable
	}
	m := &Manager{st: st, opts: o, log: o.Log}
	login := &url.URL{Path: "/self-service/login/browser"}
	if o.PublicURL != nil {
		login = o.PublicURL.JoinPath("self-service", "login", "browser")
	}
	login.RawQuery = url.Values{"aal": {string(AAL2)}}.Encode()
	m.aal2URL = login.String()
	return m
}

// now is the clock as the store keeps time: UTC, microseconds. Times set on
// a session therefore compare equal after a round trip through the store.
func (m *Manager) now() time.Time { return m.opts.Now().UTC().Truncate(time.Microsecond) }

// NewSession returns a fresh, inactive session for i (a new random id, no
// tokens yet); nothing is persisted. Authenticate activates it, Save stores it.
func (m *Manager) NewSession(i *identity.Identity) *Session {
	return &Session{
		ID:         uuid.New(),
		AAL:        AAL0,
		AMR:        []AuthenticationMethod{},
		Devices:    []Device{},
		IdentityID: i.ID,
	}
}

// Authenticate records a completed factor on s for i (Kratos's Activate and
// AMR append, foundation §1.7, §3.2): the identity must be active; the
// method is appended to the AMR, the AAL recomputed, authenticated_at and
// issued_at set to now, expires_at to now + lifespan, and s becomes active
// with i's public view as its identity. A refresh or an aal2 upgrade passes
// the existing session, which keeps its id and token.
func (m *Manager) Authenticate(ctx context.Context, s *Session, i *identity.Identity, method identity.CredentialsType, aal AAL) error {
	if i.State != identity.StateActive {
		return ErrIdentityDisabled()
	}
	if s.IdentityID != uuid.Nil && s.IdentityID != i.ID {
		// A session never changes hands; login as someone else gets a new one.
		return apierr.Internal(fmt.Errorf("session: authenticate session %s of identity %s as identity %s", s.ID, s.IdentityID, i.ID))
	}
	available, err := m.availableAAL(ctx, i)
	if err != nil {
		return err
	}
	now := m.now()
	s.AMR = append(s.AMR, AuthenticationMethod{Method: method, AAL: aal, CompletedAt: now})
	s.AAL = ComputeAAL(s.AMR)
	s.AuthenticatedAt, s.IssuedAt = now, now
	s.ExpiresAt = now.Add(m.opts.Lifespan)
	s.Active = true
	s.IdentityID = i.ID
	s.Identity = m.publicIdentity(i)
	s.IdentityAvailableAAL = available
	if s.Devices == nil {
		s.Devices = []Device{}
	}
	return nil
}

// availableAAL computes i's highest available AAL from its credentials when
// they are loaded, else reads what the store keeps for it.
func (m *Manager) availableAAL(ctx context.Context, i *identity.Identity) (AAL, error) {
	if i.Credentials != nil {
		return AAL(identity.AvailableAAL(i.Credentials)), nil
	}
	a, err := m.st.IdentityAvailableAAL(ctx, i.ID)
	if err != nil {
		return "", err
	}
	return AAL(a), nil
}

// publicIdentity is i as sessions show it: no credentials, no
// metadata_admin, with schema_url.
func (m *Manager) publicIdentity(i *identity.Identity) *identity.Identity {
	p := i.Public()
	if p.SchemaURL == "" {
		p.SchemaURL = m.schemaURL(p.SchemaID)
	}
	return &p
}

// maxSchemaURLs bounds the schema URL cache; a deployment has a handful of
// schemas, and ids come from stored identities, not from requests.
const maxSchemaURLs = 64

// schemaURL is identity.SchemaURL for the public base URL, remembered per
// schema id: it is a pure function of the two, and building it (a URL
// join and String) showed in whoami's profile. No identity data is cached.
func (m *Manager) schemaURL(id string) string {
	if u, ok := m.schemaURLs.Load(id); ok {
		return u.(string)
	}
	u := identity.SchemaURL(m.opts.PublicURL, id)
	if m.schemaURLCount.Load() < maxSchemaURLs {
		if _, loaded := m.schemaURLs.LoadOrStore(id, u); !loaded {
			m.schemaURLCount.Add(1)
		}
	}
	return u
}

// Save persists s: an update when it is stored already (a refresh or an
// aal2 upgrade keeps id and token), else an insert that mints the session
// and logout tokens. The store receives only their hashes; the plain
// tokens are on s until it is dropped.
func (m *Manager) Save(ctx context.Context, s *Session) error {
	err := m.st.UpdateSession(ctx, s)
	if err == nil || !apierr.Is(err, http.StatusNotFound) {
		return err
	}
	tok := NewToken()
	lo := LogoutTokenFor(tok)
	if err := m.st.CreateSession(ctx, s, HashToken(tok), HashToken(lo)); err != nil {
		return err
	}
	s.Token, s.LogoutToken = tok, lo
	return nil
}

// HighestAvailableAAL is the identity's highest available AAL (§3.2), as
// the store keeps it with the identity. A session that somehow lacks it
// (built by hand, never loaded) counts as aal1: every session proves a
// first factor.
func (m *Manager) HighestAvailableAAL(s *Session) AAL {
	if s.IdentityAvailableAAL == "" {
		return AAL1
	}
	return s.IdentityAvailableAAL
}

// CheckAAL returns nil when s satisfies required ("aal1" or
// "highest_available"), else the 403 session_aal2_required error pointing
// at PUBLIC/self-service/login/browser?aal=aal2 (§3.4).
func (m *Manager) CheckAAL(s *Session, required string) error {
	if required != RequireHighestAvailable {
		return nil
	}
	if s.AAL.Less(m.HighestAvailableAAL(s)) {
		return ErrAAL2Required(m.aal2URL)
	}
	return nil
}

// RevokeOtherSessions deactivates every other active session of the
// identity (DELETE /sessions, the revoke_active_sessions hook).
func (m *Manager) RevokeOtherSessions(ctx context.Context, identityID, keep uuid.UUID) (int64, error) {
	return m.st.RevokeOtherSessions(ctx, identityID, keep)
}

// Revoke deactivates s (logout).
func (m *Manager) Revoke(ctx context.Context, s *Session) error {
	return m.st.RevokeSession(ctx, s.IdentityID, s.ID)
}

// RevokeByToken deactivates the session with this plain token; 404 when no
// session has it (an inactive one still counts: logout is idempotent).
func (m *Manager) RevokeByToken(ctx context.Context, token string) error {
	return m.st.RevokeSessionByTokenHash(ctx, HashToken(token))
}
