package session_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// TestWhoami is foundation §3.4 and §13 item 54.
func TestWhoami(t *testing.T) {
	e := newEnv(t, envOptions{})
	i := e.createIdentity(identityOptions{email: "dave@example.org"})
	s := e.login(i)

	t.Run("without a session", func(t *testing.T) {
		w := e.do(e.public, request{target: "/sessions/whoami"})
		wantCode(t, w, http.StatusUnauthorized)
		wantJSONBody(t, w, whoami401)
		if c := w.Header().Values("Set-Cookie"); len(c) != 0 {
			t.Errorf("whoami set cookies: %q", c)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("error Content-Type = %q", ct)
		}
	})

	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"} {
		t.Run(method, func(t *testing.T) {
			w := e.do(e.public, request{method: method, target: "/sessions/whoami", cookie: s.Token})
			wantCode(t, w, http.StatusOK)
			if got := w.Header().Get(session.HeaderIdentityID); got != i.ID.String() {
				t.Errorf("%s = %q, want %s", session.HeaderIdentityID, got, i.ID)
			}
			if c := w.Header().Values("Set-Cookie"); len(c) != 0 {
				t.Errorf("whoami set cookies: %q", c)
			}
		})
	}

	t.Run("body", func(t *testing.T) {
		w := e.do(e.public, request{target: "/sessions/whoami", cookie: s.Token})
		wantCode(t, w, http.StatusOK)
		if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		body := decode[map[string]any](t, w)
		for _, k := range []string{"id", "active", "expires_at", "authenticated_at", "authenticator_assurance_level",
			"authentication_methods", "issued_at", "identity", "devices"} {
			if _, ok := body[k]; !ok {
				t.Errorf("session lacks %q: %v", k, body)
			}
		}
		for _, k := range []string{"token", "logout_token", "identity_id", "nid", "created_at", "updated_at"} {
			if _, ok := body[k]; ok {
				t.Errorf("session shows %q", k)
			}
		}
		if body["id"] != s.ID.String() || body["active"] != true || body["authenticator_assurance_level"] != "aal1" {
			t.Errorf("session = %v", body)
		}
		amr, _ := body["authentication_methods"].([]any)
		if len(amr) != 1 || amr[0].(map[string]any)["method"] != "password" || amr[0].(map[string]any)["aal"] != "aal1" {
			t.Errorf("authentication_methods = %v", body["authentication_methods"])
		}
		if d, ok := body["devices"].([]any); !ok || len(d) != 0 {
			t.Errorf("devices = %#v, want []", body["devices"])
		}
		ident := body["identity"].(map[string]any)
		if _, ok := ident["credentials"]; ok {
			t.Error("identity shows credentials")
		}
		if _, ok := ident["metadata_admin"]; ok {
			t.Error("identity shows metadata_admin")
		}
		if mp, ok := ident["metadata_public"].(map[string]any); !ok || mp["plan"] != "free" {
			t.Errorf("metadata_public = %v", ident["metadata_public"])
		}
		if ident["schema_url"] != publicBase+"schemas/ZGVmYXVsdA" || ident["schema_id"] != "default" || ident["state"] != "active" {
			t.Errorf("identity = %v", ident)
		}
		if va, _ := ident["verifiable_addresses"].([]any); len(va) != 1 {
			t.Errorf("verifiable_addresses = %v", ident["verifiable_addresses"])
		}
		if strings.Contains(w.Body.String(), s.Token) || strings.Contains(w.Body.String(), "hashed_password") {
			t.Error("whoami leaks the token or a hash")
		}
	})
}

// TestWhoamiAAL is foundation §3.4 and §13 items 51–53.
func TestWhoamiAAL(t *testing.T) {
	ctx := context.Background()
	aal2Body := `{"error":{"id":"session_aal2_required","code":403,"status":"Forbidden",
		"message":"Session does not fulfill the requested Authenticator Assurance Level",
		"reason":"An active session was found but it does not fulfill the requested Authenticator Assurance Level. Please verify yourself with a second factor to resolve this issue.",
		"details":{"redirect_browser_to":"http://127.0.0.1:4433/self-service/login/browser?aal=aal2"}},
		"redirect_browser_to":"http://127.0.0.1:4433/self-service/login/browser?aal=aal2"}`

	for _, required := range []string{session.RequireHighestAvailable, session.RequireAAL1} {
		t.Run(required, func(t *testing.T) {
			e := newEnv(t, envOptions{requiredAAL: required})
			mfa := e.createIdentity(identityOptions{totp: true})
			pwOnly := e.createIdentity(identityOptions{})

			aal1 := e.login(mfa)
			w := e.do(e.public, request{target: "/sessions/whoami", token: aal1.Token})
			if required == session.RequireHighestAvailable {
				wantCode(t, w, http.StatusForbidden)
				wantJSONBody(t, w, aal2Body)
			} else {
				wantCode(t, w, http.StatusOK)
			}

			// Completing the second factor upgrades the same session.
			if err := e.m.Authenticate(ctx, aal1, mfa, identity.CredentialsTOTP, session.AAL2); err != nil {
				t.Fatal(err)
			}
			if err := e.m.Save(ctx, aal1); err != nil {
				t.Fatal(err)
			}
			w = e.do(e.public, request{target: "/sessions/whoami", token: aal1.Token})
			wantCode(t, w, http.StatusOK)
			if got := decode[map[string]any](t, w)["authenticator_assurance_level"]; got != "aal2" {
				t.Errorf("after the upgrade: aal %v", got)
			}

			w = e.do(e.public, request{target: "/sessions/whoami", token: e.login(pwOnly).Token})
			wantCode(t, w, http.StatusOK)
		})
	}
}

func TestCheckAAL(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, c := range []struct {
		session, available session.AAL
		required           string
		wantErr            bool
	}{
		{session.AAL1, session.AAL1, session.RequireHighestAvailable, false},
		{session.AAL1, session.AAL2, session.RequireHighestAvailable, true},
		{session.AAL2, session.AAL2, session.RequireHighestAvailable, false},
		{session.AAL1, session.AAL2, session.RequireAAL1, false},
		{session.AAL1, session.AAL0, session.RequireHighestAvailable, false},
		{session.AAL1, "", session.RequireHighestAvailable, false}, // unknown counts as aal1
	} {
		s := &session.Session{AAL: c.session, IdentityAvailableAAL: c.available}
		if err := e.m.CheckAAL(s, c.required); (err != nil) != c.wantErr {
			t.Errorf("CheckAAL(session %s, available %q, %s) = %v, want error %v", c.session, c.available, c.required, err, c.wantErr)
		}
	}
}

// TestAuthenticate is foundation §1.7: activation, AMR, refresh.
func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	i := e.createIdentity(identityOptions{totp: true})

	s := e.m.NewSession(i)
	if s.Active || s.AAL != session.AAL0 || len(s.AMR) != 0 || s.Token != "" {
		t.Fatalf("NewSession = %+v, want inactive aal0 without tokens", s)
	}
	start := e.clock.Now().UTC().Truncate(time.Microsecond)
	if err := e.m.Authenticate(ctx, s, i, identity.CredentialsPassword, session.AAL1); err != nil {
		t.Fatal(err)
	}
	if !s.Active || s.AAL != session.AAL1 || !s.AuthenticatedAt.Equal(start) || !s.IssuedAt.Equal(start) ||
		!s.ExpiresAt.Equal(start.Add(24*time.Hour)) || s.IdentityAvailableAAL != session.AAL2 {
		t.Errorf("after Authenticate: %+v", s)
	}
	if s.Identity.Credentials != nil || s.Identity.MetadataAdmin != nil || s.Identity.SchemaURL == "" {
		t.Errorf("session identity not public: %+v", s.Identity)
	}
	if err := e.m.Save(ctx, s); err != nil {
		t.Fatal(err)
	}
	id, token, logout := s.ID, s.Token, s.LogoutToken
	if !sessionTokenRE.MatchString(token) || logout != session.LogoutTokenFor(token) {
		t.Errorf("tokens %q / %q", token, logout)
	}

	// A refresh an hour later: same id and token, AMR grows, times move.
	e.clock.Add(time.Hour)
	found, err := e.m.FromRequest(ctx, httptestRequest(token))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.m.Authenticate(ctx, found, i, identity.CredentialsPassword, session.AAL1); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Save(ctx, found); err != nil {
		t.Fatal(err)
	}
	again, err := e.m.FromRequest(ctx, httptestRequest(token))
	if err != nil {
		t.Fatal(err)
	}
	later := start.Add(time.Hour)
	if again.ID != id || len(again.AMR) != 2 || !again.AuthenticatedAt.Equal(later) || !again.ExpiresAt.Equal(later.Add(24*time.Hour)) {
		t.Errorf("after refresh: id %s (want %s), %d AMR entries, authenticated_at %v, expires_at %v",
			again.ID, id, len(again.AMR), again.AuthenticatedAt, again.ExpiresAt)
	}
	if !again.AuthenticatedAt.Equal(again.AMR[1].CompletedAt) {
		t.Errorf("authenticated_at %v != last AMR completed_at %v", again.AuthenticatedAt, again.AMR[1].CompletedAt)
	}

	t.Run("identity loaded without credentials", func(t *testing.T) {
		bare, err := e.store.FindIdentityByID(ctx, i.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		s := e.m.NewSession(bare)
		if err := e.m.Authenticate(ctx, s, bare, identity.CredentialsPassword, session.AAL1); err != nil {
			t.Fatal(err)
		}
		if s.IdentityAvailableAAL != session.AAL2 {
			t.Errorf("available AAL read from the store = %q, want aal2", s.IdentityAvailableAAL)
		}
	})
	t.Run("inactive identity", func(t *testing.T) {
		off := e.createIdentity(identityOptions{inactive: true})
		err := e.m.Authenticate(ctx, e.m.NewSession(off), off, identity.CredentialsPassword, session.AAL1)
		if !session.IsNoSession(err) || !strings.Contains(err.Error(), "This account was disabled.") {
			t.Errorf("Authenticate(inactive) = %v, want 401 identity is disabled", err)
		}
	})
	t.Run("another identity's session", func(t *testing.T) {
		other := e.createIdentity(identityOptions{})
		err := e.m.Authenticate(ctx, found, other, identity.CredentialsPassword, session.AAL1)
		if err == nil {
			t.Error("a session changed hands")
		}
	})
}

// TestStoreHoldsNoPlainToken: D16, only hashes reach the database.
func TestStoreHoldsNoPlainToken(t *testing.T) {
	e := newEnv(t, envOptions{})
	s := e.login(e.createIdentity(identityOptions{}))
	db := e.rawDB()
	rows, err := db.QueryContext(context.Background(), `SELECT * FROM sessions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for k := range vals {
			ptrs[k] = &vals[k]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for k, c := range cols {
			row[c] = toString(vals[k])
			for _, secret := range []string{s.Token, s.LogoutToken, s.Token[len(session.TokenPrefix):]} {
				if strings.Contains(row[c], secret) {
					t.Errorf("column %s holds a plain token", c)
				}
			}
		}
		if row["token_hash"] != session.HashToken(s.Token) || row["logout_token_hash"] != session.HashToken(s.LogoutToken) {
			t.Errorf("token_hash %q / logout_token_hash %q are not the SHA-256 of the tokens", row["token_hash"], row["logout_token_hash"])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d session rows, want 1", n)
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	default:
		return ""
	}
}
