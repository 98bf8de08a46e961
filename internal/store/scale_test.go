package store_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

const scaleN = 100_000

// seedSQL fills the identity tables with scaleN identities in a few
// statements (row k: identifier userK@example.org, one address of each
// kind). The API would take minutes; what is measured here is lookups.
var seedSQL = map[string][]string{
	store.DialectSQLite: {
		`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM n WHERE k < %[1]d)
		 INSERT INTO identities (id, nid, schema_id, traits, state, created_at, updated_at)
		 SELECT printf('%%08x-0000-4000-8000-%%012x', k, k), $1, 'default', '{"email":"user' || k || '@example.org"}', 'active', $2, $2 FROM n`,
		`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM n WHERE k < %[1]d)
		 INSERT INTO identity_credentials (id, nid, identity_id, identity_credential_type_id, config, version, created_at, updated_at)
		 SELECT printf('%%08x-0001-4000-8000-%%012x', k, k), $1, printf('%%08x-0000-4000-8000-%%012x', k, k),
		        (SELECT id FROM identity_credential_types WHERE name = 'password'), '{}', 0, $2, $2 FROM n`,
		`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM n WHERE k < %[1]d)
		 INSERT INTO identity_credential_identifiers (id, nid, identity_credential_id, identity_credential_type_id, identifier, created_at, updated_at)
		 SELECT printf('%%08x-0002-4000-8000-%%012x', k, k), $1, printf('%%08x-0001-4000-8000-%%012x', k, k),
		        (SELECT id FROM identity_credential_types WHERE name = 'password'), 'user' || k || '@example.org', $2, $2 FROM n`,
		`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM n WHERE k < %[1]d)
		 INSERT INTO identity_verifiable_addresses (id, nid, identity_id, via, value, verified, status, created_at, updated_at)
		 SELECT printf('%%08x-0003-4000-8000-%%012x', k, k), $1, printf('%%08x-0000-4000-8000-%%012x', k, k),
		        'email', 'user' || k || '@example.org', 0, 'pending', $2, $2 FROM n`,
		`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM n WHERE k < %[1]d)
		 INSERT INTO identity_recovery_addresses (id, nid, identity_id, via, value, created_at, updated_at)
		 SELECT printf('%%08x-0004-4000-8000-%%012x', k, k), $1, printf('%%08x-0000-4000-8000-%%012x', k, k),
		        'email', 'user' || k || '@example.org', $2, $2 FROM n`,
	},
	store.DialectPostgres: {
		`INSERT INTO identities (id, nid, schema_id, traits, state, created_at, updated_at)
		 SELECT (lpad(to_hex(k), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, $1, 'default',
		        ('{"email":"user' || k || '@example.org"}')::jsonb, 'active', $2, $2 FROM generate_series(1, %[1]d) AS k`,
		`INSERT INTO identity_credentials (id, nid, identity_id, identity_credential_type_id, config, version, created_at, updated_at)
		 SELECT (lpad(to_hex(k), 8, '0') || '-0001-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, $1,
		        (lpad(to_hex(k), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid,
		        (SELECT id FROM identity_credential_types WHERE name = 'password'), '{}', 0, $2, $2 FROM generate_series(1, %[1]d) AS k`,
		`INSERT INTO identity_credential_identifiers (id, nid, identity_credential_id, identity_credential_type_id, identifier, created_at, updated_at)
		 SELECT (lpad(to_hex(k), 8, '0') || '-0002-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, $1,
		        (lpad(to_hex(k), 8, '0') || '-0001-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid,
		        (SELECT id FROM identity_credential_types WHERE name = 'password'), 'user' || k || '@example.org', $2, $2 FROM generate_series(1, %[1]d) AS k`,
		`INSERT INTO identity_verifiable_addresses (id, nid, identity_id, via, value, verified, status, created_at, updated_at)
		 SELECT (lpad(to_hex(k), 8, '0') || '-0003-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, $1,
		        (lpad(to_hex(k), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid,
		        'email', 'user' || k || '@example.org', false, 'pending', $2, $2 FROM generate_series(1, %[1]d) AS k`,
		`INSERT INTO identity_recovery_addresses (id, nid, identity_id, via, value, created_at, updated_at)
		 SELECT (lpad(to_hex(k), 8, '0') || '-0004-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, $1,
		        (lpad(to_hex(k), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid,
		        'email', 'user' || k || '@example.org', $2, $2 FROM generate_series(1, %[1]d) AS k`,
	},
}

func seededID(k int) uuid.UUID {
	return uuid.MustParse(fmt.Sprintf("%08x-0000-4000-8000-%012x", k, k))
}

// TestScale: with 100k identities every hot-path call still gives the right
// answer, and its time is logged (go test -v -run TestScale). Tests assert
// no times: that a call cannot scan a table is asserted structurally, by
// the plan tests (TestWhoamiQueryPlan) and TestForeignKeysAreIndexed.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100k identities")
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
		began := time.Now()
		for _, q := range seedSQL[s.Dialect()] {
			if _, err := store.DB(s).ExecContext(ctx, fmt.Sprintf(q, scaleN), s.NID(), now); err != nil {
				t.Fatalf("seed: %v", err)
			}
		}
		// No ANALYZE: a fresh database has no statistics, and the plans must
		// be right without them.
		t.Logf("seeded %d identities in %v", scaleN, time.Since(began))

		k := 0
		ops := []struct {
			name string
			op   func() error
		}{
			{"find by identifier", func() error {
				k++
				i, err := s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, fmt.Sprintf("user%d@example.org", 1000+k))
				if err == nil && i.ID != seededID(1000+k) {
					return fmt.Errorf("found %s", i.ID)
				}
				return err
			}},
			{"find by id", func() error {
				k++
				_, err := s.FindIdentityByID(ctx, seededID(2000+k), true)
				return err
			}},
			{"keyset page", func() error {
				k++
				res, err := s.ListIdentities(ctx, identity.ListParams{Keyset: true, PageSize: 50, PageToken: seededID(50_000 + k)})
				if err == nil && (len(res.Identities) != 50 || len(res.Identities[49].VerifiableAddresses) != 1) {
					return fmt.Errorf("page of %d", len(res.Identities))
				}
				return err
			}},
			{"update", func() error {
				k++
				i, err := s.FindIdentityByID(ctx, seededID(3000+k), true)
				if err != nil {
					return err
				}
				i.VerifiableAddresses = append(i.VerifiableAddresses, identity.VerifiableAddress{Value: fmt.Sprintf("second%d@example.org", k), Via: identity.ViaEmail})
				return s.UpdateIdentity(ctx, i)
			}},
			{"delete", func() error { k++; return s.DeleteIdentity(ctx, seededID(4000+k)) }},
			{"create", func() error {
				k++
				return s.CreateIdentity(ctx, person{email: fmt.Sprintf("new%d@example.org", k)}.identity())
			}},
			{"duplicate create", func() error {
				k++
				err := s.CreateIdentity(ctx, person{email: fmt.Sprintf("user%d@example.org", 5000+k)}.identity())
				if err == nil || !isStatus(err, http.StatusConflict) {
					return fmt.Errorf("want 409, got %v", err)
				}
				return nil
			}},
		}
		// Offset pages count the network's identities, as Kratos does: linear
		// in the table, so only reported.
		began = time.Now()
		res, err := s.ListIdentities(ctx, identity.ListParams{Page: 10, PerPage: 100})
		if err != nil || res.Total != scaleN || len(res.Identities) != 100 {
			t.Fatalf("offset page: %d of %d, %v", len(res.Identities), res.Total, err)
		}
		t.Logf("%-20s %v", "offset page 10", time.Since(began))

		const rounds = 20
		for _, o := range ops {
			began := time.Now()
			for range rounds {
				if err := o.op(); err != nil {
					t.Fatalf("%s: %v", o.name, err)
				}
			}
			t.Logf("%-20s %v", o.name, time.Since(began)/rounds)
		}
	})
}
