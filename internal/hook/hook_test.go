package hook

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// fakeRevoker records its calls.
type fakeRevoker struct {
	calls []struct{ identity, keep uuid.UUID }
	err   error
}

func (f *fakeRevoker) RevokeOtherSessions(_ context.Context, identityID, keep uuid.UUID) (int, error) {
	f.calls = append(f.calls, struct{ identity, keep uuid.UUID }{identityID, keep})
	return 2, f.err
}

func TestRevokeActiveSessions(t *testing.T) {
	boom := errors.New("db down")
	tests := []struct {
		name    string
		err     error
		hc      func(Context) Context
		wantErr string
		calls   int
	}{
		{name: "keeps the current session", hc: func(c Context) Context { return c }, calls: 1},
		{name: "no current session keeps none", hc: func(c Context) Context { c.CurrentSessionID = uuid.Nil; return c }, calls: 1},
		{name: "revoker error is wrapped", err: boom, hc: func(c Context) Context { return c }, wantErr: "db down", calls: 1},
		{name: "no identity", hc: func(c Context) Context { c.IdentityID = uuid.Nil; return c }, wantErr: "no identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rv := &fakeRevoker{err: tt.err}
			h, err := FromConfig("k", Config{Hook: NameRevokeActiveSessions}, Deps{Revoker: rv})
			if err != nil {
				t.Fatal(err)
			}
			if h.Name() != "revoke_active_sessions" {
				t.Errorf("Name = %q", h.Name())
			}
			hc := tt.hc(testContext())
			err = h.Run(context.Background(), hc)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Run: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("err %v does not wrap %v", err, tt.err)
			}
			if len(rv.calls) != tt.calls {
				t.Fatalf("calls = %d, want %d", len(rv.calls), tt.calls)
			}
			if tt.calls == 1 && (rv.calls[0].identity != hc.IdentityID || rv.calls[0].keep != hc.CurrentSessionID) {
				t.Errorf("revoked (%s, keep %s), want (%s, keep %s)", rv.calls[0].identity, rv.calls[0].keep, hc.IdentityID, hc.CurrentSessionID)
			}
		})
	}
}

func TestMarkersAndPrePersist(t *testing.T) {
	deps := Deps{Revoker: &fakeRevoker{}}
	tests := []struct {
		c       Config
		name    string
		pre     bool
		checkTy func(Hook) bool
	}{
		{Config{Hook: "session"}, "session", false, func(h Hook) bool { _, ok := h.(Session); return ok }},
		{Config{Hook: "require_verified_address"}, "require_verified_address", false,
			func(h Hook) bool { _, ok := h.(RequireVerifiedAddress); return ok }},
		{Config{Hook: "revoke_active_sessions"}, "revoke_active_sessions", false,
			func(h Hook) bool { _, ok := h.(*RevokeActiveSessions); return ok }},
		{Config{Hook: "web_hook", Config: map[string]any{"url": "https://x.example.com"}}, "web_hook", false,
			func(h Hook) bool { _, ok := h.(*WebHook); return ok }},
		{Config{Hook: "web_hook", Config: map[string]any{"url": "https://x.example.com", "response": map[string]any{"parse": true}}},
			"web_hook", true, func(h Hook) bool { _, ok := h.(IdentityUpdater); return ok }},
		{Config{Hook: "web_hook", Config: map[string]any{"url": "https://x.example.com", "can_interrupt": true}},
			"web_hook", true, func(h Hook) bool { _, ok := h.(*WebHook); return ok }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := FromConfig("k", tt.c, deps)
			if err != nil {
				t.Fatal(err)
			}
			if h.Name() != tt.name || !tt.checkTy(h) || PrePersist(h) != tt.pre {
				t.Errorf("%T: Name %q, PrePersist %v", h, h.Name(), PrePersist(h))
			}
		})
	}
	// Markers do nothing themselves.
	for _, h := range []Hook{Session{}, RequireVerifiedAddress{}} {
		if err := h.Run(context.Background(), Context{}); err != nil {
			t.Errorf("%T.Run: %v", h, err)
		}
	}
}
