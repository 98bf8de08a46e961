package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

func TestListIdentitySessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := mustCreate(t, s, person{email: "alice@example.org"}.identity())
		bob := mustCreate(t, s, person{email: "bob@example.org"}.identity())
		var ids []uuid.UUID // newest first
		for k := range 5 {
			f := newSession(alice.ID, "a"+string(rune('0'+k)), time.Now())
			mustCreateSession(t, s, f)
			ids = append([]uuid.UUID{f.sess.ID}, ids...)
			time.Sleep(2 * time.Millisecond) // distinct created_at
		}
		mustCreateSession(t, s, newSession(bob.ID, "b", time.Now()))
		if err := s.RevokeSession(ctx, alice.ID, ids[1]); err != nil {
			t.Fatal(err)
		}
		idsOf := func(l []session.Session) []uuid.UUID {
			out := []uuid.UUID{}
			for _, x := range l {
				if x.Identity == nil || x.Identity.ID != alice.ID || len(x.Identity.VerifiableAddresses) != 1 {
					t.Errorf("session %s has identity %+v, want alice with addresses", x.ID, x.Identity)
				}
				out = append(out, x.ID)
			}
			return out
		}
		yes, no := true, false
		for _, c := range []struct {
			name string
			p    session.ListParams
			want []uuid.UUID
		}{
			{"all", session.ListParams{Page: 1, PerPage: 10}, ids},
			{"page 0 is page 1", session.ListParams{Page: 0, PerPage: 2}, ids[:2]},
			{"page 2", session.ListParams{Page: 2, PerPage: 2}, ids[2:4]},
			{"past the end", session.ListParams{Page: 9, PerPage: 2}, []uuid.UUID{}},
			{"active", session.ListParams{Active: &yes, Page: 1, PerPage: 10}, []uuid.UUID{ids[0], ids[2], ids[3], ids[4]}},
			{"inactive", session.ListParams{Active: &no, Page: 1, PerPage: 10}, []uuid.UUID{ids[1]}},
			{"except current", session.ListParams{Active: &yes, Except: ids[0], Page: 1, PerPage: 10}, []uuid.UUID{ids[2], ids[3], ids[4]}},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.ListIdentitySessions(ctx, alice.ID, c.p)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(c.want, idsOf(got)); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
			})
		}
		none, err := s.ListIdentitySessions(ctx, uuid.New(), session.ListParams{Page: 1, PerPage: 10})
		if err != nil || len(none) != 0 {
			t.Errorf("unknown identity: %v, %v; want no sessions, no error", none, err)
		}
	})
}

func TestListSessionsKeyset(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mustCreate(t, s, person{email: "a@example.org"}.identity())
		b := mustCreate(t, s, person{email: "b@example.org"}.identity())
		want := map[uuid.UUID]bool{}
		for k := range 7 {
			owner := a.ID
			if k%2 == 1 {
				owner = b.ID
			}
			f := newSession(owner, "s"+string(rune('0'+k)), time.Now())
			mustCreateSession(t, s, f)
			want[f.sess.ID] = true
		}
		seen := map[uuid.UUID]bool{}
		var prev *session.Session
		p := session.KeysetParams{PageSize: 3, WithIdentity: true}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			page, err := s.ListSessions(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			for k := range page.Sessions {
				x := page.Sessions[k]
				if seen[x.ID] {
					t.Errorf("session %s listed twice", x.ID)
				}
				seen[x.ID] = true
				if x.Identity == nil || x.Identity.ID != x.IdentityID || len(x.Identity.RecoveryAddresses) != 1 {
					t.Errorf("session %s: identity %+v", x.ID, x.Identity)
				}
				if prev != nil && prev.CreatedAt.Before(x.CreatedAt) {
					t.Errorf("not newest first: %v then %v", prev.CreatedAt, x.CreatedAt)
				}
				prev = &x
			}
			if page.Next == nil {
				break
			}
			p.After = page.Next
		}
		if diff := cmp.Diff(want, seen); diff != "" {
			t.Errorf("sessions listed (-want +got):\n%s", diff)
		}

		no := false
		page, err := s.ListSessions(ctx, session.KeysetParams{PageSize: 100, Active: &no})
		if err != nil || len(page.Sessions) != 0 || page.Next != nil {
			t.Errorf("inactive sessions = %+v, %v; want none", page, err)
		}
		page, err = s.ListSessions(ctx, session.KeysetParams{PageSize: 100})
		if err != nil || len(page.Sessions) != 7 || page.Sessions[0].Identity != nil {
			t.Errorf("without identity: %d sessions, first identity %v, %v", len(page.Sessions), page.Sessions[0].Identity, err)
		}
	})
}
