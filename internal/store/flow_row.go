package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
)

// The columns every flow table (selfservice_{login,registration,settings}_flows)
// has. So that one set of helpers serves all of them, each flow's statements
// name the key (id, nid) and the flow's own columns first, then these, always
// in this order:
//
//	type, state, request_url, return_to, issued_at, expires_at,
//	active_method, csrf_token_hash, ui, created_at, updated_at
//
// and an update sets state, active_method, ui, updated_at after its key.

// flowRow holds the columns every flow table has, for scanning.
type flowRow struct {
	typ, state, requestURL, returnTo, active, csrfHash string
	issued, expires, created, updated                  timeCol
	ui                                                 jsonCol
}

// dests are the scan destinations of the common columns, in order.
func (r *flowRow) dests() []any {
	return []any{&r.typ, &r.state, &r.requestURL, &r.returnTo, &r.issued, &r.expires,
		&r.active, &r.csrfHash, &r.ui, &r.created, &r.updated}
}

// scan reads a row of own columns followed by the common ones.
func (r *flowRow) scan(row *sql.Row, own ...any) error {
	return row.Scan(append(own, r.dests()...)...)
}

// base turns the row into the flow's common fields.
func (r *flowRow) base(b *flow.Base, id uuid.UUID) error {
	c, err := decodeUI(r.ui.Raw)
	if err != nil {
		return err
	}
	b.ID = id
	b.Type = flow.Type(r.typ)
	b.State = flow.State(r.state)
	b.RequestURL, b.ReturnTo, b.Active, b.CSRFTokenHash = r.requestURL, r.returnTo, r.active, r.csrfHash
	b.IssuedAt, b.ExpiresAt = r.issued.Time, r.expires.Time
	b.UI = c
	return nil
}

// encodeBase readies b for an insert: its ui column, and its times truncated
// to what the database keeps, so the flow answered now equals the flow
// fetched later.
func encodeBase(b *flow.Base) (string, error) {
	ui, err := encodeUI(b.UI)
	if err != nil {
		return "", err
	}
	b.IssuedAt, b.ExpiresAt = truncate(b.IssuedAt), truncate(b.ExpiresAt)
	return ui, nil
}

// insertArgs are the values of the common columns, in order, after key and
// own columns have been given.
func insertArgs(key []any, b *flow.Base, ui string, now time.Time) []any {
	return append(key, string(b.Type), string(b.State), b.RequestURL, b.ReturnTo, ts(b.IssuedAt), ts(b.ExpiresAt),
		b.Active, b.CSRFTokenHash, ui, ts(now), ts(now))
}

// updateArgs are the values of state, active_method, ui and updated_at,
// after the key.
func updateArgs(key []any, b *flow.Base, ui string, now time.Time) []any {
	return append(key, string(b.State), b.Active, ui, ts(now))
}

// execFlow runs one flow write in its own transaction; an update (one)
// must change exactly one row, else the flow is not found.
func (s *Store) execFlow(ctx context.Context, query string, one bool, args []any) error {
	return s.inTx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil || !one {
			return err
		}
		return expectOneRow(res)
	})
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
