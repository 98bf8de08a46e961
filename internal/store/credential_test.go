package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

// mfaIdentity stores an identity with a password, a totp and a
// lookup_secret credential and returns it as stored (credential ids set).
func mfaIdentity(t *testing.T, s *store.Store, email string) *identity.Identity {
	t.Helper()
	i := person{email: email}.identity()
	i.Credentials[identity.CredentialsTOTP] = identity.Credentials{
		Config: json.RawMessage(`{"totp_url":"otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP"}`),
	}
	i.Credentials[identity.CredentialsLookupSecret] = identity.Credentials{
		Config: json.RawMessage(`{"recovery_codes":[{"hash":"a"}]}`),
	}
	mustCreate(t, s, i)
	for _, ct := range []identity.CredentialsType{identity.CredentialsTOTP, identity.CredentialsLookupSecret} {
		if i.Credentials[ct].ID == uuid.Nil {
			t.Fatalf("%s credential has no id after create", ct)
		}
	}
	return i
}

func TestRecordTOTPStep(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mfaIdentity(t, s, "totp@example.com")
		cred := i.Credentials[identity.CredentialsTOTP].ID
		steps := []struct {
			step int64
			want bool
		}{
			{100, true},  // first use
			{100, false}, // replay of the same step
			{99, false},  // an older step after a newer one
			{101, true},  // the next step
			{103, true},  // a gap is fine
			{102, false}, // but never back
		}
		for _, st := range steps {
			got, err := s.RecordTOTPStep(ctx, i.ID, cred, st.step)
			if err != nil {
				t.Fatalf("RecordTOTPStep(%d): %v", st.step, err)
			}
			if got != st.want {
				t.Errorf("RecordTOTPStep(%d) = %v, want %v", st.step, got, st.want)
			}
		}

		// A new credential (re-linked device) starts afresh and prunes the
		// old credential's row.
		fresh := uuid.Must(uuid.NewV7())
		if ok, err := s.RecordTOTPStep(ctx, i.ID, fresh, 50); err != nil || !ok {
			t.Fatalf("RecordTOTPStep(new credential) = %v, %v; want true", ok, err)
		}
		if ok, err := s.RecordTOTPStep(ctx, i.ID, cred, 104); err != nil || !ok {
			t.Fatalf("old credential after prune = %v, %v; want true (its row is gone)", ok, err)
		}

		// Another identity's credential is independent.
		j := mfaIdentity(t, s, "other@example.com")
		if ok, err := s.RecordTOTPStep(ctx, j.ID, j.Credentials[identity.CredentialsTOTP].ID, 100); err != nil || !ok {
			t.Fatalf("other identity = %v, %v; want true", ok, err)
		}
	})
}

func TestRecordTOTPStepUnknownIdentity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		_, err := s.RecordTOTPStep(context.Background(), uuid.New(), uuid.New(), 1)
		if err == nil {
			t.Fatal("RecordTOTPStep for an unknown identity succeeded; the foreign key should refuse it")
		}
	})
}

// TestRecordTOTPStepParallel: of 32 parallel submissions of the same step
// exactly one wins.
func TestRecordTOTPStepParallel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		i := mfaIdentity(t, s, "race@example.com")
		cred := i.Credentials[identity.CredentialsTOTP].ID
		wins := parallel(t, 32, func() (bool, error) {
			return s.RecordTOTPStep(context.Background(), i.ID, cred, 4242)
		})
		if wins != 1 {
			t.Fatalf("%d of 32 parallel submissions of one step won, want exactly 1", wins)
		}
	})
}

func TestUseLookupSecret(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mfaIdentity(t, s, "lookup@example.com")
		cred := i.Credentials[identity.CredentialsLookupSecret].ID

		uses, err := s.LookupSecretUses(ctx, i.ID, cred)
		if err != nil || len(uses) != 0 {
			t.Fatalf("LookupSecretUses before any use = %v, %v; want empty", uses, err)
		}
		before := time.Now().Add(-time.Second)
		at, ok, err := s.UseLookupSecret(ctx, i.ID, cred, "h1")
		if err != nil || !ok {
			t.Fatalf("first use = %v, %v; want true", ok, err)
		}
		if at.Before(before) || at.Nanosecond() != 0 {
			t.Errorf("used_at = %v, want now rounded to the second", at)
		}
		if _, ok, err := s.UseLookupSecret(ctx, i.ID, cred, "h1"); err != nil || ok {
			t.Fatalf("second use = %v, %v; want false", ok, err)
		}
		if _, ok, err := s.UseLookupSecret(ctx, i.ID, cred, "h2"); err != nil || !ok {
			t.Fatalf("another code = %v, %v; want true", ok, err)
		}
		uses, err = s.LookupSecretUses(ctx, i.ID, cred)
		if err != nil {
			t.Fatal(err)
		}
		if len(uses) != 2 || !uses["h1"].Equal(at) {
			t.Errorf("LookupSecretUses = %v, want h1 at %v and h2", uses, at)
		}

		// A credential that does not exist (replaced codes) is a 404.
		if _, _, err := s.UseLookupSecret(ctx, i.ID, uuid.New(), "h1"); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("unknown credential: err = %v, want 404", err)
		}
		// Another identity cannot spend this identity's credential.
		j := mfaIdentity(t, s, "thief@example.com")
		if _, _, err := s.UseLookupSecret(ctx, j.ID, cred, "h3"); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("credential of another identity: err = %v, want 404", err)
		}
	})
}

// TestUseLookupSecretSurvivesIdentityUpdate: an identity update rewrites the
// credential rows (same ids); spent codes stay spent.
func TestUseLookupSecretSurvivesIdentityUpdate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mfaIdentity(t, s, "update@example.com")
		cred := i.Credentials[identity.CredentialsLookupSecret].ID
		if _, ok, err := s.UseLookupSecret(ctx, i.ID, cred, "h1"); err != nil || !ok {
			t.Fatalf("use = %v, %v", ok, err)
		}
		stale, err := s.FindIdentityByID(ctx, i.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateIdentity(ctx, stale); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.UseLookupSecret(ctx, i.ID, cred, "h1"); err != nil || ok {
			t.Fatalf("use after update = %v, %v; want false (still spent)", ok, err)
		}
		// Replacing the credential (new id) makes its codes new and prunes
		// the old uses once a new code is spent.
		delete(stale.Credentials, identity.CredentialsLookupSecret)
		stale.Credentials[identity.CredentialsLookupSecret] = identity.Credentials{
			Config: json.RawMessage(`{"recovery_codes":[{"hash":"b"}]}`)}
		if err := s.UpdateIdentity(ctx, stale); err != nil {
			t.Fatal(err)
		}
		fresh := stale.Credentials[identity.CredentialsLookupSecret].ID
		if fresh == cred {
			t.Fatal("a replaced credential kept its id")
		}
		if _, _, err := s.UseLookupSecret(ctx, i.ID, cred, "h9"); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("old credential after replace: err = %v, want 404", err)
		}
		if _, ok, err := s.UseLookupSecret(ctx, i.ID, fresh, "h1"); err != nil || !ok {
			t.Fatalf("new credential = %v, %v; want true", ok, err)
		}
		if uses, err := s.LookupSecretUses(ctx, i.ID, cred); err != nil || len(uses) != 0 {
			t.Errorf("old credential's uses = %v, %v; want pruned", uses, err)
		}
	})
}

// TestUseLookupSecretParallel: of 32 parallel uses of one code exactly one
// wins.
func TestUseLookupSecretParallel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		i := mfaIdentity(t, s, "race@example.com")
		cred := i.Credentials[identity.CredentialsLookupSecret].ID
		wins := parallel(t, 32, func() (bool, error) {
			_, ok, err := s.UseLookupSecret(context.Background(), i.ID, cred, "same")
			return ok, err
		})
		if wins != 1 {
			t.Fatalf("%d of 32 parallel uses of one code won, want exactly 1", wins)
		}
	})
}

// TestSecondFactorUsesGoWithIdentity: deleting the identity removes its rows.
func TestSecondFactorUsesGoWithIdentity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := mfaIdentity(t, s, "gone@example.com")
		cred := i.Credentials[identity.CredentialsLookupSecret].ID
		if _, ok, err := s.UseLookupSecret(ctx, i.ID, cred, "h"); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if _, err := s.RecordTOTPStep(ctx, i.ID, i.Credentials[identity.CredentialsTOTP].ID, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteIdentity(ctx, i.ID); err != nil {
			t.Fatal(err)
		}
		if uses, err := s.LookupSecretUses(ctx, i.ID, cred); err != nil || len(uses) != 0 {
			t.Errorf("uses after delete = %v, %v; want none", uses, err)
		}
	})
}

// parallel runs fn n times at once and counts the calls that returned true.
// Any error fails the test.
func parallel(t *testing.T, n int, fn func() (bool, error)) int {
	t.Helper()
	var (
		wins  atomic.Int32
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make(chan error, n)
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := fn()
			if err != nil {
				errs <- err
				return
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("parallel call: %v", err)
	}
	return int(wins.Load())
}
