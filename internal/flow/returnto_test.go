package flow

import (
	"net/url"
	"strings"
	"testing"

	"github.com/warden-id/warden/internal/apierr"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestReturnToPolicyResolve(t *testing.T) {
	public := mustURL(t, "http://127.0.0.1:4433/")
	def := mustURL(t, "http://localhost:4455/")
	p, warnings := NewReturnToPolicy(public, []*url.URL{
		mustURL(t, "http://localhost:4455/dash"),
		mustURL(t, "https://*.example.org"),
		mustURL(t, "https://*.com"), // dropped: wildcard over a TLD
		mustURL(t, "https://*"),     // dropped
	})
	if len(warnings) != 2 {
		t.Fatalf("warnings = %q, want 2", warnings)
	}
	src := func(rt string) string {
		return "http://127.0.0.1:4433/self-service/login/browser?" + url.Values{"return_to": {rt}}.Encode()
	}
	tests := []struct {
		name      string
		source    string
		want      string
		forbidden bool
	}{
		{name: "no return_to gives the default", source: "http://127.0.0.1:4433/self-service/login/browser", want: "http://localhost:4455/"},
		{name: "allowed path prefix", source: src("http://localhost:4455/dash/board"), want: "http://localhost:4455/dash/board"},
		{name: "prefix is not segment aware (Kratos)", source: src("http://localhost:4455/dashboard"), want: "http://localhost:4455/dashboard"},
		{name: "relative takes scheme and host from the default", source: src("/dash"), want: "http://localhost:4455/dash"},
		{name: "scheme case-insensitive", source: src("HTTP://localhost:4455/dash"), want: "http://localhost:4455/dash"},
		{name: "wildcard subdomain", source: src("https://app.example.org/x"), want: "https://app.example.org/x"},
		{name: "wildcard does not match the apex", source: src("https://example.org/x"), forbidden: true},
		{name: "self-service of the public URL is always allowed", source: src("http://127.0.0.1:4433/self-service/login/browser?aal=aal2"),
			want: "http://127.0.0.1:4433/self-service/login/browser?aal=aal2"},
		{name: "other path on public", source: src("http://127.0.0.1:4433/admin"), forbidden: true},
		{name: "other host", source: src("http://evil.com/dash"), forbidden: true},
		{name: "other port", source: src("http://localhost:4456/dash"), forbidden: true},
		{name: "dropped TLD wildcard", source: src("https://evil.com/"), forbidden: true},
		{name: "path outside the entry", source: src("http://localhost:4455/other"), forbidden: true},
		{name: "control character", source: src("http://localhost:4455/dash\x01"), forbidden: true},
		{name: "newline", source: src("http://localhost:4455/dash\nx"), forbidden: true},
		{name: "backslashes", source: src(`http:\\evil.com`), forbidden: true},
		{name: "unparsable", source: src("http://[::1"), forbidden: true},
		{name: "unparsable source has no return_to", source: "%zz", want: "http://localhost:4455/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Resolve(tt.source, def)
			if tt.forbidden {
				e := apierr.As(err)
				if e == nil || e.StatusCode() != 400 || e.ID != "self_service_flow_return_to_forbidden" {
					t.Fatalf("err = %v, want 400 self_service_flow_return_to_forbidden", err)
				}
				if !strings.HasPrefix(e.Reason, `Requested return_to URL "`) || !strings.HasPrefix(e.Debug, "Allowed domains are: ") {
					t.Errorf("reason %q debug %q", e.Reason, e.Debug)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestReturnToSelfServiceOnly(t *testing.T) {
	public := mustURL(t, "http://127.0.0.1:4433/")
	def := mustURL(t, "http://localhost:4455/")
	p, _ := NewReturnToPolicy(public, []*url.URL{mustURL(t, "http://localhost:4455/")})
	tests := []struct{ source, want string }{
		{"http://127.0.0.1:4433/self-service/registration?return_to=http://127.0.0.1:4433/self-service/login/browser",
			"http://127.0.0.1:4433/self-service/login/browser"},
		// Allowed for flows, but not a self-service URL: the default.
		{"http://127.0.0.1:4433/self-service/registration?return_to=http://localhost:4455/x", "http://localhost:4455/"},
		{"http://127.0.0.1:4433/self-service/registration?return_to=%01", "http://localhost:4455/"},
		{"http://127.0.0.1:4433/self-service/registration", "http://localhost:4455/"},
	}
	for _, tt := range tests {
		if got := p.SelfServiceOnly(tt.source, def); got.String() != tt.want {
			t.Errorf("SelfServiceOnly(%s) = %s, want %s", tt.source, got, tt.want)
		}
	}
}

// A browser reads "https:evil.com" as https://evil.com/; Go parses it as an
// opaque URL without a host, which the default's host must not fill in.
func TestReturnToHostileForms(t *testing.T) {
	public := mustURL(t, "https://auth.good.com/")
	def := mustURL(t, "https://good.com/")
	p, _ := NewReturnToPolicy(public, []*url.URL{mustURL(t, "https://good.com/")})
	tests := []struct {
		raw     string
		allowed bool
	}{
		{raw: "https:evil.com"},
		{raw: "https:evil.com/x"},
		{raw: "HTTPS:evil.com"},
		{raw: "https:@evil.com"},
		{raw: "//evil.com"},
		{raw: "//evil.com/x"},
		{raw: "https://good.com@evil.com/"},
		{raw: "https://good.com:443@evil.com/"},
		{raw: "https://evil.com/good.com"},
		{raw: "javascript:alert(1)"},
		{raw: "https://evil.com@good.com/", allowed: true}, // goes to good.com
		{raw: "/x", allowed: true},
	}
	for _, tt := range tests {
		src := "https://auth.good.com/self-service/login/browser?" + url.Values{"return_to": {tt.raw}}.Encode()
		got, err := p.Resolve(src, def)
		if !tt.allowed {
			if err == nil {
				t.Errorf("Resolve(%q) = %s, want forbidden", tt.raw, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.raw, err)
			continue
		}
		if back := mustURL(t, got.String()); back.Hostname() != "good.com" {
			t.Errorf("Resolve(%q) = %s, leaves good.com", tt.raw, got)
		}
	}
}
