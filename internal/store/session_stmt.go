package store

import (
	"context"
	"database/sql"
)

// prepared returns a prepared statement for query, preparing it once per
// store. database/sql then prepares it once per pooled connection. On
// SQLite, parsing and planning a statement costs more than running an
// indexed lookup (about 60 % of a whoami call), so the hot read paths use
// this. Only fixed query texts may be passed: the cache is never trimmed.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := s.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close() // another goroutine won the race; its statement serves
		return v.(*sql.Stmt), nil
	}
	return st, nil
}
