package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/text"
)

func settingsFlow(owner uuid.UUID) *settings.Flow {
	b := testBase(flow.TypeBrowser)
	b.State = settings.StateShowForm
	return &settings.Flow{Base: b, IdentityID: owner}
}

func TestSettingsFlowRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner := mustCreate(t, s, person{email: "flow-owner@example.org"}.identity())
		f := settingsFlow(owner.ID)
		if err := s.CreateSettingsFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSettingsFlow(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.IdentityID != owner.ID || got.Type != flow.TypeBrowser || got.State != settings.StateShowForm ||
			got.ReturnTo != f.ReturnTo || got.RequestURL != f.RequestURL || got.CSRFTokenHash != "abc123" ||
			!got.IssuedAt.Equal(f.IssuedAt) || !got.ExpiresAt.Equal(f.ExpiresAt) || got.Identity != nil {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, f)
		}
		if v := got.UI.Find(flow.CSRFNodeName).Attributes; v == nil {
			t.Fatal("no csrf node")
		}
		got.State = settings.StateSuccess
		got.UI.Messages = []text.Message{text.NewSettingsSaved()}
		if err := s.UpdateSettingsFlow(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := s.GetSettingsFlow(ctx, f.ID)
		if again.State != settings.StateSuccess || len(again.UI.Messages) != 1 {
			t.Errorf("after update: %+v", again)
		}
		// Another identity cannot update it; an unknown or login id is 404.
		got.IdentityID = uuid.New()
		wantStatus(t, s.UpdateSettingsFlow(ctx, got), http.StatusNotFound)
		_, err = s.GetSettingsFlow(ctx, uuid.New())
		wantStatus(t, err, http.StatusNotFound)
	})
}

// commitFor is a Commit that sets traits {"email": email} and the matching
// password identifier on the identity's stored credentials.
func commitFor(owner *identity.Identity, email string, next *settings.Flow, done *settings.Flow) *settings.Commit {
	return &settings.Commit{IdentityID: owner.ID,
		Apply: func(stored map[identity.CredentialsType]identity.Credentials) (*settings.Applied, error) {
			i := *owner
			i.Traits = json.RawMessage(`{"email":"` + email + `"}`)
			i.Credentials = maps.Clone(stored)
			c := i.Credentials[identity.CredentialsPassword]
			c.Identifiers = []string{email}
			i.Credentials[identity.CredentialsPassword] = c
			i.VerifiableAddresses = []identity.VerifiableAddress{{Value: email, Via: identity.ViaEmail, Status: identity.AddressStatusPending}}
			i.RecoveryAddresses = []identity.RecoveryAddress{{Value: email, Via: identity.ViaEmail}}
			return &settings.Applied{Identity: &i, Flow: done, Next: next}, nil
		}}
}

func TestCommitSettings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner := mustCreate(t, s, person{email: "commit@example.org"}.identity())
		f := settingsFlow(owner.ID)
		if err := s.CreateSettingsFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		done := *f
		done.State = settings.StateSuccess
		next := settingsFlow(owner.ID)
		saved, err := s.CommitSettings(ctx, commitFor(owner, "changed@example.org", next, &done))
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(saved.Traits, `{"email":"changed@example.org"}`) || len(saved.VerifiableAddresses) != 1 ||
			saved.VerifiableAddresses[0].ID == uuid.Nil {
			t.Errorf("saved %+v", saved)
		}
		got, err := s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, "changed@example.org")
		if err != nil || got.ID != owner.ID {
			t.Fatalf("the new identifier: %v", err)
		}
		// The hash survived; the old identifier is gone.
		if !strings.Contains(string(got.Credentials[identity.CredentialsPassword].Config), "$2a$12$abc") {
			t.Errorf("config %s", got.Credentials[identity.CredentialsPassword].Config)
		}
		_, err = s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, "commit@example.org")
		wantStatus(t, err, http.StatusNotFound)
		if g, _ := s.GetSettingsFlow(ctx, f.ID); g.State != settings.StateSuccess {
			t.Errorf("flow state %s", g.State)
		}
		if _, err := s.GetSettingsFlow(ctx, next.ID); err != nil {
			t.Errorf("next flow: %v", err)
		}

		// Nil traits: only the credentials change.
		noTraits := settingsFlow(owner.ID)
		c := &settings.Commit{IdentityID: owner.ID,
			Apply: func(stored map[identity.CredentialsType]identity.Credentials) (*settings.Applied, error) {
				i := *owner
				i.Traits, i.VerifiableAddresses, i.RecoveryAddresses = nil, nil, nil
				i.Credentials = maps.Clone(stored)
				pc := i.Credentials[identity.CredentialsPassword]
				pc.Config = json.RawMessage(`{"hashed_password":"$2a$12$new"}`)
				i.Credentials[identity.CredentialsPassword] = pc
				return &settings.Applied{Identity: &i, Flow: &done, Next: noTraits}, nil
			}}
		if _, err := s.CommitSettings(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, _ = s.FindIdentityByID(ctx, owner.ID, true)
		if !sameJSON(got.Traits, `{"email":"changed@example.org"}`) || len(got.VerifiableAddresses) != 1 ||
			!strings.Contains(string(got.Credentials[identity.CredentialsPassword].Config), "$2a$12$new") ||
			!slices.Equal(got.Credentials[identity.CredentialsPassword].Identifiers, []string{"changed@example.org"}) {
			t.Errorf("after a credentials-only commit: %+v", got)
		}
		// IdentityCredentials reads what the commit wrote.
		creds, err := s.IdentityCredentials(ctx, owner.ID)
		if err != nil || len(creds) != len(got.Credentials) ||
			!strings.Contains(string(creds[identity.CredentialsPassword].Config), "$2a$12$new") ||
			!slices.Equal(creds[identity.CredentialsPassword].Identifiers, []string{"changed@example.org"}) {
			t.Errorf("IdentityCredentials = %+v, %v", creds, err)
		}
		if creds, err := s.IdentityCredentials(ctx, uuid.New()); err != nil || len(creds) != 0 {
			t.Errorf("an unknown identity: %+v, %v", creds, err)
		}
	})
}

func TestCommitSettingsWritesNothingOnFailure(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner := mustCreate(t, s, person{email: "atomic@example.org"}.identity())
		mustCreate(t, s, person{email: "taken@example.org"}.identity())
		f := settingsFlow(owner.ID)
		if err := s.CreateSettingsFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		check := func(t *testing.T, next *settings.Flow) {
			t.Helper()
			got, _ := s.FindIdentityByID(ctx, owner.ID, true)
			if !sameJSON(got.Traits, `{"email":"atomic@example.org"}`) {
				t.Errorf("traits %s", got.Traits)
			}
			if g, _ := s.GetSettingsFlow(ctx, f.ID); g.State != settings.StateShowForm {
				t.Errorf("flow state %s", g.State)
			}
			_, err := s.GetSettingsFlow(ctx, next.ID)
			wantStatus(t, err, http.StatusNotFound)
		}
		done := *f
		done.State = settings.StateSuccess

		// Apply refuses: its error comes back as is.
		refusal := errors.New("refused")
		next := settingsFlow(owner.ID)
		c := commitFor(owner, "x@example.org", next, &done)
		c.Apply = func(map[identity.CredentialsType]identity.Credentials) (*settings.Applied, error) {
			return nil, refusal
		}
		if _, err := s.CommitSettings(ctx, c); !errors.Is(err, refusal) {
			t.Fatalf("err %v", err)
		}
		check(t, next)

		// A taken identifier is a 409.
		next = settingsFlow(owner.ID)
		_, err := s.CommitSettings(ctx, commitFor(owner, "taken@example.org", next, &done))
		wantStatus(t, err, http.StatusConflict)
		check(t, next)

		// The flow of another identity is never written (D8).
		stranger := mustCreate(t, s, person{email: "stranger@example.org"}.identity())
		next = settingsFlow(owner.ID)
		foreign := done
		foreign.IdentityID = stranger.ID
		_, err = s.CommitSettings(ctx, commitFor(owner, "y@example.org", next, &foreign))
		wantStatus(t, err, http.StatusNotFound)
		check(t, next)
	})
}

// TestCommitSettingsConcurrent: 32 updates of one identity at once. Every
// one succeeds; the final traits are one of the submitted versions and the
// identifiers and addresses match them (no lost or torn write).
func TestCommitSettingsConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		owner := mustCreate(t, s, person{email: "racer@example.org"}.identity())
		f := settingsFlow(owner.ID)
		if err := s.CreateSettingsFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		const n = 32
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for k := range n {
			wg.Go(func() {
				<-start
				done := *f
				done.State = settings.StateSuccess
				_, errs[k] = s.CommitSettings(ctx, commitFor(owner, fmt.Sprintf("v%02d@example.org", k), settingsFlow(owner.ID), &done))
			})
		}
		close(start)
		wg.Wait()
		for k, err := range errs {
			if err != nil {
				t.Errorf("update %d: %v", k, err)
			}
		}
		got, err := s.FindIdentityByID(ctx, owner.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var traits struct{ Email string }
		if err := json.Unmarshal(got.Traits, &traits); err != nil || !strings.HasPrefix(traits.Email, "v") {
			t.Fatalf("traits %s", got.Traits)
		}
		ids := got.Credentials[identity.CredentialsPassword].Identifiers
		if !slices.Equal(ids, []string{traits.Email}) || len(got.VerifiableAddresses) != 1 ||
			got.VerifiableAddresses[0].Value != traits.Email || len(got.RecoveryAddresses) != 1 {
			t.Errorf("torn write: traits %s, identifiers %v, addresses %+v %+v", got.Traits, ids, got.VerifiableAddresses, got.RecoveryAddresses)
		}
		if !strings.Contains(string(got.Credentials[identity.CredentialsPassword].Config), "$2a$12$abc") {
			t.Errorf("lost the hash: %s", got.Credentials[identity.CredentialsPassword].Config)
		}
	})
}

func TestContinuityContainers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		owner := mustCreate(t, s, person{email: "cont@example.org"}.identity())
		exp := time.Now().Add(15 * time.Minute)
		save := func(hash, name, payload string, at time.Time) {
			t.Helper()
			if err := s.SaveContinuity(ctx, &settings.Container{TokenHash: hash, Name: name, IdentityID: owner.ID,
				Payload: json.RawMessage(payload), ExpiresAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		save("h1", "ory_kratos_settings_profile", `"first"`, exp)
		save("h1", "ory_kratos_settings_profile", `"second"`, exp) // replaces
		save("h1", "ory_kratos_settings_password", `"pw"`, exp)
		save("h2", "ory_kratos_settings_profile", `"other browser"`, exp)
		save("h3", "ory_kratos_settings_profile", `"old"`, time.Now().Add(-time.Hour))
		save("h4", "ory_kratos_settings_profile", `"sweeper"`, exp) // sweeps h3

		got, err := s.TakeContinuity(ctx, "h1", []string{"ory_kratos_settings_profile"})
		if err != nil || len(got) != 1 || string(got[0].Payload) != `"second"` || got[0].IdentityID != owner.ID ||
			got[0].Name != "ory_kratos_settings_profile" {
			t.Fatalf("take: %v %+v", err, got)
		}
		if got, _ := s.TakeContinuity(ctx, "h1", []string{"ory_kratos_settings_profile"}); len(got) != 0 {
			t.Errorf("taken twice: %+v", got)
		}
		if n, err := s.DeleteContinuity(ctx, "h1", []string{"ory_kratos_settings_profile", "ory_kratos_settings_password"}); err != nil || n != 1 {
			t.Errorf("delete: %d %v", n, err)
		}
		if got, _ := s.TakeContinuity(ctx, "h3", []string{"ory_kratos_settings_profile"}); len(got) != 0 {
			t.Errorf("expired container not swept: %+v", got)
		}
		if got, _ := s.TakeContinuity(ctx, "h2", []string{"ory_kratos_settings_profile"}); len(got) != 1 {
			t.Errorf("other browser's container: %+v", got)
		}
	})
}

// sameJSON compares JSON by value (PostgreSQL's jsonb re-spaces documents).
func sameJSON(got json.RawMessage, want string) bool {
	var a, b any
	if json.Unmarshal(got, &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// BenchmarkSettingsWrites measures the two writes of a profile edit on
// SQLite: the init's flow insert and the submit's commit (a trait change
// that keeps identifiers and addresses).
func BenchmarkSettingsWrites(b *testing.B) {
	s := storetest.Open(b, store.DialectSQLite)
	ctx := context.Background()
	owner := person{email: "bench@example.org"}.identity()
	if err := s.CreateIdentity(ctx, owner); err != nil {
		b.Fatal(err)
	}
	b.Run("create flow", func(b *testing.B) {
		for b.Loop() {
			if err := s.CreateSettingsFlow(ctx, settingsFlow(owner.ID)); err != nil {
				b.Fatal(err)
			}
		}
	})
	f := settingsFlow(owner.ID)
	if err := s.CreateSettingsFlow(ctx, f); err != nil {
		b.Fatal(err)
	}
	b.Run("commit", func(b *testing.B) {
		for b.Loop() {
			done := *f
			if _, err := s.CommitSettings(ctx, commitFor(owner, "bench@example.org", settingsFlow(owner.ID), &done)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get flow", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.GetSettingsFlow(ctx, f.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
