package policy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Defaults and bounds of spec §9.2 (Kratos v0.10.1's selfservice.methods.password.config).
const (
	DefaultMinLength = 8
	// LowestMinLength is the smallest min_password_length Kratos accepts.
	LowestMinLength = 6
	// DefaultMaxLength is bcrypt's input limit. Every Warden hasher shares it,
	// so a password that passes the policy can always be hashed and never gets
	// silently truncated (issue 3, item 5).
	DefaultMaxLength = 72
	DefaultHIBPHost  = "api.pwnedpasswords.com"
)

// Reasons, word for word as Kratos v0.10.1 has them where Kratos has the
// rule. The caller turns a reason into UI message 4000005 "The password can
// not be used because <reason>.".
const (
	reasonTooShort = "password length must be at least %d characters but only got %d"
	reasonTooLong  = "passwords are limited to a maximum length of %d characters"
	reasonSimilar  = "the password is too similar to the user identifier"
	reasonBreached = "the password has been found in data breaches and must no longer be used"
	reasonNetwork  = "unable to check if password has been leaked because an unexpected network error occurred"
)

// Options configure a Validator. The zero value of each field means its
// default, so Options{} is Kratos's default policy with HIBP off.
type Options struct {
	// MinLength is min_password_length: 0 means DefaultMinLength, values
	// below LowestMinLength are raised to it. Counted in bytes, as Kratos.
	MinLength int
	// MaxLength is the longest password in bytes: 0 means DefaultMaxLength.
	MaxLength int
	// IdentifierSimilarityCheck is identifier_similarity_check_enabled.
	IdentifierSimilarityCheck bool

	// HIBPEnabled is haveibeenpwned_enabled.
	HIBPEnabled bool
	// HIBPHost is haveibeenpwned_host; empty means DefaultHIBPHost. It may
	// carry a port. The scheme is always https.
	HIBPHost string
	// MaxBreaches is max_breaches: a password seen in more breaches is
	// refused. Negative values count as 0.
	MaxBreaches int
	// IgnoreNetworkErrors is ignore_network_errors: when the range API cannot
	// be reached or answers other than 200, accept the password instead of
	// refusing it.
	IgnoreNetworkErrors bool
	// HTTPClient makes the range requests; nil means a client with a 1 s
	// connect timeout (spec §9.2).
	HTTPClient *http.Client
	// Now is the clock of the range cache; nil means time.Now.
	Now func() time.Time
}

// Violation is a password that breaks the policy. Reason is Kratos's text;
// it names no part of the password.
type Violation struct {
	Reason string
}

func (v *Violation) Error() string { return "password policy: " + v.Reason }

// Validator checks passwords against the policy. It is safe for concurrent
// use; build one per configuration with New.
type Validator struct {
	opts  Options
	cache *rangeCache
	// retryWait is the wait before the first retry of a failed range
	// request; it doubles each time. Tests shorten it.
	retryWait time.Duration
}

// New returns a Validator for o, with defaults filled in and out-of-range
// values clamped (see Options). It never fails: config.Validate reports bad
// values to the operator before this runs.
func New(o Options) *Validator {
	if o.MinLength == 0 {
		o.MinLength = DefaultMinLength
	}
	o.MinLength = max(o.MinLength, LowestMinLength)
	if o.MaxLength <= 0 {
		o.MaxLength = DefaultMaxLength
	}
	if o.HIBPHost == "" {
		o.HIBPHost = DefaultHIBPHost
	}
	o.MaxBreaches = max(o.MaxBreaches, 0)
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Validator{
		opts:      o,
		cache:     newRangeCache(hibpMaxPrefixes, hibpCacheTTL),
		retryWait: 100 * time.Millisecond,
	}
}

// Validate checks password for an identity with these identifiers (the
// values of its password identifier traits; empty ones are skipped, as in
// Kratos). The rules run in Kratos's order, then Warden's offline list:
// minimum length, maximum length, similarity to each identifier, the embedded
// blocklist of common passwords (D17), and the HIBP range check when enabled.
//
// It returns nil, a *Violation for a password the policy refuses (including,
// with IgnoreNetworkErrors off, an unreachable HIBP), or a plain error for an
// internal failure such as an unparsable HIBP response or a cancelled ctx.
func (v *Validator) Validate(ctx context.Context, identifiers []string, password string) error {
	if n := len(password); n < v.opts.MinLength {
		return &Violation{Reason: fmt.Sprintf(reasonTooShort, v.opts.MinLength, n)}
	}
	// Checked before similarity so the costlier rules only see short input.
	if len(password) > v.opts.MaxLength {
		return &Violation{Reason: fmt.Sprintf(reasonTooLong, v.opts.MaxLength)}
	}
	if v.opts.IdentifierSimilarityCheck {
		for _, id := range identifiers {
			if id != "" && tooSimilar(id, password) {
				return &Violation{Reason: reasonSimilar}
			}
		}
	}
	listed, err := blocklisted(password)
	if err != nil {
		return err
	}
	if listed {
		// The same reason as a HIBP hit: the list is made of leaked passwords,
		// and clients already know this text.
		return &Violation{Reason: reasonBreached}
	}
	if !v.opts.HIBPEnabled {
		return nil
	}
	return v.checkHIBP(ctx, password)
}

// defaultHTTPClient has the 1 s connect timeout of spec §9.2 and bounds every
// other phase, so a slow range API delays a registration by seconds at most.
func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: time.Second}).DialContext,
			TLSHandshakeTimeout:   2 * time.Second,
			ResponseHeaderTimeout: 3 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
			ForceAttemptHTTP2:     true,
		},
	}
}
