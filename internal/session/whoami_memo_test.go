package session_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store/storetest"
)

// TestWhoamiAnswersFromTheStore: whoami renders its answer once per
// stored content and answers with it again while the content is
// unchanged. Its answer must always be what the full read (FromRequest)
// encoded by encoding/json gives, on the first call, on a repeated one,
// and after every kind of identity and session change; a session that
// expires by the clock, is revoked, or whose identity is disabled after
// its answer was remembered is no session.
func TestWhoamiAnswersFromTheStore(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run("database="+d, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, envOptions{dialect: d})
			i := e.createIdentity(identityOptions{email: "memo@example.org"})
			s := e.login(i)
			check := func(step string) {
				t.Helper()
				r := httptest.NewRequest(http.MethodGet, "/sessions/whoami", nil)
				r.Header.Set(session.HeaderSessionToken, s.Token)
				full, err := e.m.FromRequest(ctx, r)
				if err != nil {
					t.Fatalf("%s: FromRequest: %v", step, err)
				}
				var want bytes.Buffer
				if err := json.NewEncoder(&want).Encode(full); err != nil {
					t.Fatal(err)
				}
				for _, call := range []string{"first", "again"} {
					w := e.do(e.public, request{target: "/sessions/whoami", token: s.Token})
					wantCode(t, w, http.StatusOK)
					if w.Body.String() != want.String() {
						t.Errorf("%s, %s whoami:\n got %s\nwant %s", step, call, w.Body, want.String())
					}
				}
			}
			check("created")

			update := func(step string, change func(i *identity.Identity)) {
				t.Helper()
				cur, err := e.store.FindIdentityByID(ctx, i.ID, false)
				if err != nil {
					t.Fatal(err)
				}
				change(cur)
				if err := e.store.UpdateIdentity(ctx, cur); err != nil {
					t.Fatal(err)
				}
				check(step)
			}
			update("traits", func(i *identity.Identity) { i.Traits = json.RawMessage(`{"email":"memo@example.org","x":1}`) })
			update("metadata", func(i *identity.Identity) { i.MetadataPublic = json.RawMessage(`{"plan":"pro"}`) })
			update("verified", func(i *identity.Identity) {
				i.VerifiableAddresses[0].Verified, i.VerifiableAddresses[0].Status = true, identity.AddressStatusCompleted
			})
			update("address added", func(i *identity.Identity) {
				i.RecoveryAddresses = append(i.RecoveryAddresses, identity.RecoveryAddress{Value: "second@example.org", Via: identity.ViaEmail})
			})

			stored, err := e.store.FindSessionByID(ctx, s.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			stored.ExpiresAt = stored.ExpiresAt.Add(time.Hour)
			if err := e.store.UpdateSession(ctx, stored); err != nil {
				t.Fatal(err)
			}
			check("session extended")

			e.clock.Add(e.opts.Lifespan + 2*time.Hour)
			w := e.do(e.public, request{target: "/sessions/whoami", token: s.Token})
			wantCode(t, w, http.StatusUnauthorized)
			e.clock.Add(-e.opts.Lifespan - 2*time.Hour)
			check("clock back")

			cur, err := e.store.FindIdentityByID(ctx, i.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			cur.State = identity.StateInactive
			if err := e.store.UpdateIdentity(ctx, cur); err != nil {
				t.Fatal(err)
			}
			w = e.do(e.public, request{target: "/sessions/whoami", token: s.Token})
			wantCode(t, w, http.StatusUnauthorized)
			cur.State = identity.StateActive
			if err := e.store.UpdateIdentity(ctx, cur); err != nil {
				t.Fatal(err)
			}
			check("enabled again")
			if err := e.m.Revoke(ctx, s); err != nil {
				t.Fatal(err)
			}
			w = e.do(e.public, request{target: "/sessions/whoami", token: s.Token})
			wantCode(t, w, http.StatusUnauthorized)
		})
	}
}
