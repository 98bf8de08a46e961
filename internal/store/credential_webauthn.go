package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// UseWebAuthnChallenge records that the WebAuthn challenge whose SHA-256 is
// challengeHash was answered by a successful ceremony (issue 5, beyond
// Kratos). It reports true when this call recorded it, and false, writing
// nothing, when it was recorded before: a challenge is answered once, so a
// replayed assertion never signs in twice. The decision is one INSERT … ON
// CONFLICT DO NOTHING, so of N parallel calls with one challenge exactly
// one reports true on every engine. expiresAt is when the challenge stops
// mattering (its flow's expiry); rows past it are pruned in the same
// transaction.
func (s *Store) UseWebAuthnChallenge(ctx context.Context, challengeHash string, expiresAt time.Time) (bool, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return false, err
	}
	if challengeHash == "" {
		return false, mapErr("use webauthn challenge", errors.New("empty challenge hash"))
	}
	now := s.clock()
	var won bool
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO webauthn_used_challenges (challenge_hash, nid, expires_at, created_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (challenge_hash) DO NOTHING`,
			challengeHash, nid, ts(expiresAt), ts(now))
		if err != nil {
			return fmt.Errorf("insert challenge: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("insert challenge: %w", err)
		}
		won = n == 1
		if !won {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webauthn_used_challenges WHERE nid = $1 AND expires_at < $2`,
			nid, ts(now)); err != nil {
			return fmt.Errorf("prune challenges: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, mapErr("use webauthn challenge", err)
	}
	return won, nil
}

// EditWebAuthnConfig rewrites, in place, the config of identityID's
// webauthn credential: edit gets the stored config and returns the config
// to store, or write=false to leave it. The credential keeps its id,
// identifiers and created_at (a login that moves a security key's
// signature counter is not a credential change).
//
// It runs in one transaction that, on PostgreSQL, first locks the identity
// row as CommitSettings does (SQLite's writes are serial already), so a
// counter update and a settings update of the same identity run one after
// the other and neither is lost; edit sees the config as stored at that
// moment. edit must be safe to run again (the transaction may be retried).
// An identity without a webauthn credential is a 404; an error of edit is
// returned unchanged and nothing is written.
func (s *Store) EditWebAuthnConfig(ctx context.Context, identityID uuid.UUID, edit func(config []byte) (next []byte, write bool, err error)) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		if s.dialect == DialectPostgres {
			var got uuid.UUID
			if err := tx.QueryRowContext(ctx, sqlLockIdentity, nid, identityID).Scan(&got); err != nil {
				return fmt.Errorf("lock identity: %w", err)
			}
		}
		var (
			credID uuid.UUID
			cfg    jsonCol
		)
		if err := tx.QueryRowContext(ctx, `SELECT ic.id, ic.config FROM identity_credentials ic
			JOIN identity_credential_types ict ON ict.id = ic.identity_credential_type_id
			WHERE ic.nid = $1 AND ic.identity_id = $2 AND ict.name = 'webauthn'`, nid, identityID).Scan(&credID, &cfg); err != nil {
			return fmt.Errorf("load webauthn credential: %w", err)
		}
		next, write, err := edit(cfg.Raw)
		if err != nil {
			return errApply{err}
		}
		if !write {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_credentials SET config = $3, updated_at = $4
			WHERE nid = $1 AND id = $2`, nid, credID, string(next), ts(s.clock())); err != nil {
			return fmt.Errorf("update webauthn credential: %w", err)
		}
		return nil
	})
	var ae errApply
	if errors.As(err, &ae) {
		return ae.err
	}
	if err != nil {
		return mapErr("edit webauthn credential of identity "+identityID.String(), err)
	}
	return nil
}
