package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/session"
)

// TestPackedAddressesBackfill: identities written before migration 00007
// get their packed addresses from the migration, so whoami reads them
// after an upgrade as before it.
func TestPackedAddressesBackfill(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "upgrade.sqlite"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	p, err := s.provider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureNetwork(ctx); err != nil {
		t.Fatal(err)
	}
	nid, id := s.NID(), uuid.New()
	const at = "2026-03-04T05:06:07.000000Z"
	for _, q := range []string{
		`INSERT INTO identities (id, nid, schema_id, traits, state, created_at, updated_at, available_aal)
			VALUES ($1, $2, 'default', '{}', 'active', $3, $3, 'aal1')`,
		`INSERT INTO identity_verifiable_addresses (id, nid, identity_id, via, value, verified, status, created_at, updated_at)
			VALUES ('` + uuid.NewString() + `', $2, $1, 'email', 'old@example.org', 1, 'completed', $3, $3)`,
		`INSERT INTO identity_recovery_addresses (id, nid, identity_id, via, value, created_at, updated_at)
			VALUES ('` + uuid.NewString() + `', $2, $1, 'email', 'old@example.org', $3, $3)`,
	} {
		if _, err := s.db.ExecContext(ctx, q, id, nid, at); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	sess := &session.Session{ID: uuid.New(), IdentityID: id, Active: true, AAL: session.AAL1,
		IssuedAt: now, AuthenticatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess, "upgrade-token", "upgrade-logout"); err != nil {
		t.Fatal(err)
	}

	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindSessionByTokenHash(ctx, "upgrade-token")
	if err != nil {
		t.Fatal(err)
	}
	v, r := got.Identity.VerifiableAddresses, got.Identity.RecoveryAddresses
	if len(v) != 1 || v[0].Value != "old@example.org" || !v[0].Verified || len(r) != 1 || r[0].Value != "old@example.org" {
		t.Errorf("after the upgrade whoami reads addresses %+v / %+v", v, r)
	}
}
