package session

import (
	"fmt"
	"testing"
)

// TestAnswerMemo: an empty key is never remembered, a stored answer comes
// back for its key only, and the memo never holds more than its bound.
func TestAnswerMemo(t *testing.T) {
	var c answerMemo
	c.put("", &memoAnswer{body: []byte("x")})
	if _, ok := c.get(""); ok {
		t.Error("an empty key was remembered")
	}
	c.put("a", &memoAnswer{body: []byte("answer a")})
	if v, ok := c.get("a"); !ok || string(v.body) != "answer a" {
		t.Errorf("get(a) = %v, %v", v, ok)
	}
	if _, ok := c.get("b"); ok {
		t.Error("get(b) hit")
	}
	for k := range 3 * maxMemoAnswers {
		c.put(fmt.Sprint(k), &memoAnswer{})
		if n := c.n.Load(); n > maxMemoAnswers {
			t.Fatalf("after %d puts the memo holds %d, bound %d", k+1, n, maxMemoAnswers)
		}
	}
	held := 0
	c.m.Range(func(any, any) bool { held++; return true })
	if held > maxMemoAnswers || int32(held) != c.n.Load() {
		t.Errorf("the memo holds %d entries, counts %d", held, c.n.Load())
	}
}
