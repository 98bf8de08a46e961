package hash

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestDummyCostsARealComparison checks the equal-work guarantee of a dummy
// that was written rather than hashed: comparing against it takes as long
// as comparing against a real hash of the same hasher (the minimum of a
// few runs, within a factor that a skipped derivation could not meet).
func TestDummyCostsARealComparison(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name string
		h    Hasher
	}{
		{"bcrypt", NewBcrypt(BcryptOptions{Cost: 8})},
		{"argon2", NewArgon2(Argon2Options{Memory: 8 << 10, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32})},
		{"foreign hasher", foreignHasher{NewBcrypt(BcryptOptions{Cost: 8})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDummy(ctx, tt.h)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.h.Understands(d.hash) {
				t.Fatalf("dummy %q is not in the hasher's format and parameters", d.hash)
			}
			realHash, err := tt.h.Generate(ctx, []byte("a real password"))
			if err != nil {
				t.Fatal(err)
			}
			fastest := func(f func()) time.Duration {
				best := time.Duration(1 << 62)
				for range 5 {
					start := time.Now()
					f()
					best = min(best, time.Since(start))
				}
				return best
			}
			realCost := fastest(func() { _ = Compare(ctx, []byte("a guess"), realHash) })
			dummyCost := fastest(func() {
				if err := d.Compare(ctx, []byte("a guess")); !errors.Is(err, ErrMismatch) {
					t.Errorf("dummy Compare = %v, want ErrMismatch", err)
				}
			})
			if dummyCost < realCost/2 || dummyCost > realCost*2 {
				t.Errorf("dummy comparison took %v, a real one %v: the timing would differ", dummyCost, realCost)
			}
		})
	}
}

func TestDummyRefusesBrokenOptions(t *testing.T) {
	for name, h := range map[string]Hasher{
		"bcrypt cost 3":   NewBcrypt(BcryptOptions{Cost: 3}),
		"bcrypt cost 32":  NewBcrypt(BcryptOptions{Cost: 32}),
		"argon2 t=0":      NewArgon2(Argon2Options{Memory: 64, Iterations: 0, Parallelism: 1, SaltLength: 16, KeyLength: 32}),
		"argon2 key 8":    NewArgon2(Argon2Options{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 8}),
		"foreign, broken": foreignHasher{NewBcrypt(BcryptOptions{Cost: 0})},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewDummy(t.Context(), h); err == nil {
				t.Error("NewDummy: want an error")
			}
		})
	}
}

// foreignHasher hides the concrete type, so NewDummy takes the generic
// path (hash a random password).
type foreignHasher struct{ h Hasher }

func (f foreignHasher) Generate(ctx context.Context, pw []byte) ([]byte, error) {
	return f.h.Generate(ctx, pw)
}
func (f foreignHasher) Understands(hash []byte) bool { return f.h.Understands(hash) }
