package store

import (
	"context"
	"database/sql"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
)

var _ flow.ErrorStore = (*Store)(nil)

// CreateError: see flow.ErrorStore.
func (s *Store) CreateError(ctx context.Context, e *flow.StoredError) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	if e.ID == uuid.Nil {
		e.ID = uuid.New()
	}
	now := s.clock()
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO selfservice_errors
			(id, nid, errors, was_seen, csrf_token_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			e.ID, nid, jsonOr(e.Error, "{}"), false, e.CSRFTokenHash, ts(now), ts(now))
		return err
	})
	if err != nil {
		return mapErr("create self-service error", err)
	}
	e.CreatedAt, e.UpdatedAt = now, now
	return nil
}

// ReadError: see flow.ErrorStore. Reading marks the error seen in the same
// statement that returns it.
func (s *Store) ReadError(ctx context.Context, id uuid.UUID) (*flow.StoredError, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	e := &flow.StoredError{ID: id}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		var (
			raw               jsonCol
			seen, created, up timeCol
		)
		err := tx.QueryRowContext(ctx, `UPDATE selfservice_errors SET was_seen = $3, seen_at = $4, updated_at = $4
			WHERE id = $1 AND nid = $2
			RETURNING errors, csrf_token_hash, seen_at, created_at, updated_at`,
			id, nid, true, ts(now)).Scan(&raw, &e.CSRFTokenHash, &seen, &created, &up)
		if err != nil {
			return err
		}
		e.Error, e.WasSeen, e.SeenAt, e.CreatedAt, e.UpdatedAt = raw.Raw, true, seen.ptr(), created.Time, up.Time
		return nil
	})
	if err != nil {
		return nil, mapErr("read self-service error "+id.String(), err)
	}
	return e, nil
}
