package identity

import (
	"strings"
	"testing"
)

func TestKratosEmailFormat(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"a@x.io", true},
		{" A@x.io", true}, // net/mail skips the leading space; the value is trimmed when stored
		{"a@x.io ", false},
		{"a@", false},
		{"no-at", false},
		{"a@-x.io", false},
		{strings.Repeat("a", 65) + "@x.io", false},
		{"a@" + strings.Repeat("x", 64) + ".io", false},
		{"first.last+tag@sub.example.org", true},
	}
	for _, tt := range tests {
		if got := kratosEmail.Validate(tt.in) == nil; got != tt.want {
			t.Errorf("email %q valid = %v, want %v", tt.in, got, tt.want)
		}
	}
}
