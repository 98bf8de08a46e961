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
	return prepareAddresses(in, func(a *identity.VerifiableAddress) (addrKey, *uuid.UUID) {
		return addrKey{a.Via, a.Value}, &a.ID
	}, func(a *identity.VerifiableAddress) {
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
	return prepareAddresses(in, func(a *identity.RecoveryAddress) (addrKey, *uuid.UUID) {
		return addrKey{a.Via, a.Value}, &a.ID
	}, func(a *identity.RecoveryAddress) { a.CreatedAt, a.UpdatedAt = now, now })
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
	slices.SortFunc(out, func(a, b A) int {
		_, x := key(&a)
		_, y := key(&b)
		return compareIDs(*x, *y)
	})
	return out, nil
}

// syncVerifiable makes the stored verifiable addresses equal to want (see
// UpdateIdentity for the matching rule) and returns them as stored.
func syncVerifiable(ctx context.Context, tx *sql.Tx, nid, identityID uuid.UUID, want []identity.VerifiableAddress, now time.Time) ([]identity.VerifiableAddress, error) {
	stored, err := scanVerifiable(tx.QueryContext(ctx, selectVerifiable, nid, identityID, identityID))
	if err != nil {
		return nil, fmt.Errorf("load verifiable addresses: %w", err)
	}
	byKey := make(map[addrKey]identity.VerifiableAddress, len(stored))
	for _, a := range stored[identityID] {
		byKey[addrKey{a.Via, a.Value}] = a
	}
	out := make([]identity.VerifiableAddress, 0, len(want))
	var fresh []identity.VerifiableAddress
	for _, a := range want {
		old, ok := byKey[addrKey{a.Via, a.Value}]
		if !ok {
			if a.ID, err = newRowID(); err != nil {
				return nil, err
			}
			fresh = append(fresh, a)
			out = append(out, a)
			continue
		}
		delete(byKey, addrKey{a.Via, a.Value})
		if a.ID != old.ID {
			// Re-derived from traits: the stored verification state stands.
			a.Verified, a.Status, a.VerifiedAt = old.Verified, old.Status, old.VerifiedAt
		}
		a.ID, a.CreatedAt, a.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
		if a.Verified != old.Verified || a.Status != old.Status || !sameTime(a.VerifiedAt, old.VerifiedAt) {
			a.UpdatedAt = now
			if _, err := tx.ExecContext(ctx, `UPDATE identity_verifiable_addresses
				SET verified = $3, status = $4, verified_at = $5, updated_at = $6 WHERE nid = $1 AND id = $2`,
				nid, a.ID, a.Verified, a.Status, nullTS(a.VerifiedAt), ts(now)); err != nil {
				return nil, fmt.Errorf("update verifiable address: %w", err)
			}
		}
		out = append(out, a)
	}
	// Addresses the identity no longer has go first, then the new ones.
	for _, gone := range byKey {
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM identity_verifiable_addresses WHERE nid = $1 AND id = $2`, nid, gone.ID); err != nil {
			return nil, fmt.Errorf("delete verifiable address: %w", err)
		}
	}
	for _, a := range fresh {
		if err := insertVerifiable(ctx, tx, nid, identityID, a); err != nil {
			return nil, err
		}
	}
	// The order a read returns them in.
	slices.SortFunc(out, func(a, b identity.VerifiableAddress) int { return compareIDs(a.ID, b.ID) })
	return out, nil
}

// syncRecovery is syncVerifiable for recovery addresses, which have no
// state besides their identity.
func syncRecovery(ctx context.Context, tx *sql.Tx, nid, identityID uuid.UUID, want []identity.RecoveryAddress) ([]identity.RecoveryAddress, error) {
	stored, err := scanRecovery(tx.QueryContext(ctx, selectRecovery, nid, identityID, identityID))
	if err != nil {
		return nil, fmt.Errorf("load recovery addresses: %w", err)
	}
	byKey := make(map[addrKey]identity.RecoveryAddress, len(stored))
	for _, a := range stored[identityID] {
		byKey[addrKey{a.Via, a.Value}] = a
	}
	out := make([]identity.RecoveryAddress, 0, len(want))
	var fresh []identity.RecoveryAddress
	for _, a := range want {
		old, ok := byKey[addrKey{a.Via, a.Value}]
		if !ok {
			if a.ID, err = newRowID(); err != nil {
				return nil, err
			}
			fresh = append(fresh, a)
			out = append(out, a)
			continue
		}
		delete(byKey, addrKey{a.Via, a.Value})
		a.ID, a.CreatedAt, a.UpdatedAt = old.ID, old.CreatedAt, old.UpdatedAt
		out = append(out, a)
	}
	for _, gone := range byKey {
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM identity_recovery_addresses WHERE nid = $1 AND id = $2`, nid, gone.ID); err != nil {
			return nil, fmt.Errorf("delete recovery address: %w", err)
		}
	}
	for _, a := range fresh {
		if err := insertRecovery(ctx, tx, nid, identityID, a); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b identity.RecoveryAddress) int { return compareIDs(a.ID, b.ID) })
	return out, nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
