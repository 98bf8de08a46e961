package hash

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCompareKnownVectors(t *testing.T) {
	ctx := t.Context()
	for _, v := range knownVectors {
		t.Run(v.name, func(t *testing.T) {
			if err := Compare(ctx, []byte(v.password), []byte(v.hash)); err != nil {
				t.Fatalf("Compare(right password) = %v, want nil", err)
			}
			if err := ValidateImport([]byte(v.hash)); err != nil {
				t.Errorf("ValidateImport = %v, want nil", err)
			}
			for _, wrong := range []string{v.password + "x", strings.ToUpper(v.password[:1]) + v.password[1:] + "!", ""} {
				if err := Compare(ctx, []byte(wrong), []byte(v.hash)); !errors.Is(err, ErrMismatch) {
					t.Errorf("Compare(%q) = %v, want ErrMismatch", wrong, err)
				}
			}
		})
	}
}

// A stored key that differs in one byte must not verify: proves that the
// comparison looks at the whole key, for every format.
func TestCompareTamperedKey(t *testing.T) {
	ctx := t.Context()
	tests := []vector{
		{"bcrypt", "foobar", "$2a$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9R."},
		{"argon2id", "test", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNg"},
		{"argon2i", "password", "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObH"},
		{"pbkdf2", "password", "$pbkdf2-sha1$i=4096,l=20$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcI"},
		{"pbkdf2 other salt", "password", "$pbkdf2-sha1$i=4096,l=20$c2FsdQ$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
		{"scrypt", "hunter2", "$scrypt$ln=2048,r=4,p=1$d2FyZGVuLXNhbHQ=$LXl1glJYmpm5farHKjFfylUFqsAJQ6dr6PsPH/a6Rmg="},
		{"scrypt other N", "hunter2", "$scrypt$ln=4096,r=4,p=1$d2FyZGVuLXNhbHQ=$LXl1glJYmpm5farHKjFfylUFqsAJQ6dr6PsPH/a6Rmw="},
		{"firescrypt hash", "hunter2", "$firescrypt$ln=10,r=4,p=2$d2FyZGVuLXNhbHQ=$PN28Wz8PqzipuNOEifmc0aYeQaY1QxHhK8N64ZSa/ac=$AQI=$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
		{"firescrypt separator", "hunter2", "$firescrypt$ln=10,r=4,p=2$d2FyZGVuLXNhbHQ=$PN28Wz8PqzipuNOEifmc0aYeQaY1QxHhK8N64ZSa/ag=$AQM=$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Compare(ctx, []byte(tt.password), []byte(tt.hash)); !errors.Is(err, ErrMismatch) {
				t.Fatalf("Compare = %v, want ErrMismatch", err)
			}
		})
	}
}

// bcrypt reads only 72 bytes. A longer password whose first 72 bytes are
// the real password must not log in.
func TestCompareBcryptRefusesTruncation(t *testing.T) {
	ctx := t.Context()
	pw := []byte(strings.Repeat("a", 72))
	h, err := NewBcrypt(BcryptOptions{Cost: 4}).Generate(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := Compare(ctx, pw, h); err != nil {
		t.Fatalf("72-byte password: %v", err)
	}
	err = Compare(ctx, append(pw, 'b'), h)
	if !errors.Is(err, ErrMismatch) || !errors.Is(err, ErrTooLong) {
		t.Fatalf("73-byte password: %v, want ErrMismatch and ErrTooLong", err)
	}
}

func TestCompareMalformed(t *testing.T) {
	ctx := t.Context()
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"dollar", "$"},
		{"cleartext", "123456"},
		{"unknown prefix", "$unknown$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6"},
		{"md5 is not supported", "$md5$4QrcOUm6Wau+VuBX8g+IPg=="},
		{"bcrypt 2x", "$2x$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q."},
		{"bcrypt prefix only", "$2a$"},
		{"bcrypt short", "$2a$08$.cOYmAd.vCpDOoiVJrO5B."},
		{"bcrypt trailing junk", "$2a$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q.x"},
		{"bcrypt one-digit cost", "$2a$8$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q.x"},
		{"bcrypt cost 3", "$2a$03$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q."},
		{"bcrypt cost 32", "$2a$32$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q."},
		{"bcrypt bad char", "$2a$08$.cOYmAd.vCpDOoiVJrO5B.hjTLKQQ6cAK40u8uB.FnZDyPvVvQ9Q+"},
		{"argon2 fields", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ"},
		{"argon2 no version", "$argon2id$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw$x"},
		{"argon2 v16", "$argon2id$v=16$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 order", "$argon2id$v=19$t=2,m=32,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 trailing param", "$argon2id$v=19$m=32,t=2,p=4x$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 sign", "$argon2id$v=19$m=+32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 t=0 (argon2 panics)", "$argon2id$v=19$m=32,t=0,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 p=0 (argon2 panics)", "$argon2id$v=19$m=32,t=2,p=0$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 p=256", "$argon2id$v=19$m=32,t=2,p=256$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 m=0", "$argon2id$v=19$m=0,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 padded base64", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ==$MNzk5BtR2vUhrp6qQEjRNw"},
		{"argon2 bad base64", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjR!w"},
		{"argon2 empty salt", "$argon2id$v=19$m=32,t=2,p=4$$MNzk5BtR2vUhrp6qQEjRNw"},
		// With Kratos an empty or tiny key matches every password.
		{"argon2 empty key", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$"},
		{"argon2 8-byte key", "$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vU"},
		{"pbkdf2 no alg digits", "$pbkdf2-sha$i=1000,l=32$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
		{"pbkdf2 md5", "$pbkdf2-md5$i=1000,l=32$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
		{"pbkdf2 no params", "$pbkdf2-sha256$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
		{"pbkdf2 bad params", "$pbkdf2-sha256$aaaa$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
		{"pbkdf2 upper I", "$pbkdf2-sha256$I=1000,l=32$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
		{"pbkdf2 i=0", "$pbkdf2-sha256$i=0,l=32$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
		{"pbkdf2 bad salt", "$pbkdf2-sha256$i=1000,l=32$c2FsdA!$SwB5AbdlSJq+rUnZJvch0GWkKcE"},
		{"pbkdf2 empty key", "$pbkdf2-sha256$i=1000,l=32$c2FsdA$"},
		{"scrypt fields", "$scrypt$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="},
		{"scrypt N not power of two", "$scrypt$ln=16385,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="},
		{"scrypt N=1", "$scrypt$ln=1,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="},
		{"scrypt ln=abc", "$scrypt$ln=abc,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="},
		{"scrypt r=0", "$scrypt$ln=16384,r=0,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="},
		{"scrypt p=0", "$scrypt$ln=16384,r=8,p=0$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="},
		{"scrypt bad salt", "$scrypt$ln=16384,r=8,p=1$(2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="},
		{"scrypt unpadded", "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE"},
		{"scrypt non-zero trailing bits", "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYF="},
		{"firescrypt fields", "$firescrypt$ln=14,r=8,p=1$42xEC+ixf3L2lw==$Bw==$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="},
		{"firescrypt ln=0", "$firescrypt$ln=0,r=4,p=2$d2FyZGVuLXNhbHQ=$PN28Wz8PqzipuNOEifmc0aYeQaY1QxHhK8N64ZSa/ag=$AQI=$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
		{"firescrypt length mismatch", "$firescrypt$ln=10,r=4,p=2$d2FyZGVuLXNhbHQ=$PN28Wz8PqzipuNOEifmc0aYeQaY1QxHhK8N64ZSa$AQI=$AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
		{"firescrypt empty signer and hash", "$firescrypt$ln=10,r=4,p=2$d2FyZGVuLXNhbHQ=$$AQI=$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Compare(ctx, []byte("123456"), []byte(tt.hash))
			if !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("Compare = %v, want ErrUnknownFormat", err)
			}
			err = ValidateImport([]byte(tt.hash))
			if !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("ValidateImport = %v, want an error matching ErrUnknownFormat", err)
			}
		})
	}
}

func TestCompareCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	v := knownVectors[0]
	if err := Compare(ctx, []byte(v.password), []byte(v.hash)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Compare = %v, want context.Canceled", err)
	}
}
