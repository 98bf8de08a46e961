package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
)

// CreateIdentity inserts the identity with its credentials, identifiers and
// addresses in one transaction; on any error nothing is written and i is left
// as it was. A duplicate identifier or address is a 409.
func (s *Store) CreateIdentity(ctx context.Context, i *identity.Identity) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	types, err := s.credentialTypes(ctx)
	if err != nil {
		return err
	}
	c, err := prepareIdentity(i, s.clock(), types)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		// available_aal: see migration 00003 (read by whoami).
		if _, err := tx.ExecContext(ctx, `INSERT INTO identities
			(id, nid, schema_id, traits, state, state_changed_at, metadata_public, metadata_admin, created_at, updated_at, available_aal)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			c.ID, nid, c.SchemaID, jsonOr(c.Traits, "{}"), c.State, nullTS(c.StateChangedAt),
			jsonArg(c.MetadataPublic), jsonArg(c.MetadataAdmin), ts(c.CreatedAt), ts(c.UpdatedAt),
			identity.AvailableAAL(c.Credentials)); err != nil {
			return fmt.Errorf("insert identity: %w", err)
		}
		if err := insertCredentials(ctx, tx, nid, c.ID, c.Credentials, types); err != nil {
			return err
		}
		for _, a := range c.VerifiableAddresses {
			if err := insertVerifiable(ctx, tx, nid, c.ID, a); err != nil {
				return err
			}
		}
		for _, a := range c.RecoveryAddresses {
			if err := insertRecovery(ctx, tx, nid, c.ID, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return mapErr("create identity "+c.ID.String(), err)
	}
	*i = c
	return nil
}

// UpdateIdentity replaces the identity's row, addresses and (when
// i.Credentials is non-nil) credentials and identifiers in one transaction.
//
// Addresses are matched to the stored ones by (via, value). A matched address
// keeps its id and created_at, so tokens that point at it survive a traits
// update; its verified, status and verified_at are kept from the database
// unless the caller's address carries the stored id (the caller loaded it
// and may be changing it, as an admin update does). Unmatched stored
// addresses are deleted, new ones inserted.
//
// A nil i.Credentials means "not loaded" and leaves the stored credentials
// untouched, so an identity read without credentials can be saved without
// wiping them; a non-nil map (even empty) replaces them all.
func (s *Store) UpdateIdentity(ctx context.Context, i *identity.Identity) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	types, err := s.credentialTypes(ctx)
	if err != nil {
		return err
	}
	now := s.clock()
	in, err := prepareIdentity(i, now, types)
	if err != nil {
		return err
	}
	in.ID = i.ID // prepareIdentity invents an id when zero; an update needs the caller's
	var out identity.Identity
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		c := in // a retry starts again from the caller's values
		var created timeCol
		// available_aal (migration 00003) follows the credentials; NULL keeps it.
		var aal any
		if c.Credentials != nil {
			aal = identity.AvailableAAL(c.Credentials)
		}
		err := tx.QueryRowContext(ctx, `UPDATE identities SET
			schema_id = $3, traits = $4, state = $5, state_changed_at = $6,
			metadata_public = $7, metadata_admin = $8, updated_at = $9,
			available_aal = COALESCE($10, available_aal)
			WHERE nid = $1 AND id = $2 RETURNING created_at`,
			nid, c.ID, c.SchemaID, jsonOr(c.Traits, "{}"), c.State, nullTS(c.StateChangedAt),
			jsonArg(c.MetadataPublic), jsonArg(c.MetadataAdmin), ts(now), aal).Scan(&created)
		if err != nil {
			return fmt.Errorf("update identity: %w", err)
		}
		c.CreatedAt, c.UpdatedAt = created.Time, now
		if c.VerifiableAddresses, err = syncVerifiable(ctx, tx, nid, c.ID, c.VerifiableAddresses, now); err != nil {
			return err
		}
		if c.RecoveryAddresses, err = syncRecovery(ctx, tx, nid, c.ID, c.RecoveryAddresses); err != nil {
			return err
		}
		if c.Credentials != nil {
			// Identifiers go with their credential (ON DELETE CASCADE).
			if _, err := tx.ExecContext(ctx,
				`DELETE FROM identity_credentials WHERE nid = $1 AND identity_id = $2`, nid, c.ID); err != nil {
				return fmt.Errorf("delete credentials: %w", err)
			}
			if err := insertCredentials(ctx, tx, nid, c.ID, c.Credentials, types); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return mapErr("update identity "+i.ID.String(), err)
	}
	*i = out
	return nil
}

// DeleteIdentity deletes the identity; credentials, identifiers, addresses,
// sessions, tokens and flows that belong to it go by ON DELETE CASCADE.
func (s *Store) DeleteIdentity(ctx context.Context, id uuid.UUID) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM identities WHERE nid = $1 AND id = $2`, nid, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return sql.ErrNoRows
		}
		return nil
	})
	return mapErr("delete identity "+id.String(), err)
}

// prepareIdentity returns a copy of i ready to insert: ids for new rows,
// timestamps, defaults, JSON checked. Nested slices and maps are copied so
// that i is untouched until the write succeeded.
func prepareIdentity(i *identity.Identity, now time.Time, types map[identity.CredentialsType]uuid.UUID) (identity.Identity, error) {
	c := *i
	if c.ID == uuid.Nil {
		c.ID = uuid.New()
	}
	c.CreatedAt, c.UpdatedAt = now, now
	if c.State == "" {
		c.State = identity.StateActive
	}
	if c.StateChangedAt != nil {
		t := truncate(*c.StateChangedAt)
		c.StateChangedAt = &t
	}
	for name, raw := range map[string]json.RawMessage{
		"traits": c.Traits, "metadata_public": c.MetadataPublic, "metadata_admin": c.MetadataAdmin,
	} {
		if raw != nil && !json.Valid(raw) {
			return c, apierr.Internal(fmt.Errorf("store: identity %s: %s is not valid JSON", c.ID, name))
		}
	}
	var err error
	if c.Credentials, err = prepareCredentials(c.ID, c.Credentials, now, types); err != nil {
		return c, err
	}
	if c.VerifiableAddresses, err = prepareVerifiable(c.VerifiableAddresses, now); err != nil {
		return c, err
	}
	if c.RecoveryAddresses, err = prepareRecovery(c.RecoveryAddresses, now); err != nil {
		return c, err
	}
	return c, nil
}

func prepareCredentials(id uuid.UUID, in map[identity.CredentialsType]identity.Credentials, now time.Time, types map[identity.CredentialsType]uuid.UUID) (map[identity.CredentialsType]identity.Credentials, error) {
	if in == nil {
		return nil, nil
	}
	out := make(map[identity.CredentialsType]identity.Credentials, len(in))
	for _, t := range slices.Sorted(maps.Keys(in)) {
		cr := in[t]
		cr.Type = t // the map key is the type; a disagreeing field is ignored
		if _, ok := types[t]; !ok {
			return nil, apierr.Internal(fmt.Errorf("store: identity %s: unknown credentials type %q", id, t))
		}
		if cr.Config != nil && !json.Valid(cr.Config) {
			return nil, apierr.Internal(fmt.Errorf("store: identity %s: %s credentials config is not valid JSON", id, t))
		}
		if cr.ID == uuid.Nil {
			var err error
			if cr.ID, err = uuid.NewV7(); err != nil {
				return nil, apierr.Internal(fmt.Errorf("store: new credentials id: %w", err))
			}
		}
		if cr.CreatedAt.IsZero() {
			cr.CreatedAt = now
		} else {
			cr.CreatedAt = truncate(cr.CreatedAt)
		}
		cr.UpdatedAt = now
		// A repeated identifier would collide with itself on the unique key.
		cr.Identifiers = dedupe(cr.Identifiers)
		out[t] = cr
	}
	return out, nil
}

// dedupe returns a copy of s without repeats, in first-seen order.
func dedupe(s []string) []string {
	if s == nil {
		return nil
	}
	seen := make(map[string]bool, len(s))
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
