package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/warden-id/warden/internal/apierr"
)

// This file holds everything that differs between the engines at run time:
// which errors mean "duplicate", "try again" or "database unreachable".
// Query texts are shared; DDL differences live in the migrations.

// mapErr turns a driver error into the store's contract: a unique violation
// is 409, an unreachable database 503, a missing row 404, anything else 500.
// An error that already is an *apierr.Error passes through unchanged. op
// names the operation, e.g. "create identity", for the log.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if apierr.As(err) != nil {
		return err
	}
	wrapped := fmt.Errorf("store: %s: %w", op, err)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e := apierr.NotFound()
		e.Err = wrapped
		return e
	case isUniqueViolation(err):
		return apierr.Conflict(wrapped)
	case isUnavailable(err):
		return apierr.Unavailable(wrapped)
	case errors.Is(err, context.Canceled):
		// The client went away; nothing to map, keep the cause visible.
		return wrapped
	}
	return apierr.Internal(wrapped)
}

// isUniqueViolation: SQLite SQLITE_CONSTRAINT_UNIQUE (2067) and
// SQLITE_CONSTRAINT_PRIMARYKEY (1555) (modernc enables extended codes), and
// PostgreSQL/CockroachDB unique_violation (23505).
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isSerializationFailure reports whether a transaction should simply be run
// again: PostgreSQL serialization_failure / CockroachDB "restart transaction"
// (40001) and deadlock_detected (40P01).
func isSerializationFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// isUnavailable reports errors that mean "the database cannot be reached right
// now" rather than "this request is wrong": they become 503 so clients retry,
// and the pool reconnects by itself once the database is back.
func isUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection_exception class
			pe.Code == "53300", // too_many_connections
			pe.Code == "57P01", // admin_shutdown
			pe.Code == "57P02", // crash_shutdown
			pe.Code == "57P03": // cannot_connect_now (starting up, recovery)
			return true
		}
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
			return true
		}
		return false
	}
	// database/sql's "sql: database is closed" is an unexported error value.
	return strings.Contains(err.Error(), "sql: database is closed")
}
