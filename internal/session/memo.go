package session

import (
	"sync"
	"sync/atomic"

	"github.com/warden-id/warden/internal/identity"
)

// maxMemoAnswers bounds answerMemo: a few megabytes at most (a key is a
// stored row, a value its answer, about a kilobyte each).
const maxMemoAnswers = 2048

// answerMemo remembers whoami's answers, keyed by the stored content they
// were rendered from (WhoamiRead.Key). A key is the content itself, not a
// version or an id, so an entry can never be stale: a changed session or
// identity has another key, and the old entry is simply not asked for
// again. A hit saves decoding the row and encoding the answer; the read
// itself happens on every call, and so does the judgement (expiry against
// the clock, activity, AAL).
//
// When full it starts again empty: simpler than tracking recency, and a
// deployment whose signed-in people outnumber it gains little from any
// policy.
type answerMemo struct {
	m sync.Map // string → *memoAnswer, never modified once stored
	n atomic.Int32
}

// memoAnswer is a remembered answer: the session as decoded (without its
// identity and token), its identity's state, and the answer's body.
type memoAnswer struct {
	session Session
	state   identity.State
	body    []byte
}

func (c *answerMemo) get(key string) (*memoAnswer, bool) {
	if key == "" {
		return nil, false
	}
	v, ok := c.m.Load(key)
	if !ok {
		return nil, false
	}
	return v.(*memoAnswer), true
}

func (c *answerMemo) put(key string, a *memoAnswer) {
	if key == "" {
		return
	}
	if c.n.Load() >= maxMemoAnswers {
		c.m.Clear()
		c.n.Store(0)
	}
	if _, loaded := c.m.LoadOrStore(key, a); !loaded {
		c.n.Add(1)
	}
}
