package hook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Hook names as they appear in the configuration. Wire values.
const (
	NameWebHook                = "web_hook"
	NameSession                = "session"
	NameRevokeActiveSessions   = "revoke_active_sessions"
	NameRequireVerifiedAddress = "require_verified_address"
)

// DefaultTimeout bounds one web_hook call (and a template fetch at startup)
// when Deps.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Context is what a hook sees. Flow and Identity are wire JSON values
// (anything encoding/json can marshal): the flow as the public API shows it
// and the identity in its admin view. Session may be nil (before hooks,
// settings). Identity may be nil (before hooks).
type Context struct {
	Flow           any
	Identity       any
	Session        any
	RequestHeaders http.Header
	RequestMethod  string
	RequestURL     string
	// FlowType is "api" or "browser".
	FlowType string
	// IdentityID and CurrentSessionID drive revoke_active_sessions: every
	// session of IdentityID except CurrentSessionID is revoked (uuid.Nil keeps
	// none).
	IdentityID       uuid.UUID
	CurrentSessionID uuid.UUID
}

// Hook is one configured hook.
type Hook interface {
	// Name is the configured hook name (NameWebHook, …).
	Name() string
	// Run executes the hook. Errors: *InterruptError when a parsing web_hook
	// asks the flow to show messages; any other error means the hook failed.
	Run(ctx context.Context, hc Context) error
}

// SessionRevoker revokes an identity's sessions except one; the session
// package implements it. It returns how many sessions it revoked.
type SessionRevoker interface {
	RevokeOtherSessions(ctx context.Context, identityID, keep uuid.UUID) (int, error)
}

// Deps is what hooks need from the app. Every field is optional except
// Revoker, which revoke_active_sessions requires.
type Deps struct {
	// HTTPClient is the base client for web_hook calls and template fetches;
	// nil means a client with a clone of http.DefaultTransport. It is copied,
	// never modified.
	HTTPClient *http.Client
	Revoker    SessionRevoker
	Log        *slog.Logger
	// DisallowPrivateIPRanges is clients.http.disallow_private_ip_ranges
	// (Kratos default false). It needs HTTPClient's transport to be nil or an
	// *http.Transport, because the check lives in the dialer.
	DisallowPrivateIPRanges bool
	// Timeout bounds one call; zero means DefaultTimeout.
	Timeout time.Duration
}

// Config is one entry of a hooks list. It has the same fields as
// config.Hook, so the app converts with hook.Config(h).
type Config struct {
	Hook   string         // hook name
	Config map[string]any // its config object, as decoded from YAML/JSON
}

// FromConfig validates one hooks-list entry and builds its hook. keyPath is
// where the entry sits in the configuration (for example
// "selfservice.flows.settings.after.hooks[0]"); every error names the
// offending key below it ("<keyPath>.config.url: …"). web_hook templates
// are loaded and parsed here, once; an http(s) template is fetched now.
func FromConfig(keyPath string, c Config, deps Deps) (Hook, error) {
	switch c.Hook {
	case NameWebHook:
		return newWebHook(keyPath, c.Config, deps)
	case NameRevokeActiveSessions:
		if deps.Revoker == nil {
			return nil, fmt.Errorf("%s.hook: %s needs a session revoker (wiring error)", keyPath, c.Hook)
		}
		return &RevokeActiveSessions{revoker: deps.Revoker, log: logger(deps)}, nil
	case NameSession:
		return Session{}, nil
	case NameRequireVerifiedAddress:
		return RequireVerifiedAddress{}, nil
	case "":
		return nil, fmt.Errorf("%s.hook: is required", keyPath)
	default:
		return nil, fmt.Errorf("%s.hook: unknown hook %q", keyPath, c.Hook)
	}
}

// PrePersist reports whether h belongs in the pre-persist slot: only a
// web_hook with response.parse or can_interrupt does (v1). Flows run the
// others after the identity is saved, and skip pre-persist hooks there.
func PrePersist(h Hook) bool {
	w, ok := h.(*WebHook)
	return ok && w.PrePersist()
}

// Session marks the session hook (registration: sign the new identity in).
// The registration flow acts on it; Run does nothing.
type Session struct{}

// Name implements Hook.
func (Session) Name() string { return NameSession }

// Run implements Hook; the flow does the work.
func (Session) Run(context.Context, Context) error { return nil }

// RequireVerifiedAddress marks the require_verified_address hook (password
// logins fail unless an address is verified). The login flow acts on it; Run
// does nothing.
type RequireVerifiedAddress struct{}

// Name implements Hook.
func (RequireVerifiedAddress) Name() string { return NameRequireVerifiedAddress }

// Run implements Hook; the flow does the work.
func (RequireVerifiedAddress) Run(context.Context, Context) error { return nil }

// RevokeActiveSessions is revoke_active_sessions: it revokes every other
// session of the identity, keeping the current one (foundation §1.7; v1
// settings after auth methods).
type RevokeActiveSessions struct {
	revoker SessionRevoker
	log     *slog.Logger
}

// Name implements Hook.
func (*RevokeActiveSessions) Name() string { return NameRevokeActiveSessions }

// Run revokes hc.IdentityID's sessions except hc.CurrentSessionID.
func (r *RevokeActiveSessions) Run(ctx context.Context, hc Context) error {
	if hc.IdentityID == uuid.Nil {
		return errors.New("hook: revoke_active_sessions: no identity in the hook context")
	}
	n, err := r.revoker.RevokeOtherSessions(ctx, hc.IdentityID, hc.CurrentSessionID)
	if err != nil {
		return fmt.Errorf("hook: revoke_active_sessions for identity %s: %w", hc.IdentityID, err)
	}
	r.log.DebugContext(ctx, "hook: revoked other sessions", "identity_id", hc.IdentityID, "revoked", n)
	return nil
}

func logger(d Deps) *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.DiscardHandler)
}

func timeout(d Deps) time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return DefaultTimeout
}
