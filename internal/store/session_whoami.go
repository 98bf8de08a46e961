package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// A session read with its identity (whoami, and FindSessionByID with the
// identity) is ONE statement: the session row, its identity's row through
// the join, and the identity's addresses through correlated subqueries,
// each an index search on (identity_id, nid). It used to be two statements,
// the second one reading both kinds of addresses; on SQLite every statement
// costs a read transaction (the WAL snapshot), a cursor set-up and
// database/sql's round through the pool, so the second one cost as much as
// the first.
//
// The statement also returns few columns. modernc's driver calls into
// SQLite five times per column and query (name, declared type, type,
// value, length), each call through SQLite's connection mutex, emulated in
// Go: at twenty columns that was a quarter of a whoami call. So the scalar
// columns and the addresses come as one JSON array (packed), read by hand
// (session_json.go); the JSON documents (AMR, traits, metadata) stay
// columns of their own, so they come back byte for byte as stored:
//
//	[[s.id, s.active, s.aal, s.issued_at, s.expires_at, s.authenticated_at,
//	  s.created_at, i.id, i.schema_id, i.state, i.state_changed_at,
//	  i.created_at, i.updated_at, i.available_aal],
//	 [[id, via, value, verified, status, verified_at, created_at, updated_at], …],
//	 [[id, via, value, created_at, updated_at], …]]
//
// Only the JSON functions differ between the dialects. Times are SQLite's
// stored text or PostgreSQL's ISO 8601 with an offset; booleans 0/1 or
// false/true; both read the same (UTC, as every time the store returns).
// The address aggregates are unordered: an ORDER BY inside them costs
// SQLite a temporary B-tree per call (more than the rest of the
// statement), so the few addresses are sorted by id here instead, the
// order identity reads use.
const (
	packedScalarsSQLite = `json_array(s.id, s.active, s.aal, s.issued_at, s.expires_at, s.authenticated_at,
		s.created_at, i.id, i.schema_id, i.state, i.state_changed_at, i.created_at, i.updated_at, i.available_aal)`
	packedSessionSQLite = `'[' || ` + packedScalarsSQLite + ` || ',' ||
		(SELECT json_group_array(json_array(v.id, v.via, v.value, v.verified, v.status,
			v.verified_at, v.created_at, v.updated_at))
			FROM identity_verifiable_addresses v WHERE v.identity_id = i.id AND v.nid = i.nid) || ',' ||
		(SELECT json_group_array(json_array(r.id, r.via, r.value, r.created_at, r.updated_at))
			FROM identity_recovery_addresses r WHERE r.identity_id = i.id AND r.nid = i.nid) || ']'`

	packedSessionPostgres = `json_build_array(json_build_array(s.id, s.active, s.aal, s.issued_at, s.expires_at,
		s.authenticated_at, s.created_at, i.id, i.schema_id, i.state, i.state_changed_at, i.created_at,
		i.updated_at, i.available_aal),
		coalesce((SELECT json_agg(json_build_array(v.id, v.via, v.value, v.verified, v.status,
			v.verified_at, v.created_at, v.updated_at))
			FROM identity_verifiable_addresses v WHERE v.identity_id = i.id AND v.nid = i.nid), '[]'::json),
		coalesce((SELECT json_agg(json_build_array(r.id, r.via, r.value, r.created_at, r.updated_at))
			FROM identity_recovery_addresses r WHERE r.identity_id = i.id AND r.nid = i.nid), '[]'::json))`

	// Short names: modernc copies every column's name on every query, and
	// an expression's name is its whole text.
	packedDocs = ` AS p, s.authentication_methods AS a, i.traits AS t, i.metadata_public AS m, i.metadata_admin AS n`
)

// packedSessionCols are the columns of a session read with its identity.
func (s *Store) packedSessionCols() string {
	if s.dialect == DialectSQLite {
		return packedSessionSQLite + packedDocs
	}
	return packedSessionPostgres + packedDocs
}

// whoamiStmt is whoami's prepared statement, kept in a field: the cache
// of prepared statements is keyed by the query text, and hashing its
// kilobyte on every call showed in whoami's profile.
func (s *Store) whoamiStmt(ctx context.Context) (*sql.Stmt, error) {
	if st := s.whoami.Load(); st != nil {
		return st, nil
	}
	st, err := s.prepared(ctx, s.whoamiSQL())
	if err != nil {
		return nil, err
	}
	s.whoami.Store(st)
	return st, nil
}

// scanPackedSession reads one row of packedSessionCols.
func scanPackedSession(r rowScanner) (*session.Session, error) {
	var (
		packed, amr          sql.NullString
		traits, mdPub, mdAdm jsonCol
		sess                 session.Session
		i                    identity.Identity
		f                    [14]jsonScalar
	)
	if err := r.Scan(&packed, &amr, &traits, &mdPub, &mdAdm); err != nil {
		return nil, err
	}
	rd := jsonReader{s: packed.String}
	if err := rd.expect('['); err != nil {
		return nil, err
	}
	if err := rd.array(f[:]); err != nil {
		return nil, err
	}
	var d fields
	sess.ID = d.uuid(f[0])
	sess.Active = d.bool(f[1])
	sess.AAL = session.AAL(d.str(f[2]))
	sess.IssuedAt, sess.ExpiresAt = d.time(f[3]), d.time(f[4])
	sess.AuthenticatedAt, sess.CreatedAt = d.time(f[5]), d.time(f[6])
	i.ID = d.uuid(f[7])
	i.SchemaID = d.str(f[8])
	i.State = identity.State(d.str(f[9]))
	i.StateChangedAt = d.timePtr(f[10])
	i.CreatedAt, i.UpdatedAt = d.time(f[11]), d.time(f[12])
	// NULL until completeSessions fills rows written before migration 00003.
	sess.IdentityAvailableAAL = session.AAL(d.nullStr(f[13]))
	if d.err != nil {
		return nil, fmt.Errorf("session: %w", d.err)
	}
	sess.IdentityID = i.ID
	var err error
	if sess.AMR, err = decodeAMR(amr.String); err != nil {
		return nil, fmt.Errorf("session %s: decode authentication_methods: %w", sess.ID, err)
	}
	sess.Devices = []session.Device{}
	i.Traits, i.MetadataPublic, i.MetadataAdmin = traits.Raw, mdPub.Raw, mdAdm.Raw
	if err := rd.expect(','); err != nil {
		return nil, err
	}
	if err := readAddresses(&rd, &i); err != nil {
		return nil, fmt.Errorf("identity %s: %w", i.ID, err)
	}
	if err := rd.expect(']'); err != nil {
		return nil, err
	}
	if err := rd.end(); err != nil {
		return nil, err
	}
	sess.Identity = &i
	return &sess, nil
}

// readAddresses reads the two address arrays onto i. An empty list leaves
// the field nil, as the separate address query did.
func readAddresses(rd *jsonReader, i *identity.Identity) error {
	var f [8]jsonScalar
	var d fields
	err := rd.arrays(f[:], func() error {
		i.VerifiableAddresses = append(i.VerifiableAddresses, identity.VerifiableAddress{
			ID: d.uuid(f[0]), Via: identity.AddressVia(d.str(f[1])), Value: d.str(f[2]), Verified: d.bool(f[3]),
			Status: d.str(f[4]), VerifiedAt: d.timePtr(f[5]), CreatedAt: d.time(f[6]), UpdatedAt: d.time(f[7])})
		return d.err
	})
	if err != nil {
		return fmt.Errorf("verifiable addresses: %w", err)
	}
	if err := rd.expect(','); err != nil {
		return err
	}
	err = rd.arrays(f[:5], func() error {
		i.RecoveryAddresses = append(i.RecoveryAddresses, identity.RecoveryAddress{
			ID: d.uuid(f[0]), Via: identity.AddressVia(d.str(f[1])), Value: d.str(f[2]),
			CreatedAt: d.time(f[3]), UpdatedAt: d.time(f[4])})
		return d.err
	})
	if err != nil {
		return fmt.Errorf("recovery addresses: %w", err)
	}
	if len(i.VerifiableAddresses) > 1 {
		slices.SortFunc(i.VerifiableAddresses, func(a, b identity.VerifiableAddress) int { return compareIDs(a.ID, b.ID) })
	}
	if len(i.RecoveryAddresses) > 1 {
		slices.SortFunc(i.RecoveryAddresses, func(a, b identity.RecoveryAddress) int { return compareIDs(a.ID, b.ID) })
	}
	return nil
}

// fields converts scalars, keeping the first error: the decoding above
// reads as a list of assignments.
type fields struct{ err error }

func (d *fields) keep(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *fields) uuid(v jsonScalar) uuid.UUID {
	id, err := v.uuid()
	d.keep(err)
	return id
}

func (d *fields) bool(v jsonScalar) bool {
	b, err := v.bool()
	d.keep(err)
	return b
}

func (d *fields) str(v jsonScalar) string {
	s, err := v.str()
	d.keep(err)
	return s
}

func (d *fields) nullStr(v jsonScalar) string {
	s, err := v.nullStr()
	d.keep(err)
	return s
}

func (d *fields) time(v jsonScalar) time.Time {
	t, err := v.time()
	d.keep(err)
	return t
}

func (d *fields) timePtr(v jsonScalar) *time.Time {
	t, err := v.timePtr()
	d.keep(err)
	return t
}

// compareIDs orders ids as both engines order the id columns: SQLite the
// lower-case text, PostgreSQL the uuid's bytes; the two orders agree.
func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
