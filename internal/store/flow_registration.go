package store

import (
	"context"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/registration"
)

var _ registration.Store = (*Store)(nil)

// Registration flows have only the common columns (flow_row.go).

// CreateRegistrationFlow: see registration.Store.
func (s *Store) CreateRegistrationFlow(ctx context.Context, f *registration.Flow) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	uiJSON, err := encodeBase(&f.Base)
	if err != nil {
		return err
	}
	err = s.execFlow(ctx, `INSERT INTO selfservice_registration_flows
			(id, nid, type, state, request_url, return_to, issued_at, expires_at, active_method,
			 csrf_token_hash, ui, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, false,
		insertArgs([]any{f.ID, nid}, &f.Base, uiJSON, s.clock()))
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
	err = r.scan(s.db.QueryRowContext(ctx, `SELECT type, state, request_url, return_to, issued_at, expires_at,
			active_method, csrf_token_hash, ui, created_at, updated_at
		FROM selfservice_registration_flows WHERE id = $1 AND nid = $2`, id, nid))
	if err != nil {
		return nil, mapErr("get registration flow "+id.String(), err)
	}
	if err := r.base(&f.Base, id); err != nil {
		return nil, mapErr("get registration flow "+id.String(), err)
	}
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
	err = s.execFlow(ctx, `UPDATE selfservice_registration_flows
			SET state = $3, active_method = $4, ui = $5, updated_at = $6
			WHERE id = $1 AND nid = $2`, true,
		updateArgs([]any{f.ID, nid}, &f.Base, uiJSON, s.clock()))
	return mapErr("update registration flow "+f.ID.String(), err)
}
