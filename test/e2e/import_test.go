package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// importVectors are hashes made by other implementations (the sources are
// listed in internal/hash/vectors_test.go): each family Warden imports.
// Whether they verify is internal/hash's test; here they must be accepted
// by the admin API and stored verbatim (foundation §13 item 83).
var importVectors = []struct{ name, hash string }{
	{"bcrypt 2a", "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq"},
	{"bcrypt 2b", "$2b$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q."},
	{"bcrypt 2y", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"},
	{"argon2id", "$argon2id$v=19$m=16,t=2,p=1$bVI1aE1SaTV6SGQ3bzdXdw$fnjCcZYmEPOUOjYXsT92Cg"},
	{"argon2i", "$argon2i$v=19$m=65536,t=3,p=4$STVE4CQ9qQ1dK/j224VMbA$o8b+k5wdHgBqf7ES+aWG2K7Y9diQ6ahEhbW8zcstXGo"},
	{"pbkdf2 sha256", "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"},
	{"pbkdf2 sha512", "$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc"},
	{"pbkdf2 sha1", "$pbkdf2-sha1$i=4096,l=20$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
	{"scrypt", "$scrypt$ln=16384,r=8,p=1$ZtQva9xCHzlSELH/mA7Kj5KjH2tCrkbwYzdxknkL0QQ=$pnTcXKaWVT+FwFDdk3vO1K0J7ZgOxdSU1tCJNYmn8zI="},
	{"firebase scrypt", "$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw=="},
}

// TestPasswordImport: hashes of every supported family and cleartext
// passwords are accepted by admin create (201, identifiers from the
// traits, hash stored verbatim); hashes whose parameters would make a login
// run for minutes or exhaust memory are refused at once with 400.
func TestPasswordImport(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		url := s.AdminURL + "/admin/identities"
		hashed := func(email, h string) map[string]any {
			return map[string]any{
				"traits":      map[string]any{"email": email},
				"credentials": map[string]any{"password": map[string]any{"config": map[string]any{"hashed_password": h}}},
			}
		}

		for i, v := range importVectors {
			t.Run(v.name, func(t *testing.T) {
				email := fmt.Sprintf("Import%d@Example.org", i)
				r := call(t, "POST", url, hashed(email, v.hash))
				if r.Status != http.StatusCreated {
					t.Fatalf("import: %d %s", r.Status, r.Body)
				}
				id := wantIdentifiers(t, r, strings.ToLower(email))
				if got := storedHash(t, s, id); got != v.hash {
					t.Errorf("stored hash = %q, want it verbatim %q", got, v.hash)
				}
				if strings.Contains(string(r.Body), v.hash) || strings.Contains(string(r.Body), "hashed_password") {
					t.Errorf("the response shows the hash: %s", r.Body)
				}
			})
		}

		t.Run("cleartext", func(t *testing.T) {
			for _, pw := range []string{"123456", strings.Repeat("p", 72), "pässwörd 🔑"} {
				r := call(t, "POST", url, withPassword(fmt.Sprintf("clear%d@example.org", len(pw)), pw))
				if r.Status != http.StatusCreated {
					t.Fatalf("cleartext %q: %d %s", pw, r.Status, r.Body)
				}
				id := wantIdentifiers(t, r, fmt.Sprintf("clear%d@example.org", len(pw)))
				if h := storedHash(t, s, id); !strings.HasPrefix(h, "$2a$04$") {
					t.Errorf("stored %q, want a bcrypt hash of cost 4 (HASHERS_BCRYPT_COST in dev mode)", h)
				}
			}
			r := call(t, "POST", url, withPassword("clear73@example.org", strings.Repeat("p", 73)))
			r.wantError(t, http.StatusBadRequest, "72")
			// 72 bytes but 36 characters: bcrypt counts bytes.
			r = call(t, "POST", url, withPassword("clear-utf8@example.org", strings.Repeat("ü", 37)))
			r.wantError(t, http.StatusBadRequest, "72")
		})

		t.Run("refused", func(t *testing.T) {
			tests := []struct{ name, hash, reason string }{
				{"argon2 m=4294967295", "$argon2id$v=19$m=4294967295,t=2,p=1$bVI1aE1SaTV6SGQ3bzdXdw$fnjCcZYmEPOUOjYXsT92Cg", "m"},
				{"argon2 t=4294967295", "$argon2id$v=19$m=16,t=4294967295,p=1$bVI1aE1SaTV6SGQ3bzdXdw$fnjCcZYmEPOUOjYXsT92Cg", "t"},
				{"argon2 p=0", "$argon2id$v=19$m=16,t=2,p=0$bVI1aE1SaTV6SGQ3bzdXdw$fnjCcZYmEPOUOjYXsT92Cg", ""},
				{"pbkdf2 i=2147483647", "$pbkdf2-sha256$i=2147483647,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI", "i"},
				{"pbkdf2 i=4294967295", "$pbkdf2-sha512$i=4294967295,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc", ""},
				{"scrypt N=2^40", "$scrypt$ln=1099511627776,r=8,p=1$ZtQva9xCHzlSELH/mA7Kj5KjH2tCrkbwYzdxknkL0QQ=$pnTcXKaWVT+FwFDdk3vO1K0J7ZgOxdSU1tCJNYmn8zI=", "ln"},
				{"scrypt N=2^30", "$scrypt$ln=1073741824,r=8,p=1$ZtQva9xCHzlSELH/mA7Kj5KjH2tCrkbwYzdxknkL0QQ=$pnTcXKaWVT+FwFDdk3vO1K0J7ZgOxdSU1tCJNYmn8zI=", ""},
				{"scrypt p=2^30", "$scrypt$ln=16384,r=8,p=1073741824$ZtQva9xCHzlSELH/mA7Kj5KjH2tCrkbwYzdxknkL0QQ=$pnTcXKaWVT+FwFDdk3vO1K0J7ZgOxdSU1tCJNYmn8zI=", ""},
				{"firebase scrypt ln=40", "$firescrypt$ln=40,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==", ""},
				{"bcrypt cost 31", "$2a$31$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq", "cost"},
				{"empty pbkdf2 key", "$pbkdf2-sha256$i=1000,l=32$c2FsdA$", ""},
				{"unknown format", "plain-text-password",
					"The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2"},
				{"md5 (not in v0.10.1 and not supported)", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", ""},
			}
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := call(t, "POST", url, hashed(fmt.Sprintf("absurd%d@example.org", i), tt.hash))
					r.wantError(t, http.StatusBadRequest, tt.reason)
					if r.Took > 2*time.Second {
						t.Errorf("refusing took %v; it must not derive anything", r.Took)
					}
				})
			}
		})

		// Refused imports left nothing behind, and the server is still fine.
		var list []map[string]any
		r := call(t, "GET", url, nil)
		r.decode(t, &list)
		if want := len(importVectors) + 3; len(list) != want {
			t.Errorf("%d identities stored, want %d", len(list), want)
		}
	})
}

// wantIdentifiers checks credentials.password.identifiers of a create
// response and returns the identity id.
func wantIdentifiers(t *testing.T, r reply, ids ...string) string {
	t.Helper()
	var body struct {
		ID          string `json:"id"`
		Credentials map[string]struct {
			Identifiers []string        `json:"identifiers"`
			Config      json.RawMessage `json:"config"`
		} `json:"credentials"`
	}
	r.decode(t, &body)
	pw, ok := body.Credentials["password"]
	if !ok || strings.Join(pw.Identifiers, ",") != strings.Join(ids, ",") {
		t.Errorf("credentials = %s, want password identifiers %v", r.Body, ids)
	}
	if pw.Config != nil {
		t.Errorf("password config shown: %s", pw.Config)
	}
	return body.ID
}

// storedHash reads the identity's stored password hash from the database.
func storedHash(t *testing.T, s *Server, identityID string) string {
	t.Helper()
	driver, dsn := "pgx", s.DSN
	if strings.HasPrefix(s.DSN, "sqlite://") {
		path, _, _ := strings.Cut(strings.TrimPrefix(s.DSN, "sqlite://"), "?")
		driver, dsn = "sqlite", "file:"+path+"?mode=ro"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var config string
	err = db.QueryRow(`SELECT c.config FROM identity_credentials c
		JOIN identity_credential_types ct ON ct.id = c.identity_credential_type_id
		WHERE c.identity_id = $1 AND ct.name = 'password'`, identityID).Scan(&config)
	if err != nil {
		t.Fatalf("reading the stored credential: %v", err)
	}
	var c struct {
		HashedPassword string `json:"hashed_password"`
	}
	if err := json.Unmarshal([]byte(config), &c); err != nil {
		t.Fatalf("stored config %q: %v", config, err)
	}
	return c.HashedPassword
}
