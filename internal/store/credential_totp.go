package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
)

// RecordTOTPStep remembers that the TOTP credential credentialID of identity
// identityID accepted a code of time step step (Unix time / period). It
// reports true when step is later than every step this credential accepted
// before, and false, writing nothing, when that step or a later one was
// accepted already: a TOTP code is good once per step (issue 5, beyond
// Kratos), and a step older than an accepted one is never good again
// (RFC 6238 §5.2).
//
// The decision is one upsert that only moves the step forward, so of N
// parallel calls with the same step exactly one reports true on every
// engine: SQLite runs write transactions one at a time, and PostgreSQL's
// ON CONFLICT re-checks the WHERE against the committed row after waiting
// for a concurrent inserter. The credential need not be stored yet: linking
// a new device records its first step before the identity is saved. Steps
// of the identity's other (replaced) TOTP credentials are pruned in the same
// transaction.
func (s *Store) RecordTOTPStep(ctx context.Context, identityID, credentialID uuid.UUID, step int64) (bool, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return false, err
	}
	now := s.clock()
	var won bool
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO identity_credential_totp_steps
			(credential_id, nid, identity_id, step, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (credential_id) DO UPDATE SET step = excluded.step, updated_at = excluded.updated_at
			WHERE identity_credential_totp_steps.step < excluded.step
			AND identity_credential_totp_steps.identity_id = excluded.identity_id`,
			credentialID, nid, identityID, step, ts(now))
		if err != nil {
			return fmt.Errorf("record step: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("record step: %w", err)
		}
		won = n == 1
		if !won {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_credential_totp_steps
			WHERE identity_id = $1 AND nid = $2 AND credential_id <> $3`, identityID, nid, credentialID); err != nil {
			return fmt.Errorf("prune steps: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, mapErr("record totp step of identity "+identityID.String(), err)
	}
	return won, nil
}
