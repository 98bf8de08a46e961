// Package store is Warden's one SQL persistence layer, for SQLite
// (modernc.org/sqlite, no cgo) and PostgreSQL/CockroachDB (pgx via
// database/sql). It implements the Store interfaces declared by the packages
// that use them (identity, session, the flows, the credential methods)
// and owns the schema: goose migrations
// embedded from migrations/sqlite and migrations/postgres, with the same
// version numbers in both.
//
// Invariants:
//   - One query text per operation with $1…$N placeholders for both engines.
//     Engine differences live in the migrations (TEXT vs UUID/JSONB/
//     TIMESTAMPTZ), in dialect.go (which errors mean duplicate, retry or
//     unreachable), and in the one hot read that needs per-engine SQL:
//     whoami's session+identity+addresses statement (session_whoami.go),
//     which aggregates JSON with each engine's own functions.
//   - Every row carries the network id (nid); every query filters on it and
//     every insert sets it (foundation §12, decision D19). The network is the
//     oldest networks row, created on first use (EnsureNetwork).
//   - Errors are *apierr.Error: 404 for a missing row, 409 for a unique
//     violation, 503 when the database cannot be reached (the pool reconnects
//     by itself), 500 otherwise. Not-found is never nil, nil.
//   - Exported methods own their transaction; helpers take *sql.Tx. Writes
//     that belong together commit together or not at all. On SQLite, write
//     transactions are BEGIN IMMEDIATE and queue on an in-process gate; on
//     PostgreSQL a serialization failure re-runs the transaction.
//   - Times are stored in UTC with microsecond precision; on SQLite as
//     fixed-width RFC 3339 text so that text order is time order.
//   - Secrets are stored as hashes only (decision D16).
//
// Only the composition root (internal/app), the CLI and tests import this
// package. It imports the flow packages for their wire types, which pulls
// net/http into its dependencies; it never handles requests itself. Package storetest opens migrated
// stores for other packages' tests.
package store
