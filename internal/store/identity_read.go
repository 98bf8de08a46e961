package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
)

// Reads run as single statements outside a transaction: each sees committed
// data, and writes replace an identity's rows atomically, so no read needs
// the write lock (on SQLite every transaction here is an immediate one).
//
// Owned rows are loaded for an id range with one query per kind, never one
// query per identity: a page in id order is a contiguous id range within the
// network, and a single identity is the range [id, id].

const identityCols = `id, schema_id, traits, state, state_changed_at, metadata_public, metadata_admin, created_at, updated_at`

// FindIdentityByID loads the identity with its addresses, and with its
// credentials (config included) when withCredentials is set.
func (s *Store) FindIdentityByID(ctx context.Context, id uuid.UUID, withCredentials bool) (*identity.Identity, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	i, err := s.findIdentity(ctx, nid, id, withCredentials)
	if err != nil {
		return nil, mapErr("find identity "+id.String(), err)
	}
	return i, nil
}

// FindIdentityByCredentialsIdentifier finds the owner of the credential of
// type t with this identifier, credentials included. The identifier is
// compared as given: callers normalise it (trim and lower-case password and
// webauthn identifiers) exactly as they did when storing it.
func (s *Store) FindIdentityByCredentialsIdentifier(ctx context.Context, t identity.CredentialsType, identifier string) (*identity.Identity, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	types, err := s.credentialTypes(ctx)
	if err != nil {
		return nil, err
	}
	typeID, ok := types[t]
	if !ok {
		return nil, apierr.NotFound()
	}
	var id uuid.UUID
	err = s.db.QueryRowContext(ctx, selectIdentityByIdentifier, nid, typeID, identifier).Scan(&id)
	if err != nil {
		return nil, mapErr("find identity by "+string(t)+" identifier", err)
	}
	i, err := s.findIdentity(ctx, nid, id, true)
	if err != nil {
		return nil, mapErr("find identity "+id.String(), err)
	}
	return i, nil
}

// selectIdentityByIdentifier finds the identity of a credential identifier
// (login); selectIdentity reads one identity's row (tests check both
// plans).
const (
	selectIdentityByIdentifier = `SELECT ic.identity_id
		FROM identity_credential_identifiers ici
		JOIN identity_credentials ic ON ic.id = ici.identity_credential_id
		WHERE ici.nid = $1 AND ici.identity_credential_type_id = $2 AND ici.identifier = $3`
	selectIdentity = `SELECT ` + identityCols + ` FROM identities WHERE nid = $1 AND id = $2`
)

func (s *Store) findIdentity(ctx context.Context, nid, id uuid.UUID, withCredentials bool) (*identity.Identity, error) {
	i, err := scanIdentity(s.db.QueryRowContext(ctx, selectIdentity, nid, id))
	if err != nil {
		return nil, err
	}
	page := []identity.Identity{i}
	if err := s.loadAddresses(ctx, nid, page, id, id); err != nil {
		return nil, err
	}
	if withCredentials {
		creds, err := s.loadCredentials(ctx, nid, id)
		if err != nil {
			return nil, err
		}
		page[0].Credentials = creds
	}
	return &page[0], nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanIdentity(r rowScanner) (identity.Identity, error) {
	var (
		i                    identity.Identity
		state                string
		changed, created, up timeCol
		traits, mdPub, mdAdm jsonCol
	)
	if err := r.Scan(&i.ID, &i.SchemaID, &traits, &state, &changed, &mdPub, &mdAdm, &created, &up); err != nil {
		return i, err
	}
	i.State = identity.State(state)
	i.StateChangedAt = changed.ptr()
	i.Traits, i.MetadataPublic, i.MetadataAdmin = traits.Raw, mdPub.Raw, mdAdm.Raw
	i.CreatedAt, i.UpdatedAt = created.Time, up.Time
	return i, nil
}

// loadAddresses fills the addresses of every identity in page, whose ids all
// lie in [lo, hi].
func (s *Store) loadAddresses(ctx context.Context, nid uuid.UUID, page []identity.Identity, lo, hi uuid.UUID) error {
	ver, err := scanVerifiable(s.db.QueryContext(ctx, selectVerifiable, nid, lo, hi))
	if err != nil {
		return fmt.Errorf("load verifiable addresses: %w", err)
	}
	rec, err := scanRecovery(s.db.QueryContext(ctx, selectRecovery, nid, lo, hi))
	if err != nil {
		return fmt.Errorf("load recovery addresses: %w", err)
	}
	for k := range page {
		page[k].VerifiableAddresses = ver[page[k].ID]
		page[k].RecoveryAddresses = rec[page[k].ID]
	}
	return nil
}

const selectVerifiable = `SELECT identity_id, id, via, value, verified, status, verified_at, created_at, updated_at
	FROM identity_verifiable_addresses
	WHERE nid = $1 AND identity_id >= $2 AND identity_id <= $3 ORDER BY identity_id, id`

func scanVerifiable(rows *sql.Rows, err error) (map[uuid.UUID][]identity.VerifiableAddress, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[uuid.UUID][]identity.VerifiableAddress)
	for rows.Next() {
		var (
			owner                    uuid.UUID
			a                        identity.VerifiableAddress
			via                      string
			verifiedAt, created, upd timeCol
		)
		if err := rows.Scan(&owner, &a.ID, &via, &a.Value, &a.Verified, &a.Status, &verifiedAt, &created, &upd); err != nil {
			return nil, err
		}
		a.Via, a.VerifiedAt, a.CreatedAt, a.UpdatedAt = identity.AddressVia(via), verifiedAt.ptr(), created.Time, upd.Time
		out[owner] = append(out[owner], a)
	}
	return out, rows.Err()
}

const selectRecovery = `SELECT identity_id, id, via, value, created_at, updated_at
	FROM identity_recovery_addresses
	WHERE nid = $1 AND identity_id >= $2 AND identity_id <= $3 ORDER BY identity_id, id`

func scanRecovery(rows *sql.Rows, err error) (map[uuid.UUID][]identity.RecoveryAddress, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[uuid.UUID][]identity.RecoveryAddress)
	for rows.Next() {
		var (
			owner        uuid.UUID
			a            identity.RecoveryAddress
			via          string
			created, upd timeCol
		)
		if err := rows.Scan(&owner, &a.ID, &via, &a.Value, &created, &upd); err != nil {
			return nil, err
		}
		a.Via, a.CreatedAt, a.UpdatedAt = identity.AddressVia(via), created.Time, upd.Time
		out[owner] = append(out[owner], a)
	}
	return out, rows.Err()
}

// loadCredentials reads an identity's credentials and their identifiers in
// one query (one row per identifier; a credential without any still appears).
func (s *Store) loadCredentials(ctx context.Context, nid, id uuid.UUID) (map[identity.CredentialsType]identity.Credentials, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ic.id, ict.name, ic.config, ic.version, ic.created_at, ic.updated_at, ici.identifier
		FROM identity_credentials ic
		JOIN identity_credential_types ict ON ict.id = ic.identity_credential_type_id
		LEFT JOIN identity_credential_identifiers ici ON ici.identity_credential_id = ic.id AND ici.nid = ic.nid
		WHERE ic.nid = $1 AND ic.identity_id = $2
		ORDER BY ic.id, ici.id`, nid, id)
	return scanCredentials(rows, err)
}

// credentialTypes maps type names to their seeded ids. The table only
// changes through migrations, so one successful read is kept.
func (s *Store) credentialTypes(ctx context.Context) (map[identity.CredentialsType]uuid.UUID, error) {
	if m := s.credTypes.Load(); m != nil {
		return *m, nil
	}
	s.typesMu.Lock()
	defer s.typesMu.Unlock()
	if m := s.credTypes.Load(); m != nil {
		return *m, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM identity_credential_types`)
	if err != nil {
		return nil, mapErr("load credential types", err)
	}
	defer rows.Close()
	m := make(map[identity.CredentialsType]uuid.UUID)
	for rows.Next() {
		var (
			id   uuid.UUID
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, mapErr("load credential types", err)
		}
		m[identity.CredentialsType(name)] = id
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr("load credential types", err)
	}
	if len(m) == 0 {
		return nil, mapErr("load credential types", errors.New("identity_credential_types is empty: run the migrations"))
	}
	s.credTypes.Store(&m)
	return m, nil
}
