package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/session"
)

// BenchmarkWhoami measures GET /sessions/whoami through the handler on
// SQLite with 1,000 and 100,000 identities, each with one session (plus
// addresses and a password credential): whoami is one indexed read of
// session, identity and addresses, so ns/op must not grow with the table
// sizes.
func BenchmarkWhoami(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("identities=%d", n), func(b *testing.B) {
			e := newEnv(b, envOptions{})
			seedIdentities(b, e, n)
			token := e.login(e.createIdentity(identityOptions{})).Token
			req := httptest.NewRequest(http.MethodGet, "/sessions/whoami", nil)
			req.Header.Set(session.HeaderSessionToken, token)

			w := httptest.NewRecorder()
			e.public.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("whoami = %d %s", w.Code, w.Body.String())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				e.public.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("whoami = %d", w.Code)
				}
			}
		})
	}
}

// seedIdentities inserts n identities with a password credential, one
// address of each kind and one active session each, in a few statements
// (the API would take minutes).
func seedIdentities(b *testing.B, e *env, n int) {
	b.Helper()
	ctx := context.Background()
	db := e.rawDB()
	nid := e.store.NID()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	later := time.Now().UTC().Add(24 * time.Hour).Format("2006-01-02T15:04:05.000000Z")
	id := func(kind int) string { return fmt.Sprintf(`printf('%%08x-%04x-4000-8000-%%012x', k, k)`, kind) }
	seq := fmt.Sprintf(`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k+1 FROM n WHERE k < %d) `, n)
	stmts := []string{
		seq + `INSERT INTO identities (id, nid, schema_id, traits, state, created_at, updated_at, available_aal)
			SELECT ` + id(0) + `, $1, 'default', '{"email":"user' || k || '@example.org"}', 'active', $2, $2, 'aal1' FROM n`,
		seq + `INSERT INTO identity_credentials (id, nid, identity_id, identity_credential_type_id, config, version, created_at, updated_at)
			SELECT ` + id(1) + `, $1, ` + id(0) + `, (SELECT id FROM identity_credential_types WHERE name = 'password'),
			'{"hashed_password":"$2a$12$x"}', 0, $2, $2 FROM n`,
		seq + `INSERT INTO identity_credential_identifiers (id, nid, identity_credential_id, identity_credential_type_id, identifier, created_at, updated_at)
			SELECT ` + id(2) + `, $1, ` + id(1) + `, (SELECT id FROM identity_credential_types WHERE name = 'password'),
			'user' || k || '@example.org', $2, $2 FROM n`,
		seq + `INSERT INTO identity_verifiable_addresses (id, nid, identity_id, via, value, verified, status, created_at, updated_at)
			SELECT ` + id(3) + `, $1, ` + id(0) + `, 'email', 'user' || k || '@example.org', 0, 'pending', $2, $2 FROM n`,
		seq + `INSERT INTO identity_recovery_addresses (id, nid, identity_id, via, value, created_at, updated_at)
			SELECT ` + id(4) + `, $1, ` + id(0) + `, 'email', 'user' || k || '@example.org', $2, $2 FROM n`,
		seq + `INSERT INTO sessions (id, nid, identity_id, token_hash, logout_token_hash, active, aal, authentication_methods,
			issued_at, expires_at, authenticated_at, created_at, updated_at)
			SELECT ` + id(5) + `, $1, ` + id(0) + `, lower(hex(randomblob(32))), lower(hex(randomblob(32))), 1, 'aal1',
			'[{"method":"password","aal":"aal1","completed_at":"` + now + `"}]', $2, $3, $2, $2, $2 FROM n`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s, nid, now, later); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatalf("analyze: %v", err)
	}
}
