package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/session"
)

var _ login.Store = (*Store)(nil)

// CreateLoginFlow: see login.Store. The times are truncated to what the
// database keeps, so the flow answered now equals the flow fetched later.
func (s *Store) CreateLoginFlow(ctx context.Context, f *login.Flow) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	uiJSON, err := encodeUI(f.UI)
	if err != nil {
		return err
	}
	now := s.clock()
	f.IssuedAt, f.ExpiresAt = truncate(f.IssuedAt), truncate(f.ExpiresAt)
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO selfservice_login_flows
			(id, nid, type, state, request_url, return_to, issued_at, expires_at, active_method,
			 csrf_token_hash, forced, requested_aal, ui, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			f.ID, nid, string(f.Type), string(f.State), f.RequestURL, f.ReturnTo, ts(f.IssuedAt), ts(f.ExpiresAt),
			f.Active, f.CSRFTokenHash, f.Refresh, string(f.RequestedAAL), uiJSON, ts(now), ts(now))
		return err
	})
	if err != nil {
		return mapErr("create login flow "+f.ID.String(), err)
	}
	f.CreatedAt, f.UpdatedAt = now, now
	return nil
}

// GetLoginFlow: see login.Store.
func (s *Store) GetLoginFlow(ctx context.Context, id uuid.UUID) (*login.Flow, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	var (
		r   flowRow
		aal string
		f   = &login.Flow{}
	)
	err = s.db.QueryRowContext(ctx, `SELECT type, state, request_url, return_to, issued_at, expires_at,
			active_method, csrf_token_hash, forced, requested_aal, ui, created_at, updated_at
		FROM selfservice_login_flows WHERE id = $1 AND nid = $2`, id, nid).Scan(
		&r.typ, &r.state, &r.requestURL, &r.returnTo, &r.issued, &r.expires,
		&r.active, &r.csrfHash, &f.Refresh, &aal, &r.ui, &r.created, &r.updated)
	if err != nil {
		return nil, mapErr("get login flow "+id.String(), err)
	}
	if err := r.base(&f.Base); err != nil {
		return nil, mapErr("get login flow "+id.String(), err)
	}
	f.ID = id
	f.RequestedAAL = session.AAL(aal)
	f.CreatedAt, f.UpdatedAt = r.created.Time, r.updated.Time
	return f, nil
}

// UpdateLoginFlow: see login.Store.
func (s *Store) UpdateLoginFlow(ctx context.Context, f *login.Flow) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	uiJSON, err := encodeUI(f.UI)
	if err != nil {
		return err
	}
	now := s.clock()
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE selfservice_login_flows
			SET state = $3, active_method = $4, ui = $5, updated_at = $6
			WHERE id = $1 AND nid = $2`,
			f.ID, nid, string(f.State), f.Active, uiJSON, ts(now))
		if err != nil {
			return err
		}
		return expectOneRow(res)
	})
	if err != nil {
		return mapErr("update login flow "+f.ID.String(), err)
	}
	f.UpdatedAt = now
	return nil
}

// expectOneRow turns "no row changed" into sql.ErrNoRows (a 404).
func expectOneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("rows affected: %w", err)
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
