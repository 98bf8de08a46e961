package totp

import (
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// A settings flow of an identity without TOTP shows a new key as a QR code,
// and rendering one costs about 8 ms of CPU (BenchmarkQR) — Kratos spends a
// third of a profile update on it, because every flow creation (init, and
// the flow that follows a success) renders one. Warden remembers the
// pending key (and its QR) of each flow it shows, and shows it again
//
//   - in the flow that follows a successful submission of that flow (a
//     profile or password update): whoever could submit the flow could
//     fetch it and its key anyway, so nothing is revealed;
//   - in a new browser flow of the same browser and identity: browser
//     flows carry the hash of the browser's CSRF token, so only the
//     browser that was shown a key sees it again.
//
// API flows carry nothing that tells one client from another, so a new
// API flow gets a new key, as in Kratos. A pending key is only a
// candidate: it becomes the device's key when a code of it is confirmed.
//
// The cache is only a cache: the key a flow shows is stored with the flow
// (its totp_secret_key node), and linking reads it from there. Behind a
// load balancer a node that misses renders a new key for the new flow,
// and nothing breaks.

// pendingTTL bounds how long one pending key is shown again.
const pendingTTL = time.Hour

// pendingMax bounds the cache; when full, expired entries go, then all.
const pendingMax = 4096

type pendingKey struct {
	identity uuid.UUID
	binding  string // "flow:<flow id>" or "csrf:<CSRF token hash>"
}

type pending struct {
	url     string // the otpauth URL
	qr      string // its QR code as a PNG data URL
	expires time.Time
}

type pendingCache struct {
	mu sync.Mutex
	m  map[pendingKey]pending
}

func (c *pendingCache) get(k pendingKey, now time.Time) (pending, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[k]
	if !ok || !now.Before(p.expires) {
		return pending{}, false
	}
	return p, true
}

func (c *pendingCache) put(k pendingKey, p pending, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[pendingKey]pending{}
	}
	if len(c.m) >= pendingMax {
		for key, v := range c.m {
			if !now.Before(v.expires) {
				delete(c.m, key)
			}
		}
		if len(c.m) >= pendingMax {
			clear(c.m)
		}
	}
	c.m[k] = p
}

// forget drops the identity's pending keys (after a device was linked or
// unlinked).
func (c *pendingCache) forget(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if k.identity == id {
			delete(c.m, k)
		}
	}
}

// submittedFlow is the flow whose submission created a flow with this
// request_url: the flow that follows a success is created for the submit
// URL, PUBLIC/self-service/settings?flow=<id> (§8.2, §13 Q1). It only
// picks the cache entry to try first.
func submittedFlow(requestURL string) (uuid.UUID, bool) {
	u, err := url.Parse(requestURL)
	if err != nil || !strings.HasSuffix(u.Path, "/self-service/settings") {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(u.Query().Get("flow"))
	return id, err == nil
}
