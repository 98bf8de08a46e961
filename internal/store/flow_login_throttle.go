package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/warden-id/warden/internal/flow/login"
)

var _ login.ThrottleStore = (*Store)(nil)

// Login throttling counters (table login_throttle, D18): one row per key
// and network with a fixed window that starts at its first failure.

// LoginFailures: see login.ThrottleStore. One indexed read, no write.
func (s *Store) LoginFailures(ctx context.Context, keys []string, now time.Time, window time.Duration) (map[string]int, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	since := ts(now.Add(-window))
	for _, k := range keys {
		var n int
		err := s.db.QueryRowContext(ctx, `SELECT attempts FROM login_throttle
			WHERE nid = $1 AND throttle_key = $2 AND window_started_at > $3`, nid, k, since).Scan(&n)
		switch {
		case err == nil:
			out[k] = n
		case errors.Is(err, sql.ErrNoRows):
		default:
			return nil, mapErr("read login throttle", err)
		}
	}
	return out, nil
}

// RecordLoginFailure: see login.ThrottleStore. The upsert is atomic, so
// concurrent failures are all counted.
func (s *Store) RecordLoginFailure(ctx context.Context, keys []string, now time.Time, window time.Duration) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	at, since := ts(now), ts(now.Add(-window))
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle
				(nid, throttle_key, attempts, window_started_at, created_at, updated_at)
				VALUES ($1, $2, 1, $3, $3, $3)
				ON CONFLICT (nid, throttle_key) DO UPDATE SET
					attempts = CASE WHEN login_throttle.window_started_at > $4 THEN login_throttle.attempts + 1 ELSE 1 END,
					window_started_at = CASE WHEN login_throttle.window_started_at > $4 THEN login_throttle.window_started_at ELSE excluded.window_started_at END,
					updated_at = excluded.updated_at`,
				nid, k, at, since); err != nil {
				return fmt.Errorf("upsert login throttle: %w", err)
			}
		}
		return nil
	})
	return mapErr("record login failure", err)
}

// ResetLoginFailures: see login.ThrottleStore.
func (s *Store) ResetLoginFailures(ctx context.Context, keys []string) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE nid = $1 AND throttle_key = $2`, nid, k); err != nil {
				return fmt.Errorf("reset login throttle: %w", err)
			}
		}
		return nil
	})
	return mapErr("reset login failures", err)
}
