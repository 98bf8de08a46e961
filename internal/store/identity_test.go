package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

func TestCreateAndFindIdentity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		changed := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
		in := person{email: "alice@example.org", username: "alice"}.identity()
		in.StateChangedAt = &changed
		in.MetadataPublic = json.RawMessage(`{"plan":"pro"}`)
		in.Credentials[identity.CredentialsTOTP] = identity.Credentials{
			Config: json.RawMessage(`{"totp_url":"otpauth://totp/x"}`),
		}
		created := mustCreate(t, s, in)

		if created.ID == uuid.Nil || created.CreatedAt.IsZero() || created.State != identity.StateActive {
			t.Fatalf("created identity lacks id, time or default state: %+v", created)
		}
		if got := created.StateChangedAt; !got.Equal(changed.Truncate(time.Microsecond)) {
			t.Errorf("StateChangedAt = %v, want microsecond precision of %v", got, changed)
		}
		for _, a := range created.VerifiableAddresses {
			if a.ID == uuid.Nil || a.CreatedAt.IsZero() {
				t.Errorf("address without id or time: %+v", a)
			}
		}

		got, err := s.FindIdentityByID(ctx, created.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(created, got, cmpIdentity...); diff != "" {
			t.Errorf("FindIdentityByID(with credentials) differs from created (-created +got):\n%s", diff)
		}
		if ids := got.Credentials[identity.CredentialsPassword].Identifiers; !cmp.Equal(ids, []string{"alice@example.org", "alice"}) {
			t.Errorf("identifiers = %q, want the order they were given in", ids)
		}
		if ids := got.Credentials[identity.CredentialsTOTP].Identifiers; ids == nil || len(ids) != 0 {
			t.Errorf("totp identifiers = %#v, want empty non-nil", ids)
		}

		noCreds, err := s.FindIdentityByID(ctx, created.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if noCreds.Credentials != nil || len(noCreds.VerifiableAddresses) != 1 || len(noCreds.RecoveryAddresses) != 1 {
			t.Errorf("without credentials: credentials %v, %d verifiable, %d recovery addresses",
				noCreds.Credentials, len(noCreds.VerifiableAddresses), len(noCreds.RecoveryAddresses))
		}

		byIdent, err := s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if byIdent.ID != created.ID || byIdent.Credentials[identity.CredentialsPassword].Config == nil {
			t.Errorf("by identifier: got %s with credentials %v", byIdent.ID, byIdent.Credentials)
		}
	})
}

func TestIdentityNotFound(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		missing := uuid.New()
		_, err := s.FindIdentityByID(ctx, missing, false)
		wantStatus(t, err, http.StatusNotFound)
		_, err = s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, "nobody@example.org")
		wantStatus(t, err, http.StatusNotFound)
		_, err = s.FindIdentityByCredentialsIdentifier(ctx, "unknown_method", "x")
		wantStatus(t, err, http.StatusNotFound)
		wantStatus(t, s.DeleteIdentity(ctx, missing), http.StatusNotFound)
		i := person{email: "ghost@example.org"}.identity()
		i.ID = missing
		wantStatus(t, s.UpdateIdentity(ctx, i), http.StatusNotFound)
	})
}

func TestUpdateIdentity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		orig := mustCreate(t, s, person{email: "bob@example.org"}.identity())
		keptAddr := orig.VerifiableAddresses[0]
		keptRec := orig.RecoveryAddresses[0]
		// Mark the address verified as a verification flow would: load, change, save.
		loaded, err := s.FindIdentityByID(ctx, orig.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		loaded.VerifiableAddresses[0].Verified = true
		loaded.VerifiableAddresses[0].Status = identity.AddressStatusCompleted
		loaded.VerifiableAddresses[0].VerifiedAt = &now
		if err := s.UpdateIdentity(ctx, loaded); err != nil {
			t.Fatal(err)
		}

		// A traits update that re-derives addresses (zero ids) keeps the
		// verified state of the unchanged address and adds a new one.
		upd := &identity.Identity{
			ID:       orig.ID,
			SchemaID: "default",
			State:    identity.StateInactive,
			Traits:   json.RawMessage(`{"email":"bob@example.org","name":"Bob"}`),
			VerifiableAddresses: []identity.VerifiableAddress{
				{Value: "bob@example.org", Via: identity.ViaEmail},
				{Value: "bob2@example.org", Via: identity.ViaEmail, Status: identity.AddressStatusPending},
			},
			MetadataAdmin: json.RawMessage(`[1,2,3]`),
		}
		if err := s.UpdateIdentity(ctx, upd); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindIdentityByID(ctx, orig.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		opts := slices.Concat(cmpIdentity, []cmp.Option{cmpopts.IgnoreFields(identity.Identity{}, "Credentials")})
		if diff := cmp.Diff(upd, got, opts...); diff != "" {
			t.Errorf("after update, stored identity differs from the updated value (-upd +got):\n%s", diff)
		}
		if got.State != identity.StateInactive || !got.CreatedAt.Equal(orig.CreatedAt) {
			t.Errorf("state %q, created_at %v (want inactive, %v)", got.State, got.CreatedAt, orig.CreatedAt)
		}
		if len(got.VerifiableAddresses) != 2 {
			t.Fatalf("verifiable addresses = %+v", got.VerifiableAddresses)
		}
		var kept identity.VerifiableAddress
		for _, a := range got.VerifiableAddresses {
			if a.Value == "bob@example.org" {
				kept = a
			} else if a.Verified {
				t.Errorf("new address is verified: %+v", a)
			}
		}
		if kept.ID != keptAddr.ID || !kept.Verified || kept.Status != identity.AddressStatusCompleted || kept.VerifiedAt == nil {
			t.Errorf("unchanged address lost its id or verified state: %+v (was %+v)", kept, keptAddr)
		}
		if len(got.RecoveryAddresses) != 0 {
			t.Errorf("recovery addresses not replaced: %+v (had %+v)", got.RecoveryAddresses, keptRec)
		}
		// upd.Credentials was nil: the stored credentials stay.
		if _, ok := got.Credentials[identity.CredentialsPassword]; !ok {
			t.Error("update without credentials deleted the password credential")
		}

		// A non-nil credentials map replaces them: identifiers move with it.
		got.Credentials = map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {Identifiers: []string{"bobby"}, Config: json.RawMessage(`{"hashed_password":"new"}`), Version: 1},
		}
		if err := s.UpdateIdentity(ctx, got); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, "bob@example.org"); err == nil {
			t.Error("old identifier still finds the identity")
		}
		again, err := s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, "bobby")
		if err != nil {
			t.Fatal(err)
		}
		if c := again.Credentials[identity.CredentialsPassword]; c.Version != 1 || string(c.Config) == "" {
			t.Errorf("replaced credentials = %+v", c)
		}
	})
}

func TestUpdateIdentityIsAtomic(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustCreate(t, s, person{email: "taken@example.org"}.identity())
		victim := mustCreate(t, s, person{email: "carol@example.org"}.identity())
		before, err := s.FindIdentityByID(ctx, victim.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		// New traits and a new address, but an identifier that belongs to
		// someone else: nothing of the update may remain.
		upd := *before
		upd.Traits = json.RawMessage(`{"email":"changed@example.org"}`)
		upd.VerifiableAddresses = []identity.VerifiableAddress{{Value: "changed@example.org", Via: identity.ViaEmail}}
		upd.Credentials = map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {Identifiers: []string{"taken@example.org"}},
		}
		wantStatus(t, s.UpdateIdentity(ctx, &upd), http.StatusConflict)
		after, err := s.FindIdentityByID(ctx, victim.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after, cmpIdentity...); diff != "" {
			t.Errorf("failed update changed the identity (-before +after):\n%s", diff)
		}
	})
}

func TestDeleteIdentity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mustCreate(t, s, person{email: "dave@example.org"}.identity())
		if err := s.DeleteIdentity(ctx, i.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.FindIdentityByID(ctx, i.ID, false)
		wantStatus(t, err, http.StatusNotFound)
		wantStatus(t, s.DeleteIdentity(ctx, i.ID), http.StatusNotFound)
		// The cascade freed the identifier and the addresses.
		mustCreate(t, s, person{email: "dave@example.org"}.identity())
		// (Identifiers have no identity_id; the re-create above shows they went.)
		for _, table := range []string{"identity_credentials", "identity_verifiable_addresses", "identity_recovery_addresses"} {
			var n int
			if err := store.DB(s).QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE identity_id = $1`, i.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s: %d rows of the deleted identity remain", table, n)
			}
		}
	})
}

func TestDuplicatesConflict(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustCreate(t, s, person{email: "erin@example.org", username: "erin"}.identity())
		tests := []struct {
			name string
			mk   func() *identity.Identity
		}{
			{"same identifier", func() *identity.Identity {
				i := person{email: "other@example.org", username: "erin"}.identity()
				i.VerifiableAddresses, i.RecoveryAddresses = nil, nil
				return i
			}},
			{"same verifiable address", func() *identity.Identity {
				i := person{email: "other2@example.org"}.identity()
				i.VerifiableAddresses[0].Value = "erin@example.org"
				return i
			}},
			{"same recovery address", func() *identity.Identity {
				i := person{email: "other3@example.org"}.identity()
				i.RecoveryAddresses[0].Value = "erin@example.org"
				return i
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				i := tt.mk()
				wantStatus(t, s.CreateIdentity(ctx, i), http.StatusConflict)
				if i.ID != uuid.Nil {
					t.Errorf("failed create changed the caller's identity: id %s", i.ID)
				}
			})
		}
		// No partial rows: only the first identity exists, and the emails
		// of the failed attempts are free.
		res, err := s.ListIdentities(ctx, identity.ListParams{Page: 1, PerPage: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || len(res.Identities) != 1 {
			t.Fatalf("after failed creates: total %d, %d identities", res.Total, len(res.Identities))
		}
		for _, table := range []string{"identity_credentials", "identity_credential_identifiers", "identity_verifiable_addresses", "identity_recovery_addresses"} {
			var n int
			if err := store.DB(s).QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			want := 1
			if table == "identity_credential_identifiers" {
				want = 2
			}
			if n != want {
				t.Errorf("%s has %d rows, want %d: a failed create left rows behind", table, n, want)
			}
		}
	})
}

func TestMetadataRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		raw  json.RawMessage // nil: absent
	}{
		{"absent", nil},
		{"json null", json.RawMessage(`null`)},
		{"number", json.RawMessage(`42`)},
		{"float", json.RawMessage(`1.5`)},
		{"large number", json.RawMessage(`12345678901234567890`)},
		{"string", json.RawMessage(`"hello"`)},
		{"array", json.RawMessage(`[1,"two",null,{"three":3}]`)},
		{"empty object", json.RawMessage(`{}`)},
		{"nested", json.RawMessage(`{"a":{"b":[true,false]},"n":-0.25}`)},
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for k, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				i := person{email: "meta" + string(rune('a'+k)) + "@example.org"}.identity()
				i.MetadataPublic, i.MetadataAdmin = tt.raw, tt.raw
				mustCreate(t, s, i)
				got, err := s.FindIdentityByID(ctx, i.ID, false)
				if err != nil {
					t.Fatal(err)
				}
				for name, v := range map[string]json.RawMessage{"metadata_public": got.MetadataPublic, "metadata_admin": got.MetadataAdmin} {
					if (tt.raw == nil) != (v == nil) || !cmp.Equal(tt.raw, v, jsonEqual) {
						t.Errorf("%s = %s, want %s", name, v, tt.raw)
					}
				}
				// Numbers keep their digits (no float64 round trip).
				if tt.name == "large number" && string(got.MetadataPublic) != "12345678901234567890" {
					t.Errorf("large number came back as %s", got.MetadataPublic)
				}
			})
		}
	})
}

// TestRepeatsCollapse: an identifier or address given twice is stored once,
// instead of colliding with itself on the unique key.
func TestRepeatsCollapse(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		i := person{email: "twice@example.org", username: "twice@example.org"}.identity()
		i.VerifiableAddresses = append(i.VerifiableAddresses, i.VerifiableAddresses[0])
		i.RecoveryAddresses = append(i.RecoveryAddresses, i.RecoveryAddresses[0])
		mustCreate(t, s, i)
		got, err := s.FindIdentityByID(context.Background(), i.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if ids := got.Credentials[identity.CredentialsPassword].Identifiers; len(ids) != 1 {
			t.Errorf("identifiers = %q", ids)
		}
		if len(got.VerifiableAddresses) != 1 || len(got.RecoveryAddresses) != 1 {
			t.Errorf("addresses: %d verifiable, %d recovery", len(got.VerifiableAddresses), len(got.RecoveryAddresses))
		}
	})
}
