package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

func TestUseWebAuthnChallenge(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		exp := time.Now().Add(time.Hour)
		if ok, err := s.UseWebAuthnChallenge(ctx, "aa", exp); err != nil || !ok {
			t.Fatalf("first use = %v, %v", ok, err)
		}
		if ok, err := s.UseWebAuthnChallenge(ctx, "aa", exp); err != nil || ok {
			t.Fatalf("replay = %v, %v; want false", ok, err)
		}
		if _, err := s.UseWebAuthnChallenge(ctx, "", exp); err == nil {
			t.Error("an empty hash was accepted")
		}
		// An expired row is pruned by the next use, so its hash is free again.
		if ok, err := s.UseWebAuthnChallenge(ctx, "old", time.Now().Add(-time.Minute)); err != nil || !ok {
			t.Fatalf("expired = %v, %v", ok, err)
		}
		if ok, err := s.UseWebAuthnChallenge(ctx, "bb", exp); err != nil || !ok {
			t.Fatalf("bb = %v, %v", ok, err)
		}
		if ok, err := s.UseWebAuthnChallenge(ctx, "old", exp); err != nil || !ok {
			t.Errorf("after pruning = %v, %v; want true", ok, err)
		}

		// Of parallel uses of one challenge exactly one wins.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := s.UseWebAuthnChallenge(ctx, "parallel", exp)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d parallel uses won", wins.Load())
		}
	})
}

func TestEditWebAuthnConfig(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		i := person{email: "keys@example.com"}.identity()
		i.Credentials[identity.CredentialsWebAuthn] = identity.Credentials{Identifiers: []string{"keys@example.com"},
			Config: json.RawMessage(`{"credentials":[{"id":"AQI=","authenticator":{"sign_count":1}}]}`)}
		mustCreate(t, s, i)
		before, err := s.FindIdentityByID(ctx, i.ID, true)
		if err != nil {
			t.Fatal(err)
		}

		// Parallel increments of a counter stored in the config: none is lost.
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				err := s.EditWebAuthnConfig(ctx, i.ID, func(raw []byte) ([]byte, bool, error) {
					var cfg struct {
						Credentials []struct {
							ID            []byte `json:"id"`
							Authenticator struct {
								SignCount int `json:"sign_count"`
							} `json:"authenticator"`
						} `json:"credentials"`
					}
					if err := json.Unmarshal(raw, &cfg); err != nil {
						return nil, false, err
					}
					cfg.Credentials[0].Authenticator.SignCount++
					next, err := json.Marshal(cfg)
					return next, true, err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		after, err := s.FindIdentityByID(ctx, i.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		c := after.Credentials[identity.CredentialsWebAuthn]
		if !strings.Contains(strings.ReplaceAll(string(c.Config), " ", ""), `"sign_count":7`) {
			t.Errorf("config %s", c.Config)
		}
		old := before.Credentials[identity.CredentialsWebAuthn]
		if c.ID != old.ID || !c.CreatedAt.Equal(old.CreatedAt) || len(c.Identifiers) != 1 {
			t.Errorf("the credential was recreated: %+v vs %+v", c, old)
		}

		// edit's error comes back unchanged and nothing is written;
		// write=false writes nothing.
		sentinel := errors.New("no")
		if err := s.EditWebAuthnConfig(ctx, i.ID, func([]byte) ([]byte, bool, error) { return []byte(`{}`), true, sentinel }); !errors.Is(err, sentinel) {
			t.Errorf("edit error = %v", err)
		}
		if err := s.EditWebAuthnConfig(ctx, i.ID, func([]byte) ([]byte, bool, error) { return []byte(`{}`), false, nil }); err != nil {
			t.Error(err)
		}
		again, err := s.FindIdentityByID(ctx, i.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if string(again.Credentials[identity.CredentialsWebAuthn].Config) != string(c.Config) {
			t.Error("a refused edit wrote the config")
		}

		// An identity without a webauthn credential is a 404.
		j := person{email: "nokeys@example.com"}.identity()
		mustCreate(t, s, j)
		err = s.EditWebAuthnConfig(ctx, j.ID, func(raw []byte) ([]byte, bool, error) { return raw, true, nil })
		if !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("no credential = %v, want 404", err)
		}
	})
}
