package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/settings"
)

var _ settings.ContinuityStore = (*Store)(nil)

// SaveContinuity: see settings.ContinuityStore. Expired containers of the
// network are swept in the same transaction, so the table stays small
// without a background job.
func (s *Store) SaveContinuity(ctx context.Context, c *settings.Container) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	if c.ID == uuid.Nil {
		c.ID = uuid.New()
	}
	now := s.clock()
	c.ExpiresAt = truncate(c.ExpiresAt)
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM continuity_containers
			WHERE nid = $1 AND ((token_hash = $2 AND name = $3) OR expires_at < $4)`,
			nid, c.TokenHash, c.Name, ts(now)); err != nil {
			return fmt.Errorf("replace continuity container: %w", err)
		}
		var ident any
		if c.IdentityID != uuid.Nil {
			ident = c.IdentityID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO continuity_containers
			(id, nid, identity_id, name, payload, expires_at, token_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			c.ID, nid, ident, c.Name, jsonArg(c.Payload), ts(c.ExpiresAt), c.TokenHash, ts(now), ts(now))
		return err
	})
	return mapErr("save continuity container "+c.Name, err)
}

// TakeContinuity: see settings.ContinuityStore. Read and delete happen in
// one transaction, so a paused submission is replayed at most once.
func (s *Store) TakeContinuity(ctx context.Context, tokenHash string, names []string) ([]settings.Container, error) {
	if tokenHash == "" || len(names) == 0 {
		return nil, nil
	}
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	var out []settings.Container
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		out = out[:0]
		in, args := nameList(names, nid, tokenHash)
		rows, err := tx.QueryContext(ctx, `DELETE FROM continuity_containers
			WHERE nid = $1 AND token_hash = $2 AND name IN (`+in+`)
			RETURNING id, identity_id, name, payload, expires_at`, args...)
		if err != nil {
			return fmt.Errorf("take continuity containers: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				c       settings.Container
				ident   sql.NullString
				payload jsonCol
				expires timeCol
			)
			if err := rows.Scan(&c.ID, &ident, &c.Name, &payload, &expires); err != nil {
				return fmt.Errorf("take continuity containers: %w", err)
			}
			if ident.Valid {
				if c.IdentityID, err = uuid.Parse(ident.String); err != nil {
					return fmt.Errorf("take continuity containers: %w", err)
				}
			}
			c.TokenHash, c.Payload, c.ExpiresAt = tokenHash, payload.Raw, expires.Time
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, mapErr("take continuity containers", err)
	}
	return out, nil
}

// DeleteContinuity: see settings.ContinuityStore.
func (s *Store) DeleteContinuity(ctx context.Context, tokenHash string, names []string) (int64, error) {
	if tokenHash == "" || len(names) == 0 {
		return 0, nil
	}
	nid, err := s.network(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		in, args := nameList(names, nid, tokenHash)
		res, err := tx.ExecContext(ctx, `DELETE FROM continuity_containers
			WHERE nid = $1 AND token_hash = $2 AND name IN (`+in+`)`, args...)
		if err != nil {
			return fmt.Errorf("delete continuity containers: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, mapErr("delete continuity containers", err)
}

// nameList is "$3, $4, …" for names, with the arguments nid, tokenHash,
// names….
func nameList(names []string, nid uuid.UUID, tokenHash string) (string, []any) {
	ph := make([]string, len(names))
	args := make([]any, 0, 2+len(names))
	args = append(args, nid, tokenHash)
	for k, n := range names {
		ph[k] = "$" + strconv.Itoa(k+3)
		args = append(args, n)
	}
	return strings.Join(ph, ", "), args
}
