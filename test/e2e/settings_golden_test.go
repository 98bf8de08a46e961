package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Golden wire tests of the settings flow (issue 4 item 8): flows and errors
// as JSON with the volatile fields scrubbed (ids, times, CSRF values, the
// server's port), and the Location of every HTML redirect. The goldens are
// written by the code under test: go test ./test/e2e -run Golden -update.

var updateGolden = flag.Bool("update", false, "rewrite test/e2e/testdata/settings/*.golden")

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	// minutesRE scrubs "expired 0.02 minutes ago".
	minutesRE = regexp.MustCompile(`\d+\.\d\d minutes`)
)

// scrub replaces the volatile parts of a decoded JSON value.
func scrub(v any, public string) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range t {
			switch {
			case k == "since" || k == "expired_at_unix":
				out[k] = "<number>"
			case k == "value" && t["name"] == "csrf_token" && val != "":
				out[k] = "<csrf>"
			default:
				out[k] = scrub(val, public)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for k, val := range t {
			out[k] = scrub(val, public)
		}
		return out
	case string:
		return scrubString(t, public)
	}
	return v
}

func scrubString(s, public string) string {
	s = strings.ReplaceAll(s, url.QueryEscape(public), "PUBLIC")
	s = strings.ReplaceAll(s, public, "PUBLIC")
	s = uuidRE.ReplaceAllString(s, "<uuid>")
	s = timeRE.ReplaceAllString(s, "<time>")
	return minutesRE.ReplaceAllString(s, "<n> minutes")
}

// golden compares got (scrubbed, indented JSON) with testdata/settings/name.golden.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "settings", name+".golden")
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got):\n%s", path, d)
	}
}

// goldenJSON scrubs a JSON answer with its status and compares it.
func goldenJSON(t *testing.T, s *Server, name string, r reply) {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%s: %v: %s", name, err, r.Body)
	}
	doc := map[string]any{"status": r.Status, "content_type": r.Header.Get("Content-Type"), "body": scrub(v, s.PublicURL)}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	golden(t, name, buf.Bytes())
}

func TestSettingsGolden(t *testing.T) {
	// The goldens cover the profile and password methods; the second
	// factors (issue 5) have tests of their own.
	s := Start(t, ServerOptions{Env: []string{"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE=2s", "SELFSERVICE_FLOWS_SETTINGS_LIFESPAN=4s",
		"SELFSERVICE_METHODS_TOTP_ENABLED=false", "SELFSERVICE_METHODS_LOOKUP_SECRET_ENABLED=false",
		"SELFSERVICE_METHODS_WEBAUTHN_ENABLED=false"}}) // webauthn (issue 5): tests of its own
	m := newSettingsMember(t, s, "golden@example.org")
	b := newBrowser(t)
	b.signIn(s, m.email, "")
	submit := func(id string) string { return s.PublicURL + "/self-service/settings?flow=" + id }
	var locations []string
	loc := func(what string, r reply) {
		t.Helper()
		locations = append(locations, what+": "+http.StatusText(r.Status)+" "+scrubString(r.Header.Get("Location"), s.PublicURL))
	}

	api := call(t, "GET", s.PublicURL+"/self-service/settings/api", nil, "X-Session-Token", m.token)
	goldenJSON(t, s, "api_init", api)
	spa := b.get(s.PublicURL+"/self-service/settings/browser", "Accept", "application/json")
	goldenJSON(t, s, "browser_json_init", spa)
	goldenJSON(t, s, "api_fetch_not_found", fetchSettings(t, s, "00000000-0000-0000-0000-000000000000", m.token))
	goldenJSON(t, s, "api_no_session", call(t, "POST", submit(toString(api.object(t)["id"])), map[string]any{"method": "profile"}))

	af := api.object(t)
	goldenJSON(t, s, "api_unknown_method", submitAPI(t, s, af, m.token, map[string]any{"method": "nope"}))
	goldenJSON(t, s, "api_weak_password", submitAPI(t, s, af, m.token, map[string]any{"method": "password", "password": "123456"}))
	goldenJSON(t, s, "api_invalid_traits", submitAPI(t, s, af, m.token, map[string]any{"method": "profile",
		"traits": map[string]any{"email": "not-an-email", "name": map[string]any{"first": 5}}}))
	goldenJSON(t, s, "api_profile_success", submitAPI(t, s, af, m.token, map[string]any{"method": "profile",
		"traits": map[string]any{"email": m.email, "name": map[string]any{"first": "Grace", "last": "Hopper"}}}))

	sf := spa.object(t)
	goldenJSON(t, s, "browser_json_csrf_violation", b.postJSON(submit(toString(sf["id"])),
		map[string]any{"method": "profile", "csrf_token": "wrong", "traits": map[string]any{"email": m.email}}))
	goldenJSON(t, s, "browser_json_profile_success", b.postJSON(submit(toString(sf["id"])),
		map[string]any{"method": "profile", "csrf_token": csrfOf(t, sf), "traits": map[string]any{"email": m.email}}))

	// The HTML redirects.
	loc("browser init", b.get(s.PublicURL+"/self-service/settings/browser"))
	loc("browser init without session", call(t, "GET", s.PublicURL+"/self-service/settings/browser", nil))
	loc("submit without session", call(t, "POST", submit(toString(sf["id"])), "method=profile", "Content-Type", "application/x-www-form-urlencoded"))
	id, f := b.startFlow(s, "settings", "")
	loc("validation error", b.postForm(submit(id), url.Values{"method": {"password"}, "password": {"1"}, "csrf_token": {csrfOf(t, f)}}))
	loc("unknown method", b.postForm(submit(id), url.Values{"method": {"nope"}, "csrf_token": {csrfOf(t, f)}}))
	loc("csrf violation", b.postForm(submit(id), url.Values{"method": {"profile"}, "csrf_token": {"wrong"}, "traits.email": {m.email}}))
	loc("csrf violation with invalid traits (validation first)", b.postForm(submit(id), url.Values{"method": {"profile"}, "csrf_token": {"wrong"}}))
	loc("bad flow id", b.postForm(s.PublicURL+"/self-service/settings?flow=nope", url.Values{"method": {"profile"}}))
	loc("profile success", b.postForm(submit(id), url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f)}, "traits.email": {m.email}}))
	loc("disallowed return_to", b.get(s.PublicURL+"/self-service/settings/browser?return_to="+url.QueryEscape("https://evil.example")))
	goldenJSON(t, s, "browser_json_return_to_forbidden",
		b.get(s.PublicURL+"/self-service/settings/browser?return_to="+url.QueryEscape("https://evil.example"), "Accept", "application/json"))

	// Unprivileged, then expired.
	id2, f2 := b.startFlow(s, "settings", "")
	time.Sleep(2100 * time.Millisecond)
	loc("refresh required", b.postForm(submit(id2), url.Values{"method": {"password"}, "password": {"a new password 4 me"}, "csrf_token": {csrfOf(t, f2)}}))
	goldenJSON(t, s, "api_refresh_required", submitAPI(t, s, settingsAPI(t, s, m.token), m.token,
		map[string]any{"method": "password", "password": "a new password 4 me"}))
	time.Sleep(2100 * time.Millisecond)
	loc("expired flow", b.postForm(submit(id2), url.Values{"method": {"profile"}, "csrf_token": {csrfOf(t, f2)}}))
	goldenJSON(t, s, "api_expired", submitAPI(t, s, af, m.token, map[string]any{"method": "profile"}))
	goldenJSON(t, s, "api_fetch_expired", fetchSettings(t, s, toString(af["id"]), m.token))

	golden(t, "html_redirects", []byte(strings.Join(locations, "\n")+"\n"))
}
