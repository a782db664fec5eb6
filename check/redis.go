package check

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

type redisProbe struct {
	spec    RedisSpec
	timeout time.Duration
}

func newRedisProbe(s RedisSpec, timeout time.Duration) (*redisProbe, error) {
	if _, _, err := net.SplitHostPort(s.Address); err != nil {
		return nil, fieldErr("redis.address", "%q: want host:port", s.Address)
	}
	if s.LLen != "" && s.ZCard != "" {
		return nil, fieldErr("redis.zcard", "give llen or zcard, not both")
	}
	return &redisProbe{spec: s, timeout: timeout}, nil
}

func (p *redisProbe) probe(ctx context.Context, _ *deps, o *observation) error {
	// A client per run: a Redis that went away is seen at once, not
	// through a pool's stale connections.
	c := redis.NewClient(&redis.Options{Addr: p.spec.Address, Password: p.spec.Password, DB: p.spec.DB,
		DialTimeout: p.timeout, ReadTimeout: p.timeout, WriteTimeout: p.timeout, PoolSize: 1, MaxRetries: -1,
		DisableIdentity: true, Protocol: 2})
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("PING: %s", errMessage(err))
	}
	if p.spec.Info {
		s, err := c.Info(ctx).Result()
		if err != nil {
			return fmt.Errorf("INFO: %s", errMessage(err))
		}
		o.vars["info"] = parseInfo(s)
	}
	switch {
	case p.spec.LLen != "":
		n, err := c.LLen(ctx, p.spec.LLen).Result()
		if err != nil {
			return fmt.Errorf("LLEN: %s", errMessage(err))
		}
		o.vars["length"] = int(n)
	case p.spec.ZCard != "":
		n, err := c.ZCard(ctx, p.spec.ZCard).Result()
		if err != nil {
			return fmt.Errorf("ZCARD: %s", errMessage(err))
		}
		o.vars["length"] = int(n)
	}
	return nil
}

// parseInfo reads INFO's "field:value" lines; numbers become numbers.
func parseInfo(s string) map[string]any {
	out := map[string]any{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if n, ok := number(v).(string); ok {
			out[k] = n
		} else {
			out[k] = number(v)
		}
	}
	return out
}
