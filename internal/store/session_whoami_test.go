package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

// TestWhoamiReadsTheIdentityAsIdentityReads: the one-statement session
// read (JSON aggregates, hand-read) returns the identity exactly as the
// identity read does, on both engines: several addresses of each kind in
// id order, verified and unverified, values that JSON must escape, a state
// change, metadata; and the session's own fields as stored.
func TestWhoamiReadsTheIdentityAsIdentityReads(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 3, 4, 5, 6, 7, 890123000, time.UTC)
		changed := at.Add(-time.Hour)
		verifiedAt := at.Add(-time.Minute)
		i := &identity.Identity{
			SchemaID: "default", State: identity.StateActive, StateChangedAt: &changed,
			Traits:         json.RawMessage(`{"email":"Quote\"Back\\slash\u00e9@example.org","tags":["<b>",1.5e3,null]}`),
			MetadataPublic: json.RawMessage(`{"plan":"pro"}`),
			MetadataAdmin:  json.RawMessage(`{"note":"secret"}`),
			Credentials: map[identity.CredentialsType]identity.Credentials{identity.CredentialsPassword: {
				Identifiers: []string{"a@example.org"}, Config: json.RawMessage(`{"hashed_password":"$2a$12$abc"}`)}},
		}
		// Ids descending, so that the rows' order (insertion) is not the
		// id order the read must return.
		id := func(k, kind int) uuid.UUID {
			return uuid.MustParse(fmt.Sprintf("%08x-0000-4000-8000-%012x", 0xffff-k, kind))
		}
		for k, v := range []string{"a@example.org", `we"ird\name@example.org`, "ünïcödé@example.org", "+49 30 1234\t5", "z@example.org"} {
			a := identity.VerifiableAddress{ID: id(k, 1), Value: v, Via: identity.ViaEmail, Status: identity.AddressStatusPending}
			if k%2 == 1 {
				a.Verified, a.VerifiedAt, a.Status = true, &verifiedAt, identity.AddressStatusCompleted
			}
			i.VerifiableAddresses = append(i.VerifiableAddresses, a)
			i.RecoveryAddresses = append(i.RecoveryAddresses, identity.RecoveryAddress{ID: id(k, 2), Value: v, Via: identity.ViaEmail})
		}
		mustCreate(t, s, i)
		// The store inserts addresses in id order; rows added later with
		// smaller ids (an update keeping old ids, another writer) are not.
		for _, q := range []string{
			`INSERT INTO identity_verifiable_addresses (id, nid, identity_id, via, value, verified, status, created_at, updated_at)
				VALUES ($1, $2, $3, 'email', 'first@example.org', false, 'pending', $4, $4)`,
			`INSERT INTO identity_recovery_addresses (id, nid, identity_id, via, value, created_at, updated_at)
				VALUES ($1, $2, $3, 'email', 'first@example.org', $4, $4)`,
		} {
			if _, err := store.DB(s).ExecContext(ctx, q, id(0xffff, 0), s.NID(), i.ID, "2026-03-04T05:06:07.000000Z"); err != nil {
				t.Fatal(err)
			}
		}
		want, err := s.FindIdentityByID(ctx, i.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if want.VerifiableAddresses[0].ID != id(0xffff, 0) || want.RecoveryAddresses[1].ID != id(4, 2) {
			t.Fatalf("identity read order %v: want id order", want.VerifiableAddresses)
		}

		f := newSession(i.ID, "whoami", at)
		f.sess.AMR = append(f.sess.AMR, session.AuthenticationMethod{Method: identity.CredentialsTOTP, AAL: session.AAL2,
			CompletedAt: at.Add(time.Second)})
		f.sess.AAL = session.AAL2
		mustCreateSession(t, s, f)
		for name, find := range map[string]func() (*session.Session, error){
			"by token": func() (*session.Session, error) { return s.FindSessionByTokenHash(ctx, f.tokenHash) },
			"by id":    func() (*session.Session, error) { return s.FindSessionByID(ctx, f.sess.ID, true) },
		} {
			t.Run(name, func(t *testing.T) {
				got, err := find()
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(f.sess, got, cmpSession...); diff != "" {
					t.Errorf("session (-want +got):\n%s", diff)
				}
				if !got.CreatedAt.Equal(f.sess.CreatedAt) || got.IdentityAvailableAAL != session.AAL1 {
					t.Errorf("created_at %v (want %v), available aal %q", got.CreatedAt, f.sess.CreatedAt, got.IdentityAvailableAAL)
				}
				if diff := cmp.Diff(want, got.Identity, cmpIdentity...); diff != "" {
					t.Errorf("identity (-identity read +session read):\n%s", diff)
				}
				for _, tm := range []time.Time{got.IssuedAt, got.ExpiresAt, got.Identity.CreatedAt, *got.Identity.StateChangedAt,
					got.Identity.VerifiableAddresses[0].CreatedAt, got.Identity.RecoveryAddresses[0].UpdatedAt} {
					if tm.Location() != time.UTC {
						t.Errorf("time %v is not in UTC", tm)
					}
				}
			})
		}
	})
}

// TestWhoamiWithoutAddressesOrMetadata: no addresses leave both lists nil
// (as the two-statement read did), absent metadata stays absent.
func TestWhoamiWithoutAddressesOrMetadata(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mustCreate(t, s, &identity.Identity{SchemaID: "default", Traits: json.RawMessage(`{}`)})
		f := newSession(i.ID, "bare", time.Now())
		f.sess.AMR = []session.AuthenticationMethod{}
		f.sess.AAL = session.AAL0
		mustCreateSession(t, s, f)
		got, err := s.FindSessionByTokenHash(ctx, f.tokenHash)
		if err != nil {
			t.Fatal(err)
		}
		gi := got.Identity
		if gi.VerifiableAddresses != nil || gi.RecoveryAddresses != nil || gi.MetadataPublic != nil ||
			gi.MetadataAdmin != nil || gi.StateChangedAt != nil {
			t.Errorf("identity = %+v, want no addresses, metadata or state change", gi)
		}
		if got.AMR == nil || len(got.AMR) != 0 || got.Devices == nil {
			t.Errorf("AMR %v, devices %v: want empty, not nil", got.AMR, got.Devices)
		}
		if _, err := s.FindSessionByTokenHash(ctx, session.HashToken(uuid.NewString())); err == nil {
			t.Error("unknown token: want an error")
		}
	})
}

// TestWhoamiFollowsAddressWrites: every kind of address write (an update
// adding, changing and dropping addresses, a verification, a row deleted by
// hand, all addresses gone) shows in the next session read exactly as in
// the identity read. On SQLite the session read takes the addresses from
// the identity's packed_addresses, which migration 00007's triggers keep.
func TestWhoamiFollowsAddressWrites(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mustCreate(t, s, person{email: "a@example.org"}.identity())
		f := newSession(i.ID, "follows", time.Now())
		mustCreateSession(t, s, f)
		check := func(step string) {
			t.Helper()
			want, err := s.FindIdentityByID(ctx, i.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.FindSessionByTokenHash(ctx, f.tokenHash)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if diff := cmp.Diff(want, got.Identity, cmpIdentity...); diff != "" {
				t.Errorf("%s: identity (-identity read +session read):\n%s", step, diff)
			}
		}
		check("created")

		verifiedAt := time.Now().UTC().Truncate(time.Microsecond)
		i.VerifiableAddresses = append(i.VerifiableAddresses,
			identity.VerifiableAddress{Value: "b@example.org", Via: identity.ViaEmail, Status: identity.AddressStatusPending})
		i.VerifiableAddresses[0].Verified, i.VerifiableAddresses[0].VerifiedAt = true, &verifiedAt
		i.VerifiableAddresses[0].Status = identity.AddressStatusCompleted
		i.RecoveryAddresses = []identity.RecoveryAddress{{Value: "c@example.org", Via: identity.ViaEmail}}
		if err := s.UpdateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		check("added, verified and replaced")

		if _, err := store.DB(s).ExecContext(ctx, `DELETE FROM identity_verifiable_addresses WHERE nid = $1 AND value = $2`,
			s.NID(), "b@example.org"); err != nil {
			t.Fatal(err)
		}
		check("deleted by hand")

		if _, err := store.DB(s).ExecContext(ctx, `UPDATE identity_verifiable_addresses SET status = 'sent' WHERE nid = $1`,
			s.NID()); err != nil {
			t.Fatal(err)
		}
		check("updated by hand")

		i, err := s.FindIdentityByID(ctx, i.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		i.VerifiableAddresses, i.RecoveryAddresses = nil, nil
		if err := s.UpdateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		check("all gone")
	})
}

// TestFindWhoamiByTokenHash: whoami's read decodes to what
// FindSessionByTokenHash gives; on SQLite its key is the same for two
// reads of an unchanged session and identity and differs once either
// changes (PostgreSQL gives no key).
func TestFindWhoamiByTokenHash(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mustCreate(t, s, person{email: "key@example.org"}.identity())
		f := newSession(i.ID, "key", time.Now())
		mustCreateSession(t, s, f)
		read := func() *session.WhoamiRead {
			t.Helper()
			r, err := s.FindWhoamiByTokenHash(ctx, f.tokenHash)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		full, err := s.FindSessionByTokenHash(ctx, f.tokenHash)
		if err != nil {
			t.Fatal(err)
		}
		r := read()
		got, err := r.Session()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(full, got, cmpSession...); diff != "" {
			t.Errorf("whoami read (-full read +whoami read):\n%s", diff)
		}
		if diff := cmp.Diff(full.Identity, got.Identity, cmpIdentity...); diff != "" {
			t.Errorf("identity (-full read +whoami read):\n%s", diff)
		}
		if s.Dialect() != store.DialectSQLite {
			if r.Key != "" {
				t.Errorf("PostgreSQL key %q, want none", r.Key)
			}
			return
		}
		if r.Key == "" || read().Key != r.Key {
			t.Errorf("two reads of an unchanged session have keys %q and %q", r.Key, read().Key)
		}
		i.Traits = json.RawMessage(`{"email":"key@example.org","changed":true}`)
		i.Credentials = nil
		if err := s.UpdateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		changed := read().Key
		if changed == r.Key {
			t.Error("the key did not change with the traits")
		}
		got.ExpiresAt = got.ExpiresAt.Add(time.Hour)
		if err := s.UpdateSession(ctx, got); err != nil {
			t.Fatal(err)
		}
		if read().Key == changed {
			t.Error("the key did not change with the session's expiry")
		}
		if _, err := s.FindWhoamiByTokenHash(ctx, session.HashToken("unknown")); !isStatus(err, 404) {
			t.Errorf("unknown token: %v, want a 404", err)
		}
	})
}
