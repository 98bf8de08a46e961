package hook

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// roundTripFunc is a non-*http.Transport round tripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestFromConfigErrors(t *testing.T) {
	const key = "selfservice.flows.settings.after.password.hooks[1]"
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.jsonnet")
	if err := os.WriteFile(badFile, []byte(`function(ctx) { a: }`), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := "https://hooks.example.com/x"
	tests := []struct {
		name string
		c    Config
		deps Deps
		want []string // substrings of the error
		not  []string // must not appear (secrets)
	}{
		{"unknown hook", Config{Hook: "send_pigeon"}, Deps{},
			[]string{key + `.hook: unknown hook "send_pigeon"`}, nil},
		{"no hook name", Config{}, Deps{}, []string{key + ".hook: is required"}, nil},
		{"revoker missing", Config{Hook: NameRevokeActiveSessions}, Deps{},
			[]string{key + ".hook: revoke_active_sessions needs a session revoker"}, nil},
		{"missing url", Config{Hook: NameWebHook, Config: map[string]any{"method": "POST"}}, Deps{},
			[]string{key + ".config.url: is required"}, nil},
		{"nil config", Config{Hook: NameWebHook}, Deps{}, []string{key + ".config.url: is required"}, nil},
		{"url not http", Config{Hook: NameWebHook, Config: map[string]any{"url": "ftp://x/secretpath"}}, Deps{},
			[]string{key + ".config.url: must be an absolute http:// or https:// URL"}, []string{"secretpath"}},
		{"relative url", Config{Hook: NameWebHook, Config: map[string]any{"url": "/hook"}}, Deps{},
			[]string{key + ".config.url: must be"}, nil},
		{"url wrong type", Config{Hook: NameWebHook, Config: map[string]any{"url": 5}}, Deps{},
			[]string{key + ".config.url: must be a string"}, nil},
		{"bad method", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "method": "PO ST"}}, Deps{},
			[]string{key + `.config.method: "PO ST" is not a valid HTTP method`}, nil},
		{"bad jsonnet (base64)", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "body": b64(`function(ctx) {`)}}, Deps{},
			[]string{key + ".config.body: template does not parse", key + ".config.body:1"}, nil},
		{"bad jsonnet (file)", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "body": "file://" + badFile}}, Deps{},
			[]string{key + ".config.body: template does not parse"}, nil},
		{"missing file", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "body": "file://" + filepath.Join(dir, "nope.jsonnet")}}, Deps{},
			[]string{key + ".config.body: read template"}, nil},
		{"bad base64", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "body": "base64://!!!"}}, Deps{},
			[]string{key + ".config.body: base64:// source is not valid base64"}, nil},
		{"unsupported scheme", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "body": "s3://bucket/x"}}, Deps{},
			[]string{key + ".config.body: unsupported scheme"}, nil},
		{"template fetch fails", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "body": "http://127.0.0.1:1/tpl?token=s3cr3t"}}, Deps{},
			[]string{key + ".config.body: fetch template from 127.0.0.1:1"}, []string{"s3cr3t"}},
		{"ignore and parse", Config{Hook: NameWebHook, Config: map[string]any{"url": ok,
			"response": map[string]any{"ignore": true, "parse": true}}}, Deps{},
			[]string{key + ".config.response: ignore and parse"}, nil},
		{"ignore and can_interrupt", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "can_interrupt": true,
			"response": map[string]any{"ignore": true}}}, Deps{},
			[]string{key + ".config.response: ignore and parse"}, nil},
		{"ignore not a bool", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "response": map[string]any{"ignore": "yes"}}}, Deps{},
			[]string{key + ".config.response.ignore: must be a boolean"}, nil},
		{"response not an object", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "response": true}}, Deps{},
			[]string{key + ".config.response: must be an object"}, nil},
		{"auth without type", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "auth": map[string]any{}}}, Deps{},
			[]string{key + ".config.auth.type: is required"}, nil},
		{"auth unknown type", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "auth": map[string]any{"type": "oauth"}}}, Deps{},
			[]string{key + `.config.auth.type: unsupported auth type "oauth"`}, nil},
		{"api_key without name, bad in", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "auth": map[string]any{
			"type": "api_key", "config": map[string]any{"value": "topsecret", "in": "query"}}}}, Deps{},
			[]string{key + ".config.auth.config.name: is required", key + `.config.auth.config.in: must be header or cookie, not "query"`},
			[]string{"topsecret"}},
		{"basic_auth without user", Config{Hook: NameWebHook, Config: map[string]any{"url": ok, "auth": map[string]any{
			"type": "basic_auth", "config": map[string]any{"password": "topsecret"}}}}, Deps{},
			[]string{key + ".config.auth.config.user: is required"}, []string{"topsecret"}},
		{"bad content type", Config{Hook: NameWebHook, Config: map[string]any{"url": ok,
			"headers": map[string]any{"Content-Type": "text/xml"}}}, Deps{},
			[]string{key + ".config.headers.Content-Type: must be application/json"}, nil},
		{"private ranges with a custom transport", Config{Hook: NameWebHook, Config: map[string]any{"url": ok}},
			Deps{DisallowPrivateIPRanges: true, HTTPClient: &http.Client{Transport: roundTripFunc(nil)}},
			[]string{key + ": hook: cannot refuse private addresses"}, nil},
		{"several errors at once", Config{Hook: NameWebHook, Config: map[string]any{"method": "A B", "response": map[string]any{"parse": 1}}}, Deps{},
			[]string{key + ".config.url: is required", key + ".config.method:", key + ".config.response.parse: must be a boolean"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := FromConfig(key, tt.c, tt.deps)
			if err == nil {
				t.Fatalf("FromConfig = %T, want an error", h)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("error %q leaks %q", err, n)
				}
			}
		})
	}
}

func TestFromConfigUnknownKeyWarns(t *testing.T) {
	log, logs := newLog()
	_, err := FromConfig("k", Config{Hook: NameWebHook, Config: map[string]any{
		"url": "https://x.example.com", "emit_analytics_event": false, "id": "h1", "retries": 3}}, Deps{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "k.config.retries") {
		t.Errorf("no warning for the unknown key; logs: %s", logs)
	}
	if strings.Contains(logs.String(), "emit_analytics_event") {
		t.Errorf("known key warned about: %s", logs)
	}
}
