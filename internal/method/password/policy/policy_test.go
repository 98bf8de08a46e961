package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// wantResult is what a Validate call should return: nil when both are empty,
// a *Violation with exactly reason, or a plain (non-Violation) error.
type wantResult struct {
	reason   string
	internal bool
}

func checkResult(t *testing.T, err error, want wantResult) {
	t.Helper()
	var v *Violation
	switch {
	case want.internal:
		if err == nil || errors.As(err, &v) {
			t.Fatalf("got %v, want a plain internal error", err)
		}
	case want.reason == "":
		if err != nil {
			t.Fatalf("got %v, want nil", err)
		}
	default:
		if !errors.As(err, &v) {
			t.Fatalf("got %v, want a *Violation %q", err, want.reason)
		}
		if v.Reason != want.reason {
			t.Fatalf("reason\n got %q\nwant %q", v.Reason, want.reason)
		}
	}
}

const (
	similar  = "the password is too similar to the user identifier"
	breached = "the password has been found in data breaches and must no longer be used"
)

func TestValidateRules(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name string
		opts Options
		ids  []string
		pw   string
		want wantResult
	}{
		{name: "empty", pw: "", want: wantResult{reason: "password length must be at least 8 characters but only got 0"}},
		{name: "one short of default", pw: "kjOkla7", want: wantResult{reason: "password length must be at least 8 characters but only got 7"}},
		{name: "default length ok", pw: "kjOkla7q"},
		{name: "length counts bytes", pw: "äöüß", want: wantResult{reason: "password length must be at least 10 characters but only got 8"}, opts: Options{MinLength: 10}},
		{name: "min length below 6 is raised", opts: Options{MinLength: 3}, pw: "k7q2z", want: wantResult{reason: "password length must be at least 6 characters but only got 5"}},
		{name: "custom min length", opts: Options{MinLength: 12}, pw: "l3f9toh1uaf", want: wantResult{reason: "password length must be at least 12 characters but only got 11"}},
		{name: "72 bytes ok", pw: strings.Repeat("k7q", 24)},
		{name: "73 bytes", pw: strings.Repeat("k7q", 24) + "z", want: wantResult{reason: "passwords are limited to a maximum length of 72 characters"}},
		{name: "max length is bytes", pw: strings.Repeat("ä", 37), want: wantResult{reason: "passwords are limited to a maximum length of 72 characters"}},
		{name: "custom max length", opts: Options{MaxLength: 10}, pw: "l3f9toh1uaf", want: wantResult{reason: "passwords are limited to a maximum length of 10 characters"}},
		{name: "1 MB password", pw: huge, want: wantResult{reason: "passwords are limited to a maximum length of 72 characters"}},
		{name: "similar", opts: Options{IdentifierSimilarityCheck: true}, ids: []string{"hello@example.com"}, pw: "hello@example.com12345", want: wantResult{reason: similar}},
		{name: "similarity off", ids: []string{"hello@example.com"}, pw: "hello@example.com12345"},
		{name: "second identifier similar", opts: Options{IdentifierSimilarityCheck: true}, ids: []string{"someone", "l3f9toh1uaf81n21"}, pw: "l3f9toh1uaf81n21", want: wantResult{reason: similar}},
		{name: "empty identifier skipped", opts: Options{IdentifierSimilarityCheck: true}, ids: []string{"", ""}, pw: "l3f9toh1"},
		{name: "case folded", opts: Options{IdentifierSimilarityCheck: true}, ids: []string{"HÉLLO@EXAMPLE.COM"}, pw: "héllo@example.com", want: wantResult{reason: similar}},
		{name: "blocklisted", pw: "password", want: wantResult{reason: breached}},
		{name: "blocklisted 123456789", pw: "123456789", want: wantResult{reason: breached}},
		{name: "blocklisted qwerty123", pw: "qwerty123", want: wantResult{reason: breached}},
		{name: "blocklist ignores case", pw: "QwErTy123", want: wantResult{reason: breached}},
		// Order: length before everything, similarity before the blocklist.
		{name: "short beats blocklist", pw: "123456", want: wantResult{reason: "password length must be at least 8 characters but only got 6"}},
		{name: "long beats similarity", opts: Options{IdentifierSimilarityCheck: true}, ids: []string{huge[:100]}, pw: huge[:100], want: wantResult{reason: "passwords are limited to a maximum length of 72 characters"}},
		{name: "similarity beats blocklist", opts: Options{IdentifierSimilarityCheck: true}, ids: []string{"password1"}, pw: "password", want: wantResult{reason: similar}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := New(tc.opts).Validate(context.Background(), tc.ids, tc.pw)
			checkResult(t, err, tc.want)
		})
	}
}

// TestValidateKratosCases replays ory/kratos's validator_test.go table
// (v0.10.x) with min length 6 as there. Kratos refused the common passwords
// through HIBP; Warden refuses them offline through the blocklist.
func TestValidateKratosCases(t *testing.T) {
	t.Parallel()
	v := New(Options{MinLength: 6, IdentifierSimilarityCheck: true})
	for _, tc := range []struct {
		id, pw string
		want   string
	}{
		{pw: "", want: "password length must be at least 6 characters but only got 0"},
		{pw: "12", want: "password length must be at least 6 characters but only got 2"},
		{pw: "1234", want: "password length must be at least 6 characters but only got 4"},
		{pw: "123456", want: breached},
		{pw: "12345678", want: breached},
		{pw: "password", want: breached},
		{pw: "1234567890", want: breached},
		{pw: "qwertyui", want: breached},
		{pw: "l3f9toh1uaf81n21"},
		{pw: "l3f9toh1uaf81n21", id: "l3f9toh1uaf81n21", want: similar},
		{pw: "l3f9toh1"},
		// Kratos accepted 500 zeros; Warden's 72-byte limit (issue 3, item 5) refuses them.
		{pw: strings.Repeat("0", 500), want: "passwords are limited to a maximum length of 72 characters"},
		{id: "hello@example.com", pw: "hello@example.com12345", want: similar},
		{id: "hello@example.com", pw: "123hello@example.com123", want: similar},
		{id: "hello@example.com", pw: "hello@exam", want: similar},
		{id: "hello@example.com", pw: "HELLO@EXAMPLE.COM", want: similar},
		{id: "hello@example.com", pw: "HELLO@example.com", want: similar},
		{pw: "hello@example.com", id: "hello@exam", want: similar},
		{id: "hello@example.com", pw: "h3ll0@example", want: similar},
		{id: "abcd", pw: "9d3c8a1b"},
		{id: "a", pw: "kjOkla"},
		{id: "ab", pw: "0000ab0000"},
		// longest common substring with a long password
		{id: "d4f6090b-5a84", pw: "d4f6090b-5a84-2184-4404-8d1b-8da3eb00ebbe"},
		{id: "asdflasdflasdf", pw: "asdflasdflpiuhefnciluaksdzuföfhg"},
	} {
		t.Run(tc.id+"/"+tc.pw[:min(len(tc.pw), 24)], func(t *testing.T) {
			t.Parallel()
			checkResult(t, v.Validate(context.Background(), []string{tc.id}, tc.pw), wantResult{reason: tc.want})
		})
	}
}

// TestValidateHugeInputs guards the linear-time promise: with the length
// limit lifted, a 1 MB password against 1 MB identifiers must still finish
// fast. The O(n·m) tables of Kratos would need 10^12 steps here.
func TestValidateHugeInputs(t *testing.T) {
	t.Parallel()
	const n = 1 << 20
	pw := pseudoRandom(n, 1)
	v := New(Options{MaxLength: 4 * n, IdentifierSimilarityCheck: true})
	for _, tc := range []struct {
		name string
		id   string
		want wantResult
	}{
		{name: "unrelated", id: pseudoRandom(n, 2)},
		{name: "repeated rune", id: strings.Repeat("a", n)},
		{name: "equal", id: pw, want: wantResult{reason: similar}},
		{name: "half is not more than half", id: pw[:n/2]},
		{name: "half plus one", id: "zz" + pw[n/2-1:], want: wantResult{reason: similar}},
		{name: "a few edits", id: "x" + pw[:n/3] + "y" + pw[n/3+1:], want: wantResult{reason: similar}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			checkResult(t, v.Validate(context.Background(), []string{tc.id}, pw), tc.want)
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// pseudoRandom returns n bytes of lower-case letters and digits from a fixed
// seed, so huge-input tests are reproducible.
func pseudoRandom(n int, seed uint64) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = alphabet[x%uint64(len(alphabet))]
	}
	return string(b)
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	v := New(Options{MaxBreaches: -3})
	o := v.opts
	if o.MinLength != 8 || o.MaxLength != 72 || o.HIBPHost != "api.pwnedpasswords.com" || o.MaxBreaches != 0 ||
		o.HTTPClient == nil || o.Now == nil {
		t.Fatalf("defaults not applied: %+v", o)
	}
	if got := (&Violation{Reason: "r"}).Error(); got != "password policy: r" {
		t.Fatalf("Error() = %q", got)
	}
}
