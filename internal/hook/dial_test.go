package hook

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestIsPublic(t *testing.T) {
	tests := map[string]bool{
		"8.8.8.8":                  true,
		"1.1.1.1":                  true,
		"2606:4700:4700::1111":     true,
		"127.0.0.1":                false,
		"127.1.2.3":                false,
		"::1":                      false,
		"10.0.0.1":                 false,
		"172.16.5.4":               false,
		"172.32.0.1":               true,
		"192.168.1.1":              false,
		"169.254.169.254":          false, // cloud metadata
		"fe80::1":                  false,
		"fe80::1%eth0":             false,
		"fc00::1":                  false,
		"fd12:3456::1":             false,
		"0.0.0.0":                  false,
		"::":                       false,
		"100.64.0.1":               false,
		"224.0.0.1":                false,
		"255.255.255.255":          false,
		"::ffff:127.0.0.1":         false,
		"::ffff:10.1.2.3":          false,
		"::ffff:8.8.8.8":           true,
		"64:ff9b::a00:1":           false,
		"198.18.0.1":               false,
		"2001:db8::1":              false,
		"192.0.2.1":                false,
		"2002:a00:1::1":            false,
		"240.0.0.1":                false,
		"2a00:1450:4001:82a::200e": true,
	}
	for s, want := range tests {
		ip := netip.MustParseAddr(s)
		if got := isPublic(ip); got != want {
			t.Errorf("isPublic(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestWebHookRefusesPrivateAddresses(t *testing.T) {
	srv, ch := newTarget(t, targetOpts{})
	// localhost resolves to loopback: the check runs on the resolved address.
	localhost := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, url := range []string{srv.URL, localhost} {
		t.Run(url, func(t *testing.T) {
			w := mustWebHook(t, map[string]any{"url": url}, Deps{DisallowPrivateIPRanges: true})
			err := w.Run(context.Background(), testContext())
			if !errors.Is(err, ErrPrivateAddress) {
				t.Fatalf("err = %v, want ErrPrivateAddress", err)
			}
			none(t, ch)
		})
	}
	t.Run("a supplied client is guarded too", func(t *testing.T) {
		// srv.Client()'s own transport would connect; the guard replaces its
		// dialer (on a copy).
		w := mustWebHook(t, map[string]any{"url": srv.URL}, Deps{DisallowPrivateIPRanges: true, HTTPClient: srv.Client()})
		if err := w.Run(context.Background(), testContext()); !errors.Is(err, ErrPrivateAddress) {
			t.Fatalf("err = %v, want ErrPrivateAddress", err)
		}
		none(t, ch)
	})
	t.Run("template fetch is refused too", func(t *testing.T) {
		_, err := FromConfig("k", Config{Hook: NameWebHook, Config: map[string]any{"url": "https://hooks.example.com", "body": srv.URL}},
			Deps{DisallowPrivateIPRanges: true})
		if !errors.Is(err, ErrPrivateAddress) {
			t.Fatalf("err = %v, want ErrPrivateAddress", err)
		}
		none(t, ch)
	})
	t.Run("off by default", func(t *testing.T) {
		w := mustWebHook(t, map[string]any{"url": srv.URL}, Deps{})
		if err := w.Run(context.Background(), testContext()); err != nil {
			t.Fatal(err)
		}
		receive(t, ch)
	})
}

// The supplied client is copied, never changed.
func TestNewClientDoesNotModifyBase(t *testing.T) {
	base := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	orig := base.Transport
	c, err := newClient(Deps{HTTPClient: base, DisallowPrivateIPRanges: true})
	if err != nil {
		t.Fatal(err)
	}
	if base.Transport != orig {
		t.Error("base client's transport was replaced")
	}
	if c.Transport == orig {
		t.Error("guarded client shares the base transport")
	}
}
