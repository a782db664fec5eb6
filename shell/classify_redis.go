package shell

import "strings"

// redisReadOnly are the Redis commands that only read, with what they do.
var redisReadOnly = map[string]string{
	"PING": "checks the server", "ECHO": "echoes", "INFO": "reports the server", "TIME": "reads the clock",
	"DBSIZE": "counts keys", "LASTSAVE": "reads the last save time", "ROLE": "reports replication",
	"LOLWUT": "prints art", "HELLO": "negotiates the protocol", "AUTH": "authenticates", "SELECT": "selects a database",
	"READONLY": "sets the connection read-only", "READWRITE": "sets the connection mode", "RESET": "resets the connection",
	"WAIT": "waits for replicas", "WAITAOF": "waits for the AOF", "MONITOR": "streams commands",
	"SUBSCRIBE": "listens to channels", "PSUBSCRIBE": "listens to channels", "SSUBSCRIBE": "listens to channels",
	"GET": "reads a key", "MGET": "reads keys", "GETRANGE": "reads a key", "STRLEN": "reads a key",
	"EXISTS": "checks keys", "TTL": "reads a TTL", "PTTL": "reads a TTL", "EXPIRETIME": "reads an expiry",
	"PEXPIRETIME": "reads an expiry", "TYPE": "reads a key type", "RANDOMKEY": "reads a key name",
	"SCAN": "iterates keys", "SSCAN": "iterates a set", "HSCAN": "iterates a hash", "ZSCAN": "iterates a sorted set",
	"DUMP": "serialises a key", "TOUCH": "touches keys",
	"LLEN": "reads a list length", "LRANGE": "reads a list", "LINDEX": "reads a list", "LPOS": "searches a list",
	"HGET": "reads a hash", "HMGET": "reads a hash", "HGETALL": "reads a hash", "HKEYS": "reads a hash",
	"HVALS": "reads a hash", "HLEN": "reads a hash", "HEXISTS": "reads a hash", "HSTRLEN": "reads a hash",
	"HRANDFIELD": "reads a hash", "HTTL": "reads hash TTLs", "HPTTL": "reads hash TTLs",
	"SCARD": "reads a set", "SMEMBERS": "reads a set", "SISMEMBER": "reads a set", "SMISMEMBER": "reads a set",
	"SRANDMEMBER": "reads a set", "SINTER": "reads sets", "SUNION": "reads sets", "SDIFF": "reads sets",
	"SINTERCARD": "reads sets",
	"ZCARD":      "reads a sorted set", "ZRANGE": "reads a sorted set", "ZRANGEBYSCORE": "reads a sorted set",
	"ZRANGEBYLEX": "reads a sorted set", "ZREVRANGE": "reads a sorted set", "ZREVRANGEBYSCORE": "reads a sorted set",
	"ZREVRANGEBYLEX": "reads a sorted set", "ZSCORE": "reads a sorted set", "ZMSCORE": "reads a sorted set",
	"ZRANK": "reads a sorted set", "ZREVRANK": "reads a sorted set", "ZCOUNT": "reads a sorted set",
	"ZLEXCOUNT": "reads a sorted set", "ZRANDMEMBER": "reads a sorted set", "ZINTER": "reads sorted sets",
	"ZUNION": "reads sorted sets", "ZDIFF": "reads sorted sets", "ZINTERCARD": "reads sorted sets",
	"XLEN": "reads a stream", "XINFO": "reads a stream", "XRANGE": "reads a stream", "XREVRANGE": "reads a stream",
	"XPENDING": "reads a stream's pending entries", "XREAD": "reads streams",
	"BITCOUNT": "reads bits", "BITPOS": "reads bits", "GETBIT": "reads a bit", "BITFIELD_RO": "reads bits",
	"GEOPOS": "reads positions", "GEODIST": "reads distances", "GEOHASH": "reads geohashes",
	"GEORADIUS_RO": "searches positions", "GEORADIUSBYMEMBER_RO": "searches positions", "GEOSEARCH": "searches positions",
	"PFCOUNT": "counts a HyperLogLog", "SORT_RO": "sorts", "EVAL_RO": "runs a read-only script",
	"EVALSHA_RO": "runs a read-only script", "FCALL_RO": "runs a read-only function",
	"PUBSUB": "reports channels", "COMMAND": "describes commands", "SUBSTR": "reads a key",
	"KEYS": "read-only but blocks the server while it walks every key; prefer SCAN",
}

// redisSubs are the container commands whose subcommand decides: the
// read-only subcommands of each.
var redisSubs = map[string][]string{
	"CLIENT":   {"LIST", "INFO", "GETNAME", "ID", "TRACKINGINFO", "GETREDIR", "HELP", "SETNAME", "SETINFO", "REPLY", "CACHING", "NO-EVICT", "NO-TOUCH"},
	"CONFIG":   {"GET", "HELP"},
	"SLOWLOG":  {"GET", "LEN", "HELP"},
	"MEMORY":   {"USAGE", "STATS", "DOCTOR", "MALLOC-STATS", "HELP"},
	"LATENCY":  {"LATEST", "HISTORY", "DOCTOR", "GRAPH", "HISTOGRAM", "HELP"},
	"CLUSTER":  {"INFO", "NODES", "SLOTS", "SHARDS", "MYID", "MYSHARDID", "KEYSLOT", "COUNTKEYSINSLOT", "GETKEYSINSLOT", "LINKS", "COUNT-FAILURE-REPORTS", "REPLICAS", "SLAVES", "HELP"},
	"OBJECT":   {"ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP"},
	"FUNCTION": {"LIST", "DUMP", "STATS", "HELP"},
	"SCRIPT":   {"EXISTS", "HELP"},
	"MODULE":   {"LIST", "HELP"},
	"ACL":      {"WHOAMI", "LIST", "USERS", "GETUSER", "CAT", "LOG", "GENPASS", "DRYRUN", "HELP"},
	"XINFO":    {"STREAM", "GROUPS", "CONSUMERS", "HELP"},
	"PUBSUB":   {"CHANNELS", "NUMSUB", "NUMPAT", "SHARDCHANNELS", "SHARDNUMSUB", "HELP"},
	"COMMAND":  {"COUNT", "DOCS", "INFO", "LIST", "GETKEYS", "GETKEYSANDFLAGS", "HELP"},
}

// redisMutating are the Redis commands known to change data or the server.
var redisMutating = map[string]string{
	"DEL": "deletes keys", "UNLINK": "deletes keys", "FLUSHALL": "deletes every key", "FLUSHDB": "deletes every key in a database",
	"SHUTDOWN": "stops the server", "SAVE": "writes a snapshot", "BGSAVE": "writes a snapshot",
	"BGREWRITEAOF": "rewrites the AOF", "DEBUG": "can crash or change the server", "FAILOVER": "fails over",
	"REPLICAOF": "changes replication", "SLAVEOF": "changes replication", "SWAPDB": "swaps databases",
	"MIGRATE": "moves keys", "MOVE": "moves a key", "COPY": "copies a key", "RESTORE": "creates a key",
	"RENAME": "renames a key", "RENAMENX": "renames a key", "EXPIRE": "sets an expiry", "PEXPIRE": "sets an expiry",
	"EXPIREAT": "sets an expiry", "PEXPIREAT": "sets an expiry", "PERSIST": "removes an expiry",
	"PUBLISH": "publishes a message", "SPUBLISH": "publishes a message", "SORT": "sorts (and may STORE)",
}

// redisWritePrefixes are command-name prefixes of writing commands (SET*,
// INCR*, LPUSH, …) not worth listing one by one.
var redisWritePrefixes = []string{
	"SET", "MSET", "GETSET", "GETDEL", "GETEX", "APPEND", "INCR", "DECR", "PSETEX", "LPUSH", "RPUSH", "LPOP",
	"RPOP", "BLPOP", "BRPOP", "BLMOVE", "LMOVE", "RPOPLPUSH", "BRPOPLPUSH", "LSET", "LINSERT", "LREM", "LTRIM",
	"LMPOP", "BLMPOP", "SADD", "SREM", "SPOP", "SMOVE", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE", "ZADD",
	"ZREM", "ZINCRBY", "ZPOP", "BZPOP", "ZMPOP", "BZMPOP", "ZRANGESTORE", "ZUNIONSTORE", "ZINTERSTORE",
	"ZDIFFSTORE", "HSET", "HMSET", "HDEL", "HINCRBY", "HEXPIRE", "HPEXPIRE", "HPERSIST", "HGETDEL", "HGETEX",
	"XADD", "XDEL", "XTRIM", "XACK", "XCLAIM", "XAUTOCLAIM", "XGROUP", "XSETID", "XREADGROUP", "BITOP",
	"BITFIELD", "PFADD", "PFMERGE", "GEOADD", "GEOSEARCHSTORE", "GEORADIUS", "LPUSHX", "RPUSHX",
}

// redis-cli is read-only for its inspection modes (--bigkeys, --stat, …)
// and for read-only commands; with no command it reads commands from its
// input, which is unknown.
func redisRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "hpasnuridDt",
		long: []string{"user", "pass", "askpass", "cacert", "cacertdir", "cert", "key", "sni", "tls-ciphers",
			"tls-ciphersuites", "rdb", "functions-rdb", "pipe-timeout", "eval", "memkeys-samples", "pattern",
			"count", "quoted-pattern", "lru-test", "intrinsic-latency", "cluster", "cluster-yes"},
		stop: true,
	})
	who := x.name
	if p.inject != nil {
		return unk(who + ": argument " + p.inject.src + " may change the command")
	}
	switch {
	case p.any("--eval"):
		return unk(who + " --eval: runs a Lua script")
	case p.any("--pipe"):
		return mut(who + " --pipe: sends commands from its input")
	case p.any("--rdb", "--functions-rdb"):
		return mut(who + " --rdb: writes a dump file")
	case p.any("--lru-test"):
		return mut(who + " --lru-test: writes test keys")
	case p.any("--cluster"):
		o := p.get("--cluster")[0]
		if sub := strings.ToLower(o.val.val); sub == "info" || sub == "check" || sub == "help" {
			return ro(who + " --cluster " + sub + ": reports the cluster")
		}
		return mut(who + " --cluster " + o.val.show() + ": changes the cluster")
	}
	if len(p.pos) == 0 {
		if p.flag("--bigkeys", "--memkeys", "--hotkeys", "--keystats", "--scan", "--stat", "--latency",
			"--latency-history", "--latency-dist", "--intrinsic-latency", "--replica", "--slave", "-v", "--version", "--help") {
			return ro(who + ": samples keys or reports the server")
		}
		return unk(who + ": no command; reads commands from its input")
	}
	name, ok := p.pos[0].lit()
	if !ok {
		return unk(who + ": the command is only known at run time")
	}
	cmd := strings.ToUpper(name)
	args := p.pos[1:]
	if subs, ok := redisSubs[cmd]; ok {
		if len(args) == 0 {
			return ro(who + " " + cmd + ": prints help")
		}
		sub, ok := args[0].lit()
		if !ok {
			return unk(who + " " + cmd + ": the subcommand is only known at run time")
		}
		sub = strings.ToUpper(sub)
		if contains(subs, sub) {
			return ro(who + " " + cmd + " " + sub + ": reads")
		}
		return mut(who + " " + cmd + " " + sub + ": changes the server")
	}
	if cmd == "SORT" {
		for _, a := range args {
			if strings.EqualFold(a.val, "STORE") || a.dyn {
				return mut(who + " SORT STORE: writes a key")
			}
		}
		return ro(who + " SORT: sorts")
	}
	if why, ok := redisReadOnly[cmd]; ok {
		return ro(who + " " + cmd + ": " + why)
	}
	if why, ok := redisMutating[cmd]; ok {
		return mut(who + " " + cmd + ": " + why)
	}
	for _, pre := range redisWritePrefixes {
		if strings.HasPrefix(cmd, pre) {
			return mut(who + " " + cmd + ": writes data")
		}
	}
	switch cmd {
	case "EVAL", "EVALSHA", "FCALL", "MULTI", "EXEC":
		return unk(who + " " + cmd + ": runs a script or transaction")
	}
	return unk(who + " " + cmd + ": not recognised")
}
