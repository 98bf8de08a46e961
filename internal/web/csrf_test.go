package web

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCSRFCookieName(t *testing.T) {
	// The trailing slash is part of the hashed string (§8.1).
	if CSRFCookieName("http://127.0.0.1:4433/") == CSRFCookieName("http://127.0.0.1:4433") {
		t.Fatal("names must differ by trailing slash")
	}
	if got := CSRFCookieName("http://127.0.0.1:4433/"); len(got) != len("csrf_token_")+64 {
		t.Fatalf("name %q", got)
	}
}

func TestCSRFMaskAndVerify(t *testing.T) {
	c := CSRF{CookieName: "csrf_token_x", Path: "/", SameSite: http.SameSiteLaxMode}
	w := httptest.NewRecorder()
	tok := c.Ensure(w, httptest.NewRequest("GET", "/", nil))
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].MaxAge != 31536000 {
		t.Fatalf("cookie %+v", cookies)
	}
	withCookie := httptest.NewRequest("POST", "/", nil)
	withCookie.AddCookie(cookies[0])

	m1, m2 := Mask(tok), Mask(tok)
	if m1 == m2 || len(m1) != 88 {
		t.Fatalf("masks must differ per call and be 88 chars: %q %q", m1, m2)
	}
	other := make([]byte, 32)
	tests := []struct {
		name      string
		r         *http.Request
		submitted string
		want      bool
	}{
		{"masked", withCookie, m1, true},
		{"another mask", withCookie, m2, true},
		{"raw token", withCookie, base64.StdEncoding.EncodeToString(tok), true},
		{"wrong token", withCookie, Mask(other), false},
		{"empty", withCookie, "", false},
		{"garbage", withCookie, "%%%", false},
		{"no cookie", httptest.NewRequest("POST", "/", nil), m1, false},
	}
	for _, tt := range tests {
		if got := c.Valid(tt.r, tt.submitted); got != tt.want {
			t.Errorf("%s: Valid = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Ensure keeps an existing valid cookie.
	w2 := httptest.NewRecorder()
	if got := c.Ensure(w2, withCookie); string(got) != string(tok) || len(w2.Result().Cookies()) != 0 {
		t.Fatal("Ensure must reuse a valid cookie without setting a new one")
	}
	if Mask(nil) != "" {
		t.Fatal("nil token masks to empty")
	}
}
