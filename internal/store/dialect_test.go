package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/warden-id/warden/internal/apierr"
)

func TestMapErr(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int // 0: not an *apierr.Error
	}{
		{"no rows", sql.ErrNoRows, http.StatusNotFound},
		{"pg unique", &pgconn.PgError{Code: "23505"}, http.StatusConflict},
		{"pg connection failure", &pgconn.PgError{Code: "08006"}, http.StatusServiceUnavailable},
		{"pg shutting down", &pgconn.PgError{Code: "57P01"}, http.StatusServiceUnavailable},
		{"pg serialization", &pgconn.PgError{Code: "40001"}, http.StatusInternalServerError},
		{"pg syntax", &pgconn.PgError{Code: "42601"}, http.StatusInternalServerError},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, http.StatusServiceUnavailable},
		{"wrapped refused", fmt.Errorf("query: %w", syscall.ECONNREFUSED), http.StatusServiceUnavailable},
		{"bad conn", fmt.Errorf("x: %w", sql.ErrConnDone), http.StatusServiceUnavailable},
		{"deadline", context.DeadlineExceeded, http.StatusServiceUnavailable},
		{"closed pool", errors.New("sql: database is closed"), http.StatusServiceUnavailable},
		{"canceled", context.Canceled, 0},
		{"apierr passes", apierr.BadRequest("x"), http.StatusBadRequest},
		{"other", errors.New("boom"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mapErr("op", tt.err)
			e := apierr.As(got)
			switch {
			case tt.want == 0 && e != nil:
				t.Errorf("mapErr = %v (status %d), want a plain error", got, e.StatusCode())
			case tt.want != 0 && (e == nil || e.StatusCode() != tt.want):
				t.Errorf("mapErr = %v, want status %d", got, tt.want)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("mapErr lost the cause %v", tt.err)
			}
		})
	}
	if mapErr("op", nil) != nil {
		t.Error("mapErr(nil) != nil")
	}
}

// TestInTxRetries: a serialization failure re-runs the transaction; other
// errors and the last attempt's failure are returned.
func TestInTxRetries(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "memory", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	serialization := &pgconn.PgError{Code: "40001"}
	tests := []struct {
		name      string
		failures  int   // attempts that fail before one succeeds
		failWith  error // the failure
		wantRuns  int
		wantError bool
	}{
		{"success", 0, nil, 1, false},
		{"retried", 2, serialization, 3, false},
		{"gives up", 100, serialization, maxTxAttempts, true},
		{"not retryable", 100, errors.New("boom"), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := 0
			err := s.inTx(ctx, nil, func(tx *sql.Tx) error {
				runs++
				if runs <= tt.failures {
					return tt.failWith
				}
				return nil
			})
			if runs != tt.wantRuns || (err != nil) != tt.wantError {
				t.Errorf("runs = %d, err = %v; want %d runs, error %v", runs, err, tt.wantRuns, tt.wantError)
			}
		})
	}
}
