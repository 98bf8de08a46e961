package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow/settings"
)

var _ settings.Store = (*Store)(nil)

// Settings flows are on the hot path of every settings edit (an init and a
// submit per edit), so their statements are prepared once (see prepared) and
// everything that can be computed before a write transaction is: on SQLite
// every write waits for the one before it, so the time spent inside one is
// what bounds throughput. The columns besides identity_id are the common
// ones (flow_row.go).

const (
	sqlInsertSettingsFlow = `INSERT INTO selfservice_settings_flows
		(id, nid, identity_id, type, state, request_url, return_to, issued_at, expires_at, active_method,
		 csrf_token_hash, ui, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`
	sqlGetSettingsFlow = `SELECT identity_id, type, state, request_url, return_to, issued_at, expires_at,
			active_method, csrf_token_hash, ui, created_at, updated_at
		FROM selfservice_settings_flows WHERE id = $1 AND nid = $2`
	sqlUpdateSettingsFlow = `UPDATE selfservice_settings_flows
		SET state = $4, active_method = $5, ui = $6, updated_at = $7
		WHERE id = $1 AND nid = $2 AND identity_id = $3`
)

// encodedFlow is a flow with its ui already encoded for the ui column.
type encodedFlow struct {
	f  *settings.Flow
	ui string
}

func encodeFlow(f *settings.Flow) (encodedFlow, error) {
	ui, err := encodeBase(&f.Base)
	if err != nil {
		return encodedFlow{}, err
	}
	return encodedFlow{f: f, ui: ui}, nil
}

// txStmt is the prepared statement for query, bound to tx. The statement
// must have been prepared before the transaction began (warm), so that
// preparing never needs a second connection while the write gate is held.
func txStmt(ctx context.Context, tx *sql.Tx, st *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, st) }

// CreateSettingsFlow: see settings.Store.
func (s *Store) CreateSettingsFlow(ctx context.Context, f *settings.Flow) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	ef, err := encodeFlow(f)
	if err != nil {
		return err
	}
	ins, err := s.prepared(ctx, sqlInsertSettingsFlow)
	if err != nil {
		return mapErr("create settings flow "+f.ID.String(), err)
	}
	now := s.clock()
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		return insertSettingsFlow(ctx, txStmt(ctx, tx, ins), nid, ef, now)
	})
	if err != nil {
		return mapErr("create settings flow "+f.ID.String(), err)
	}
	f.CreatedAt, f.UpdatedAt = now, now
	return nil
}

func insertSettingsFlow(ctx context.Context, ins *sql.Stmt, nid uuid.UUID, ef encodedFlow, now time.Time) error {
	f := ef.f
	if _, err := ins.ExecContext(ctx, insertArgs([]any{f.ID, nid, f.IdentityID}, &f.Base, ef.ui, now)...); err != nil {
		return fmt.Errorf("insert settings flow: %w", err)
	}
	return nil
}

// updateSettingsFlow writes a flow's mutable fields; a flow that is not
// its identity's (or does not exist) changes nothing and is a 404.
func updateSettingsFlow(ctx context.Context, upd *sql.Stmt, nid uuid.UUID, ef encodedFlow, now time.Time) error {
	f := ef.f
	res, err := upd.ExecContext(ctx, updateArgs([]any{f.ID, nid, f.IdentityID}, &f.Base, ef.ui, now)...)
	if err != nil {
		return fmt.Errorf("update settings flow: %w", err)
	}
	return expectOneRow(res)
}

// GetSettingsFlow: see settings.Store.
func (s *Store) GetSettingsFlow(ctx context.Context, id uuid.UUID) (*settings.Flow, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.prepared(ctx, sqlGetSettingsFlow)
	if err != nil {
		return nil, mapErr("get settings flow "+id.String(), err)
	}
	var (
		r flowRow
		f = &settings.Flow{}
	)
	err = r.scan(st.QueryRowContext(ctx, id, nid), &f.IdentityID)
	if err != nil {
		return nil, mapErr("get settings flow "+id.String(), err)
	}
	if err := r.base(&f.Base, id); err != nil {
		return nil, mapErr("get settings flow "+id.String(), err)
	}
	f.CreatedAt, f.UpdatedAt = r.created.Time, r.updated.Time
	return f, nil
}

// UpdateSettingsFlow: see settings.Store. Only the owner's flow changes.
func (s *Store) UpdateSettingsFlow(ctx context.Context, f *settings.Flow) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	ef, err := encodeFlow(f)
	if err != nil {
		return err
	}
	upd, err := s.prepared(ctx, sqlUpdateSettingsFlow)
	if err != nil {
		return mapErr("update settings flow "+f.ID.String(), err)
	}
	now := s.clock()
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		return updateSettingsFlow(ctx, txStmt(ctx, tx, upd), nid, ef, now)
	})
	if err != nil {
		return mapErr("update settings flow "+f.ID.String(), err)
	}
	f.UpdatedAt = now
	return nil
}
