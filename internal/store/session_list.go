package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/session"
)

// Session lists are newest first (created_at DESC, then id), the order v1
// pages in: an identity's sessions through (identity_id, nid), all of a
// network's through (nid, created_at DESC, id), so the keyset condition
// continues an index range rather than sorting.

// ListIdentitySessions: see session.Store.
func (s *Store) ListIdentitySessions(ctx context.Context, identityID uuid.UUID, p session.ListParams) ([]session.Session, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + sessionJoinCols + sessionJoin + `WHERE s.identity_id = $1 AND s.nid = $2`
	args := []any{identityID, nid}
	if p.Active != nil {
		args = append(args, *p.Active)
		q += ` AND s.active = $` + strconv.Itoa(len(args))
	}
	if p.Except != uuid.Nil {
		args = append(args, p.Except)
		q += ` AND s.id <> $` + strconv.Itoa(len(args))
	}
	perPage := max(p.PerPage, 1)
	args = append(args, perPage, (max(p.Page, 1)-1)*perPage)
	q += fmt.Sprintf(` ORDER BY s.created_at DESC, s.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	out, err := s.querySessions(ctx, nid, q, args, true)
	if err != nil {
		return nil, mapErr("list sessions of identity "+identityID.String(), err)
	}
	return out, nil
}

// ListSessions: see session.Store.
func (s *Store) ListSessions(ctx context.Context, p session.KeysetParams) (session.KeysetPage, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return session.KeysetPage{}, err
	}
	size := max(p.PageSize, 1)
	q := `SELECT ` + sessionJoinCols + sessionJoin + `WHERE s.nid = $1`
	args := []any{nid}
	if p.Active != nil {
		args = append(args, *p.Active)
		q += ` AND s.active = $` + strconv.Itoa(len(args))
	}
	if p.After != nil {
		args = append(args, ts(p.After.CreatedAt), p.After.ID)
		c, id := len(args)-1, len(args)
		q += fmt.Sprintf(` AND (s.created_at < $%d OR (s.created_at = $%d AND s.id > $%d))`, c, c, id)
	}
	// One row more than the page tells whether there is a next page.
	args = append(args, size+1)
	q += ` ORDER BY s.created_at DESC, s.id LIMIT $` + strconv.Itoa(len(args))
	list, err := s.querySessions(ctx, nid, q, args, p.WithIdentity)
	if err != nil {
		return session.KeysetPage{}, mapErr("list sessions", err)
	}
	page := session.KeysetPage{Sessions: list}
	if len(list) > size {
		page.Sessions = list[:size]
		last := list[size-1]
		page.Next = &session.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return page, nil
}

func (s *Store) querySessions(ctx context.Context, nid uuid.UUID, q string, args []any, withIdentity bool) ([]session.Session, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var ptrs []*session.Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			_ = rows.Close() // the scan error is the one to report
			return nil, err
		}
		ptrs = append(ptrs, sess)
	}
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	// The rows are closed before the next queries: with a pool of one
	// connection (SQLite memory DSNs) they would otherwise wait forever.
	if err := s.completeSessions(ctx, nid, ptrs, withIdentity, true); err != nil {
		return nil, err
	}
	out := make([]session.Session, len(ptrs))
	for k, p := range ptrs {
		out[k] = *p
	}
	return out, nil
}
