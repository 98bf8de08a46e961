package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// referenceLevenshtein is the plain O(n·m) table, the definition the banded
// version must agree with.
func referenceLevenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j-1]+cost, prev[j]+1, cur[j-1]+1)
		}
		prev = cur
	}
	return prev[len(b)]
}

// referenceLCS is the O(n·m) longest-common-substring table (as in Kratos).
func referenceLCS(a, b []rune) int {
	best := 0
	prev := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				best = max(best, cur[j])
			}
		}
		prev = cur
	}
	return best
}

// lcsViaShare recovers the LCS length from shareSubstring.
func lcsViaShare(a, b []rune) int {
	n := 0
	for shareSubstring(a, b, n+1) {
		n++
	}
	return n
}

func TestBoundedLevenshtein(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		k    int
		want int
	}{
		{"", "", 4, 0},
		{"kitten", "sitting", 4, 3},
		{"sitting", "kitten", 4, 3},
		{"kitten", "sitting", 2, 3}, // capped at k+1
		{"", "abcd", 4, 4},
		{"", "abcde", 4, 5},
		{"abc", "", 1, 2},
		{"flaw", "lawn", 4, 2},
		{"hello@example.com", "hello@example.com12345", 4, 5},
		{"héllo", "hello", 4, 1}, // runes, not bytes
		{"abcdefgh", "hgfedcba", 4, 5},
	} {
		got := boundedLevenshtein([]rune(tc.a), []rune(tc.b), tc.k)
		if got != tc.want {
			t.Errorf("boundedLevenshtein(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.k, got, tc.want)
		}
	}
}

func TestBoundedLevenshteinMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		a, b := randomRunes(r, 14, "abcé"), randomRunes(r, 14, "abcé")
		k := r.IntN(7)
		want := min(referenceLevenshtein(a, b), k+1)
		if got := boundedLevenshtein(a, b, k); got != want {
			t.Fatalf("boundedLevenshtein(%q, %q, %d) = %d, want %d", string(a), string(b), k, got, want)
		}
	}
}

// TestLCSKratosTable is ory/kratos's validator_lcs_test.go table.
func TestLCSKratosTable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		l    int
	}{
		{"foo", "foo", 3},
		{"fo", "foo", 2},
		{"bar", "foo", 0},
		{"foobar", "foo", 3},
		{"foobar", "oo", 2},
		{"foobar", "a", 1},
		{"", "foo", 0},
	} {
		a, b := []rune(tc.a), []rune(tc.b)
		if got := lcsViaShare(a, b); got != tc.l {
			t.Errorf("lcs(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.l)
		}
		if got := lcsViaShare(b, a); got != tc.l {
			t.Errorf("lcs(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.l)
		}
	}
}

func TestShareSubstringMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		a, b := randomRunes(r, 20, "abé"), randomRunes(r, 20, "abé")
		if got, want := lcsViaShare(a, b), referenceLCS(a, b); got != want {
			t.Fatalf("lcs(%q, %q) = %d, want %d", string(a), string(b), got, want)
		}
	}
}

func TestTooSimilarHuge(t *testing.T) {
	t.Parallel()
	// A run of one rune is the worst case for naive substring search and for
	// a hash set keyed by window: every window is equal.
	a := strings.Repeat("a", 1<<20)
	if !tooSimilar(a, a+"b") {
		t.Fatal("equal runs should be similar")
	}
	if tooSimilar(a, strings.Repeat("b", 1<<20)) {
		t.Fatal("disjoint runs should not be similar")
	}
}

func randomRunes(r *rand.Rand, maxLen int, alphabet string) []rune {
	al := []rune(alphabet)
	s := make([]rune, r.IntN(maxLen+1))
	for i := range s {
		s[i] = al[r.IntN(len(al))]
	}
	return s
}

func TestMulMod61(t *testing.T) {
	t.Parallel()
	const m = mersenne61
	for _, tc := range []struct{ a, b, want uint64 }{
		{0, 5, 0},
		{m - 1, m - 1, 1},   // (-1)·(-1)
		{m - 1, 2, m - 2},   // (-1)·2
		{1 << 60, 2, 0 + 1}, // 2^61 ≡ 1
		{1 << 60, 4, 2},
	} {
		if got := mulMod61(tc.a, tc.b); got != tc.want {
			t.Errorf("mulMod61(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
