package store_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
)

// every store call, for checking that each maps an outage the same way.
func everyCall(s *store.Store) map[string]func(ctx context.Context) error {
	return map[string]func(ctx context.Context) error{
		"create": func(ctx context.Context) error {
			return s.CreateIdentity(ctx, person{email: "x@example.org"}.identity())
		},
		"update": func(ctx context.Context) error {
			i := person{email: "x@example.org"}.identity()
			i.ID = uuid.New()
			return s.UpdateIdentity(ctx, i)
		},
		"find": func(ctx context.Context) error { _, err := s.FindIdentityByID(ctx, uuid.New(), true); return err },
		"find by identifier": func(ctx context.Context) error {
			_, err := s.FindIdentityByCredentialsIdentifier(ctx, identity.CredentialsPassword, "x")
			return err
		},
		"delete": func(ctx context.Context) error { return s.DeleteIdentity(ctx, uuid.New()) },
		"list": func(ctx context.Context) error {
			_, err := s.ListIdentities(ctx, identity.ListParams{Page: 1, PerPage: 1})
			return err
		},
		"migrate":        func(ctx context.Context) error { return s.Migrate(ctx) },
		"ensure network": func(ctx context.Context) error { return s.EnsureNetwork(ctx) },
		"status":         func(ctx context.Context) error { _, _, err := s.MigrationStatus(ctx); return err },
	}
}

// TestPostgresUnreachable: nothing listens on the port. Open succeeds (the
// pool connects lazily), every call answers 503 and Ready blames the database.
func TestPostgresUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := store.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", store.Options{})
	if err != nil {
		t.Fatalf("Open must not connect: %v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	for name, call := range everyCall(s) {
		t.Run(name, func(t *testing.T) { wantStatus(t, call(ctx), http.StatusServiceUnavailable) })
	}
	var nr *store.NotReadyError
	if err := s.Ready(ctx); !errors.As(err, &nr) || nr.Check != "database" {
		t.Errorf("Ready = %v, want a database NotReadyError", err)
	}
}

// TestClosedStoreUnavailable: a closed pool is an unavailable database.
func TestClosedStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite://"+t.TempDir()+"/w.sqlite", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	calls := everyCall(s)
	delete(calls, "ensure network") // the network id is known since Migrate
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { wantStatus(t, call(ctx), http.StatusServiceUnavailable) })
	}
	var nr *store.NotReadyError
	if err := s.Ready(ctx); !errors.As(err, &nr) || nr.Check != "database" {
		t.Errorf("Ready = %v, want a database NotReadyError", err)
	}
}
