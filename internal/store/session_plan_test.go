package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// TestWhoamiQueryPlan: whoami's one statement reaches every row through an
// index on SQLite (no SCAN of a table), which is what keeps its cost flat
// from a thousand to a hundred thousand identities: the session by its
// token, the identity by its key, and each kind of address by
// (identity_id, nid).
func TestWhoamiQueryPlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "plan.sqlite"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	nid, id := s.NID(), uuid.New()
	whoami := s.whoamiSQL()
	checkPlans(t, s, map[string]planQuery{
		"whoami":    {whoami, []any{"hash", nid}, 2},
		"addresses": {selectAddresses("= $2"), []any{nid, id}, 2},
		"identity":  {selectIdentity, []any{nid, id}, 1},
		// Login's lookup.
		"identifier": {selectIdentityByIdentifier, []any{nid, id, "a@example.org"}, 2},
		// What migration 00007's triggers run on every address write.
		"packed addresses": {packedAddressesUpdate, []any{id, nid}, 4},
	})

	// With statistics (ANALYZE writes STAT4 samples) the plans must stay
	// index searches.
	for k := range 20 {
		i := &identity.Identity{SchemaID: "default", Traits: json.RawMessage(`{}`),
			VerifiableAddresses: []identity.VerifiableAddress{{Value: fmt.Sprintf("u%d@example.org", k), Via: identity.ViaEmail}},
			RecoveryAddresses:   []identity.RecoveryAddress{{Value: fmt.Sprintf("u%d@example.org", k), Via: identity.ViaEmail}}}
		if err := s.CreateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		sess := &session.Session{ID: uuid.New(), IdentityID: i.ID, Active: true, AAL: session.AAL1,
			IssuedAt: now, AuthenticatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateSession(ctx, sess, fmt.Sprintf("t%d", k), fmt.Sprintf("l%d", k)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	checkPlans(t, s, map[string]planQuery{
		"whoami after ANALYZE":    {whoami, []any{"t3", nid}, 2},
		"addresses after ANALYZE": {selectAddresses("= $2"), []any{nid, id}, 2},
	})
}

// packedAddressesUpdate is the statement of migration 00007's triggers.
const packedAddressesUpdate = `UPDATE identities SET packed_addresses = (SELECT p.packed FROM identity_packed_addresses p
	WHERE p.id = identities.id AND p.nid = identities.nid) WHERE id = $1 AND nid = $2`

type planQuery struct {
	sql      string
	args     []any
	searches int // index searches the plan must show, one per table read
}

func checkPlans(t *testing.T, s *Store, queries map[string]planQuery) {
	t.Helper()
	ctx := context.Background()
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			t.Logf("plan: %q", plan)
			searches := 0
			for _, d := range plan {
				if strings.HasPrefix(d, "SCAN ") {
					t.Errorf("full scan in plan: %q (plan: %q)", d, plan)
				}
				if strings.HasPrefix(d, "SEARCH ") {
					searches++
				}
			}
			if searches < q.searches {
				t.Errorf("plan %q: want an index search per table (%d)", plan, q.searches)
			}
		})
	}
}

// TestForeignKeysAreIndexed: every foreign key's columns lead some index
// of its table, so deleting or changing a parent row (an identity, a
// session, a credential) finds its children by a search, never by scanning
// the child table (SQLite's own `.lint fkey-indexes` rule). The keys to
// networks and identity_credential_types are exempt: those rows are written
// by migrations and never deleted while Warden runs.
func TestForeignKeysAreIndexed(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "fk.sqlite"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT m.name, f.id, f."table", group_concat(f."from", ',')
		FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' GROUP BY m.name, f.id ORDER BY m.name, f.id`)
	if err != nil {
		t.Fatal(err)
	}
	type fk struct{ table, parent, cols string }
	var fks []fk
	for rows.Next() {
		var k fk
		var id int
		if err := rows.Scan(&k.table, &id, &k.parent, &k.cols); err != nil {
			t.Fatal(err)
		}
		fks = append(fks, k)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	if len(fks) == 0 {
		t.Fatal("no foreign keys found")
	}
	for _, k := range fks {
		if k.parent == "networks" || k.parent == "identity_credential_types" {
			continue
		}
		cols := strings.Split(k.cols, ",")
		slices.Sort(cols)
		// Indexes of the table whose first len(cols) columns are cols, in
		// any order.
		var n int
		err := s.db.QueryRowContext(ctx, `
			SELECT count(*) FROM pragma_index_list($1) l
			WHERE (SELECT group_concat(name, ',') FROM (
				SELECT i.name FROM pragma_index_info(l.name) i WHERE i.seqno < $2 ORDER BY i.name)) = $3`,
			k.table, len(cols), strings.Join(cols, ",")).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%s (%s) → %s: no index leads with these columns", k.table, k.cols, k.parent)
		}
	}
}
