package store_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

func createMany(t *testing.T, s *store.Store, n int, prefix string) []uuid.UUID {
	t.Helper()
	ids := make([]uuid.UUID, 0, n)
	for k := range n {
		i := mustCreate(t, s, person{email: fmt.Sprintf("%s%02d@example.org", prefix, k)}.identity())
		ids = append(ids, i.ID)
	}
	return ids
}

func sortedIDs(ids []uuid.UUID, desc bool) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	if desc {
		slices.Reverse(out)
	}
	return out
}

func idsOf(is []identity.Identity) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(is))
	for _, i := range is {
		out = append(out, i.ID)
	}
	return out
}

func TestListIdentitiesOffset(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		all := sortedIDs(createMany(t, s, 7, "offset"), true)
		tests := []struct {
			page, perPage int
			want          []uuid.UUID
		}{
			{1, 3, all[0:3]},
			{2, 3, all[3:6]},
			{3, 3, all[6:7]},
			{4, 3, nil},
			{0, 3, all[0:3]}, // page < 1 means 1
			{1, 0, all},      // default page size
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("page=%d,per_page=%d", tt.page, tt.perPage), func(t *testing.T) {
				res, err := s.ListIdentities(ctx, identity.ListParams{Page: tt.page, PerPage: tt.perPage})
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != 7 {
					t.Errorf("Total = %d, want 7", res.Total)
				}
				if got := idsOf(res.Identities); !slices.Equal(got, tt.want) {
					t.Errorf("ids = %v, want %v (id DESC)", got, tt.want)
				}
				for _, i := range res.Identities {
					if len(i.VerifiableAddresses) != 1 || len(i.RecoveryAddresses) != 1 || i.Credentials != nil {
						t.Errorf("identity %s: %d verifiable, %d recovery addresses, credentials %v",
							i.ID, len(i.VerifiableAddresses), len(i.RecoveryAddresses), i.Credentials)
					}
				}
			})
		}
	})
}

func TestListIdentitiesKeyset(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		all := sortedIDs(createMany(t, s, 7, "keyset"), false)
		var got []uuid.UUID
		token := uuid.Nil
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("keyset paging does not end")
			}
			res, err := s.ListIdentities(ctx, identity.ListParams{Keyset: true, PageSize: 3, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 0 {
				t.Errorf("keyset Total = %d, want 0", res.Total)
			}
			for _, i := range res.Identities {
				if len(i.VerifiableAddresses) != 1 {
					t.Errorf("identity %s has %d verifiable addresses", i.ID, len(i.VerifiableAddresses))
				}
				// The address loaded is the identity's own.
				if want := string(i.Traits); !bytes.Contains([]byte(want), []byte(i.VerifiableAddresses[0].Value)) {
					t.Errorf("identity %s got address %s", i.ID, i.VerifiableAddresses[0].Value)
				}
			}
			got = append(got, idsOf(res.Identities)...)
			if res.NextToken == uuid.Nil {
				break
			}
			token = res.NextToken
		}
		if !slices.Equal(got, all) {
			t.Errorf("keyset walk = %v, want %v (id ASC)", got, all)
		}

		// A page that ends exactly at the last identity has no next token.
		res, err := s.ListIdentities(ctx, identity.ListParams{Keyset: true, PageSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Identities) != 7 || res.NextToken != uuid.Nil {
			t.Errorf("full page: %d identities, next %s", len(res.Identities), res.NextToken)
		}
	})
}

// TestNetworkIsolation: rows of another network are invisible (foundation §12).
func TestNetworkIsolation(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run("database="+d, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.NewDSN(t, d)
			a := storetest.OpenDSN(t, dsn)
			if err := a.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// A second network, newer than the first, so Open-time
			// selection still picks the first for a.
			other := uuid.New()
			later := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05.000000Z")
			if _, err := store.DB(a).ExecContext(ctx,
				`INSERT INTO networks (id, created_at, updated_at) VALUES ($1, $2, $3)`, other, later, later); err != nil {
				t.Fatal(err)
			}
			b := storetest.OpenDSN(t, dsn)
			if err := b.EnsureNetwork(ctx); err != nil {
				t.Fatal(err)
			}
			if b.NID() != a.NID() {
				t.Fatalf("a second store picked network %s, want the first %s", b.NID(), a.NID())
			}
			store.SetNID(b, other)

			ia := mustCreate(t, a, person{email: "shared@example.org"}.identity())
			// The same identifier and address are free in the other network.
			ib := mustCreate(t, b, person{email: "shared@example.org"}.identity())

			for _, c := range []struct {
				name     string
				s        *store.Store
				own, not uuid.UUID
			}{{"a", a, ia.ID, ib.ID}, {"b", b, ib.ID, ia.ID}} {
				_, err := c.s.FindIdentityByID(ctx, c.not, false)
				wantStatus(t, err, http.StatusNotFound)
				found, err := c.s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, "shared@example.org")
				if err != nil || found.ID != c.own {
					t.Errorf("%s: identifier lookup = %v, %v; want own identity %s", c.name, found, err, c.own)
				}
				for _, p := range []identity.ListParams{{Page: 1, PerPage: 10}, {Keyset: true, PageSize: 10}} {
					res, err := c.s.ListIdentities(ctx, p)
					if err != nil {
						t.Fatal(err)
					}
					if got := idsOf(res.Identities); !slices.Equal(got, []uuid.UUID{c.own}) {
						t.Errorf("%s: list %+v = %v, want only %s", c.name, p, got, c.own)
					}
					if !p.Keyset && res.Total != 1 {
						t.Errorf("%s: total = %d, want 1", c.name, res.Total)
					}
				}
				upd := person{email: "x@example.org"}.identity()
				upd.ID = c.not
				wantStatus(t, c.s.UpdateIdentity(ctx, upd), http.StatusNotFound)
				wantStatus(t, c.s.DeleteIdentity(ctx, c.not), http.StatusNotFound)
			}
			if got, err := a.FindIdentityByID(ctx, ia.ID, true); err != nil || len(got.Credentials) != 1 || len(got.VerifiableAddresses) != 1 {
				t.Errorf("a's identity damaged by b's calls: %+v, %v", got, err)
			}
		})
	}
}
