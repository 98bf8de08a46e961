package store

import (
	"context"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/session"
)

var _ login.Store = (*Store)(nil)

// Login flows' own columns are forced and requested_aal; the rest are the
// common ones (flow_row.go).

// CreateLoginFlow: see login.Store. The times are truncated to what the
// database keeps, so the flow answered now equals the flow fetched later.
func (s *Store) CreateLoginFlow(ctx context.Context, f *login.Flow) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	uiJSON, err := encodeBase(&f.Base)
	if err != nil {
		return err
	}
	now := s.clock()
	err = s.execFlow(ctx, `INSERT INTO selfservice_login_flows
			(id, nid, forced, requested_aal, type, state, request_url, return_to, issued_at, expires_at,
			 active_method, csrf_token_hash, ui, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, false,
		insertArgs([]any{f.ID, nid, f.Refresh, string(f.RequestedAAL)}, &f.Base, uiJSON, now))
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
	err = r.scan(s.db.QueryRowContext(ctx, `SELECT forced, requested_aal, type, state, request_url, return_to,
			issued_at, expires_at, active_method, csrf_token_hash, ui, created_at, updated_at
		FROM selfservice_login_flows WHERE id = $1 AND nid = $2`, id, nid), &f.Refresh, &aal)
	if err != nil {
		return nil, mapErr("get login flow "+id.String(), err)
	}
	if err := r.base(&f.Base, id); err != nil {
		return nil, mapErr("get login flow "+id.String(), err)
	}
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
	err = s.execFlow(ctx, `UPDATE selfservice_login_flows
			SET state = $3, active_method = $4, ui = $5, updated_at = $6
			WHERE id = $1 AND nid = $2`, true,
		updateArgs([]any{f.ID, nid}, &f.Base, uiJSON, now))
	if err != nil {
		return mapErr("update login flow "+f.ID.String(), err)
	}
	f.UpdatedAt = now
	return nil
}
