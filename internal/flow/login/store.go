package login

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// Store persists login flows. Errors are *apierr.Error: 404 for an unknown
// id (or one of another network), 503 when the database is unreachable.
type Store interface {
	// CreateLoginFlow inserts f and sets CreatedAt and UpdatedAt. The
	// csrf_token node's value is never stored (D16).
	CreateLoginFlow(ctx context.Context, f *Flow) error
	// GetLoginFlow loads a login flow.
	GetLoginFlow(ctx context.Context, id uuid.UUID) (*Flow, error)
	// UpdateLoginFlow saves f's mutable fields (ui, active, state) and
	// sets UpdatedAt.
	UpdateLoginFlow(ctx context.Context, f *Flow) error
}

// ThrottleStore keeps the failed-login counters shared by every Warden
// node (D18). Counters use fixed windows: a window starts at the first
// failure and lasts Window; a failure after it starts a new window.
type ThrottleStore interface {
	// LoginFailures returns, for each key, the number of failures in the
	// window that is still open at now (keys without one are absent).
	LoginFailures(ctx context.Context, keys []string, now time.Time, window time.Duration) (map[string]int, error)
	// RecordLoginFailure adds one failure to each key's open window, or
	// opens a new window at now.
	RecordLoginFailure(ctx context.Context, keys []string, now time.Time, window time.Duration) error
	// ResetLoginFailures forgets the keys' counters (after a success).
	ResetLoginFailures(ctx context.Context, keys []string) error
}

// Sessions is what login needs from the session manager.
type Sessions interface {
	// FromRequest returns the request's session, or a 401 *apierr.Error
	// when it has none; other errors mean the store failed.
	FromRequest(ctx context.Context, r *http.Request) (*session.Session, error)
	// NewSession is a fresh, inactive session for i (not yet saved).
	NewSession(i *identity.Identity) *session.Session
	// Authenticate records a completed factor on s: activates it for i,
	// appends {method, aal, now} to the AMR, resets authenticated_at,
	// issued_at and expires_at, recomputes the AAL.
	Authenticate(ctx context.Context, s *session.Session, i *identity.Identity, method identity.CredentialsType, aal session.AAL) error
	// Save inserts or updates s; an insert sets s.Token.
	Save(ctx context.Context, s *session.Session) error
	// IssueCookie sets the session cookie.
	IssueCookie(w http.ResponseWriter, s *session.Session)
	// HighestAvailableAAL is the highest AAL s's identity could reach.
	HighestAvailableAAL(s *session.Session) session.AAL
	// RevokeOtherSessions deactivates the identity's sessions but keep
	// (the revoke_active_sessions hook).
	RevokeOtherSessions(ctx context.Context, identityID, keep uuid.UUID) (int64, error)
}

// Method is a login method (password, later totp, lookup_secret, webauthn).
type Method interface {
	// Name is the body's "method" value the method answers, and the AMR
	// method of a successful login.
	Name() identity.CredentialsType
	// AAL is the level a successful login with this method reaches. The
	// method answers only flows requesting exactly that level.
	AAL() session.AAL
	// PopulateLogin adds the method's nodes to a new flow. sess is the
	// current session (refresh or upgrade flows) or nil.
	PopulateLogin(ctx context.Context, f *Flow, sess *session.Session) error
	// Login checks a submission and returns the identity it proves, with
	// credentials. Wrong input is a *flow.FormError; a wrong secret is a
	// *flow.FormError wrapping ErrBadCredentials (it counts towards the
	// throttle). Before returning an error the method leaves the submitted
	// non-secret values in the flow's nodes.
	Login(ctx context.Context, f *Flow, body map[string]any, sess *session.Session) (*identity.Identity, error)
}
