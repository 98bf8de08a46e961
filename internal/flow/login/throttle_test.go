package login

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/session"
)

// withThrottle rebuilds the harness's handler with o, as the app does from
// selfservice.flows.login.throttle.*.
func (hs *harness) withThrottle(o ThrottleOptions) {
	opts := hs.h.o
	opts.Throttle = o
	hs.h = NewHandler(hs.flows, hs.throttle, hs.sessions, hs.h.order, hs.rs, opts)
}

// TestThrottleOptions: the configured limits apply, and Enabled false
// neither refuses nor counts.
func TestThrottleOptions(t *testing.T) {
	tests := []struct {
		name string
		o    ThrottleOptions
		// identifier of the failing attempts; "" = a new one each time
		identifier string
		failures   int
		// wantStatus is the answer to the next (right) attempt; wantCounts
		// the number of counters left after it.
		wantStatus int
		wantCounts int
	}{
		{"identifier limit 2", ThrottleOptions{Enabled: true, Window: time.Minute, MaxPerIdentifier: 2, MaxPerAddress: 100},
			"bob", 2, http.StatusTooManyRequests, 2},
		{"below identifier limit", ThrottleOptions{Enabled: true, Window: time.Minute, MaxPerIdentifier: 5, MaxPerAddress: 100},
			"bob", 4, http.StatusOK, 1},
		{"address limit", ThrottleOptions{Enabled: true, Window: time.Minute, MaxPerIdentifier: 100, MaxPerAddress: 3},
			"", 3, http.StatusTooManyRequests, 4},
		{"disabled", ThrottleOptions{Enabled: false, Window: time.Minute, MaxPerIdentifier: 1, MaxPerAddress: 1},
			"bob", 5, http.StatusOK, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			hs.withThrottle(tt.o)
			for i := range tt.failures {
				id := tt.identifier
				if id == "" {
					id = fmt.Sprintf("user%d", i)
				}
				b := fmt.Sprintf(`{"method":"password","identifier":%q,"password":"wrong"}`, id)
				if w := submit(hs, hs.newAPIFlow(t, "", ""), b, ""); w.Code != http.StatusBadRequest {
					t.Fatalf("attempt %d: %d %s", i, w.Code, w.Body)
				}
			}
			id := tt.identifier
			if id == "" {
				id = "someone-else"
			}
			b := fmt.Sprintf(`{"method":"password","identifier":%q,"password":"right"}`, id)
			if w := submit(hs, hs.newAPIFlow(t, "", ""), b, ""); w.Code != tt.wantStatus {
				t.Fatalf("right attempt: %d %s, want %d", w.Code, w.Body, tt.wantStatus)
			}
			// A success clears the identifier's counter, never the address's.
			if got := len(hs.throttle.counts); got != tt.wantCounts {
				t.Errorf("counters %v, want %d of them", hs.throttle.counts, tt.wantCounts)
			}
		})
	}
}

// TestThrottleSecondFactor: second-factor codes carry no identifier, so
// their failures count against the session's identity with the
// per-identifier limit (3 in the harness), far below the address limit.
func TestThrottleSecondFactor(t *testing.T) {
	hs := newHarness(t)
	sess := hs.signIn(session.AAL1)
	sum := sha256.Sum256([]byte(hs.user.ID.String()))
	key := "identity:" + hex.EncodeToString(sum[:])
	wrong := `{"method":"totp","password":"wrong"}`
	for i := range 3 {
		if w := submit(hs, hs.newAPIFlow(t, "aal=aal2", "current"), wrong, "current"); w.Code != http.StatusBadRequest {
			t.Fatalf("attempt %d: %d %s", i, w.Code, w.Body)
		}
	}
	if hs.throttle.counts[key] != 3 {
		t.Fatalf("counters %v, want %s = 3", hs.throttle.counts, key)
	}
	for k := range hs.throttle.counts {
		if strings.Contains(k, hs.user.ID.String()) {
			t.Errorf("throttle key %q holds the identity id in clear", k)
		}
	}
	// The fourth code, even right, is refused.
	w := submit(hs, hs.newAPIFlow(t, "aal=aal2", "current"), `{"method":"totp","password":"right"}`, "current")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("throttled identity: %d %s", w.Code, w.Body)
	}
	// Another identity from the same address is not throttled.
	sess.IdentityID = uuid.New()
	if w := submit(hs, hs.newAPIFlow(t, "aal=aal2", "current"), wrong, "current"); w.Code != http.StatusBadRequest {
		t.Fatalf("other identity: %d %s", w.Code, w.Body)
	}
}

// TestThrottleSecondFactorReset: a right code clears the identity's counter.
func TestThrottleSecondFactorReset(t *testing.T) {
	hs := newHarness(t)
	hs.signIn(session.AAL1)
	for range 2 {
		if w := submit(hs, hs.newAPIFlow(t, "aal=aal2", "current"), `{"method":"totp","password":"wrong"}`, "current"); w.Code != http.StatusBadRequest {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	if w := submit(hs, hs.newAPIFlow(t, "aal=aal2", "current"), `{"method":"totp","password":"right"}`, "current"); w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for k := range hs.throttle.counts {
		if strings.HasPrefix(k, "identity:") {
			t.Errorf("counter %s = %d after a success", k, hs.throttle.counts[k])
		}
	}
}
