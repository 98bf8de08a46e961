package policy

import (
	"sync"
	"time"
)

// rangeCache keeps parsed range answers per 5-hex prefix for ttl (spec §9.2:
// one hour), so a user retrying the same password, or many users of a popular
// one, cost one request. It holds at most max prefixes: a full cache first
// drops expired entries, then the oldest one, so memory stays bounded
// (≈ max × 35 KB) whatever clients submit.
type rangeCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]rangeEntry
}

type rangeEntry struct {
	fetched time.Time
	set     suffixSet
}

func newRangeCache(maxEntries int, ttl time.Duration) *rangeCache {
	return &rangeCache{ttl: ttl, max: maxEntries, entries: map[string]rangeEntry{}}
}

func (c *rangeCache) get(prefix string, now time.Time) (suffixSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[prefix]
	if !ok || now.Sub(e.fetched) >= c.ttl {
		return suffixSet{}, false
	}
	return e.set, true
}

func (c *rangeCache) put(prefix string, set suffixSet, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[prefix]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[prefix] = rangeEntry{fetched: now, set: set}
}

// evict makes room for one entry. O(max) per call, which is nothing next to
// the network request that precedes every put.
func (c *rangeCache) evict(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for p, e := range c.entries {
		if now.Sub(e.fetched) >= c.ttl {
			delete(c.entries, p)
			continue
		}
		if oldest == "" || e.fetched.Before(oldestAt) {
			oldest, oldestAt = p, e.fetched
		}
	}
	if len(c.entries) >= c.max {
		delete(c.entries, oldest)
	}
}
