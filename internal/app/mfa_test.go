package app

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
)

// TestFactorChanges: the bridge keeps one entry per flow, hands it out once
// (take), and forgets entries whose update was never stored.
func TestFactorChanges(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &factorChanges{m: map[uuid.UUID]factorChange{}, now: func() time.Time { return now }}
	a, b := uuid.New(), uuid.New()
	c.RecordFactorChange(a, identity.CredentialsTOTP, true)
	if m, added, ok := c.FactorChange(a); !ok || !added || m != identity.CredentialsTOTP {
		t.Fatalf("FactorChange = %v %v %v", m, added, ok)
	}
	if _, _, ok := c.FactorChange(b); ok {
		t.Fatal("an unknown flow has a change")
	}
	if e, ok := c.take(a); !ok || !e.added {
		t.Fatalf("take = %+v %v", e, ok)
	}
	if _, ok := c.take(a); ok {
		t.Fatal("an entry was handed out twice")
	}
	c.RecordFactorChange(a, identity.CredentialsLookupSecret, false)
	c.ClearFactorChange(a)
	if _, _, ok := c.FactorChange(a); ok {
		t.Fatal("a cleared entry survived")
	}
	c.RecordFactorChange(a, identity.CredentialsTOTP, true)
	now = now.Add(factorChangeTTL + time.Second)
	if _, ok := c.take(a); ok {
		t.Fatal("an expired entry was handed out")
	}
	c.RecordFactorChange(b, identity.CredentialsTOTP, true) // prunes a
	if len(c.m) != 1 {
		t.Fatalf("%d entries, want the expired one pruned", len(c.m))
	}
}
