package hook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Content types a web_hook body can have (Kratos request builder).
const (
	contentTypeJSON = "application/json"
	contentTypeForm = "application/x-www-form-urlencoded"
)

// webHookOptions is a decoded, validated web_hook config.
type webHookOptions struct {
	url    string
	host   string // scheme://host, the only part of the URL we log
	method string
	header http.Header
	form   bool // body is form-encoded instead of JSON
	body   *template
	auth   auth
	ignore bool
	parse  bool // response.parse or can_interrupt
}

// auth applies a configured credential to a request. Its values are never
// logged or put in errors.
type auth struct {
	kind     string // "", "api_key", "basic_auth"
	name     string // api_key
	value    string // api_key
	in       string // api_key: "header" or "cookie"
	user     string // basic_auth
	password string // basic_auth
}

func (a auth) apply(req *http.Request) {
	switch a.kind {
	case "api_key":
		if a.in == "cookie" {
			req.AddCookie(&http.Cookie{Name: a.name, Value: a.value})
			return
		}
		req.Header.Set(a.name, a.value)
	case "basic_auth":
		req.SetBasicAuth(a.user, a.password)
	}
}

// knownWebHookKeys are the web_hook config keys of Kratos v0.10.1 and v1.
// Others are logged and ignored, so a newer Kratos config still loads.
var knownWebHookKeys = []string{"url", "method", "body", "headers", "auth", "response", "can_interrupt", "emit_analytics_event", "id"}

// decodeWebHook validates a web_hook config; every error names its key.
func decodeWebHook(path string, m map[string]any, log *slog.Logger) (webHookOptions, string, []error) {
	d := &decoder{path: path + ".config"}
	var o webHookOptions
	for k := range m {
		if !slices.Contains(knownWebHookKeys, k) {
			log.Warn("hook: ignoring unknown web_hook config key", "key", d.key(k))
		}
	}

	rawURL := d.str(m, "url")
	if rawURL == "" {
		d.fail("url", "is required")
	} else if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The parse error is dropped on purpose: it would echo the URL.
		d.fail("url", "must be an absolute http:// or https:// URL")
	} else {
		o.url, o.host = rawURL, u.Scheme+"://"+u.Host
	}

	o.method = d.str(m, "method")
	if o.method == "" {
		o.method = http.MethodPost
	} else if _, err := http.NewRequest(o.method, "http://localhost/", nil); err != nil {
		d.fail("method", fmt.Sprintf("%q is not a valid HTTP method", o.method))
	}

	o.header = http.Header{}
	for k, v := range d.obj(m, "headers") {
		s, ok := v.(string)
		if !ok {
			d.fail("headers."+k, "must be a string")
			continue
		}
		o.header.Set(k, s)
	}
	switch ct := o.header.Get("Content-Type"); {
	case ct == "":
		o.header.Set("Content-Type", contentTypeJSON)
	case strings.HasPrefix(ct, contentTypeJSON):
	case strings.HasPrefix(ct, contentTypeForm):
		o.form = true
	default:
		d.fail("headers.Content-Type", "must be application/json or application/x-www-form-urlencoded")
	}

	o.auth = decodeAuth(d, d.obj(m, "auth"))

	resp := d.obj(m, "response")
	o.ignore = d.boolean(resp, "response.ignore")
	o.parse = d.boolean(resp, "response.parse") || d.boolean(m, "can_interrupt")
	if o.ignore && o.parse {
		// Kratos refuses this combination at run time; we refuse it at startup.
		d.fail("response", "ignore and parse (or can_interrupt) cannot both be true")
	}
	d.boolean(m, "emit_analytics_event") // accepted, no analytics here
	d.str(m, "id")

	return o, d.str(m, "body"), d.errs
}

func decodeAuth(d *decoder, m map[string]any) auth {
	if m == nil {
		return auth{}
	}
	a := auth{kind: d.str(m, "auth.type")}
	c := d.obj(m, "auth.config")
	switch a.kind {
	case "":
		d.fail("auth.type", "is required when auth is set (api_key or basic_auth)")
	case "api_key":
		a.name = d.str(c, "auth.config.name")
		a.value = d.str(c, "auth.config.value")
		a.in = d.str(c, "auth.config.in")
		if a.name == "" {
			d.fail("auth.config.name", "is required")
		}
		switch a.in {
		case "":
			a.in = "header"
		case "header", "cookie":
		default:
			d.fail("auth.config.in", fmt.Sprintf("must be header or cookie, not %q", a.in))
		}
	case "basic_auth":
		a.user = d.str(c, "auth.config.user")
		a.password = d.str(c, "auth.config.password")
		if a.user == "" {
			d.fail("auth.config.user", "is required")
		}
	default:
		d.fail("auth.type", fmt.Sprintf("unsupported auth type %q (api_key or basic_auth)", a.kind))
	}
	return a
}

// decoder reads typed values out of a decoded YAML/JSON map and collects
// errors that name the full key. key arguments are dotted paths below the
// decoder's path; the map argument is the object holding the last element.
type decoder struct {
	path string
	errs []error
}

func (d *decoder) key(k string) string { return d.path + "." + k }

func (d *decoder) fail(k, msg string) {
	d.errs = append(d.errs, fmt.Errorf("%s: %s", d.key(k), msg))
}

func last(k string) string { return k[strings.LastIndexByte(k, '.')+1:] }

func (d *decoder) str(m map[string]any, k string) string {
	switch v := m[last(k)].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		d.fail(k, fmt.Sprintf("must be a string, got %T", v))
		return ""
	}
}

// boolean accepts true/false and, from environment variables, "true"/"false".
func (d *decoder) boolean(m map[string]any, k string) bool {
	switch v := m[last(k)].(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		switch strings.ToLower(v) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	d.fail(k, "must be a boolean")
	return false
}

func (d *decoder) obj(m map[string]any, k string) map[string]any {
	switch v := m[last(k)].(type) {
	case nil:
		return nil
	case map[string]any:
		return v
	default:
		d.fail(k, fmt.Sprintf("must be an object, got %T", v))
		return nil
	}
}

// joinErrs is errors.Join, or nil for none.
func joinErrs(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}
