package http

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// maxCachedTokens bounds the ingest-token cache; there are few integration
// keys, so reaching it means something odd and the cache simply restarts.
const maxCachedTokens = 1024

// tokenCache remembers recently authenticated ingest tokens for a short
// time, so a high-rate source (single PagerDuty events, webhooks) does not
// cost a database lookup per request. Only ingest tokens are cached: a
// person's token is checked against the store on every request. Keys are
// SHA-256 hashes, so the cache holds no secret.
type tokenCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	tok     *quench.Token
	expires time.Time
}

func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) *quench.Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil
	}
	if !now.Before(e.expires) {
		delete(c.m, key)
		return nil
	}
	return e.tok
}

func (c *tokenCache) put(key [sha256.Size]byte, tok *quench.Token, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = make(map[[sha256.Size]byte]cachedToken)
	}
	c.m[key] = cachedToken{tok: tok, expires: expires}
}

// clear forgets every token, so a revocation through this server takes
// effect on the next request.
func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
