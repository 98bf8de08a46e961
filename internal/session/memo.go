package session

import (
	"sync"
	"sync/atomic"
)

// maxMemoIdentities bounds identityMemo: a few megabytes at most (a key is
// the identity's stored row, a value its rendering, about a kilobyte each).
const maxMemoIdentities = 2048

// identityMemo remembers identities as whoami renders them, keyed by their
// stored content (WhoamiRead.IdentityKey). A key is the content itself, not
// a version or an id, so an entry can never be stale: a changed identity
// has another key, and the old entry is simply not asked for again. What
// a hit saves is decoding the row and encoding the identity; the read
// itself happens on every call.
//
// When full it starts again empty: simpler than tracking recency, and a
// deployment whose signed-in people outnumber it gains little from any
// policy.
type identityMemo struct {
	m sync.Map // string → []byte, never modified once stored
	n atomic.Int32
}

func (c *identityMemo) get(key string) ([]byte, bool) {
	if key == "" {
		return nil, false
	}
	v, ok := c.m.Load(key)
	if !ok {
		return nil, false
	}
	return v.([]byte), true
}

func (c *identityMemo) put(key string, rendered []byte) {
	if key == "" {
		return
	}
	if c.n.Load() >= maxMemoIdentities {
		c.m.Clear()
		c.n.Store(0)
	}
	if _, loaded := c.m.LoadOrStore(key, rendered); !loaded {
		c.n.Add(1)
	}
}
