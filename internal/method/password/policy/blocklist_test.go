package policy

import (
	"strings"
	"testing"
)

func TestBlocklist(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{"password", true},
		{"123456789", true},
		{"qwerty123", true},
		{"PASSWORD", true},
		{"QwErTy123", true},
		{"iloveyou", true},
		{"l3f9toh1uaf81n21", false},
		{"correct-horse-battery-x1", false},
		{"password ", false}, // no trimming: a different password
		{"", false},
	} {
		got, err := blocklisted(tc.pw)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("blocklisted(%q) = %v, want %v", tc.pw, got, tc.want)
		}
	}
}

func TestBlocklistContent(t *testing.T) {
	t.Parallel()
	set, err := loadBlocklist()
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 42692 {
		t.Fatalf("blocklist has %d entries, want 42692 (regenerated without updating docs?)", len(set))
	}
	for w := range set {
		if len(w) < LowestMinLength || len(w) > DefaultMaxLength || w != strings.ToLower(w) {
			t.Fatalf("entry %q breaks the list's format", w)
		}
	}
	if len(blocklistGz) > 1<<20 {
		t.Fatalf("blocklist.txt.gz is %d bytes, keep it under 1 MiB", len(blocklistGz))
	}
}

func TestParseBlocklistRejectsGarbage(t *testing.T) {
	t.Parallel()
	if _, err := parseBlocklist([]byte("not gzip")); err == nil {
		t.Fatal("want an error for a corrupt list")
	}
	if _, err := parseBlocklist(blocklistGz[:len(blocklistGz)/2]); err == nil {
		t.Fatal("want an error for a truncated list")
	}
}
