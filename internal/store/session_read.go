package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

var _ session.Store = (*Store)(nil)

// A session is read together with its identity's row in one join: the
// session's unique token index (or primary key) finds one row, the
// identity's primary key the other; with the identity, its addresses come
// in the same statement (session_whoami.go). Credentials are never loaded:
// sessions show the public identity, and the AAL they need is kept in
// identities.available_aal.

const sessionJoinCols = `s.id, s.identity_id, s.active, s.aal, s.authentication_methods,
	s.issued_at, s.expires_at, s.authenticated_at, s.created_at,
	i.schema_id, i.traits, i.state, i.state_changed_at, i.metadata_public, i.metadata_admin,
	i.created_at, i.updated_at, i.available_aal`

const sessionJoin = ` FROM sessions s JOIN identities i ON i.id = s.identity_id AND i.nid = s.nid `

// whoamiWhere is whoami's condition (tests check its SQLite plan). The
// statement runs prepared, and on SQLite it carries planner hints: once
// ANALYZE (or PRAGMA optimize) has written STAT4 statistics, SQLite
// re-plans a prepared statement on every call whose bound value feeds the
// planner, which costs more than the lookup itself. likelihood() makes the
// planner skip that probe for a term while still using its index; a unary
// + keeps the nid term (the same value in every row) out of index choice.
// PostgreSQL has neither and needs neither.
const (
	whoamiWhere       = `WHERE s.token_hash = $1 AND s.nid = $2`
	whoamiWhereSQLite = `WHERE likelihood(s.token_hash = $1, 0.000001) AND +s.nid = $2`
)

// whoamiSQL is the dialect's text of whoami's one statement.
func (s *Store) whoamiSQL() string {
	where := whoamiWhere
	if s.dialect == DialectSQLite {
		where = whoamiWhereSQLite
	}
	return `SELECT ` + s.packedSessionCols() + sessionJoin + where
}

// FindSessionByTokenHash: see session.Store.
func (s *Store) FindSessionByTokenHash(ctx context.Context, tokenHash string) (*session.Session, error) {
	read, err := s.FindWhoamiByTokenHash(ctx, tokenHash)
	if err != nil {
		return nil, err
	}
	return read.Session()
}

// FindWhoamiByTokenHash: see session.Store. On SQLite the key is the
// row, and the row is decoded only when asked; a row without a stored
// available AAL (written before migration 00003) gets no key, as its AAL
// comes from the credentials, outside the row. PostgreSQL decodes at once
// and gives no key: there the round trip, not the decoding, is whoami's
// cost.
func (s *Store) FindWhoamiByTokenHash(ctx context.Context, tokenHash string) (*session.WhoamiRead, error) {
	ctx, nid, r, err := s.whoamiRead(ctx, tokenHash)
	if err != nil {
		return nil, mapErr("find session by token", err)
	}
	complete := func(sess *session.Session, err error) (*session.Session, error) {
		if err == nil {
			err = s.completeSessions(ctx, nid, []*session.Session{sess}, true, false)
		}
		if err != nil {
			return nil, mapErr("find session by token", err)
		}
		return sess, nil
	}
	if s.dialect != DialectSQLite {
		sess, err := complete(s.scanPackedSession(r))
		if err != nil {
			return nil, err
		}
		return &session.WhoamiRead{Session: func() (*session.Session, error) { return sess, nil }}, nil
	}
	var row string
	if err := r.Scan(&row); err != nil {
		return nil, mapErr("find session by token", err)
	}
	parts, err := splitSQLiteRow(row)
	if err != nil {
		return nil, mapErr("find session by token", err)
	}
	read := &session.WhoamiRead{Key: row, Session: func() (*session.Session, error) {
		// Split again rather than keep the parts: a remembered answer
		// (the common case) then costs no copy of them.
		return complete(s.scanPackedSession(stringRow(row)))
	}}
	if parts[sqliteAvailableAAL] == "" {
		read.Key = ""
	}
	return read, nil
}

// stringRow is a row of one text column already read.
type stringRow string

func (r stringRow) Scan(dest ...any) error {
	if len(dest) == 1 {
		if p, ok := dest[0].(*string); ok {
			*p = string(r)
			return nil
		}
	}
	return fmt.Errorf("store: a one-column text row scanned into %d destinations", len(dest))
}

// whoamiRead runs whoami's statement for tokenHash; the context it returns
// is the one the rest of the read uses.
func (s *Store) whoamiRead(ctx context.Context, tokenHash string) (context.Context, uuid.UUID, *sql.Row, error) {
	if s.dialect == DialectSQLite {
		// A request that is over already gets no read (as before: the
		// driver checked the context first too). The read itself is not
		// made cancellable: it is a few index seeks in this process, over
		// in microseconds, while a cancellable context costs two goroutines
		// per call (database/sql's and modernc's watchers of ctx.Done):
		// about 5 % of whoami's server CPU, plus the scheduler work they
		// cause. The one wait it gives up ending early is for a pooled
		// connection, which SQLite's short reads and gated writes give
		// back quickly. A PostgreSQL read keeps its context: there a
		// network wait may need ending.
		if err := ctx.Err(); err != nil {
			return nil, uuid.Nil, nil, err
		}
		ctx = context.WithoutCancel(ctx)
	}
	nid, err := s.network(ctx)
	if err != nil {
		return nil, uuid.Nil, nil, err
	}
	st, err := s.whoamiStmt(ctx, nid)
	if err != nil {
		return nil, uuid.Nil, nil, err
	}
	if s.dialect == DialectSQLite {
		return ctx, nid, st.QueryRowContext(ctx, tokenHash), nil
	}
	return ctx, nid, st.QueryRowContext(ctx, tokenHash, nid), nil
}

// FindSessionByLogoutTokenHash: see session.Store.
func (s *Store) FindSessionByLogoutTokenHash(ctx context.Context, logoutTokenHash string) (*session.Session, error) {
	return s.findSessionByQuery(ctx, "logout token", `s.logout_token_hash = $1 AND s.nid = $2`, logoutTokenHash, false)
}

// FindSessionByID: see session.Store.
func (s *Store) FindSessionByID(ctx context.Context, id uuid.UUID, withIdentity bool) (*session.Session, error) {
	return s.findSessionByQuery(ctx, "id "+id.String(), `s.id = $1 AND s.nid = $2`, id, withIdentity)
}

// findSessionByQuery reads the session matching cond ($1 the key, $2 the
// network) through a statement prepared once per condition.
func (s *Store) findSessionByQuery(ctx context.Context, by, cond string, key any, withIdentity bool) (*session.Session, error) {
	cols := sessionJoinCols
	if withIdentity {
		cols = s.packedSessionCols()
	}
	st, err := s.prepared(ctx, `SELECT `+cols+sessionJoin+`WHERE `+cond)
	if err != nil {
		return nil, mapErr("find session by "+by, err)
	}
	return s.findSession(ctx, by, st, key, withIdentity)
}

// findSession runs st, a statement selecting packedSessionCols when
// withIdentity, else sessionJoinCols, with the key and the network.
func (s *Store) findSession(ctx context.Context, by string, st *sql.Stmt, key any, withIdentity bool) (*session.Session, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	var sess *session.Session
	if withIdentity {
		sess, err = s.scanPackedSession(st.QueryRowContext(ctx, key, nid))
	} else {
		sess, err = scanSession(st.QueryRowContext(ctx, key, nid))
	}
	if err != nil {
		return nil, mapErr("find session by "+by, err)
	}
	// Addresses are loaded already; this only fills a pre-00003 available
	// AAL (or drops the identity when not asked for).
	if err := s.completeSessions(ctx, nid, []*session.Session{sess}, withIdentity, false); err != nil {
		return nil, mapErr("find session by "+by, err)
	}
	return sess, nil
}

// scanSession reads one row of sessionJoinCols. The identity is always
// filled; callers that were not asked for it drop it.
func scanSession(r rowScanner) (*session.Session, error) {
	var (
		sess                             session.Session
		i                                identity.Identity
		aal, state                       string
		amr, traits, mdPub, mdAdm        jsonCol
		issued, expires, authAt, created timeCol
		changed, iCreated, iUpdated      timeCol
		available                        sql.NullString
	)
	if err := r.Scan(&sess.ID, &sess.IdentityID, &sess.Active, &aal, &amr,
		&issued, &expires, &authAt, &created,
		&i.SchemaID, &traits, &state, &changed, &mdPub, &mdAdm,
		&iCreated, &iUpdated, &available); err != nil {
		return nil, err
	}
	sess.AAL = session.AAL(aal)
	var err error
	if sess.AMR, err = decodeAMR(string(amr.Raw)); err != nil {
		return nil, fmt.Errorf("session %s: decode authentication_methods: %w", sess.ID, err)
	}
	sess.IssuedAt, sess.ExpiresAt, sess.AuthenticatedAt, sess.CreatedAt = issued.Time, expires.Time, authAt.Time, created.Time
	sess.Devices = []session.Device{}
	i.ID = sess.IdentityID
	i.State = identity.State(state)
	i.StateChangedAt = changed.ptr()
	i.Traits, i.MetadataPublic, i.MetadataAdmin = traits.Raw, mdPub.Raw, mdAdm.Raw
	i.CreatedAt, i.UpdatedAt = iCreated.Time, iUpdated.Time
	sess.Identity = &i
	// Empty until completeSessions fills rows written before migration 00003.
	sess.IdentityAvailableAAL = session.AAL(available.String)
	return &sess, nil
}

// completeSessions fills what the join cannot: the available AAL of
// identities written before migration 00003, derived from their
// credentials (read only: the read path never writes); and, when
// withIdentity, the identities' addresses (one query for all of them) if
// loadAddresses, else drops the identity.
func (s *Store) completeSessions(ctx context.Context, nid uuid.UUID, sessions []*session.Session, withIdentity, loadAddresses bool) error {
	for _, sess := range sessions {
		if sess.IdentityAvailableAAL != "" {
			continue
		}
		creds, err := s.loadCredentials(ctx, nid, sess.IdentityID)
		if err != nil {
			return err
		}
		sess.IdentityAvailableAAL = session.AAL(identity.AvailableAAL(creds))
	}
	if !withIdentity {
		for _, sess := range sessions {
			sess.Identity = nil
		}
		return nil
	}
	if !loadAddresses {
		return nil
	}
	ids := make([]uuid.UUID, 0, 1)
	seen := make(map[uuid.UUID]bool, 1)
	for _, sess := range sessions {
		if !seen[sess.IdentityID] {
			seen[sess.IdentityID] = true
			ids = append(ids, sess.IdentityID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	ver, rec, err := s.loadAddressesOf(ctx, nid, ids)
	if err != nil {
		return err
	}
	for _, sess := range sessions {
		sess.Identity.VerifiableAddresses = ver[sess.IdentityID]
		sess.Identity.RecoveryAddresses = rec[sess.IdentityID]
	}
	return nil
}

// selectAddresses reads both kinds of addresses of the identities matched
// by the condition on identity_id ("= $2" or "IN ($2, …)"), verifiable
// first, in id order per identity (the order identity reads use).
func selectAddresses(cond string) string {
	return `SELECT 0 AS kind, identity_id, id, via, value, verified, status, verified_at, created_at, updated_at
		FROM identity_verifiable_addresses WHERE nid = $1 AND identity_id ` + cond + `
		UNION ALL
		SELECT 1, identity_id, id, via, value, false, '', NULL, created_at, updated_at
		FROM identity_recovery_addresses WHERE nid = $1 AND identity_id ` + cond + `
		ORDER BY 1, 2, 3`
}

// loadAddressesOf reads both kinds of addresses of the given identities in
// one statement.
func (s *Store) loadAddressesOf(ctx context.Context, nid uuid.UUID, ids []uuid.UUID) (map[uuid.UUID][]identity.VerifiableAddress, map[uuid.UUID][]identity.RecoveryAddress, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if len(ids) == 1 {
		var st *sql.Stmt
		if st, err = s.prepared(ctx, selectAddresses("= $2")); err == nil {
			rows, err = st.QueryContext(ctx, nid, ids[0])
		}
	} else {
		args := make([]any, 0, 1+len(ids))
		args = append(args, nid)
		ph := make([]string, len(ids))
		for k, id := range ids {
			ph[k] = "$" + strconv.Itoa(k+2)
			args = append(args, id)
		}
		rows, err = s.db.QueryContext(ctx, selectAddresses("IN ("+strings.Join(ph, ", ")+")"), args...)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load addresses: %w", err)
	}
	defer rows.Close()
	ver := make(map[uuid.UUID][]identity.VerifiableAddress)
	rec := make(map[uuid.UUID][]identity.RecoveryAddress)
	for rows.Next() {
		var (
			kind                     int
			owner, id                uuid.UUID
			via, value, status       string
			verified                 bool
			verifiedAt, created, upd timeCol
		)
		if err := rows.Scan(&kind, &owner, &id, &via, &value, &verified, &status, &verifiedAt, &created, &upd); err != nil {
			return nil, nil, fmt.Errorf("load addresses: %w", err)
		}
		if kind == 0 {
			ver[owner] = append(ver[owner], identity.VerifiableAddress{ID: id, Value: value, Verified: verified,
				Via: identity.AddressVia(via), Status: status, VerifiedAt: verifiedAt.ptr(), CreatedAt: created.Time, UpdatedAt: upd.Time})
		} else {
			rec[owner] = append(rec[owner], identity.RecoveryAddress{ID: id, Value: value,
				Via: identity.AddressVia(via), CreatedAt: created.Time, UpdatedAt: upd.Time})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load addresses: %w", err)
	}
	return ver, rec, nil
}

// IdentityAvailableAAL: see session.Store.
func (s *Store) IdentityAvailableAAL(ctx context.Context, identityID uuid.UUID) (string, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return "", err
	}
	var aal sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT available_aal FROM identities WHERE id = $1 AND nid = $2`, identityID, nid).Scan(&aal)
	if err != nil {
		return "", mapErr("read available aal of identity "+identityID.String(), err)
	}
	if aal.Valid {
		return aal.String, nil
	}
	creds, err := s.loadCredentials(ctx, nid, identityID)
	if err != nil {
		return "", mapErr("read available aal of identity "+identityID.String(), err)
	}
	return identity.AvailableAAL(creds), nil
}
