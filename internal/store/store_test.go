package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

// Contract tests: every test here runs once per dialect through
// storetest.Run (t.Run("database=sqlite"), and "database=postgres" when
// WARDEN_TEST_POSTGRES_DSN is set).

// person builds an identity with a password credential identified by email
// and both address kinds for it.
type person struct {
	email    string
	username string // optional second identifier
}

func (p person) identity() *identity.Identity {
	ids := []string{p.email}
	if p.username != "" {
		ids = append(ids, p.username)
	}
	return &identity.Identity{
		SchemaID: "default",
		Traits:   json.RawMessage(`{"email":"` + p.email + `"}`),
		Credentials: map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {
				Identifiers: ids,
				Config:      json.RawMessage(`{"hashed_password":"$2a$12$abc"}`),
			},
		},
		VerifiableAddresses: []identity.VerifiableAddress{
			{Value: p.email, Via: identity.ViaEmail, Status: identity.AddressStatusPending},
		},
		RecoveryAddresses: []identity.RecoveryAddress{{Value: p.email, Via: identity.ViaEmail}},
	}
}

func mustCreate(t *testing.T, s *store.Store, i *identity.Identity) *identity.Identity {
	t.Helper()
	if err := s.CreateIdentity(context.Background(), i); err != nil {
		t.Fatalf("CreateIdentity: %v", err)
	}
	return i
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want status %d", status)
	}
	if got := apierr.StatusOf(err); got != status {
		t.Fatalf("status = %d, want %d (error: %v)", got, status, err)
	}
}

// jsonEqual compares JSON documents by meaning: PostgreSQL's JSONB
// normalises whitespace and key order.
var jsonEqual = cmp.Comparer(func(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
})

var cmpIdentity = []cmp.Option{
	jsonEqual,
	// Empty and nil slices and maps are equal, except for JSON, where nil
	// (absent) and an empty document differ.
	cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().Type() != reflect.TypeFor[json.RawMessage]()
	}, cmpopts.EquateEmpty()),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

func TestStoreDialect(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		if !strings.HasSuffix(t.Name(), "/database="+s.Dialect()) {
			t.Errorf("Dialect() = %q in %s", s.Dialect(), t.Name())
		}
		if s.NID().String() == "00000000-0000-0000-0000-000000000000" {
			t.Error("NID() is zero after Migrate")
		}
	})
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "memory", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	i := mustCreate(t, s, person{email: "mem@example.org"}.identity())
	// Many connections must see the one in-memory database.
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := s.FindIdentityByID(ctx, i.ID, true)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	wantStatus(t, s.CreateIdentity(ctx, person{email: "mem@example.org"}.identity()), http.StatusConflict)
}

func isStatus(err error, status int) bool { return apierr.StatusOf(err) == status }

// TestSQLitePragmas: every pooled connection runs with the settings the
// store relies on, whatever the DSN asked for.
func TestSQLitePragmas(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenDSN(t, "sqlite://"+t.TempDir()+"/p.sqlite?_fk=false&_journal_mode=DELETE&_busy_timeout=1")
	db := store.DB(s)
	db.SetMaxIdleConns(0) // each query below may get a fresh connection
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "10000",
		"synchronous":  "1", // NORMAL
	} {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

// TestSQLiteDSNForms: each SQLite DSN form of decision D3 opens a working,
// file-backed (or memory) database.
func TestSQLiteDSNForms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct{ dsn, file string }{
		{"sqlite://" + dir + "/abs.sqlite?_fk=true", "abs.sqlite"},
		{"sqlite://./rel.sqlite?_fk=true&mode=rwc", "rel.sqlite"},
		{"sqlite://bare.sqlite", "bare.sqlite"},
		{"file:" + dir + "/uri.sqlite?cache=shared", "uri.sqlite"},
		{"memory", ""},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenDSN(t, tt.dsn)
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			mustCreate(t, s, person{email: "form@example.org"}.identity())
			if tt.file == "" {
				return
			}
			if _, err := os.Stat(filepath.Join(dir, tt.file)); err != nil {
				t.Errorf("database file: %v", err)
			}
		})
	}
}
