package flow

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/warden-id/warden/internal/apierr"
)

// ReturnToPolicy checks return_to values against the allow-list
// selfservice.allowed_return_urls + PUBLIC/self-service (foundation §0.5).
// It is immutable and safe for concurrent use.
type ReturnToPolicy struct {
	allowed     []url.URL
	selfService url.URL
}

// NewReturnToPolicy builds the allow-list. Entries whose host is "*" or a
// wildcard over a bare top-level domain ("*.com") are dropped, as Kratos
// drops wildcards over public suffixes; each drop is reported in warnings.
// Without a public suffix list, multi-label suffixes ("*.co.uk") are kept.
func NewReturnToPolicy(public *url.URL, allowed []*url.URL) (*ReturnToPolicy, []string) {
	p := &ReturnToPolicy{selfService: selfServiceURL(public)}
	var warnings []string
	for _, u := range allowed {
		if u == nil {
			continue
		}
		if h := u.Hostname(); h == "*" || (strings.HasPrefix(h, "*.") && !strings.Contains(h[2:], ".")) {
			warnings = append(warnings, fmt.Sprintf(
				"selfservice.allowed_return_urls: ignoring %q: a wildcard over a whole top-level domain allows any site", u.String()))
			continue
		}
		p.allowed = append(p.allowed, *u)
	}
	p.allowed = append(p.allowed, p.selfService)
	return p, warnings
}

// selfServiceURL is PUBLIC/self-service, which is always allowed.
func selfServiceURL(public *url.URL) url.URL {
	if public == nil {
		return url.URL{Path: "/self-service"}
	}
	u := *public
	u.Path = strings.TrimSuffix(public.Path, "/") + "/self-service"
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u
}

// ReturnToOf is the raw return_to query value of a URL ("" when the URL or
// the value is absent or unparsable).
func ReturnToOf(source string) string {
	u, err := url.Parse(source)
	if err != nil {
		return ""
	}
	return u.Query().Get("return_to")
}

// Resolve returns where to send the browser: the return_to of source (a
// flow's request_url, or the current request's URL) when it is allowed, or
// def when there is none. A return_to that is not allowed, does not parse,
// is opaque ("https:evil.com", another host for browsers), or contains
// control characters or backslashes (browsers read "\" as "/",
// which turns "https:\\evil" into another host) is a 400
// self_service_flow_return_to_forbidden; never a 500.
func (p *ReturnToPolicy) Resolve(source string, def *url.URL) (*url.URL, error) {
	raw := ReturnToOf(source)
	if raw == "" {
		return def, nil
	}
	return p.check(raw, def)
}

// Check validates a raw return_to value (flow inits pre-validate it, D7).
func (p *ReturnToPolicy) Check(raw string, def *url.URL) error {
	if raw == "" {
		return nil
	}
	_, err := p.check(raw, def)
	return err
}

func (p *ReturnToPolicy) check(raw string, def *url.URL) (*url.URL, error) {
	if strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return nil, p.forbidden(raw)
	}
	u, err := url.Parse(raw)
	// An opaque URL ("https:evil.com") has no host for Go, so the default's
	// host would be filled in below and the check pass, but a browser reads
	// it as https://evil.com/: refuse it.
	if err != nil || u.Opaque != "" {
		return nil, p.forbidden(raw)
	}
	if def != nil {
		if u.Host == "" {
			u.Host = def.Host
		}
		if u.Scheme == "" {
			u.Scheme = def.Scheme
		}
	}
	for _, a := range p.allowed {
		if allowedBy(u, a) {
			return u, nil
		}
	}
	return nil, p.forbidden(u.String())
}

// SelfServiceOnly resolves the return_to of source against PUBLIC/self-service
// alone and falls back to def on any failure. Registration uses it for the
// "already signed in" redirect (foundation §2.1).
func (p *ReturnToPolicy) SelfServiceOnly(source string, def *url.URL) *url.URL {
	only := &ReturnToPolicy{allowed: []url.URL{p.selfService}, selfService: p.selfService}
	u, err := only.Resolve(source, def)
	if err != nil || u == nil {
		return def
	}
	return u
}

// allowedBy is Kratos's match: same scheme (case-insensitive), same host
// (case-insensitive, port included) or a "*.example.com" suffix match, and
// a path that starts with the entry's path (not segment-aware, as Kratos).
func allowedBy(u *url.URL, a url.URL) bool {
	if !strings.EqualFold(u.Scheme, a.Scheme) {
		return false
	}
	if strings.HasPrefix(a.Host, "*") {
		if !strings.HasSuffix(strings.ToLower(u.Host), strings.ToLower(a.Host[1:])) {
			return false
		}
	} else if !strings.EqualFold(u.Host, a.Host) {
		return false
	}
	return strings.HasPrefix(orSlash(u.Path), orSlash(a.Path))
}

func orSlash(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// forbidden is Kratos's 400 for a return_to outside the allow-list. The
// debug text lists the allow-list as URLs (Kratos prints Go structs).
func (p *ReturnToPolicy) forbidden(shown string) *apierr.Error {
	list := make([]string, len(p.allowed))
	for i, a := range p.allowed {
		list[i] = a.String()
	}
	return &apierr.Error{
		Status: 400,
		ID:     "self_service_flow_return_to_forbidden",
		Reason: fmt.Sprintf("Requested return_to URL \"%s\" is not allowed.", shown),
		Debug:  "Allowed domains are: " + strings.Join(list, ", "),
	}
}
