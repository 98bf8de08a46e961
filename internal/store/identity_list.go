package store

import (
	"context"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
)

// Page sizes. Kratos v0.10.1 defaults per_page to 250 and caps it at 1000;
// the store applies the same bounds so that no caller can ask it to load an
// unbounded page.
const (
	defaultPageSize = 250
	maxPageSize     = 1000
)

// ListIdentities returns one page of identities (addresses, no credentials).
//
// Offset mode (v0.10.1 page/per_page) orders by id DESC, as Kratos does, and
// reports the network's total. Keyset mode (v1 page_size/page_token) orders
// by id ASC starting after PageToken; NextToken is the last id of the page,
// or zero when no identity follows it.
func (s *Store) ListIdentities(ctx context.Context, p identity.ListParams) (identity.ListResult, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return identity.ListResult{}, err
	}
	var res identity.ListResult
	if p.Keyset {
		res, err = s.listKeyset(ctx, nid, p)
	} else {
		res, err = s.listOffset(ctx, nid, p)
	}
	if err != nil {
		return identity.ListResult{}, mapErr("list identities", err)
	}
	return res, nil
}

func pageSize(n int) int {
	switch {
	case n <= 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return n
}

func (s *Store) listOffset(ctx context.Context, nid uuid.UUID, p identity.ListParams) (identity.ListResult, error) {
	size, page := pageSize(p.PerPage), max(p.Page, 1)
	var res identity.ListResult
	if err := s.db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM identities WHERE nid = $1`, nid).Scan(&res.Total); err != nil {
		return res, err
	}
	ids, err := s.queryIdentities(ctx, nid, `SELECT `+identityCols+` FROM identities
		WHERE nid = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`, nid, size, (page-1)*size)
	if err != nil {
		return res, err
	}
	res.Identities = ids
	return res, nil
}

func (s *Store) listKeyset(ctx context.Context, nid uuid.UUID, p identity.ListParams) (identity.ListResult, error) {
	size := pageSize(p.PageSize)
	// One row more than asked tells whether another page follows.
	ids, err := s.queryIdentities(ctx, nid, `SELECT `+identityCols+` FROM identities
		WHERE nid = $1 AND id > $2 ORDER BY id ASC LIMIT $3`, nid, p.PageToken, size+1)
	if err != nil {
		return identity.ListResult{}, err
	}
	var res identity.ListResult
	if len(ids) > size {
		ids = ids[:size]
		res.NextToken = ids[size-1].ID
	}
	res.Identities = ids
	return res, nil
}

// queryIdentities runs a page query and loads the page's addresses with one
// query per address kind over the page's id range.
func (s *Store) queryIdentities(ctx context.Context, nid uuid.UUID, query string, args ...any) ([]identity.Identity, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := []identity.Identity{}
	for rows.Next() {
		i, err := scanIdentity(rows)
		if err != nil {
			return nil, err
		}
		page = append(page, i)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page) == 0 {
		return page, nil
	}
	lo, hi := page[0].ID, page[len(page)-1].ID
	if string(lo[:]) > string(hi[:]) { // id DESC pages
		lo, hi = hi, lo
	}
	if err := s.loadAddresses(ctx, nid, page, lo, hi); err != nil {
		return nil, err
	}
	return page, nil
}
