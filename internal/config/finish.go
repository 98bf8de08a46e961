package config

import (
	"crypto/rand"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// finish applies the rules that span keys: required keys, secrets, guessed
// base URLs, fallbacks between keys, and the dev-only relaxations. It returns
// the warnings it produced; problems go to r.
func finish(c *Config, r *reader, o LoadOptions, noFile bool) []string {
	var warnings []string
	c.Dev = c.Dev || o.Dev

	// Required keys (foundation §11.1). With no file at all the built-in
	// layer has already provided them.
	for _, key := range []string{"dsn", "selfservice.default_browser_return_url", "courier.smtp.connection_uri"} {
		if s, isString := r.raw(key).(string); r.raw(key) == nil || isString && s == "" {
			r.failf(key, "required key is missing")
		}
	}
	switch v, _ := r.value("identity.schemas").([]any); {
	case !r.isSet("identity.schemas"):
		r.failf("identity.schemas", "required key is missing")
	case v != nil && len(v) == 0:
		r.failf("identity.schemas", "at least one schema is required")
	case len(c.Identity.Schemas) > 0 && !slices.ContainsFunc(c.Identity.Schemas, func(s SchemaSource) bool { return s.ID == c.Identity.DefaultSchemaID }):
		r.failf("identity.default_schema_id", "no schema with id %q in identity.schemas", c.Identity.DefaultSchemaID)
	}

	warnings = append(warnings, finishSecrets(c, r, noFile)...)

	// §9.1: below 12 bcrypt is too cheap for production; Kratos raises it
	// outside dev mode rather than refusing to start.
	if c.Hashers.Bcrypt.Cost >= 4 && c.Hashers.Bcrypt.Cost < 12 && !c.Dev {
		warnings = append(warnings, fmt.Sprintf(
			"config: hashers.bcrypt.cost %d is below 12 outside dev mode; using 12", c.Hashers.Bcrypt.Cost))
		c.Hashers.Bcrypt.Cost = 12
	}

	hostname := o.Hostname
	if hostname == nil {
		hostname = os.Hostname
	}
	for _, l := range []struct {
		key string
		l   *Listener
	}{{"serve.public.base_url", &c.Serve.Public}, {"serve.admin.base_url", &c.Serve.Admin}} {
		if l.l.BaseURL != nil {
			continue // configured; an invalid value has already been reported
		}
		// The built-in configuration is for local use over plain HTTP, like
		// dev mode; everywhere else Kratos guesses https (foundation §10).
		l.l.BaseURL = guessBaseURL(l.l.Host, l.l.Port, c.Dev || noFile, hostname)
		if !noFile {
			warnings = append(warnings, fmt.Sprintf("config: %s is not set; guessed %q", l.key, l.l.BaseURL.String()))
		}
	}

	// Fallbacks between keys, resolved once here so that no consumer has to
	// know them (foundation §8.4, §11.1).
	sc := &c.Session.Cookie
	if !r.isSet("session.cookie.domain") {
		sc.Domain = c.Cookies.Domain
	}
	if !r.isSet("session.cookie.path") {
		sc.Path = c.Cookies.Path
	}
	if !r.isSet("session.cookie.same_site") {
		sc.SameSite = c.Cookies.SameSite
	}
	lo := &c.Selfservice.Flows.Logout.After
	if lo.DefaultBrowserReturnURL == nil {
		lo.DefaultBrowserReturnURL = c.Selfservice.DefaultBrowserReturnURL
	}
	public := c.Serve.Public.BaseURL
	m := &c.Selfservice.Methods
	if m.Link.Config.BaseURL == nil {
		m.Link.Config.BaseURL = public
	}
	if m.TOTP.Issuer == "" && public != nil {
		m.TOTP.Issuer = public.Hostname()
	}
	if len(m.WebAuthn.RP.Origins) == 0 {
		switch {
		case m.WebAuthn.RP.Origin != "":
			m.WebAuthn.RP.Origins = []string{m.WebAuthn.RP.Origin}
		case m.WebAuthn.RP.ID != "" && public != nil:
			m.WebAuthn.RP.Origins = []string{public.Scheme + "://" + m.WebAuthn.RP.ID}
		}
	}
	return warnings
}

// finishSecrets applies secrets.cookie → secrets.default fallback and, when
// neither is set, generates a secret in dev or no-file mode. A generated
// secret lives only as long as the process: every restart logs everyone out,
// which is acceptable for development only, so outside it this is an error.
func finishSecrets(c *Config, r *reader, noFile bool) []string {
	s := &c.Secrets
	if len(s.Cookie) == 0 {
		s.Cookie = s.Default
	}
	var warnings []string
	if len(s.Cookie) == 0 {
		if !c.Dev && !noFile {
			r.failf("secrets.cookie", "required key is missing (neither secrets.cookie nor secrets.default is set)")
			return nil
		}
		s.Cookie = []string{rand.Text()}
		warnings = append(warnings, "config: secrets.cookie and secrets.default are not set; "+
			"generated a random secret for this run only (sessions and flows end at restart)")
	}
	if len(s.Default) == 0 {
		s.Default = s.Cookie
	}
	return warnings
}

// guessBaseURL builds http(s)://<host>:<port>/ as Kratos does when
// serve.*.base_url is unset (foundation §10): a wildcard host becomes the
// machine's name.
func guessBaseURL(host string, port int, plainHTTP bool, hostname func() (string, error)) *url.URL {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
		if h, err := hostname(); err == nil && h != "" {
			host = h
		}
	}
	scheme := "https"
	if plainHTTP {
		scheme = "http"
	}
	return &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: "/"}
}
