package hash

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// testArgon2 keeps argon2 cheap in tests.
var testArgon2 = Argon2Options{Memory: 64, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32}

func TestBcryptGenerate(t *testing.T) {
	ctx := t.Context()
	h := NewBcrypt(BcryptOptions{Cost: 4})
	for _, n := range []int{0, 1, 8, 72} {
		pw := bytes.Repeat([]byte{'p'}, n)
		out, err := h.Generate(ctx, pw)
		if err != nil {
			t.Fatalf("len %d: %v", n, err)
		}
		if len(out) != 60 || !strings.HasPrefix(string(out), "$2a$04$") {
			t.Errorf("len %d: hash %q, want $2a$04$ and 60 bytes", n, out)
		}
		if err := Compare(ctx, pw, out); err != nil {
			t.Errorf("len %d: Compare = %v", n, err)
		}
		if err := Compare(ctx, append(pw, 'x'), out); !errors.Is(err, ErrMismatch) {
			t.Errorf("len %d: Compare(wrong) = %v", n, err)
		}
		if err := ValidateImport(out); err != nil {
			t.Errorf("len %d: ValidateImport = %v", n, err)
		}
	}
}

func TestBcryptGenerateRefuses(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name string
		cost int
		pw   []byte
		is   error
	}{
		{"73 bytes", 4, bytes.Repeat([]byte{'p'}, 73), ErrTooLong},
		{"73 bytes before cost check", 99, bytes.Repeat([]byte{'p'}, 73), ErrTooLong},
		{"cost 3", 3, []byte("pw"), nil},
		{"cost 0", 0, []byte("pw"), nil},
		{"cost 32", 32, []byte("pw"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := NewBcrypt(BcryptOptions{Cost: tt.cost}).Generate(ctx, tt.pw)
			if err == nil || out != nil {
				t.Fatalf("Generate = %q, %v; want an error", out, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Generate error = %v, want %v", err, tt.is)
			}
		})
	}
	if ErrTooLong.Error() != "passwords are limited to a maximum length of 72 characters" {
		t.Errorf("ErrTooLong text = %q", ErrTooLong)
	}
}

func TestArgon2Generate(t *testing.T) {
	ctx := t.Context()
	h := NewArgon2(testArgon2)
	pw := []byte("correct horse battery staple")
	a, err := h.Generate(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Generate(ctx, pw)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	for _, out := range [][]byte{a, b} {
		if !re.Match(out) {
			t.Errorf("hash %q does not match %s", out, re)
		}
		if err := Compare(ctx, pw, out); err != nil {
			t.Errorf("Compare = %v", err)
		}
		if err := Compare(ctx, []byte("wrong"), out); !errors.Is(err, ErrMismatch) {
			t.Errorf("Compare(wrong) = %v", err)
		}
		if err := ValidateImport(out); err != nil {
			t.Errorf("ValidateImport = %v", err)
		}
	}
	if bytes.Equal(a, b) {
		t.Error("two hashes of the same password are equal: salt is not random")
	}
	// Long passwords are fine for argon2: no 72-byte limit.
	long := bytes.Repeat([]byte{'x'}, 1000)
	out, err := h.Generate(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if err := Compare(ctx, long[:999], out); !errors.Is(err, ErrMismatch) {
		t.Errorf("Compare(prefix) = %v", err)
	}
}

// Options that would panic in argon2 or produce a hash Compare refuses.
func TestArgon2GenerateRefusesBadOptions(t *testing.T) {
	tests := map[string]func(o *Argon2Options){
		"iterations 0":   func(o *Argon2Options) { o.Iterations = 0 },
		"parallelism 0":  func(o *Argon2Options) { o.Parallelism = 0 },
		"memory 0":       func(o *Argon2Options) { o.Memory = 0 },
		"memory 2 GiB":   func(o *Argon2Options) { o.Memory = 2 << 20 },
		"work too large": func(o *Argon2Options) { o.Memory, o.Iterations = 1<<20, 5 },
		"salt 0":         func(o *Argon2Options) { o.SaltLength = 0 },
		"key 8":          func(o *Argon2Options) { o.KeyLength = 8 },
		"key 4096":       func(o *Argon2Options) { o.KeyLength = 4096 },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			o := testArgon2
			mutate(&o)
			out, err := NewArgon2(o).Generate(t.Context(), []byte("pw"))
			if err == nil || out != nil {
				t.Fatalf("Generate = %q, %v; want an error", out, err)
			}
		})
	}
}

func TestUnderstands(t *testing.T) {
	ctx := t.Context()
	bc4 := NewBcrypt(BcryptOptions{Cost: 4})
	ar := NewArgon2(testArgon2)
	mustGenerate := func(h Hasher) string {
		t.Helper()
		out, err := h.Generate(ctx, []byte("pw"))
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	bcHash := mustGenerate(bc4)
	arHash := mustGenerate(ar)
	other := func(mutate func(o *Argon2Options)) string {
		t.Helper()
		o := testArgon2
		mutate(&o)
		return mustGenerate(NewArgon2(o))
	}
	tests := []struct {
		name   string
		hasher Hasher
		hash   string
		want   bool
	}{
		{"bcrypt same cost", bc4, bcHash, true},
		{"bcrypt $2b$ same cost", bc4, "$2b$" + bcHash[4:], true},
		{"bcrypt $2y$ same cost", bc4, "$2y$" + bcHash[4:], true},
		{"bcrypt legacy $2$", bc4, "$2$" + bcHash[4:], false},
		{"bcrypt other cost", NewBcrypt(BcryptOptions{Cost: 5}), bcHash, false},
		{"bcrypt vs argon2 hash", bc4, arHash, false},
		{"bcrypt vs pbkdf2", bc4, "$pbkdf2-sha1$i=4096,l=20$c2FsdA$SwB5AbdlSJq+rUnZJvch0GWkKcE", false},
		{"bcrypt garbage", bc4, "$2a$", false},
		{"bcrypt empty", bc4, "", false},
		{"argon2 same params", ar, arHash, true},
		{"argon2 vs bcrypt", ar, bcHash, false},
		{"argon2 other memory", ar, other(func(o *Argon2Options) { o.Memory = 128 }), false},
		{"argon2 other iterations", ar, other(func(o *Argon2Options) { o.Iterations = 2 }), false},
		{"argon2 other parallelism", ar, other(func(o *Argon2Options) { o.Parallelism = 1 }), false},
		{"argon2 other salt length", ar, other(func(o *Argon2Options) { o.SaltLength = 32 }), false},
		{"argon2 other key length", ar, other(func(o *Argon2Options) { o.KeyLength = 16 }), false},
		{"argon2i same params", ar, "$argon2i$" + strings.TrimPrefix(arHash, "$argon2id$"), false},
		{"argon2 absurd", ar, absurd[0].hash, false},
		{"argon2 garbage", ar, "$argon2id$", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.hasher.Understands([]byte(tt.hash)); got != tt.want {
				t.Errorf("Understands(%q) = %v, want %v", tt.hash, got, tt.want)
			}
		})
	}
}

func TestDummy(t *testing.T) {
	ctx := t.Context()
	for name, h := range map[string]Hasher{"bcrypt": NewBcrypt(BcryptOptions{Cost: 4}), "argon2": NewArgon2(testArgon2)} {
		t.Run(name, func(t *testing.T) {
			d, err := NewDummy(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			if !h.Understands(d.hash) {
				t.Errorf("dummy hash %q is not in the hasher's format: the timing would differ", d.hash)
			}
			for _, pw := range []string{"", "123456", strings.Repeat("a", 100)} {
				if err := d.Compare(ctx, []byte(pw)); !errors.Is(err, ErrMismatch) {
					t.Errorf("Compare(%q) = %v, want ErrMismatch", pw, err)
				}
			}
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if err := d.Compare(cctx, []byte("x")); !errors.Is(err, context.Canceled) {
				t.Errorf("Compare(cancelled) = %v, want context.Canceled", err)
			}
		})
	}
	if _, err := NewDummy(ctx, NewBcrypt(BcryptOptions{Cost: 0})); err == nil {
		t.Error("NewDummy with a broken hasher: want an error")
	}
}
