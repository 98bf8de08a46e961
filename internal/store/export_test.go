package store

import (
	"database/sql"

	"github.com/google/uuid"
)

// Test hooks, compiled only into this package's tests.

// DB exposes the pool for tests that write rows the API cannot (a second
// network, a broken row).
func DB(s *Store) *sql.DB { return s.db }

// SetNID makes s work in another network, for isolation tests.
func SetNID(s *Store, nid uuid.UUID) { s.nid.Store(&nid) }
