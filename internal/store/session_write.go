package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/session"
)

// Session writes. Revocation only flips `active` (rows stay, so a repeated
// logout still matches, foundation §4.2); only the admin's identity-wide
// delete removes rows. Every write goes through inTx: on SQLite that queues
// it behind the process's write gate instead of SQLite's busy handler.

// CreateSession: see session.Store.
func (s *Store) CreateSession(ctx context.Context, sess *session.Session, tokenHash, logoutTokenHash string) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	amr, err := encodeAMR(sess)
	if err != nil {
		return err
	}
	now := s.clock()
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions
			(id, nid, identity_id, token_hash, logout_token_hash, active, aal, authentication_methods,
			 issued_at, expires_at, authenticated_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			sess.ID, nid, sess.IdentityID, tokenHash, logoutTokenHash, sess.Active, string(sess.AAL), amr,
			ts(sess.IssuedAt), ts(sess.ExpiresAt), ts(sess.AuthenticatedAt), ts(now), ts(now))
		return err
	})
	if err != nil {
		return mapErr("create session "+sess.ID.String(), err)
	}
	sess.CreatedAt = now
	return nil
}

// UpdateSession: see session.Store.
func (s *Store) UpdateSession(ctx context.Context, sess *session.Session) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	amr, err := encodeAMR(sess)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		return execSessionRow(ctx, tx, `UPDATE sessions SET active = $3, aal = $4, authentication_methods = $5,
			issued_at = $6, expires_at = $7, authenticated_at = $8, updated_at = $9
			WHERE id = $1 AND nid = $2`,
			sess.ID, nid, sess.Active, string(sess.AAL), amr,
			ts(sess.IssuedAt), ts(sess.ExpiresAt), ts(sess.AuthenticatedAt), ts(s.clock()))
	})
	return mapErr("update session "+sess.ID.String(), err)
}

func encodeAMR(sess *session.Session) (string, error) {
	amr := sess.AMR
	if amr == nil {
		amr = []session.AuthenticationMethod{}
	}
	b, err := json.Marshal(amr)
	if err != nil {
		return "", apierr.Internal(fmt.Errorf("store: session %s: encode authentication_methods: %w", sess.ID, err))
	}
	return string(b), nil
}

// RevokeOtherSessions: see session.Store.
func (s *Store) RevokeOtherSessions(ctx context.Context, identityID, keep uuid.UUID) (int64, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET active = false, updated_at = $4
			WHERE identity_id = $1 AND nid = $2 AND id <> $3 AND active = true`,
			identityID, nid, keep, ts(s.clock()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, mapErr("revoke other sessions of identity "+identityID.String(), err)
	}
	return n, nil
}

// RevokeSession: see session.Store.
func (s *Store) RevokeSession(ctx context.Context, identityID, id uuid.UUID) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET active = false, updated_at = $4
			WHERE id = $1 AND identity_id = $2 AND nid = $3`, id, identityID, nid, ts(s.clock()))
		return err
	})
	return mapErr("revoke session "+id.String(), err)
}

// RevokeSessionByTokenHash: see session.Store.
func (s *Store) RevokeSessionByTokenHash(ctx context.Context, tokenHash string) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		return execSessionRow(ctx, tx, `UPDATE sessions SET active = false, updated_at = $3
			WHERE token_hash = $1 AND nid = $2`, tokenHash, nid, ts(s.clock()))
	})
	return mapErr("revoke session by token", err)
}

// DeactivateSession: see session.Store.
func (s *Store) DeactivateSession(ctx context.Context, id uuid.UUID) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		return execSessionRow(ctx, tx, `UPDATE sessions SET active = false, updated_at = $3
			WHERE id = $1 AND nid = $2`, id, nid, ts(s.clock()))
	})
	return mapErr("deactivate session "+id.String(), err)
}

// DeleteIdentitySessions: see session.Store.
func (s *Store) DeleteIdentitySessions(ctx context.Context, identityID uuid.UUID) error {
	nid, err := s.network(ctx)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		return execSessionRow(ctx, tx, `DELETE FROM sessions WHERE identity_id = $1 AND nid = $2`, identityID, nid)
	})
	return mapErr("delete sessions of identity "+identityID.String(), err)
}

// execSessionRow runs a statement that must change at least one row; none is
// sql.ErrNoRows (a 404 after mapErr).
func execSessionRow(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
