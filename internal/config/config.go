package config

import (
	"encoding/json"
	"net/url"
	"time"
)

// Config is the subset of Kratos's configuration Warden understands. Field
// comments give the config key. Defaults are Kratos's (foundation §11.1).
type Config struct {
	DSN string // dsn
	Dev bool   // dev (and the --dev flag)

	Log Log // log.*

	Serve struct {
		Public Listener // serve.public.*
		Admin  Listener // serve.admin.*
	}

	// Secrets after Load: Cookie is never empty (secrets.cookie, else
	// secrets.default, else generated in dev or no-file mode); Default falls
	// back to Cookie so it is never empty either. The first entry signs.
	Secrets struct {
		Default []string // secrets.default
		Cookie  []string // secrets.cookie (falls back to default)
		Cipher  []string // secrets.cipher (exactly 32 chars each; may be empty)
	}

	Identity struct {
		DefaultSchemaID string         // identity.default_schema_id ("default")
		Schemas         []SchemaSource // identity.schemas
	}

	Selfservice Selfservice // selfservice.*

	Session Session // session.*

	Cookies Cookies // cookies.*

	Hashers Hashers // hashers.*

	Courier struct {
		SMTP struct {
			ConnectionURI string            // courier.smtp.connection_uri (smtp:// or smtps://)
			FromAddress   string            // courier.smtp.from_address (no-reply@ory.kratos.sh)
			FromName      string            // courier.smtp.from_name
			Headers       map[string]string // courier.smtp.headers
			LocalName     string            // courier.smtp.local_name (localhost)
		}
		MessageTTL time.Duration // courier.message_ttl (1h)
	}

	Clients struct {
		HTTP struct {
			DisallowPrivateIPRanges bool     // clients.http.disallow_private_ip_ranges (false)
			PrivateIPExceptionURLs  []string // clients.http.private_ip_exception_urls (v1)
		}
	}

	// Warnings collected while loading (unknown keys, generated dev secrets,
	// guessed base URLs). The caller logs them.
	Warnings []string
}

// Log is log.*.
type Log struct {
	Level               string // log.level (info)
	Format              string // log.format (text|json)
	LeakSensitiveValues bool   // log.leak_sensitive_values
	RedactionText       string // log.redaction_text
}

// Listener is serve.public or serve.admin.
type Listener struct {
	Host    string   // host (0.0.0.0; 127.0.0.1 when no config file and --dev)
	Port    int      // port (4433 / 4434)
	BaseURL *url.URL // base_url (guessed when unset: http(s)://<host or hostname>:<port>/)
	// RequestBodyLimit caps request bodies (Warden key serve.*.request_body_limit_bytes, default 1 MiB).
	RequestBodyLimit int64
}

// SchemaSource is one identity.schemas entry.
type SchemaSource struct {
	ID  string
	URL string // file://, base64://, http(s)://
}

// Selfservice is selfservice.*.
type Selfservice struct {
	DefaultBrowserReturnURL *url.URL   // selfservice.default_browser_return_url
	AllowedReturnURLs       []*url.URL // selfservice.allowed_return_urls
	Methods                 Methods
	Flows                   Flows
}

// Methods is selfservice.methods.*.
type Methods struct {
	Password struct {
		Enabled bool // true
		Config  struct {
			HaveIBeenPwnedEnabled            bool   // haveibeenpwned_enabled (true)
			HaveIBeenPwnedHost               string // haveibeenpwned_host (api.pwnedpasswords.com)
			MaxBreaches                      int    // max_breaches (0)
			IgnoreNetworkErrors              bool   // ignore_network_errors (true)
			MinPasswordLength                int    // min_password_length (8)
			IdentifierSimilarityCheckEnabled bool   // identifier_similarity_check_enabled (true)
		}
	}
	Profile struct{ Enabled bool } // true
	Link    struct {
		Enabled bool // true
		Config  struct {
			Lifespan time.Duration // config.lifespan (1h)
			BaseURL  *url.URL      // config.base_url (the public base URL)
		}
	}
	TOTP struct {
		Enabled bool   // false
		Issuer  string // config.issuer (public URL hostname)
	}
	LookupSecret struct{ Enabled bool } // false
	WebAuthn     struct {
		Enabled      bool // false
		Passwordless bool // config.passwordless
		// NativeFlows is Warden's config.native_flows (false): WebAuthn in
		// API flows too (issue 5, webauthn; README "Differences from Kratos").
		NativeFlows bool
		RP          struct {
			DisplayName string   // config.rp.display_name
			ID          string   // config.rp.id
			Origin      string   // config.rp.origin
			Origins     []string // config.rp.origins (v1); when unset: [origin], else [<public scheme>://<rp.id>]
		}
	}
	OIDC struct {
		Enabled bool // false
		Config  struct {
			BaseRedirectURI *url.URL       // config.base_redirect_uri (nil: the public base URL)
			Providers       []OIDCProvider // config.providers
		}
	}
}

// OIDCProvider is one selfservice.methods.oidc.config.providers entry. Only
// the fields Kratos v0.10.1 documents; json tags are the config keys.
type OIDCProvider struct {
	ID              string          `json:"id"`
	Provider        string          `json:"provider"`
	Label           string          `json:"label,omitempty"`
	ClientID        string          `json:"client_id"`
	ClientSecret    string          `json:"client_secret,omitempty"`
	IssuerURL       string          `json:"issuer_url,omitempty"`
	AuthURL         string          `json:"auth_url,omitempty"`
	TokenURL        string          `json:"token_url,omitempty"`
	MapperURL       string          `json:"mapper_url,omitempty"`
	Scope           []string        `json:"scope,omitempty"`
	Tenant          string          `json:"microsoft_tenant,omitempty"`
	TeamID          string          `json:"apple_team_id,omitempty"`
	PrivateKeyID    string          `json:"apple_private_key_id,omitempty"`
	PrivateKey      string          `json:"apple_private_key,omitempty"`
	RequestedClaims json.RawMessage `json:"requested_claims,omitempty"`
}

// Hook is one entry of a hooks list.
type Hook struct {
	Hook   string         // hook name: session, revoke_active_sessions, web_hook, require_verified_address
	Config map[string]any // config
}

// After is a flow's after-section: default hooks and per-method overrides.
type After struct {
	DefaultBrowserReturnURL *url.URL
	Hooks                   []Hook
	Methods                 map[string]AfterMethod // after.<method>
}

// AfterMethod is after.<method>.
type AfterMethod struct {
	DefaultBrowserReturnURL *url.URL
	Hooks                   []Hook
}

// Flow is the shared part of selfservice.flows.<name>.
type Flow struct {
	Enabled  bool          // enabled (registration: true; recovery, verification: false)
	UIURL    *url.URL      // ui_url
	Lifespan time.Duration // lifespan (1h)
	Before   []Hook        // before.hooks
	After    After         // after.*
}

// LoginThrottle is Warden's selfservice.flows.login.throttle.* (D18): failed
// logins counted per identifier (or, at aal2, per session identity) and per
// client address in fixed windows.
type LoginThrottle struct {
	Enabled                  bool          // enabled (true)
	Window                   time.Duration // window (5m), > 0
	MaxFailuresPerIdentifier int           // max_failures_per_identifier (20), >= 1
	MaxFailuresPerAddress    int           // max_failures_per_address (1000), >= 1
}

// Flows is selfservice.flows.*.
type Flows struct {
	Error struct {
		UIURL *url.URL // selfservice.flows.error.ui_url
	}
	Login struct {
		Flow
		Throttle LoginThrottle // Warden's throttle.* (D18)
	}
	Registration Flow
	Settings     struct {
		Flow
		PrivilegedSessionMaxAge time.Duration // privileged_session_max_age (1h)
		RequiredAAL             string        // required_aal (highest_available | aal1)
		// RevokeOtherSessionsAfterPassword is Warden's
		// after.password.revoke_other_sessions (true).
		RevokeOtherSessionsAfterPassword bool
		// RevokeOtherSessionsAfterTOTP and …AfterLookupSecret are Warden's
		// after.{totp,lookup_secret}.revoke_other_sessions (true): adding or
		// removing a second factor revokes the identity's other sessions
		// (issue 5).
		RevokeOtherSessionsAfterTOTP         bool
		RevokeOtherSessionsAfterLookupSecret bool
		// RevokeOtherSessionsAfterWebAuthn is after.webauthn.revoke_other_sessions
		// (true), the same for security keys (issue 5, webauthn).
		RevokeOtherSessionsAfterWebAuthn bool
	}
	Recovery     Flow
	Verification Flow
	Logout       struct {
		After struct {
			// selfservice.flows.logout.after.default_browser_return_url,
			// falling back to selfservice.default_browser_return_url.
			DefaultBrowserReturnURL *url.URL
		}
	}
}

// Session is session.*. The Cookie fields hold effective values: Domain,
// Path and SameSite fall back to cookies.* when session.cookie.* is unset
// (foundation §8.4), so users of the session cookie need not look twice.
type Session struct {
	Lifespan               time.Duration // 24h
	EarliestPossibleExtend time.Duration // 24h
	Whoami                 struct {
		RequiredAAL string // highest_available | aal1
	}
	Cookie struct {
		Name       string // ory_kratos_session
		Domain     string
		Path       string
		SameSite   string
		Persistent bool // true
	}
}

// Cookies is cookies.*.
type Cookies struct {
	Domain   string
	Path     string // "/"
	SameSite string // Lax | Strict | None
}

// Hashers is hashers.*.
type Hashers struct {
	Algorithm string // bcrypt | argon2
	Bcrypt    struct {
		Cost int // 12 (4..31; below 12 only in dev)
	}
	Argon2 struct {
		Memory            uint32        // KiB (128MB → 131072)
		Iterations        uint32        // 1
		Parallelism       uint8         // 2×NumCPU
		SaltLength        uint32        // 16
		KeyLength         uint32        // 32
		ExpectedDuration  time.Duration // expected_duration (500ms), login timing delay
		ExpectedDeviation time.Duration // expected_deviation (500ms)
		DedicatedMemory   uint64        // dedicated_memory in bytes (1GB)
	}
}
