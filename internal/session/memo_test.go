package session

import (
	"fmt"
	"testing"
)

// TestIdentityMemo: an empty key is never remembered, a stored rendering
// comes back for its key only, and the memo never holds more than its
// bound.
func TestIdentityMemo(t *testing.T) {
	var c identityMemo
	c.put("", []byte("x"))
	if _, ok := c.get(""); ok {
		t.Error("an empty key was remembered")
	}
	c.put("a", []byte("rendered a"))
	if v, ok := c.get("a"); !ok || string(v) != "rendered a" {
		t.Errorf("get(a) = %q, %v", v, ok)
	}
	if _, ok := c.get("b"); ok {
		t.Error("get(b) hit")
	}
	for k := range 3 * maxMemoIdentities {
		c.put(fmt.Sprint(k), []byte{byte(k)})
		if n := c.n.Load(); n > maxMemoIdentities {
			t.Fatalf("after %d puts the memo holds %d, bound %d", k+1, n, maxMemoIdentities)
		}
	}
	held := 0
	c.m.Range(func(any, any) bool { held++; return true })
	if held > maxMemoIdentities || int32(held) != c.n.Load() {
		t.Errorf("the memo holds %d entries, counts %d", held, c.n.Load())
	}
}
