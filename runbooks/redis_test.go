package runbooks_test

import (
	"strings"
	"testing"

	"github.com/quench-sh/quench/internal/throwaway"
)

// TestRedisQueuesFindsEveryDLQKey: among 200,000 keys, redis-queues finds
// every dead-letter key. One `SCAN 0 … COUNT 10000` call, as the pack used
// to run, walks only a slice of the keyspace.
func TestRedisQueuesFindsEveryDLQKey(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	st.Redis.Do(t, "EVAL", `for i = 1, 200000 do redis.call('SET', 'session:' .. i, 'x') end
		redis.call('RPUSH', 'jobs:dlq', 'a') redis.call('RPUSH', 'emails:dlq', 'b') redis.call('RPUSH', 'payments:dlq:2026', 'c')
		redis.call('RPUSH', 'jobs:queue', 'd') return 1`, "0")
	if n := st.Redis.Do(t, "DBSIZE"); n != "200004" {
		t.Fatalf("DBSIZE = %s", n)
	}
	r := runStep(t, st, "job-scheduler-stale", "redis-queues", nil)
	if r.exit != 0 {
		t.Fatalf("redis-queues: %s", r)
	}
	contains(t, "redis-queues", r, "emails:dlq\njobs:dlq\npayments:dlq:2026\n3 keys match *dlq*", "jobs:queue\n1 keys match *queue*")
}

// TestEvictVolatileLRU: with Redis out of memory under noeviction, the
// eviction step makes writes of expiring keys (sessions) work again and
// never evicts the job queue or the DLQ, which have no expiry.
func TestEvictVolatileLRU(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	st.Redis.Do(t, "CONFIG", "SET", "maxmemory", "4mb")
	st.Redis.Do(t, "CONFIG", "SET", "maxmemory-policy", "noeviction")
	st.Redis.Do(t, "EVAL", `local v = string.rep('q', 1000)
		for i = 1, 300 do redis.call('RPUSH', 'jobs:queue', v) end
		for i = 1, 100 do redis.call('RPUSH', 'jobs:dlq', v) end
		for i = 1, 100000 do
			local ok = redis.pcall('SET', 'session:' .. i, v, 'EX', 3600)
			if type(ok) == 'table' and ok.err then return i end
		end
		return 0`, "0")
	if out, _ := st.Redis.Try("SET", "session:new", "x", "EX", "3600"); !strings.Contains(out, "OOM") {
		t.Fatalf("Redis is not out of memory: SET answered %q", out)
	}

	info := runStep(t, st, "redis-down", "redis-info", nil)
	contains(t, "redis-info", info, "maxmemory_policy:noeviction", "db0:keys=", "expires=")

	r := runStep(t, st, "redis-down", "evict-volatile-lru", nil)
	if r.exit != 0 || !strings.Contains(r.out, "OK") {
		t.Fatalf("evict-volatile-lru: %s", r)
	}
	for i := range 200 {
		if out, err := st.Redis.Try("SET", "session:after:"+strings.Repeat("x", i%7), strings.Repeat("s", 1000), "EX", "3600"); err != nil || out != "OK" {
			t.Fatalf("SET after evict-volatile-lru: %q %v", out, err)
		}
	}
	if n := st.Redis.Do(t, "LLEN", "jobs:queue"); n != "300" {
		t.Errorf("jobs:queue has %s entries after eviction, want 300", n)
	}
	if n := st.Redis.Do(t, "LLEN", "jobs:dlq"); n != "100" {
		t.Errorf("jobs:dlq has %s entries after eviction, want 100", n)
	}
}
