package session_test

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/warden-id/warden/internal/session"
)

var (
	sessionTokenRE = regexp.MustCompile(`^ory_st_[A-Za-z0-9]{32}$`)
	logoutTokenRE  = regexp.MustCompile(`^ory_lo_[A-Za-z0-9]{32}$`)
)

func TestNewToken(t *testing.T) {
	const n = 8000
	seen := make(map[string]bool, n)
	counts := map[rune]int{}
	for range n {
		tok := session.NewToken()
		if !sessionTokenRE.MatchString(tok) {
			t.Fatalf("token %q does not match %s", tok, sessionTokenRE)
		}
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
		for _, c := range tok[len(session.TokenPrefix):] {
			counts[c]++
		}
	}
	// Every character of the alphabet shows up, and none dominates: with
	// 256,000 draws over 62 symbols each expects ~4129 (σ ≈ 64); a plain
	// byte%62 would give the first 8 symbols ~5000, 1.25x the others.
	if len(counts) != 62 {
		t.Errorf("%d distinct characters, want 62", len(counts))
	}
	for c, k := range counts {
		if k < 3745 || k > 4513 { // ±6σ
			t.Errorf("character %q drawn %d times of %d, want about %d", c, k, n*32, n*32/62)
		}
	}
}

func TestLogoutTokenFor(t *testing.T) {
	a, b := session.NewToken(), session.NewToken()
	la, lb := session.LogoutTokenFor(a), session.LogoutTokenFor(b)
	for _, lo := range []string{la, lb} {
		if !logoutTokenRE.MatchString(lo) {
			t.Fatalf("logout token %q does not match %s", lo, logoutTokenRE)
		}
	}
	if la != session.LogoutTokenFor(a) {
		t.Error("LogoutTokenFor is not deterministic")
	}
	if la == lb {
		t.Error("two sessions share a logout token")
	}
	if strings.Contains(la, a[len(session.TokenPrefix):len(session.TokenPrefix)+8]) {
		t.Error("the logout token shows part of the session token")
	}
	if session.LogoutTokenFor("") == session.LogoutTokenFor("x") {
		t.Error("different inputs give the same logout token")
	}
}

func TestHashToken(t *testing.T) {
	sum := sha256.Sum256([]byte("ory_st_abc"))
	if got, want := session.HashToken("ory_st_abc"), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("HashToken = %s, want %s", got, want)
	}
}
