package config

import (
	"strings"
	"testing"
)

// TestKeyTable checks the table itself: one entry per path, one path per
// environment name, defaults of the right kind.
func TestKeyTable(t *testing.T) {
	paths := map[string]bool{}
	envs := map[string]string{}
	for _, s := range knownKeys() {
		if paths[s.path] {
			t.Errorf("duplicate key %q", s.path)
		}
		paths[s.path] = true
		name := envName(s.path)
		if other, ok := envs[name]; ok {
			t.Errorf("env %s names both %q and %q", name, other, s.path)
		}
		envs[name] = s.path
		if s.def != nil && s.use != used {
			t.Errorf("%s: a default on a key Warden does not read", s.path)
		}
	}
	for p := range paths {
		// A known key nested inside another known key's subtree would be
		// unreachable for lookup's prefix walk.
		for i := strings.LastIndexByte(p, '.'); i > 0; i = strings.LastIndexByte(p[:i], '.') {
			if parent, ok := newKeyTable().specs[p[:i]]; ok {
				t.Errorf("%s is inside %s (%v)", p, parent.path, parent.kind)
			}
		}
	}
}

// TestEveryUsedKeyIsRead: a key marked used in the table must be decoded.
func TestEveryUsedKeyIsRead(t *testing.T) {
	dir := t.TempDir()
	_, r, err := loadConfig(LoadOptions{Files: []string{writeFile(t, dir, "k.yml", minimalYAML)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.keys.sortedPaths() {
		if r.keys.specs[p].use == used && !r.read[p] {
			t.Errorf("key %s is marked used but never read", p)
		}
	}
}

func TestEnvName(t *testing.T) {
	tests := map[string]string{
		"dsn":                                    "DSN",
		"serve.public.port":                      "SERVE_PUBLIC_PORT",
		"selfservice.default_browser_return_url": "SELFSERVICE_DEFAULT_BROWSER_RETURN_URL",
		"sqa-opt-out":                            "SQA_OPT_OUT",
	}
	for path, want := range tests {
		if got := envName(path); got != want {
			t.Errorf("envName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   any
		want uint64
		bad  bool
	}{
		{"128MB", 128 << 20, false},
		{"1GB", 1 << 30, false},
		{"1gb", 1 << 30, false},
		{"64 MiB", 64 << 20, false},
		{"512KB", 512 << 10, false},
		{"10B", 10, false},
		{"4096", 4096, false},
		{4096, 4096, false},
		{float64(2048), 2048, false},
		{"", 0, true},
		{"MB", 0, true},
		{"-1MB", 0, true},
		{"1.5GB", 0, true},
		{-5, 0, true},
		{"99999999999999999999PB", 0, true},
		{true, 0, true},
	}
	for _, tt := range tests {
		got, err := parseByteSize(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("parseByteSize(%v) = %d, %v; want %d, bad=%v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
