package session

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Store persists sessions. Every method filters by the store's network
// (nid). Tokens reach it only as HashToken values (D16). Errors are
// *apierr.Error: 404 when the row is missing, 503 when the database is
// unreachable, 500 otherwise.
//
// Sessions the store returns carry Devices (empty, never nil), AMR (never
// nil) and IdentityAvailableAAL; Identity is set where a method says so,
// without credentials but with addresses and metadata_admin (callers pick
// the view) and without schema_url (the manager adds it).
type Store interface {
	// CreateSession inserts s with the hashes of its two tokens.
	CreateSession(ctx context.Context, s *Session, tokenHash, logoutTokenHash string) error
	// UpdateSession writes s's mutable fields (active, aal, AMR, issued_at,
	// expires_at, authenticated_at); id, identity and tokens never change.
	// 404 when no session has s.ID.
	UpdateSession(ctx context.Context, s *Session) error
	// FindSessionByTokenHash is whoami's read: the session, its identity and
	// the identity's addresses in one indexed query, no write.
	// It does not judge the session (active, expiry, identity state).
	FindSessionByTokenHash(ctx context.Context, tokenHash string) (*Session, error)
	// FindWhoamiByTokenHash is FindSessionByTokenHash as whoami uses it: the
	// same read, decoded only when asked (see WhoamiRead).
	FindWhoamiByTokenHash(ctx context.Context, tokenHash string) (*WhoamiRead, error)
	// FindSessionByLogoutTokenHash finds a session by its logout token,
	// without identity.
	FindSessionByLogoutTokenHash(ctx context.Context, logoutTokenHash string) (*Session, error)
	// FindSessionByID loads one session, with its identity when asked.
	FindSessionByID(ctx context.Context, id uuid.UUID, withIdentity bool) (*Session, error)
	// ListIdentitySessions lists an identity's sessions, newest first, with
	// the identity. An unknown identity has no sessions (no error).
	ListIdentitySessions(ctx context.Context, identityID uuid.UUID, p ListParams) ([]Session, error)
	// ListSessions lists every session of the network, newest first, by
	// keyset pages (v1 GET /admin/sessions).
	ListSessions(ctx context.Context, p KeysetParams) (KeysetPage, error)
	// RevokeOtherSessions deactivates the identity's active sessions other
	// than keep and returns how many it changed.
	RevokeOtherSessions(ctx context.Context, identityID, keep uuid.UUID) (int64, error)
	// RevokeSession deactivates the session id if it belongs to identityID;
	// nothing matching is not an error (Kratos answers 204 either way).
	RevokeSession(ctx context.Context, identityID, id uuid.UUID) error
	// RevokeSessionByTokenHash deactivates the session with this token;
	// 404 when none has it (an already inactive one still matches).
	RevokeSessionByTokenHash(ctx context.Context, tokenHash string) error
	// DeactivateSession deactivates the session id; 404 when unknown.
	DeactivateSession(ctx context.Context, id uuid.UUID) error
	// DeleteIdentitySessions hard-deletes the identity's sessions; 404 when
	// there were none.
	DeleteIdentitySessions(ctx context.Context, identityID uuid.UUID) error
	// IdentityAvailableAAL is the identity's stored highest available AAL
	// (identity.AvailableAAL of its credentials); 404 for an unknown identity.
	IdentityAvailableAAL(ctx context.Context, identityID uuid.UUID) (string, error)
}

// WhoamiRead is a session read for whoami. Whoami's answer is a function
// of the stored session and identity (and the configuration), so the
// manager renders it once per stored content and answers with that
// rendering while the content is unchanged (answerMemo): decoding the row
// and encoding the answer were a fifth of a whoami call.
type WhoamiRead struct {
	// Key is the session's and the identity's stored row as the store read
	// it: two reads with the same non-empty key read the same session and
	// identity. Empty: no key, the session is decoded every time.
	Key string
	// Session decodes the read as FindSessionByTokenHash returns it.
	Session func() (*Session, error)
}

// ListParams selects one offset page of an identity's sessions.
type ListParams struct {
	Active  *bool     // only sessions with this active flag; nil: all
	Except  uuid.UUID // leave this session out (the caller's own); zero: none
	Page    int       // 1-based; values < 1 mean 1
	PerPage int
}

// KeysetParams selects one keyset page of all sessions.
type KeysetParams struct {
	Active       *bool
	PageSize     int
	After        *Cursor // continue after this position; nil: from the start
	WithIdentity bool
}

// Cursor is a position in the newest-first order: the last session seen.
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// KeysetPage is one page; Next is nil on the last page.
type KeysetPage struct {
	Sessions []Session
	Next     *Cursor
}
