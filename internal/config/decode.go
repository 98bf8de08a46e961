package config

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"runtime"
	"strings"
)

// decode reads every key Warden uses into a Config and checks each value on
// its own. Checks that span keys (secrets, base URLs, schema ids) and the
// values derived from others are in finish.
func decode(r *reader) *Config {
	c := &Config{}
	c.DSN = r.str("dsn")
	c.Dev = r.boolean("dev")

	c.Log.Level = oneOf(r, "log.level", "trace", "debug", "info", "warn", "warning", "error", "fatal", "panic")
	c.Log.Format = oneOf(r, "log.format", "text", "json", "json_pretty")
	c.Log.LeakSensitiveValues = r.boolean("log.leak_sensitive_values")
	c.Log.RedactionText = r.str("log.redaction_text")

	c.Serve.Public = listener(r, "serve.public")
	c.Serve.Admin = listener(r, "serve.admin")

	c.Secrets.Default = secrets(r, "secrets.default", 16, 0)
	c.Secrets.Cookie = secrets(r, "secrets.cookie", 16, 0)
	c.Secrets.Cipher = secrets(r, "secrets.cipher", 32, 32)

	c.Identity.DefaultSchemaID = r.str("identity.default_schema_id")
	c.Identity.Schemas = schemas(r, "identity.schemas")

	c.Selfservice = selfservice(r)
	c.Session = session(r)

	c.Cookies.Domain = r.str("cookies.domain")
	c.Cookies.Path = r.str("cookies.path")
	c.Cookies.SameSite = sameSite(r, "cookies.same_site")

	c.Hashers = hashers(r)

	c.Courier.SMTP.ConnectionURI = smtpURI(r, "courier.smtp.connection_uri")
	c.Courier.SMTP.FromAddress = r.str("courier.smtp.from_address")
	if a := c.Courier.SMTP.FromAddress; a != "" {
		if _, err := mail.ParseAddress(a); err != nil {
			r.failf("courier.smtp.from_address", "invalid address %q", a)
		}
	}
	c.Courier.SMTP.FromName = r.str("courier.smtp.from_name")
	c.Courier.SMTP.Headers = stringMap(r, "courier.smtp.headers")
	c.Courier.SMTP.LocalName = r.str("courier.smtp.local_name")
	c.Courier.MessageTTL = r.duration("courier.message_ttl")

	c.Clients.HTTP.DisallowPrivateIPRanges = r.boolean("clients.http.disallow_private_ip_ranges")
	c.Clients.HTTP.PrivateIPExceptionURLs = r.strs("clients.http.private_ip_exception_urls")
	return c
}

func listener(r *reader, p string) Listener {
	l := Listener{Host: r.str(p + ".host"), Port: r.integer(p + ".port"), BaseURL: r.absURL(p + ".base_url")}
	if l.Port < 0 || l.Port > 65535 {
		r.failf(p+".port", "port %d out of range 0..65535", l.Port)
	}
	if u := l.BaseURL; u != nil && u.Scheme != "http" && u.Scheme != "https" {
		r.failf(p+".base_url", "invalid URL %q: scheme must be http or https", u.String())
	}
	limit := r.byteSize(p + ".request_body_limit_bytes")
	if limit == 0 || limit > math.MaxInt64 {
		r.failf(p+".request_body_limit_bytes", "must be between 1 and %d bytes", int64(math.MaxInt64))
	}
	l.RequestBodyLimit = int64(min(limit, math.MaxInt64))
	return l
}

// secrets reads a secret list; every entry has at least minLen characters
// and, when exact > 0, exactly that many (cipher keys are 32 bytes).
func secrets(r *reader, path string, minLen, exact int) []string {
	list := r.strs(path)
	for i, s := range list {
		switch n := len(s); {
		case exact > 0 && n != exact:
			r.failf(path, "entry %d must be exactly %d characters long, has %d", i, exact, n)
		case n < minLen:
			r.failf(path, "entry %d must be at least %d characters long, has %d", i, minLen, n)
		}
	}
	return list
}

// schemas reads identity.schemas: a list of {id, url}.
func schemas(r *reader, path string) []SchemaSource {
	v := r.value(path)
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		r.failf(path, "expected a list of {id, url}, got %s", describe(v))
		return nil
	}
	out := make([]SchemaSource, 0, len(list))
	seen := map[string]bool{}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			r.failf(path, "entry %d: expected {id, url}, got %s", i, describe(e))
			continue
		}
		id, _ := m["id"].(string)
		u, _ := m["url"].(string)
		switch {
		case id == "":
			r.failf(path, "entry %d: id is required", i)
		case seen[id]:
			r.failf(path, "entry %d: duplicate id %q", i, id)
		}
		seen[id] = true
		if err := checkSchemaURL(u); err != nil {
			r.failf(path, "entry %d (%s): %v", i, id, err)
		}
		out = append(out, SchemaSource{ID: id, URL: u})
	}
	return out
}

// checkSchemaURL accepts the schemes Kratos's fetcher knows (foundation §5.2).
// base64:// is decoded after the prefix with the standard alphabet, as Kratos
// does, so it is checked by prefix rather than by url.Parse.
func checkSchemaURL(u string) error {
	lower := strings.ToLower(u)
	switch {
	case u == "":
		return fmt.Errorf("url is required")
	case strings.HasPrefix(lower, "base64://"):
		if _, err := base64.StdEncoding.DecodeString(u[len("base64://"):]); err != nil {
			return fmt.Errorf("url: invalid base64: %w", err)
		}
		return nil
	case strings.HasPrefix(lower, "file://"):
		if len(u) == len("file://") {
			return fmt.Errorf("url %q has no path", u)
		}
		return nil
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		_, err := parseAbsURL(u)
		return err
	default:
		return fmt.Errorf("url %q: scheme must be file, http, https or base64", u)
	}
}

func session(r *reader) Session {
	var s Session
	s.Lifespan = r.duration("session.lifespan")
	s.EarliestPossibleExtend = r.duration("session.earliest_possible_extend")
	s.Whoami.RequiredAAL = requiredAAL(r, "session.whoami.required_aal")
	s.Cookie.Name = r.str("session.cookie.name")
	if s.Cookie.Name == "" {
		r.failf("session.cookie.name", "must not be empty")
	}
	s.Cookie.Domain = r.str("session.cookie.domain")
	s.Cookie.Path = r.str("session.cookie.path")
	if r.isSet("session.cookie.same_site") {
		s.Cookie.SameSite = sameSite(r, "session.cookie.same_site")
	}
	s.Cookie.Persistent = r.boolean("session.cookie.persistent")
	return s
}

// requiredAAL reads a required_aal key. An unknown value is a startup error
// (D13), not the 500 Kratos gives at request time.
func requiredAAL(r *reader, path string) string {
	return oneOf(r, path, "aal1", "highest_available")
}

func sameSite(r *reader, path string) string {
	return oneOf(r, path, "Strict", "Lax", "None")
}

// oneOf reads a string that must be one of allowed.
func oneOf(r *reader, path string, allowed ...string) string {
	s := r.str(path)
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	r.failf(path, "invalid value %q (allowed: %s)", s, strings.Join(allowed, ", "))
	return s
}

func smtpURI(r *reader, path string) string {
	s := r.str(path)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		r.failf(path, "invalid URL %q: %v", s, unwrapURLError(err))
	case u.Scheme != "smtp" && u.Scheme != "smtps":
		r.failf(path, "invalid URL %q: scheme must be smtp or smtps", s)
	case u.Host == "":
		r.failf(path, "invalid URL %q: host is required", s)
	}
	return s
}

// stringMap reads an object of string values (SMTP headers).
func stringMap(r *reader, path string) map[string]string {
	v := r.value(path)
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.failf(path, "expected an object, got %s", describe(v))
		return nil
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		s, ok := e.(string)
		if !ok {
			r.failf(path+"."+k, "expected a string, got %s", describe(e))
			continue
		}
		out[k] = s
	}
	return out
}

func hashers(r *reader) Hashers {
	var h Hashers
	h.Algorithm = oneOf(r, "hashers.algorithm", "bcrypt", "argon2")
	h.Bcrypt.Cost = r.integer("hashers.bcrypt.cost")
	if c := h.Bcrypt.Cost; c < 4 || c > 31 {
		r.failf("hashers.bcrypt.cost", "cost %d out of range 4..31", c)
	}

	a := "hashers.argon2."
	mem := r.byteSize(a + "memory")
	if kib := mem >> 10; kib < 1 || kib > math.MaxUint32 {
		r.failf(a+"memory", "must be between 1KB and 4TB, got %d bytes", mem)
	} else {
		h.Argon2.Memory = uint32(kib)
	}
	h.Argon2.Iterations = uint32(intIn(r, a+"iterations", 1, math.MaxInt32))
	par := 2 * runtime.NumCPU()
	if r.isSet(a + "parallelism") {
		par = r.integer(a + "parallelism")
	}
	if par < 1 || par > math.MaxUint8 {
		if r.isSet(a + "parallelism") {
			r.failf(a+"parallelism", "%d out of range 1..255", par)
		}
		par = math.MaxUint8
	}
	h.Argon2.Parallelism = uint8(par)
	h.Argon2.SaltLength = uint32(intIn(r, a+"salt_length", 16, 1024))
	h.Argon2.KeyLength = uint32(intIn(r, a+"key_length", 16, 1024))
	h.Argon2.ExpectedDuration = r.duration(a + "expected_duration")
	h.Argon2.ExpectedDeviation = r.duration(a + "expected_deviation")
	h.Argon2.DedicatedMemory = r.byteSize(a + "dedicated_memory")
	return h
}

// intIn reads an integer that must lie in lo..hi; out of range it reports
// and returns lo.
func intIn(r *reader, path string, lo, hi int) int {
	n := r.integer(path)
	if n < lo || n > hi {
		r.failf(path, "%d out of range %d..%d", n, lo, hi)
		return lo
	}
	return n
}
