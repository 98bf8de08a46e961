package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"
)

// NID is the network id every query filters on; the zero UUID until
// EnsureNetwork (or Migrate, or the first store call) has run.
func (s *Store) NID() uuid.UUID {
	if p := s.nid.Load(); p != nil {
		return *p
	}
	return uuid.Nil
}

// EnsureNetwork picks the process's network as Kratos does (foundation §12):
// the oldest `networks` row, created when there is none. It is idempotent and
// safe to run from several processes at once: on PostgreSQL the check and the
// insert run SERIALIZABLE (a racing second insert fails and is retried, then
// sees the first), on SQLite the immediate transaction is exclusive.
func (s *Store) EnsureNetwork(ctx context.Context) error {
	_, err := s.network(ctx)
	return err
}

// network returns the cached network id, looking it up (once successfully)
// when needed. Every store method starts here, so a caller that forgot
// EnsureNetwork still filters by the right nid.
func (s *Store) network(ctx context.Context) (uuid.UUID, error) {
	if p := s.nid.Load(); p != nil {
		return *p, nil
	}
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if p := s.nid.Load(); p != nil {
		return *p, nil
	}
	var nid uuid.UUID
	err := s.inTx(ctx, s.serializable(), func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`SELECT id FROM networks ORDER BY created_at ASC, id ASC LIMIT 1`).Scan(&nid)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		nid = uuid.New()
		now := ts(s.clock())
		_, err = tx.ExecContext(ctx,
			`INSERT INTO networks (id, created_at, updated_at) VALUES ($1, $2, $3)`, nid, now, now)
		return err
	})
	if err != nil {
		return uuid.Nil, mapErr("ensure network", err)
	}
	s.nid.Store(&nid)
	return nid, nil
}
