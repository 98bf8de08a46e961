package login

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
)

// ThrottleOptions configure login throttling (D18). The defaults are
// generous: they stop guessing, not people who mistype.
type ThrottleOptions struct {
	Enabled bool
	// Window is the length of a counting window (default 5m).
	Window time.Duration
	// MaxPerIdentifier is the number of failed logins for one identifier
	// (at aal2: one session identity) in one window after which logins for
	// it are refused until the window ends (default 20).
	MaxPerIdentifier int
	// MaxPerAddress is the same per client IP address (default 1000: behind
	// a reverse proxy every client shares one address, so this limit must
	// stay far above what one identifier may do).
	MaxPerAddress int
}

// DefaultThrottleOptions are on, 20 failures per identifier and 1000 per
// client address in 5 minutes.
func DefaultThrottleOptions() ThrottleOptions {
	return ThrottleOptions{Enabled: true, Window: 5 * time.Minute, MaxPerIdentifier: 20, MaxPerAddress: 1000}
}

// throttledReason is the flow message of a throttled login (status 429).
// Kratos has no throttle, so no message id of its own: the generic 4000001
// carries the text.
const throttledReason = "Too many failed sign-in attempts. Please wait a few minutes and try again."

type throttle struct {
	store ThrottleStore
	o     ThrottleOptions
	log   *slog.Logger
	now   func() time.Time
}

func newThrottle(s ThrottleStore, o ThrottleOptions, log *slog.Logger, now func() time.Time) *throttle {
	if s == nil {
		o.Enabled = false
	}
	if o.Window <= 0 {
		o.Window = 5 * time.Minute
	}
	return &throttle{store: s, o: o, log: log, now: now}
}

// throttleKeys are the counters a submission touches: one per identifier
// (hashed: the table must not become a list of e-mail addresses) and one per
// client address. A second-factor submission (TOTP, lookup, WebAuthn code)
// carries no identifier; its identifier counter is the session's identity,
// so one account's codes cannot be guessed at the address limit.
type throttleKeys struct {
	identifier, address string
}

func (k throttleKeys) all() []string {
	var out []string
	for _, s := range []string{k.identifier, k.address} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// keys derives the counters of a submission; sess is the request's
// session, nil when it has none.
func (t *throttle) keys(r *http.Request, body map[string]any, sess *session.Session) throttleKeys {
	if !t.o.Enabled {
		return throttleKeys{}
	}
	var k throttleKeys
	id, _ := body["identifier"].(string)
	if id == "" {
		id, _ = body["password_identifier"].(string)
	}
	if id = strings.ToLower(strings.TrimSpace(id)); id != "" {
		k.identifier = hashedKey("identifier:", id)
	} else if sess != nil && sess.IdentityID != uuid.Nil {
		k.identifier = hashedKey("identity:", sess.IdentityID.String())
	}
	// RemoteAddr only: forwarded headers can be forged by the client.
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil && host != "" {
		k.address = "address:" + host
	}
	return k
}

// hashedKey is prefix + the hex SHA-256 of v.
func hashedKey(prefix, v string) string {
	sum := sha256.Sum256([]byte(v))
	return prefix + hex.EncodeToString(sum[:])
}

// check refuses the login when a counter is full. The refusal does not
// depend on whether the identifier exists.
// It returns the counts it read, for succeed.
func (t *throttle) check(ctx context.Context, k throttleKeys) (map[string]int, error) {
	keys := k.all()
	if !t.o.Enabled || len(keys) == 0 {
		return nil, nil
	}
	counts, err := t.store.LoginFailures(ctx, keys, t.now(), t.o.Window)
	if err != nil {
		return nil, err
	}
	if (k.identifier != "" && t.o.MaxPerIdentifier > 0 && counts[k.identifier] >= t.o.MaxPerIdentifier) ||
		(k.address != "" && t.o.MaxPerAddress > 0 && counts[k.address] >= t.o.MaxPerAddress) {
		return counts, &flow.FormError{Status: http.StatusTooManyRequests, Messages: []flow.FieldMessage{{
			Message: text.Message{ID: text.IDValidationGeneric, Text: throttledReason, Type: text.Error}}}}
	}
	return counts, nil
}

// fail counts a failed login. A failing store is logged: the answer to the
// client is already decided.
func (t *throttle) fail(ctx context.Context, k throttleKeys) {
	keys := k.all()
	if !t.o.Enabled || len(keys) == 0 {
		return
	}
	if err := t.store.RecordLoginFailure(ctx, keys, t.now(), t.o.Window); err != nil {
		t.log.WarnContext(ctx, "login throttle: recording a failure failed", "error", err.Error())
	}
}

// succeed clears the identifier's counter when it has one (so a plain
// login writes nothing here); the address counter stays, so one valid
// account cannot reset an address that guesses others.
func (t *throttle) succeed(ctx context.Context, k throttleKeys, counts map[string]int) {
	if !t.o.Enabled || k.identifier == "" || counts[k.identifier] == 0 {
		return
	}
	if err := t.store.ResetLoginFailures(ctx, []string{k.identifier}); err != nil {
		t.log.WarnContext(ctx, "login throttle: reset failed", "error", err.Error())
	}
}
