package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

// sessionFixture is an active aal1 session row for tests; its token hashes
// are derived from tag so that each session's are distinct.
type sessionFixture struct {
	sess       *session.Session
	tokenHash  string
	logoutHash string
}

func newSession(identityID uuid.UUID, tag string, now time.Time) sessionFixture {
	now = now.UTC().Truncate(time.Microsecond)
	s := &session.Session{
		ID:              uuid.New(),
		IdentityID:      identityID,
		Active:          true,
		AAL:             session.AAL1,
		AMR:             []session.AuthenticationMethod{{Method: identity.CredentialsPassword, AAL: session.AAL1, CompletedAt: now}},
		IssuedAt:        now,
		AuthenticatedAt: now,
		ExpiresAt:       now.Add(time.Hour),
		Devices:         []session.Device{},
	}
	return sessionFixture{sess: s, tokenHash: session.HashToken("st-" + tag), logoutHash: session.HashToken("lo-" + tag)}
}

func mustCreateSession(t *testing.T, s *store.Store, f sessionFixture) *session.Session {
	t.Helper()
	if err := s.CreateSession(context.Background(), f.sess, f.tokenHash, f.logoutHash); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return f.sess
}

// cmpSession compares sessions as the store returns them; the identity is
// compared separately.
var cmpSession = []cmp.Option{cmpopts.IgnoreFields(session.Session{}, "Identity", "CreatedAt", "IdentityAvailableAAL")}

func TestSessionCreateAndFind(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mustCreate(t, s, person{email: "alice@example.org"}.identity())
		i.MetadataAdmin = json.RawMessage(`{"plan":"secret"}`)
		if err := s.UpdateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		f := newSession(i.ID, "alice", time.Now())
		want := mustCreateSession(t, s, f)
		if want.CreatedAt.IsZero() {
			t.Error("CreateSession did not set CreatedAt")
		}

		got, err := s.FindSessionByTokenHash(ctx, f.tokenHash)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpSession...); diff != "" {
			t.Errorf("FindSessionByTokenHash (-want +got):\n%s", diff)
		}
		if got.IdentityAvailableAAL != session.AAL1 {
			t.Errorf("IdentityAvailableAAL = %q, want aal1 (bcrypt password)", got.IdentityAvailableAAL)
		}
		gi := got.Identity
		if gi == nil || gi.ID != i.ID || gi.State != identity.StateActive || gi.SchemaID != "default" {
			t.Fatalf("identity = %+v, want %s", gi, i.ID)
		}
		if gi.Credentials != nil {
			t.Errorf("credentials loaded on the session read: %v", gi.Credentials)
		}
		if len(gi.VerifiableAddresses) != 1 || gi.VerifiableAddresses[0].Value != "alice@example.org" ||
			len(gi.RecoveryAddresses) != 1 || gi.RecoveryAddresses[0].ID != i.RecoveryAddresses[0].ID {
			t.Errorf("addresses = %+v / %+v", gi.VerifiableAddresses, gi.RecoveryAddresses)
		}
		if !cmp.Equal(gi.MetadataAdmin, i.MetadataAdmin, jsonEqual) {
			t.Errorf("metadata_admin = %s, want it loaded (the handlers pick the view)", gi.MetadataAdmin)
		}

		byID, err := s.FindSessionByID(ctx, want.ID, true)
		if err != nil || byID.Identity == nil || len(byID.Identity.VerifiableAddresses) != 1 {
			t.Errorf("FindSessionByID(with identity) = %+v, %v", byID, err)
		}
		noIdent, err := s.FindSessionByID(ctx, want.ID, false)
		if err != nil || noIdent.Identity != nil || noIdent.IdentityAvailableAAL != session.AAL1 {
			t.Errorf("FindSessionByID(without identity) = %+v, %v", noIdent, err)
		}
		byLogout, err := s.FindSessionByLogoutTokenHash(ctx, f.logoutHash)
		if err != nil || byLogout.ID != want.ID {
			t.Errorf("FindSessionByLogoutTokenHash = %+v, %v", byLogout, err)
		}

		for name, find := range map[string]func() error{
			"token":        func() error { _, err := s.FindSessionByTokenHash(ctx, session.HashToken("nope")); return err },
			"logout token": func() error { _, err := s.FindSessionByLogoutTokenHash(ctx, f.tokenHash); return err },
			"id":           func() error { _, err := s.FindSessionByID(ctx, uuid.New(), true); return err },
		} {
			t.Run("unknown "+name, func(t *testing.T) { wantStatus(t, find(), http.StatusNotFound) })
		}
	})
}

func TestSessionTokensAreUnique(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		i := mustCreate(t, s, person{email: "u@example.org"}.identity())
		mustCreateSession(t, s, newSession(i.ID, "same", time.Now()))
		err := s.CreateSession(context.Background(), newSession(i.ID, "same", time.Now()).sess,
			session.HashToken("st-same"), session.HashToken("lo-other"))
		wantStatus(t, err, http.StatusConflict)
	})
}

func TestSessionUpdate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mustCreate(t, s, person{email: "u@example.org"}.identity())
		f := newSession(i.ID, "u", time.Now())
		sess := mustCreateSession(t, s, f)

		later := sess.IssuedAt.Add(10 * time.Minute)
		sess.AMR = append(sess.AMR, session.AuthenticationMethod{Method: identity.CredentialsTOTP, AAL: session.AAL2, CompletedAt: later})
		sess.AAL = session.AAL2
		sess.AuthenticatedAt, sess.IssuedAt, sess.ExpiresAt = later, later, later.Add(24*time.Hour)
		if err := s.UpdateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindSessionByTokenHash(ctx, f.tokenHash)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sess, got, cmpSession...); diff != "" {
			t.Errorf("after update (-want +got):\n%s", diff)
		}

		wantStatus(t, s.UpdateSession(ctx, newSession(i.ID, "never stored", time.Now()).sess), http.StatusNotFound)
	})
}

func TestSessionRevocation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		alice := mustCreate(t, s, person{email: "alice@example.org"}.identity())
		bob := mustCreate(t, s, person{email: "bob@example.org"}.identity())
		now := time.Now()
		cur := newSession(alice.ID, "a1", now)
		other := newSession(alice.ID, "a2", now)
		third := newSession(alice.ID, "a3", now)
		bobs := newSession(bob.ID, "b1", now)
		for _, f := range []sessionFixture{cur, other, third, bobs} {
			mustCreateSession(t, s, f)
		}
		active := func(f sessionFixture) bool {
			t.Helper()
			got, err := s.FindSessionByID(ctx, f.sess.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			return got.Active
		}

		// A foreign session id is a silent no-op.
		if err := s.RevokeSession(ctx, alice.ID, bobs.sess.ID); err != nil || !active(bobs) {
			t.Fatalf("RevokeSession(foreign) = %v, bob's session active = %v", err, active(bobs))
		}
		if err := s.RevokeSession(ctx, alice.ID, third.sess.ID); err != nil || active(third) {
			t.Fatalf("RevokeSession(own) = %v, still active = %v", err, active(third))
		}
		n, err := s.RevokeOtherSessions(ctx, alice.ID, cur.sess.ID)
		if err != nil || n != 1 {
			t.Fatalf("RevokeOtherSessions = %d, %v; want 1 (the third was inactive already)", n, err)
		}
		if !active(cur) || active(other) || !active(bobs) {
			t.Errorf("after RevokeOtherSessions: current %v, other %v, bob %v", active(cur), active(other), active(bobs))
		}

		if err := s.RevokeSessionByTokenHash(ctx, cur.tokenHash); err != nil || active(cur) {
			t.Fatalf("RevokeSessionByTokenHash = %v", err)
		}
		if err := s.RevokeSessionByTokenHash(ctx, cur.tokenHash); err != nil {
			t.Errorf("revoking an inactive session again = %v, want nil (idempotent logout)", err)
		}
		wantStatus(t, s.RevokeSessionByTokenHash(ctx, session.HashToken("unknown")), http.StatusNotFound)

		if err := s.DeactivateSession(ctx, bobs.sess.ID); err != nil || active(bobs) {
			t.Fatalf("DeactivateSession = %v", err)
		}
		wantStatus(t, s.DeactivateSession(ctx, uuid.New()), http.StatusNotFound)

		if err := s.DeleteIdentitySessions(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.FindSessionByID(ctx, cur.sess.ID, false)
		wantStatus(t, err, http.StatusNotFound)
		wantStatus(t, s.DeleteIdentitySessions(ctx, alice.ID), http.StatusNotFound)
		wantStatus(t, s.DeleteIdentitySessions(ctx, uuid.New()), http.StatusNotFound)
		if _, err := s.FindSessionByID(ctx, bobs.sess.ID, false); err != nil {
			t.Errorf("bob's session went with alice's: %v", err)
		}

		// Deleting the identity takes its sessions (ON DELETE CASCADE).
		if err := s.DeleteIdentity(ctx, bob.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.FindSessionByID(ctx, bobs.sess.ID, false)
		wantStatus(t, err, http.StatusNotFound)
	})
}

// TestIdentityAvailableAAL: the column follows the credentials on every
// identity write, and rows from before migration 00003 are derived on read.
func TestIdentityAvailableAAL(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		aal := func(id uuid.UUID) string {
			t.Helper()
			got, err := s.IdentityAvailableAAL(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		i := mustCreate(t, s, person{email: "u@example.org"}.identity())
		if got := aal(i.ID); got != identity.AAL1 {
			t.Errorf("after create with a bcrypt password: %s, want aal1", got)
		}
		i.Credentials[identity.CredentialsTOTP] = identity.Credentials{
			Identifiers: []string{i.ID.String()},
			Config:      json.RawMessage(`{"totp_url":"otpauth://totp/x?secret=ABC"}`),
		}
		if err := s.UpdateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		if got := aal(i.ID); got != identity.AAL2 {
			t.Errorf("after adding totp: %s, want aal2", got)
		}
		i.Credentials = nil // not loaded: the stored value stays
		i.Traits = json.RawMessage(`{"email":"u@example.org","name":"U"}`)
		if err := s.UpdateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		if got := aal(i.ID); got != identity.AAL2 {
			t.Errorf("after a traits-only update: %s, want aal2 kept", got)
		}
		noCreds := mustCreate(t, s, &identity.Identity{SchemaID: "default", Traits: json.RawMessage(`{}`)})
		if got := aal(noCreds.ID); got != identity.AAL0 {
			t.Errorf("identity without credentials: %s, want aal0", got)
		}

		// A row written before migration 00003 (NULL) is derived, not stored.
		if _, err := store.DB(s).ExecContext(ctx, `UPDATE identities SET available_aal = NULL WHERE id = $1`, i.ID); err != nil {
			t.Fatal(err)
		}
		if got := aal(i.ID); got != identity.AAL2 {
			t.Errorf("legacy row: %s, want aal2 derived from credentials", got)
		}
		f := newSession(i.ID, "legacy", time.Now())
		mustCreateSession(t, s, f)
		got, err := s.FindSessionByTokenHash(ctx, f.tokenHash)
		if err != nil || got.IdentityAvailableAAL != session.AAL2 {
			t.Errorf("session of a legacy row: %v, %v; want aal2", got, err)
		}
		var stored *string
		if err := store.DB(s).QueryRowContext(ctx, `SELECT available_aal FROM identities WHERE id = $1`, i.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != nil {
			t.Errorf("the read path wrote available_aal = %q", *stored)
		}
		_, err = s.IdentityAvailableAAL(ctx, uuid.New())
		wantStatus(t, err, http.StatusNotFound)
	})
}

// TestSessionNetworkIsolation: sessions of another network are invisible.
func TestSessionNetworkIsolation(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run("database="+d, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.NewDSN(t, d)
			a := storetest.OpenDSN(t, dsn)
			if err := a.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			other := uuid.New()
			later := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05.000000Z")
			if _, err := store.DB(a).ExecContext(ctx,
				`INSERT INTO networks (id, created_at, updated_at) VALUES ($1, $2, $3)`, other, later, later); err != nil {
				t.Fatal(err)
			}
			b := storetest.OpenDSN(t, dsn)
			store.SetNID(b, other)

			i := mustCreate(t, a, person{email: "a@example.org"}.identity())
			f := newSession(i.ID, "a", time.Now())
			mustCreateSession(t, a, f)

			_, err := b.FindSessionByTokenHash(ctx, f.tokenHash)
			wantStatus(t, err, http.StatusNotFound)
			_, err = b.FindSessionByID(ctx, f.sess.ID, false)
			wantStatus(t, err, http.StatusNotFound)
			wantStatus(t, b.RevokeSessionByTokenHash(ctx, f.tokenHash), http.StatusNotFound)
			wantStatus(t, b.DeleteIdentitySessions(ctx, i.ID), http.StatusNotFound)
			page, err := b.ListSessions(ctx, session.KeysetParams{PageSize: 10})
			if err != nil || len(page.Sessions) != 0 {
				t.Errorf("other network lists %d sessions, %v", len(page.Sessions), err)
			}
			if _, err := a.FindSessionByTokenHash(ctx, f.tokenHash); err != nil {
				t.Errorf("own network: %v", err)
			}
		})
	}
}
