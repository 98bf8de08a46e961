package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
)

// errApply carries the error of a Commit's Apply out of the transaction
// unchanged (mapErr would turn a form error into a 500).
type errApply struct{ err error }

func (e errApply) Error() string { return e.err.Error() }
func (e errApply) Unwrap() error { return e.err }

// Statements of CommitSettings; the address reads are identity_read.go's.
const (
	sqlLockIdentity = `SELECT id FROM identities WHERE nid = $1 AND id = $2 FOR UPDATE`
	sqlCredentials  = `SELECT ic.id, ict.name, ic.config, ic.version, ic.created_at, ic.updated_at, ici.identifier
		FROM identity_credentials ic
		JOIN identity_credential_types ict ON ict.id = ic.identity_credential_type_id
		LEFT JOIN identity_credential_identifiers ici ON ici.identity_credential_id = ic.id AND ici.nid = ic.nid
		WHERE ic.nid = $1 AND ic.identity_id = $2
		ORDER BY ic.id, ici.id`
	sqlUpdateTraits = `UPDATE identities SET traits = $3, updated_at = $4,
		available_aal = COALESCE($5, available_aal)
		WHERE nid = $1 AND id = $2 RETURNING created_at`
	sqlTouchIdentity = `UPDATE identities SET updated_at = $3,
		available_aal = COALESCE($4, available_aal)
		WHERE nid = $1 AND id = $2 RETURNING created_at`
)

// commitStmts are CommitSettings' prepared statements.
type commitStmts struct {
	lock, creds, traits, touch, verifiable, recovery, updateFlow, insertFlow *sql.Stmt
}

func (s *Store) commitStatements(ctx context.Context) (*commitStmts, error) {
	var c commitStmts
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&c.creds, sqlCredentials}, {&c.traits, sqlUpdateTraits}, {&c.touch, sqlTouchIdentity},
		{&c.verifiable, selectVerifiable}, {&c.recovery, selectRecovery},
		{&c.updateFlow, sqlUpdateSettingsFlow}, {&c.insertFlow, sqlInsertSettingsFlow},
	} {
		st, err := s.prepared(ctx, p.query)
		if err != nil {
			return nil, err
		}
		*p.dst = st
	}
	if s.dialect == DialectPostgres {
		st, err := s.prepared(ctx, sqlLockIdentity)
		if err != nil {
			return nil, err
		}
		c.lock = st
	}
	return &c, nil
}

// CommitSettings: see settings.Store. On PostgreSQL the identity row is
// locked first (SELECT … FOR UPDATE); SQLite's immediate transactions,
// behind the write gate, are serial already. So concurrent updates of one
// identity run one after the other, each on the credentials the previous
// one wrote: no update is lost and none is torn.
func (s *Store) CommitSettings(ctx context.Context, c *settings.Commit) (*identity.Identity, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	types, err := s.credentialTypes(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.commitStatements(ctx)
	if err != nil {
		return nil, mapErr("commit settings: prepare", err)
	}
	var (
		out     identity.Identity
		now     time.Time
		applied *settings.Applied
	)
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		now = s.clock()
		if st.lock != nil {
			var got uuid.UUID
			if err := txStmt(ctx, tx, st.lock).QueryRowContext(ctx, nid, c.IdentityID).Scan(&got); err != nil {
				return fmt.Errorf("lock identity: %w", err)
			}
		}
		stored, err := scanCredentials(txStmt(ctx, tx, st.creds).QueryContext(ctx, nid, c.IdentityID))
		if err != nil {
			return err
		}
		a, err := c.Apply(stored)
		if err != nil {
			return errApply{err}
		}
		done, err := encodeFlow(a.Flow)
		if err != nil {
			return errApply{err}
		}
		next, err := encodeFlow(a.Next)
		if err != nil {
			return errApply{err}
		}
		in, err := prepareIdentity(a.Identity, now, types)
		if err != nil {
			return err
		}
		in.ID = c.IdentityID
		if err := writeSettingsIdentity(ctx, tx, st, nid, &in, stored, types, now); err != nil {
			return err
		}
		if err := updateSettingsFlow(ctx, txStmt(ctx, tx, st.updateFlow), nid, done, now); err != nil {
			return fmt.Errorf("submitted flow: %w", err)
		}
		if err := insertSettingsFlow(ctx, txStmt(ctx, tx, st.insertFlow), nid, next, now); err != nil {
			return err
		}
		out, applied = in, a
		return nil
	})
	var ae errApply
	if errors.As(err, &ae) {
		return nil, ae.err
	}
	if err != nil {
		return nil, mapErr("commit settings of identity "+c.IdentityID.String(), err)
	}
	applied.Flow.UpdatedAt = now
	applied.Next.CreatedAt, applied.Next.UpdatedAt = now, now
	return &out, nil
}

// IdentityCredentials: see settings.Store. It is the read CommitSettings
// does inside its transaction, without the lock.
func (s *Store) IdentityCredentials(ctx context.Context, identityID uuid.UUID) (map[identity.CredentialsType]identity.Credentials, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.prepared(ctx, sqlCredentials)
	if err != nil {
		return nil, mapErr("read credentials: prepare", err)
	}
	creds, err := scanCredentials(st.QueryContext(ctx, nid, identityID))
	if err != nil {
		return nil, mapErr("read credentials of identity "+identityID.String(), err)
	}
	return creds, nil
}

// writeSettingsIdentity writes what a settings update changes: traits and
// addresses when in.Traits is set, the credentials when they differ from
// stored, and updated_at (and available_aal with the credentials).
// Addresses that stay the same set (the usual profile edit) cost two reads
// and no write; other changes go through syncVerifiable and syncRecovery.
func writeSettingsIdentity(ctx context.Context, tx *sql.Tx, st *commitStmts, nid uuid.UUID, in *identity.Identity,
	stored map[identity.CredentialsType]identity.Credentials, types map[identity.CredentialsType]uuid.UUID, now time.Time) error {
	credsChanged := !sameCredentials(stored, in.Credentials)
	var aal any // NULL keeps available_aal
	if credsChanged {
		aal = identity.AvailableAAL(in.Credentials)
	}
	var created timeCol
	var err error
	if in.Traits != nil {
		err = txStmt(ctx, tx, st.traits).QueryRowContext(ctx, nid, in.ID, string(in.Traits), ts(now), aal).Scan(&created)
	} else {
		err = txStmt(ctx, tx, st.touch).QueryRowContext(ctx, nid, in.ID, ts(now), aal).Scan(&created)
	}
	if err != nil {
		return fmt.Errorf("update identity: %w", err)
	}
	in.CreatedAt, in.UpdatedAt = created.Time, now
	if in.Traits != nil {
		if err := settingsAddresses(ctx, tx, st, nid, in, now); err != nil {
			return err
		}
	}
	if !credsChanged {
		return nil
	}
	// Identifiers go with their credential (ON DELETE CASCADE); ids are
	// kept, so rows keyed by credential id stay attached.
	if _, err := tx.ExecContext(ctx, `DELETE FROM identity_credentials WHERE nid = $1 AND identity_id = $2`, nid, in.ID); err != nil {
		return fmt.Errorf("delete credentials: %w", err)
	}
	return insertCredentials(ctx, tx, nid, in.ID, in.Credentials, types)
}

// settingsAddresses makes the stored addresses in's, and sets in's to them
// as stored.
func settingsAddresses(ctx context.Context, tx *sql.Tx, st *commitStmts, nid uuid.UUID, in *identity.Identity, now time.Time) error {
	ver, err := scanVerifiable(txStmt(ctx, tx, st.verifiable).QueryContext(ctx, nid, in.ID, in.ID))
	if err != nil {
		return fmt.Errorf("load verifiable addresses: %w", err)
	}
	if sameVerifiable(ver[in.ID], in.VerifiableAddresses) {
		in.VerifiableAddresses = ver[in.ID]
	} else if in.VerifiableAddresses, err = syncVerifiable(ctx, tx, nid, in.ID, in.VerifiableAddresses, now); err != nil {
		return err
	}
	rec, err := scanRecovery(txStmt(ctx, tx, st.recovery).QueryContext(ctx, nid, in.ID, in.ID))
	if err != nil {
		return fmt.Errorf("load recovery addresses: %w", err)
	}
	if sameRecovery(rec[in.ID], in.RecoveryAddresses) {
		in.RecoveryAddresses = rec[in.ID]
		return nil
	}
	in.RecoveryAddresses, err = syncRecovery(ctx, tx, nid, in.ID, in.RecoveryAddresses)
	return err
}

// sameVerifiable reports whether want is the stored set (by via and value)
// and changes no stored verification state: a wanted address either
// carries no id (the stored state stands) or exactly the stored state.
func sameVerifiable(stored, want []identity.VerifiableAddress) bool {
	if len(stored) != len(want) {
		return false
	}
	byKey := make(map[addrKey]identity.VerifiableAddress, len(stored))
	for _, a := range stored {
		byKey[addrKey{a.Via, a.Value}] = a
	}
	for _, w := range want {
		old, ok := byKey[addrKey{w.Via, w.Value}]
		if !ok {
			return false
		}
		if w.ID == old.ID && (w.Verified != old.Verified || w.Status != old.Status || !sameTime(w.VerifiedAt, old.VerifiedAt)) {
			return false
		}
		delete(byKey, addrKey{w.Via, w.Value})
	}
	return len(byKey) == 0
}

func sameRecovery(stored, want []identity.RecoveryAddress) bool {
	if len(stored) != len(want) {
		return false
	}
	keys := make(map[addrKey]bool, len(stored))
	for _, a := range stored {
		keys[addrKey{a.Via, a.Value}] = true
	}
	for _, w := range want {
		if !keys[addrKey{w.Via, w.Value}] {
			return false
		}
		delete(keys, addrKey{w.Via, w.Value})
	}
	return len(keys) == 0
}

// sameCredentials reports whether b has exactly a's types, identifiers (in
// order) and configs.
func sameCredentials(a, b map[identity.CredentialsType]identity.Credentials) bool {
	if len(a) != len(b) {
		return false
	}
	for t, ca := range a {
		cb, ok := b[t]
		if !ok || !slices.Equal(ca.Identifiers, cb.Identifiers) || !bytes.Equal(ca.Config, cb.Config) || ca.ID != cb.ID {
			return false
		}
	}
	return true
}

// scanCredentials reads an identity's credentials and identifiers (one row
// per identifier; a credential without identifiers still appears).
func scanCredentials(rows *sql.Rows, err error) (map[identity.CredentialsType]identity.Credentials, error) {
	if err != nil {
		return nil, fmt.Errorf("load credentials: %w", err)
	}
	defer rows.Close()
	out := make(map[identity.CredentialsType]identity.Credentials)
	for rows.Next() {
		var (
			cr           identity.Credentials
			name         string
			config       jsonCol
			created, upd timeCol
			ident        sql.NullString
		)
		if err := rows.Scan(&cr.ID, &name, &config, &cr.Version, &created, &upd, &ident); err != nil {
			return nil, fmt.Errorf("load credentials: %w", err)
		}
		t := identity.CredentialsType(name)
		if prev, ok := out[t]; ok {
			cr = prev
		} else {
			cr.Type, cr.Config, cr.CreatedAt, cr.UpdatedAt = t, config.Raw, created.Time, upd.Time
			cr.Identifiers = []string{}
		}
		if ident.Valid {
			cr.Identifiers = append(cr.Identifiers, ident.String)
		}
		out[t] = cr
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load credentials: %w", err)
	}
	return out, nil
}
