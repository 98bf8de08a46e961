package store

import (
	"context"
	"database/sql"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/registration"
)

var _ registration.Store = (*Store)(nil)

// CreateRegistrationFlow: see registration.Store.
func (s *Store) CreateRegistrationFlow(ctx context.Context, f *registration.Flow) error {
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
		_, err := tx.ExecContext(ctx, `INSERT INTO selfservice_registration_flows
			(id, nid, type, state, request_url, return_to, issued_at, expires_at, active_method,
			 csrf_token_hash, ui, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			f.ID, nid, string(f.Type), string(f.State), f.RequestURL, f.ReturnTo, ts(f.IssuedAt), ts(f.ExpiresAt),
			f.Active, f.CSRFTokenHash, uiJSON, ts(now), ts(now))
		return err
	})
	return mapErr("create registration flow "+f.ID.String(), err)
}

// GetRegistrationFlow: see registration.Store.
func (s *Store) GetRegistrationFlow(ctx context.Context, id uuid.UUID) (*registration.Flow, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	var (
		r flowRow
		f = &registration.Flow{}
	)
	err = s.db.QueryRowContext(ctx, `SELECT type, state, request_url, return_to, issued_at, expires_at,
			active_method, csrf_token_hash, ui, created_at, updated_at
		FROM selfservice_registration_flows WHERE id = $1 AND nid = $2`, id, nid).Scan(
		&r.typ, &r.state, &r.requestURL, &r.returnTo, &r.issued, &r.expires,
		&r.active, &r.csrfHash, &r.ui, &r.created, &r.updated)
	if err != nil {
		return nil, mapErr("get registration flow "+id.String(), err)
	}
	if err := r.base(&f.Base); err != nil {
		return nil, mapErr("get registration flow "+id.String(), err)
	}
	f.ID = id
	return f, nil
}

// UpdateRegistrationFlow: see registration.Store.
func (s *Store) UpdateRegistrationFlow(ctx context.Context, f *registration.Flow) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	uiJSON, err := encodeUI(f.UI)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE selfservice_registration_flows
			SET state = $3, active_method = $4, ui = $5, updated_at = $6
			WHERE id = $1 AND nid = $2`,
			f.ID, nid, string(f.State), f.Active, uiJSON, ts(s.clock()))
		if err != nil {
			return err
		}
		return expectOneRow(res)
	})
	return mapErr("update registration flow "+f.ID.String(), err)
}
