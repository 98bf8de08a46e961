package policy

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
)

// Kratos v0.10.1's thresholds (spec §9.2): a password is too similar to an
// identifier when their Levenshtein distance is below minDistance, or when
// their longest common substring covers more than half of the password.
const minDistance = 5

// tooSimilar applies Kratos's identifier rule to one identifier. Both values
// are lower-cased first, as Kratos does.
//
// Kratos computes both measures with O(n·m) tables on whatever the client
// sent. We need only two yes/no answers, and each has a linear algorithm, so a
// megabyte password or trait costs milliseconds and no quadratic memory:
//   - "distance < 5" only needs the diagonal band of the table
//     (boundedLevenshtein);
//   - "LCS > len/2" only needs to know whether any substring of one fixed
//     length is shared (shareSubstring).
//
// Lengths are counted in runes for both measures. Kratos mixes runes and bytes
// here (its LCS table is indexed by byte offset but compares runes), which
// under-counts overlaps of non-ASCII text; for ASCII the results are equal.
func tooSimilar(identifier, password string) bool {
	id := []rune(strings.ToLower(identifier))
	pw := []rune(strings.ToLower(password))
	if boundedLevenshtein(id, pw, minDistance-1) < minDistance {
		return true
	}
	// lcs/len(pw) > 0.5  ⇔  lcs ≥ ⌊len(pw)/2⌋+1.
	return len(pw) > 0 && shareSubstring(id, pw, len(pw)/2+1)
}

// boundedLevenshtein returns the Levenshtein distance of a and b if it is at
// most k, and k+1 otherwise. It fills only the band |i-j| ≤ k of the table,
// because every cell outside it is already more than k: O(k·max(n,m)) time,
// O(min(n,m)) memory.
func boundedLevenshtein(a, b []rune, k int) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	over := k + 1
	if len(a)-len(b) > k {
		return over
	}
	if len(b) == 0 {
		return len(a) // ≤ k, checked above
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = min(j, over)
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-k), min(len(b), i+k)
		// The cell left of the band: column 0 is i deletions; any other is
		// outside the band, hence over k.
		if lo == 1 {
			cur[0] = min(i, over)
		} else {
			cur[lo-1] = over
		}
		best := cur[lo-1]
		for j := lo; j <= hi; j++ {
			d := prev[j-1]
			if a[i-1] != b[j-1] {
				d++
			}
			d = min(d, prev[j]+1, cur[j-1]+1, over)
			cur[j] = d
			best = min(best, d)
		}
		// The next row reads prev[hi+1]: it lies outside this row's band.
		if hi < len(b) {
			cur[hi+1] = over
		}
		if best >= over {
			return over // a row can only grow from its cheapest cell
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// shareSubstring reports whether a and b have a common substring of n runes.
// It is Rabin-Karp over every n-window: the windows of the shorter string go
// into a set keyed by hash, then the longer string's windows are looked up and
// verified rune by rune, so a hash collision never causes a false "similar".
// The hash is taken modulo the Mersenne prime 2^61-1 with a random base per
// call, so a client cannot craft colliding inputs to force slow
// verifications. Time and memory are linear.
func shareSubstring(a, b []rune, n int) bool {
	if n <= 0 {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	if n > len(a) {
		return false
	}
	base := 1<<20 + rand.Uint64N(mersenne61-1<<21) // above every rune value
	pow := uint64(1)                               // base^(n-1)
	for range n - 1 {
		pow = mulMod61(pow, base)
	}
	// First start offset per window hash. Two different windows of a with the
	// same hash keep only one offset; at 2^-61 per pair that loss is accepted.
	seen := make(map[uint64]int, len(a)-n+1)
	forEachWindow(a, n, base, pow, func(start int, h uint64) bool {
		if _, ok := seen[h]; !ok {
			seen[h] = start
		}
		return true
	})
	found := false
	forEachWindow(b, n, base, pow, func(start int, h uint64) bool {
		if s, ok := seen[h]; ok && slices.Equal(a[s:s+n], b[start:start+n]) {
			found = true
			return false
		}
		return true
	})
	return found
}

const mersenne61 = 1<<61 - 1

// forEachWindow calls fn with the start and rolling hash of every n-rune
// window of s (len(s) ≥ n ≥ 1) until fn returns false.
func forEachWindow(s []rune, n int, base, pow uint64, fn func(start int, h uint64) bool) {
	var h uint64
	for i := range n {
		h = addMod61(mulMod61(h, base), uint64(s[i]))
	}
	if !fn(0, h) {
		return
	}
	for i := n; i < len(s); i++ {
		h = addMod61(h, mersenne61-mulMod61(uint64(s[i-n]), pow)) // drop the oldest rune
		h = addMod61(mulMod61(h, base), uint64(s[i]))
		if !fn(i-n+1, h) {
			return
		}
	}
}

// mulMod61 returns a·b mod 2^61-1 for a, b < 2^61.
func mulMod61(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	// a·b = hi·2^64 + lo, and 2^61 ≡ 1, so a·b ≡ (hi·2^3 + lo>>61) + (lo mod 2^61).
	return reduce61((hi<<3 | lo>>61) + lo&mersenne61)
}

// addMod61 returns a+b mod 2^61-1 for a, b < 2^61 (runes are far below that).
func addMod61(a, b uint64) uint64 { return reduce61(a + b) }

func reduce61(x uint64) uint64 {
	x = x&mersenne61 + x>>61
	if x >= mersenne61 {
		x -= mersenne61
	}
	return x
}
