package totp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
)

func TestMatchStep(t *testing.T) {
	key := testKey(t)
	now := time.Date(2024, 5, 1, 12, 0, 10, 0, time.UTC)
	cur := stepOf(now)
	tests := []struct {
		name     string
		code     string
		wantStep int64
		wantOK   bool
	}{
		{"current", codeAt(t, key, now), cur, true},
		{"one step early", codeAt(t, key, now.Add(30*time.Second)), cur + 1, true},
		{"one step late", codeAt(t, key, now.Add(-30*time.Second)), cur - 1, true},
		{"two steps early", codeAt(t, key, now.Add(60*time.Second)), 0, false},
		{"two steps late", codeAt(t, key, now.Add(-60*time.Second)), 0, false},
		{"seven digits", codeAt(t, key, now) + "0", 0, false},
		{"five digits", codeAt(t, key, now)[:5], 0, false},
		{"unicode digits", "١٢٣٤٥٦", 0, false},
		{"spaces", " " + codeAt(t, key, now)[:5], 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, ok := matchStep(key.Secret(), tt.code, now)
			// A random other step's code may collide (1e-6); the named
			// cases use the real codes of those steps.
			if ok != tt.wantOK || (ok && step != tt.wantStep) {
				t.Errorf("matchStep = %d, %v; want %d, %v", step, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name string
		url  string
		ok   bool
	}{
		{"good", testKey(t).URL(), true},
		{"empty", "", false},
		{"no secret", "otpauth://totp/x:y?issuer=x", false},
		{"bad base32", "otpauth://totp/x:y?secret=!!!!", false},
		{"not a URL", "%%%", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseKey(tt.url); (err == nil) != tt.ok {
				t.Errorf("parseKey(%q) err = %v, want ok=%v", tt.url, err, tt.ok)
			}
		})
	}
}

func TestCredentialKeyCountsLikeAvailableAAL(t *testing.T) {
	id := uuid.New()
	good, err := credential(id, uuid.Nil, testKey(t).URL())
	if err != nil {
		t.Fatal(err)
	}
	noIdent := good
	noIdent.Identifiers = nil
	tests := []struct {
		name string
		c    *identity.Credentials
		ok   bool
	}{
		{"good", &good, true},
		{"no identifier", &noIdent, false},
		{"bad config", &identity.Credentials{Identifiers: []string{id.String()}, Config: json.RawMessage(`[]`)}, false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := &identity.Identity{ID: id, Credentials: map[identity.CredentialsType]identity.Credentials{}}
			if tt.c != nil {
				i.Credentials[identity.CredentialsTOTP] = *tt.c
			}
			if _, _, err := credentialKey(i); (err == nil) != tt.ok {
				t.Errorf("credentialKey err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && identity.AvailableAAL(i.Credentials) != identity.AAL2 {
				t.Errorf("a usable key does not make aal2 available")
			}
		})
	}
}

func TestAccountName(t *testing.T) {
	fx := newFixture(t)
	i := &identity.Identity{ID: uuid.New(), SchemaID: "default", Traits: json.RawMessage(`{"email":"  me@example.com "}`)}
	if got := fx.m.accountName(i); got != "me@example.com" {
		t.Errorf("accountName = %q, want the account_name trait", got)
	}
	i.Traits = json.RawMessage(`{"nick":"x"}`)
	if got := fx.m.accountName(i); got != i.ID.String() {
		t.Errorf("accountName without the trait = %q, want the identity id", got)
	}
	i.SchemaID = "unknown"
	if got := fx.m.accountName(i); got != i.ID.String() {
		t.Errorf("accountName with an unknown schema = %q, want the identity id", got)
	}
	_ = context.Background()
}

func TestNewKeyAndQR(t *testing.T) {
	k, err := newKey("Warden Test", "me@example.com")
	if err != nil {
		t.Fatal(err)
	}
	u := k.URL()
	for _, want := range []string{"otpauth://totp/Warden%20Test:me@example.com?", "algorithm=SHA1", "digits=6", "issuer=Warden%20Test", "period=30", "secret="} {
		if !strings.Contains(u, want) {
			t.Errorf("key URL %q lacks %q", u, want)
		}
	}
	if len(k.Secret()) != 32 { // 160 bits in base32
		t.Errorf("secret %q is not 160 bits", k.Secret())
	}
	src, err := qrDataURL(k)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(src, "data:image/png;base64,iVBORw0KGgo") {
		t.Errorf("QR src = %.40q…, want a PNG data URL", src)
	}
}
