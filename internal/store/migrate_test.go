package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

// migrationNames lists the migration files of one dialect directory.
func migrationNames(t *testing.T, dialect string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestMigrationVersionsMatch: both dialects have the same migrations, so a
// version number means the same schema everywhere.
func TestMigrationVersionsMatch(t *testing.T) {
	lite, pg := migrationNames(t, "sqlite"), migrationNames(t, "postgres")
	if len(lite) == 0 {
		t.Fatal("no migrations")
	}
	if !slices.Equal(lite, pg) {
		t.Fatalf("migration files differ:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
	for k, name := range lite {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil || v != k+1 {
			t.Errorf("%s: versions must be 00001, 00002, … without gaps", name)
		}
	}
}

func TestMigrate(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run("database="+d, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenEmpty(t, d)
			total := len(migrationNames(t, "sqlite"))

			var nr *store.NotReadyError
			if err := s.Ready(ctx); !errors.As(err, &nr) || nr.Check != "migrations" {
				t.Fatalf("Ready before migrate = %v, want a migrations NotReadyError", err)
			}
			applied, pending, err := s.MigrationStatus(ctx)
			if err != nil || applied != 0 || pending != total {
				t.Fatalf("status before = %d applied, %d pending, %v; want 0, %d", applied, pending, err, total)
			}
			plan, err := s.MigrationPlan(ctx)
			if err != nil || !slices.Equal(plan, migrationNames(t, "sqlite")) {
				t.Fatalf("plan = %v, %v; want every migration", plan, err)
			}

			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			nid := s.NID()
			if err := s.Ready(ctx); err != nil {
				t.Errorf("Ready after migrate: %v", err)
			}
			applied, pending, err = s.MigrationStatus(ctx)
			if err != nil || applied != total || pending != 0 {
				t.Errorf("status after = %d applied, %d pending, %v; want %d, 0", applied, pending, err, total)
			}
			if plan, err := s.MigrationPlan(ctx); err != nil || len(plan) != 0 {
				t.Errorf("plan after = %v, %v; want empty", plan, err)
			}

			// Idempotent: again on the same store, and from a new process.
			if err := s.Migrate(ctx); err != nil {
				t.Errorf("second Migrate: %v", err)
			}
			var networks int
			if err := store.DB(s).QueryRowContext(ctx, `SELECT COUNT(*) FROM networks`).Scan(&networks); err != nil || networks != 1 {
				t.Errorf("networks rows = %d, %v; want 1", networks, err)
			}
			if s.NID() != nid {
				t.Errorf("NID changed from %s to %s", nid, s.NID())
			}
			var types []string
			rows, err := store.DB(s).QueryContext(ctx, `SELECT name FROM identity_credential_types ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				types = append(types, n)
			}
			if want := []string{"code", "lookup_secret", "oidc", "passkey", "password", "totp", "webauthn"}; !slices.Equal(types, want) {
				t.Errorf("credential types = %v, want %v", types, want)
			}
		})
	}
}

// TestMigrateTwoStores: a second store on a migrated database finds
// nothing to do and the same network.
func TestMigrateTwoStores(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run("database="+d, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.NewDSN(t, d)
			a, b := storetest.OpenDSN(t, dsn), storetest.OpenDSN(t, dsn)
			if err := a.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := b.Ready(ctx); err != nil {
				t.Errorf("second store not ready: %v", err)
			}
			if err := b.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if a.NID() != b.NID() {
				t.Errorf("stores on one database disagree on the network: %s vs %s", a.NID(), b.NID())
			}
		})
	}
}

// TestEnsureNetworkConcurrent: processes starting together agree on one
// network (SERIALIZABLE on PostgreSQL, immediate transactions on SQLite).
func TestEnsureNetworkConcurrent(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run("database="+d, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.NewDSN(t, d)
			m := storetest.OpenDSN(t, dsn)
			if err := m.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := store.DB(m).ExecContext(ctx, `DELETE FROM networks`); err != nil {
				t.Fatal(err)
			}
			const n = 6
			stores := make([]*store.Store, n)
			for k := range stores {
				stores[k] = storetest.OpenDSN(t, dsn)
			}
			errs := make(chan error, n)
			for _, s := range stores {
				go func() { errs <- s.EnsureNetwork(ctx) }()
			}
			for range n {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range stores[1:] {
				if s.NID() != stores[0].NID() {
					t.Errorf("network %s != %s", s.NID(), stores[0].NID())
				}
			}
			var rows int
			if err := store.DB(m).QueryRowContext(ctx, `SELECT COUNT(*) FROM networks`).Scan(&rows); err != nil || rows != 1 {
				t.Errorf("networks rows = %d, %v; want 1", rows, err)
			}
		})
	}
}
