package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// A session read with its identity (whoami, and FindSessionByID with the
// identity) is ONE statement: the session row found by its unique token
// index (or primary key) and its identity's row through the join.
//
// What it returns is shaped by what each engine charges for. On SQLite a
// statement costs a read transaction, cursors and B-tree seeks, and
// modernc's driver then calls into SQLite five times per column (name,
// declared type, type, value, length), each call through SQLite's
// connection mutex, emulated in Go: a column costs about half a
// microsecond, a tenth of the whole read. Building JSON costs too (a
// json_array of the fourteen scalars was a third of the statement). So on
// SQLite the row is ONE column of nineteen parts joined by U+0001, a
// character that neither valid JSON text (control characters are escaped
// inside strings and are not white space outside them) nor ids, times and
// names hold:
//
//	s.id ␁ s.active ␁ s.aal ␁ s.issued_at ␁ s.expires_at ␁ s.authenticated_at ␁
//	s.created_at ␁ s.authentication_methods ␁ i.id ␁ i.schema_id ␁ i.state ␁
//	i.state_changed_at ␁ i.created_at ␁ i.updated_at ␁ i.available_aal ␁
//	i.packed_addresses ␁ i.traits ␁ i.metadata_public ␁ i.metadata_admin
//
// with NULL as an empty part. The addresses come from packed_addresses,
// kept by triggers (migration 00007): two correlated subqueries over the
// address tables used to cost as much as the rest of the statement. The
// row, as read, is also the key under which whoami remembers its answer
// (session.WhoamiRead).
//
// On PostgreSQL the round trip dominates, and the row is five columns: the
// scalars and the addresses (correlated subqueries, each an index search
// on (identity_id, nid)) packed as one JSON array,
//
//	[[s.id, …, i.available_aal], [[id, via, value, verified, status,
//	  verified_at, created_at, updated_at], …], [[id, via, value,
//	  created_at, updated_at], …]]
//
// then the four documents, which come back byte for byte as stored.
//
// Times are SQLite's stored text or PostgreSQL's ISO 8601 with an offset;
// booleans 0/1 or false/true; both read the same (UTC, as every time the
// store returns). The address aggregates are unordered: an ORDER BY inside
// them costs SQLite a temporary B-tree per call, so the few addresses are
// sorted by id here instead, the order identity reads use.
const (
	packedSessionSQLite = `concat_ws(char(1), s.id, s.active, s.aal, s.issued_at, s.expires_at,
		s.authenticated_at, s.created_at, s.authentication_methods,
		i.id, i.schema_id, i.state, ifnull(i.state_changed_at, ''), i.created_at, i.updated_at,
		ifnull(i.available_aal, ''), i.packed_addresses, i.traits, ifnull(i.metadata_public, ''),
		ifnull(i.metadata_admin, '')) AS p`

	packedSessionPostgres = `json_build_array(json_build_array(s.id, s.active, s.aal, s.issued_at, s.expires_at,
		s.authenticated_at, s.created_at, i.id, i.schema_id, i.state, i.state_changed_at, i.created_at,
		i.updated_at, i.available_aal),
		coalesce((SELECT json_agg(json_build_array(v.id, v.via, v.value, v.verified, v.status,
			v.verified_at, v.created_at, v.updated_at))
			FROM identity_verifiable_addresses v WHERE v.identity_id = i.id AND v.nid = i.nid), '[]'::json),
		coalesce((SELECT json_agg(json_build_array(r.id, r.via, r.value, r.created_at, r.updated_at))
			FROM identity_recovery_addresses r WHERE r.identity_id = i.id AND r.nid = i.nid), '[]'::json))
		AS p, s.authentication_methods AS a, i.traits AS t, i.metadata_public AS m, i.metadata_admin AS n`

	// sqliteParts is the number of parts of SQLite's row, sqliteIdentity
	// the first of the identity's, sqliteAvailableAAL the identity's
	// available AAL.
	sqliteParts        = 19
	sqliteIdentity     = 8
	sqliteAvailableAAL = 14
)

// packedSessionCols are the columns of a session read with its identity.
func (s *Store) packedSessionCols() string {
	if s.dialect == DialectSQLite {
		return packedSessionSQLite
	}
	return packedSessionPostgres
}

// whoamiStmt is whoami's prepared statement for the network nid, kept in
// a field: the cache of prepared statements is keyed by the query text,
// and hashing its kilobyte on every call showed in whoami's profile.
//
// On SQLite the network id is part of the statement's text, a literal
// (a UUID's hex digits and dashes), not a parameter: modernc copies every
// bound text into C memory and frees it at the statement's reset, and
// that second parameter cost as much as a tenth of whoami's read. Its
// only parameter is then the token hash.
func (s *Store) whoamiStmt(ctx context.Context, nid uuid.UUID) (*sql.Stmt, error) {
	if w := s.whoami.Load(); w != nil && w.nid == nid {
		return w.st, nil
	}
	query := s.whoamiSQL()
	if s.dialect == DialectSQLite {
		query = strings.Replace(query, "$2", "'"+nid.String()+"'", 1)
	}
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	s.whoami.Store(&preparedWhoami{nid: nid, st: st})
	return st, nil
}

// preparedWhoami is whoami's statement and the network it was prepared for.
type preparedWhoami struct {
	nid uuid.UUID
	st  *sql.Stmt
}

// sessionScalars are the session's and the identity's scalars in
// PostgreSQL's order (s.id … s.created_at, i.id … i.available_aal);
// fromSQLite maps SQLite's parts onto it.
type sessionScalars [14]jsonScalar

// packedSession is one row of packedSessionCols, split.
type packedSession struct {
	scalars sessionScalars
	// addresses reads the two address lists next: positioned before
	// "[…],[…]]" (the rest of PostgreSQL's packed array, or SQLite's
	// packed_addresses after its '[').
	addresses            jsonReader
	amr                  string
	traits, mdPub, mdAdm json.RawMessage // nil: SQL NULL
}

// scanPackedSession reads one row of packedSessionCols.
func (s *Store) scanPackedSession(r rowScanner) (*session.Session, error) {
	var p packedSession
	if s.dialect != DialectSQLite {
		var packed, amr sql.NullString
		var traits, mdPub, mdAdm jsonCol
		if err := r.Scan(&packed, &amr, &traits, &mdPub, &mdAdm); err != nil {
			return nil, err
		}
		p.addresses = jsonReader{s: packed.String}
		if err := p.addresses.expect('['); err != nil {
			return nil, err
		}
		if err := p.addresses.array(p.scalars[:]); err != nil {
			return nil, err
		}
		if err := p.addresses.expect(','); err != nil {
			return nil, err
		}
		p.amr, p.traits, p.mdPub, p.mdAdm = amr.String, traits.Raw, mdPub.Raw, mdAdm.Raw
		return p.decode()
	}
	var row string
	if err := r.Scan(&row); err != nil {
		return nil, err
	}
	parts, err := splitSQLiteRow(row)
	if err != nil {
		return nil, err
	}
	if err := p.fromSQLite(&parts); err != nil {
		return nil, err
	}
	return p.decode()
}

// splitSQLiteRow cuts SQLite's row into its parts.
func splitSQLiteRow(row string) (parts [sqliteParts]string, err error) {
	for k := range parts {
		part, rest, found := strings.Cut(row, "\x01")
		if found == (k == len(parts)-1) {
			return parts, fmt.Errorf("session: the packed row has other than %d parts", len(parts))
		}
		parts[k], row = part, rest
	}
	return parts, nil
}

// fromSQLite fills p from SQLite's parts: the scalars in the order both
// dialects share, NULL (an empty nullable part) as JSON's null.
func (p *packedSession) fromSQLite(parts *[sqliteParts]string) error {
	for k := range p.scalars {
		part := k
		if k >= sqliteIdentity-1 { // the identity's scalars come after the AMR
			part = k + 1
		}
		switch v := parts[part]; {
		case k == 1: // active: 0 or 1
			p.scalars[k] = jsonScalar{s: v}
		case v == "" && (k == 10 || k == 13): // state_changed_at, available_aal
			p.scalars[k] = jsonScalar{s: "null"}
		default:
			p.scalars[k] = jsonScalar{s: v, isStr: true}
		}
	}
	p.addresses = jsonReader{s: parts[15]}
	if err := p.addresses.expect('['); err != nil {
		return err
	}
	p.amr, p.traits, p.mdPub, p.mdAdm = parts[7], json.RawMessage(parts[16]), docOrNull(parts[17]), docOrNull(parts[18])
	return nil
}

// docOrNull is a JSON document part of SQLite's row; empty is NULL.
func docOrNull(part string) json.RawMessage {
	if part == "" {
		return nil
	}
	return json.RawMessage(part)
}

// decode builds the session and its identity.
func (p *packedSession) decode() (*session.Session, error) {
	var (
		sess session.Session
		i    identity.Identity
		d    fields
		f    = &p.scalars
	)
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
	if sess.AMR, err = decodeAMR(p.amr); err != nil {
		return nil, fmt.Errorf("session %s: decode authentication_methods: %w", sess.ID, err)
	}
	sess.Devices = []session.Device{}
	i.Traits, i.MetadataPublic, i.MetadataAdmin = p.traits, p.mdPub, p.mdAdm
	rd := &p.addresses
	if err := readAddresses(rd, &i); err != nil {
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
