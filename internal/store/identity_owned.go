package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
)

// Rows an identity owns: credentials with their identifiers, verifiable and
// recovery addresses. New rows get UUIDv7 ids, which sort by creation, so
// reading them back "ORDER BY id" returns them in the order they were given.

func insertCredentials(ctx context.Context, tx *sql.Tx, nid, identityID uuid.UUID, creds map[identity.CredentialsType]identity.Credentials, types map[identity.CredentialsType]uuid.UUID) error {
	for t, cr := range creds {
		typeID := types[t] // checked by prepareCredentials
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_credentials
			(id, nid, identity_id, identity_credential_type_id, config, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			cr.ID, nid, identityID, typeID, jsonOr(cr.Config, "{}"), cr.Version, ts(cr.CreatedAt), ts(cr.UpdatedAt)); err != nil {
			return fmt.Errorf("insert %s credentials: %w", t, err)
		}
		for _, ident := range cr.Identifiers {
			rowID, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("new identifier id: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO identity_credential_identifiers
				(id, nid, identity_credential_id, identity_credential_type_id, identifier, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				rowID, nid, cr.ID, typeID, ident, ts(cr.UpdatedAt), ts(cr.UpdatedAt)); err != nil {
				return fmt.Errorf("insert %s identifier: %w", t, err)
			}
		}
	}
	return nil
}

func insertVerifiable(ctx context.Context, tx *sql.Tx, nid, identityID uuid.UUID, a identity.VerifiableAddress) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO identity_verifiable_addresses
		(id, nid, identity_id, via, value, verified, status, verified_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.ID, nid, identityID, string(a.Via), a.Value, a.Verified, a.Status, nullTS(a.VerifiedAt),
		ts(a.CreatedAt), ts(a.UpdatedAt)); err != nil {
		return fmt.Errorf("insert verifiable address: %w", err)
	}
	return nil
}

func insertRecovery(ctx context.Context, tx *sql.Tx, nid, identityID uuid.UUID, a identity.RecoveryAddress) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO identity_recovery_addresses
		(id, nid, identity_id, via, value, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.ID, nid, identityID, string(a.Via), a.Value, ts(a.CreatedAt), ts(a.UpdatedAt)); err != nil {
		return fmt.Errorf("insert recovery address: %w", err)
	}
	return nil
}

type addrKey struct {
	via   identity.AddressVia
	value string
}

func newRowID() (uuid.UUID, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, apierr.Internal(fmt.Errorf("store: new row id: %w", err))
	}
	return id, nil
}

// prepareVerifiable and prepareRecovery copy the addresses, drop repeats
// of the same (via, value) (the unique key would reject the second), fill
// ids, times and defaults, and sort them by id, the order reads return.
func prepareVerifiable(in []identity.VerifiableAddress, now time.Time) ([]identity.VerifiableAddress, error) {
	return prepareAddresses(in, verifiableKey, func(a *identity.VerifiableAddress) {
		if a.Status == "" {
			a.Status = identity.AddressStatusPending
		}
		if a.VerifiedAt != nil {
			t := truncate(*a.VerifiedAt)
			a.VerifiedAt = &t
		}
		a.CreatedAt, a.UpdatedAt = now, now
	})
}

func prepareRecovery(in []identity.RecoveryAddress, now time.Time) ([]identity.RecoveryAddress, error) {
	return prepareAddresses(in, recoveryKey, func(a *identity.RecoveryAddress) { a.CreatedAt, a.UpdatedAt = now, now })
}

// sortByID sorts addresses by id, the order reads return them in.
func sortByID[A any](out []A, key func(*A) (addrKey, *uuid.UUID)) {
	slices.SortFunc(out, func(a, b A) int {
		_, x := key(&a)
		_, y := key(&b)
		return compareIDs(*x, *y)
	})
}

// verifiableKey and recoveryKey give an address's unique key (the
// identity's addresses are unique by via and value) and its id field.
func verifiableKey(a *identity.VerifiableAddress) (addrKey, *uuid.UUID) {
	return addrKey{a.Via, a.Value}, &a.ID
}

func recoveryKey(a *identity.RecoveryAddress) (addrKey, *uuid.UUID) {
	return addrKey{a.Via, a.Value}, &a.ID
}

// prepareAddresses is the loop of both: key gives an address's unique key
// and its id field, fill sets the rest.
func prepareAddresses[A any](in []A, key func(*A) (addrKey, *uuid.UUID), fill func(*A)) ([]A, error) {
	if in == nil {
		return nil, nil
	}
	seen := make(map[addrKey]bool, len(in))
	out := make([]A, 0, len(in))
	for _, a := range in {
		k, id := key(&a)
		if seen[k] {
			continue
		}
		seen[k] = true
		if *id == uuid.Nil {
			var err error
			if *id, err = newRowID(); err != nil {
				return nil, err
			}
		}
		fill(&a)
		out = append(out, a)
	}
	sortByID(out, key)
	return out, nil
}

// syncVerifiable makes the stored verifiable addresses equal to want (see
// UpdateIdentity for the matching rule) and returns them as stored.
func syncVerifiable(ctx context.Context, tx *sql.Tx, nid, identityID uuid.UUID, want []identity.VerifiableAddress, now time.Time) ([]identity.VerifiableAddress, error) {
	return syncAddresses(ctx, tx, nid, identityID, want, addressKind[identity.VerifiableAddress]{
		name: "verifiable address", table: "identity_verifiable_addresses",
		key: verifiableKey,
		load: func() (map[uuid.UUID][]identity.VerifiableAddress, error) {
			return scanVerifiable(tx.QueryContext(ctx, selectVerifiable, nid, identityID, identityID))
		},
		insert: func(a identity.VerifiableAddress) error { return insertVerifiable(ctx, tx, nid, identityID, a) },
		keep: func(a *identity.VerifiableAddress, old identity.VerifiableAddress) error {
			if a.ID != old.ID {
				// Re-derived from traits: the stored verification state stands.
				a.Verified, a.Status, a.VerifiedAt = old.Verified, old.Status, old.VerifiedAt
			}
			a.ID, a.CreatedAt, a.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
			if a.Verified == old.Verified && a.Status == old.Status && sameTime(a.VerifiedAt, old.VerifiedAt) {
				return nil
			}
			a.UpdatedAt = now
			_, err := tx.ExecContext(ctx, `UPDATE identity_verifiable_addresses
				SET verified = $3, status = $4, verified_at = $5, updated_at = $6 WHERE nid = $1 AND id = $2`,
				nid, a.ID, a.Verified, a.Status, nullTS(a.VerifiedAt), ts(now))
			return err
		},
	})
}

// syncRecovery is syncVerifiable for recovery addresses, which have no
// state besides their identity.
func syncRecovery(ctx context.Context, tx *sql.Tx, nid, identityID uuid.UUID, want []identity.RecoveryAddress) ([]identity.RecoveryAddress, error) {
	return syncAddresses(ctx, tx, nid, identityID, want, addressKind[identity.RecoveryAddress]{
		name: "recovery address", table: "identity_recovery_addresses",
		key: recoveryKey,
		load: func() (map[uuid.UUID][]identity.RecoveryAddress, error) {
			return scanRecovery(tx.QueryContext(ctx, selectRecovery, nid, identityID, identityID))
		},
		insert: func(a identity.RecoveryAddress) error { return insertRecovery(ctx, tx, nid, identityID, a) },
		keep: func(a *identity.RecoveryAddress, old identity.RecoveryAddress) error {
			a.ID, a.CreatedAt, a.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
			return nil
		},
	})
}

// addressKind is what syncAddresses needs of one kind of address: its
// unique key and id field, how to load the stored ones, insert a new one,
// and merge a wanted address with the stored one it matches (writing what
// changed).
type addressKind[A any] struct {
	name, table string
	key         func(*A) (addrKey, *uuid.UUID)
	load        func() (map[uuid.UUID][]A, error)
	insert      func(A) error
	keep        func(a *A, old A) error
}

// syncAddresses is the loop of syncVerifiable and syncRecovery: match the
// wanted addresses to the stored ones by (via, value), merge the matched,
// delete the stored ones no longer wanted, then insert the new ones.
func syncAddresses[A any](ctx context.Context, tx *sql.Tx, nid, identityID uuid.UUID, want []A, k addressKind[A]) ([]A, error) {
	stored, err := k.load()
	if err != nil {
		return nil, fmt.Errorf("load %ses: %w", k.name, err)
	}
	byKey := make(map[addrKey]A, len(stored[identityID]))
	for _, a := range stored[identityID] {
		key, _ := k.key(&a)
		byKey[key] = a
	}
	out := make([]A, 0, len(want))
	var fresh []A
	for _, a := range want {
		key, id := k.key(&a)
		old, ok := byKey[key]
		if !ok {
			if *id, err = newRowID(); err != nil {
				return nil, err
			}
			fresh = append(fresh, a)
			out = append(out, a)
			continue
		}
		delete(byKey, key)
		if err := k.keep(&a, old); err != nil {
			return nil, fmt.Errorf("update %s: %w", k.name, err)
		}
		out = append(out, a)
	}
	// Addresses the identity no longer has go first, then the new ones.
	for _, gone := range byKey {
		_, id := k.key(&gone)
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+k.table+` WHERE nid = $1 AND id = $2`, nid, *id); err != nil {
			return nil, fmt.Errorf("delete %s: %w", k.name, err)
		}
	}
	for _, a := range fresh {
		if err := k.insert(a); err != nil {
			return nil, err
		}
	}
	sortByID(out, k.key)
	return out, nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
