package session_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// TestTokenPrecedence is foundation §3.3 (and §13 items 59, 60): which
// credential a request's session comes from.
func TestTokenPrecedence(t *testing.T) {
	e := newEnv(t, envOptions{})
	alice := e.createIdentity(identityOptions{email: "alice@example.org"})
	bob := e.createIdentity(identityOptions{email: "bob@example.org"})
	a, b := e.login(alice).Token, e.login(bob).Token
	unknown := session.NewToken() // well-formed, never issued

	tests := []struct {
		name   string
		header http.Header
		cookie string
		want   string // identity id, or "" for 401
	}{
		{"nothing", nil, "", ""},
		{"X-Session-Token", http.Header{"X-Session-Token": {a}}, "", alice.ID.String()},
		{"X-Session-Token wins over a valid cookie", http.Header{"X-Session-Token": {a}}, b, alice.ID.String()},
		{"invalid X-Session-Token beside a valid cookie", http.Header{"X-Session-Token": {"garbage"}}, b, ""},
		{"invalid X-Session-Token beside a valid bearer", http.Header{"X-Session-Token": {"garbage"}, "Authorization": {"Bearer " + b}}, "", ""},
		{"valid X-Session-Token beside a garbage cookie", http.Header{"X-Session-Token": {a}}, "%%garbage%%", alice.ID.String()},
		{"valid X-Session-Token beside an invalid bearer", http.Header{"X-Session-Token": {a}, "Authorization": {"Bearer nope"}}, "", alice.ID.String()},
		{"empty X-Session-Token is absent", http.Header{"X-Session-Token": {""}}, b, bob.ID.String()},
		{"cookie", nil, b, bob.ID.String()},
		{"cookie wins over bearer", http.Header{"Authorization": {"Bearer " + a}}, b, bob.ID.String()},
		{"garbage cookie falls back to bearer", http.Header{"Authorization": {"Bearer " + a}}, "garbage", alice.ID.String()},
		{"unknown but well-formed cookie does not fall back", http.Header{"Authorization": {"Bearer " + a}}, unknown, ""},
		{"X-Session-Cookie", http.Header{"X-Session-Cookie": {a}}, "", alice.ID.String()},
		{"X-Session-Cookie beside an invalid cookie", http.Header{"X-Session-Cookie": {a}}, "garbage", alice.ID.String()},
		{"X-Session-Cookie replaces a valid cookie", http.Header{"X-Session-Cookie": {a}}, b, alice.ID.String()},
		{"garbage X-Session-Cookie falls back to bearer", http.Header{"X-Session-Cookie": {"x"}, "Authorization": {"Bearer " + b}}, "", bob.ID.String()},
		{"bearer", http.Header{"Authorization": {"Bearer " + a}}, "", alice.ID.String()},
		{"bearer scheme is case-insensitive", http.Header{"Authorization": {"bEaReR " + a}}, "", alice.ID.String()},
		{"bearer with three parts", http.Header{"Authorization": {"Bearer " + a + " x"}}, "", ""},
		{"bearer with two spaces", http.Header{"Authorization": {"Bearer  " + a}}, "", ""},
		{"basic auth", http.Header{"Authorization": {"Basic " + a}}, "", ""},
		{"unknown X-Session-Token", http.Header{"X-Session-Token": {unknown}}, "", ""},
		{"logout token is not a session token", http.Header{"X-Session-Token": {session.LogoutTokenFor(a)}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(e.public, request{target: "/sessions/whoami", header: tt.header, cookie: tt.cookie})
			if tt.want == "" {
				wantCode(t, w, http.StatusUnauthorized)
				wantJSONBody(t, w, whoami401)
				return
			}
			wantCode(t, w, http.StatusOK)
			if got := w.Header().Get(session.HeaderIdentityID); got != tt.want {
				t.Errorf("identity = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestNoSessionCases: expired, revoked and disabled-identity sessions are
// "no session" (§3.3, §13 item 61), while a store failure is not.
func TestNoSessionCases(t *testing.T) {
	ctx := context.Background()
	t.Run("expired", func(t *testing.T) {
		e := newEnv(t, envOptions{lifespan: time.Nanosecond})
		s := e.login(e.createIdentity(identityOptions{}))
		e.clock.Add(time.Microsecond)
		wantCode(t, e.do(e.public, request{target: "/sessions/whoami", token: s.Token}), http.StatusUnauthorized)
	})
	t.Run("expires exactly now", func(t *testing.T) {
		e := newEnv(t, envOptions{lifespan: time.Hour})
		s := e.login(e.createIdentity(identityOptions{}))
		e.clock.Add(time.Hour)
		wantCode(t, e.do(e.public, request{target: "/sessions/whoami", token: s.Token}), http.StatusUnauthorized)
	})
	t.Run("revoked", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		s := e.login(e.createIdentity(identityOptions{}))
		if err := e.m.Revoke(ctx, s); err != nil {
			t.Fatal(err)
		}
		w := e.do(e.public, request{target: "/sessions/whoami", token: s.Token})
		wantCode(t, w, http.StatusUnauthorized)
		wantJSONBody(t, w, whoami401)
	})
	t.Run("identity disabled after login", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		i := e.createIdentity(identityOptions{})
		s := e.login(i)
		i.State = identity.StateInactive
		if err := e.store.UpdateIdentity(ctx, i); err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.do(e.public, request{target: "/sessions/whoami", token: s.Token}), http.StatusUnauthorized)
	})
	t.Run("store down is 503, not 401", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		s := e.login(e.createIdentity(identityOptions{}))
		if err := e.store.Close(); err != nil {
			t.Fatal(err)
		}
		w := e.do(e.public, request{target: "/sessions/whoami", token: s.Token})
		wantCode(t, w, http.StatusServiceUnavailable)
		_, err := e.m.FromRequest(ctx, httptestRequest(s.Token))
		if session.IsNoSession(err) {
			t.Errorf("FromRequest on a closed store = %v, reported as no session", err)
		}
	})
}

func httptestRequest(token string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set(session.HeaderSessionToken, token)
	return r
}

func TestFromRequestSession(t *testing.T) {
	e := newEnv(t, envOptions{})
	i := e.createIdentity(identityOptions{email: "carol@example.org"})
	issued := e.login(i)
	got, err := e.m.FromRequest(context.Background(), httptestRequest(issued.Token))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != issued.ID || got.Token != issued.Token || got.LogoutToken != "" {
		t.Errorf("got id %s token %q logout %q; want the issued id and token, no logout token", got.ID, got.Token, got.LogoutToken)
	}
	pi := got.Identity
	if pi.Credentials != nil || pi.MetadataAdmin != nil {
		t.Errorf("identity not in its public view: credentials %v, metadata_admin %s", pi.Credentials, pi.MetadataAdmin)
	}
	if pi.SchemaURL != publicBase+"schemas/ZGVmYXVsdA" {
		t.Errorf("schema_url = %q", pi.SchemaURL)
	}
	if len(pi.VerifiableAddresses) != 1 || len(pi.RecoveryAddresses) != 1 {
		t.Errorf("addresses not loaded: %+v", pi)
	}
	if !got.ExpiresAt.Equal(issued.ExpiresAt) || !got.AuthenticatedAt.Equal(issued.AuthenticatedAt) {
		t.Errorf("times differ after the round trip: %v/%v vs %v/%v", got.ExpiresAt, got.AuthenticatedAt, issued.ExpiresAt, issued.AuthenticatedAt)
	}
}
