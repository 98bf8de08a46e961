package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// UseLookupSecret spends one lookup secret (backup recovery code) of the
// lookup_secret credential credentialID of identity identityID. codeHash is
// the secret's stored hash (D16); the store never sees the secret. It
// returns the time the secret counts as used (now, rounded to the second as
// Kratos rounds used_at) and true when this call spent it, or false,
// writing nothing, when it was spent before. A credential that does not
// exist (any more) is a 404: a code of replaced codes is no code.
//
// The decision is one INSERT … ON CONFLICT DO NOTHING on the key
// (credential, code hash), so of N parallel calls with the same secret
// exactly one reports true on every engine. Uses of the identity's earlier
// (replaced) lookup credentials are pruned in the same transaction.
func (s *Store) UseLookupSecret(ctx context.Context, identityID, credentialID uuid.UUID, codeHash string) (time.Time, bool, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	if codeHash == "" {
		return time.Time{}, false, mapErr("use lookup secret", errors.New("empty code hash"))
	}
	now := s.now().UTC().Round(time.Second)
	var won bool
	err = s.inTx(ctx, nil, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM identity_credentials
			WHERE id = $1 AND nid = $2 AND identity_id = $3`, credentialID, nid, identityID).Scan(&one); err != nil {
			return fmt.Errorf("find credential: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO identity_credential_lookup_uses
			(credential_id, code_hash, nid, identity_id, used_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (credential_id, code_hash) DO NOTHING`,
			credentialID, codeHash, nid, identityID, ts(now))
		if err != nil {
			return fmt.Errorf("insert use: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("insert use: %w", err)
		}
		won = n == 1
		if !won {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_credential_lookup_uses
			WHERE identity_id = $1 AND nid = $2 AND credential_id <> $3`, identityID, nid, credentialID); err != nil {
			return fmt.Errorf("prune uses: %w", err)
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, mapErr("use lookup secret of identity "+identityID.String(), err)
	}
	return now, won, nil
}

// LookupSecretUses returns, by code hash, when each spent secret of the
// lookup_secret credential credentialID of identity identityID was used.
// A credential without spent secrets (or unknown) has none.
func (s *Store) LookupSecretUses(ctx context.Context, identityID, credentialID uuid.UUID) (map[string]time.Time, error) {
	nid, err := s.network(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT code_hash, used_at FROM identity_credential_lookup_uses
		WHERE credential_id = $1 AND nid = $2 AND identity_id = $3`, credentialID, nid, identityID)
	if err != nil {
		return nil, mapErr("list lookup secret uses", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var (
			h    string
			used timeCol
		)
		if err := rows.Scan(&h, &used); err != nil {
			return nil, mapErr("list lookup secret uses", err)
		}
		out[h] = used.Time
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr("list lookup secret uses", err)
	}
	return out, nil
}
