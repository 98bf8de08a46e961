package store_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

// TestConcurrentDuplicateCreate: 32 registrations of one identifier at once.
// Exactly one wins; every other gets 409, never "database is locked" (503)
// or a 500, and nobody waits for a lock timeout.
func TestConcurrentDuplicateCreate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		const n = 32
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for k := range n {
			wg.Go(func() {
				<-start
				// Distinct addresses, one shared identifier: only the
				// identifier index can reject.
				i := person{email: fmt.Sprintf("racer%02d@example.org", k), username: "same-user"}.identity()
				errs[k] = s.CreateIdentity(ctx, i)
			})
		}
		began := time.Now()
		close(start)
		wg.Wait()
		elapsed := time.Since(began)

		var ok, conflict int
		for k, err := range errs {
			switch {
			case err == nil:
				ok++
			case apierr.Is(err, http.StatusConflict):
				conflict++
			default:
				t.Errorf("racer %d: status %d: %v", k, apierr.StatusOf(err), err)
			}
		}
		if ok != 1 || conflict != n-1 {
			t.Errorf("%d succeeded, %d conflicted; want 1 and %d", ok, conflict, n-1)
		}
		// Serialised short transactions take milliseconds each; a busy
		// timeout (10s) would show here.
		if elapsed > 5*time.Second {
			t.Errorf("32 creates took %v: writers waited on lock timeouts", elapsed)
		}
		res, err := s.ListIdentities(ctx, identity.ListParams{Page: 1, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 {
			t.Errorf("%d identities stored, want 1", res.Total)
		}
	})
}

// TestConcurrentDistinctCreate: concurrent writers of different identities
// all succeed.
func TestConcurrentDistinctCreate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		const n, readers = 32, 8
		ctx := context.Background()
		errs := make(chan error, n+readers)
		var wg sync.WaitGroup
		for k := range n {
			wg.Go(func() {
				errs <- s.CreateIdentity(ctx, person{email: fmt.Sprintf("many%02d@example.org", k)}.identity())
			})
		}
		// Readers run alongside the writers.
		for range readers {
			wg.Go(func() {
				_, err := s.ListIdentities(ctx, identity.ListParams{Page: 1, PerPage: 50})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("status %d: %v", apierr.StatusOf(err), err)
			}
		}
		res, err := s.ListIdentities(ctx, identity.ListParams{Page: 1, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != n {
			t.Errorf("%d identities stored, want %d", res.Total, n)
		}
	})
}
