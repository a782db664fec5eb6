package shell

import (
	"path"
	"strings"
)

// redis-cli is read as redis-cli.c reads its own command line: options
// compared whole (no clusters, no abbreviations), each with its real
// arity, until the first word that does not start with a dash, which is
// the command. An option it does not know is unknown here: redis-cli
// -X GET DEL key GET runs DEL, because -X takes a value. With no command,
// redis-cli runs one command per line of its input, which is read here
// when it is a here-document.

// redisOptArity is how many values each redis-cli option takes.
var redisOptArity = map[string]int{
	"-h": 1, "-p": 1, "-s": 1, "-a": 1, "-u": 1, "-r": 1, "-i": 1, "-n": 1, "-t": 1, "-X": 1, "-d": 1, "-D": 1,
	"--user": 1, "--pass": 1, "--show-pushes": 1, "--pattern": 1, "--count": 1, "--quoted-pattern": 1,
	"--memkeys-samples": 1, "--keystats-samples": 1, "--top": 1, "--cursor": 1, "--intrinsic-latency": 1,
	"--sni": 1, "--cacert": 1, "--cacertdir": 1, "--cert": 1, "--key": 1, "--tls-ciphers": 1,
	"--tls-ciphersuites": 1, "--pipe-timeout": 1, "--eval": 1, "--rdb": 1, "--functions-rdb": 1,
	"--lru-test": 1,
	"-x":         0, "-c": 0, "-e": 0, "-2": 0, "-3": 0, "-4": 0, "-6": 0, "-v": 0, "--raw": 0, "--no-raw": 0,
	"--quoted-input": 0, "--csv": 0, "--json": 0, "--quoted-json": 0, "--stat": 0, "--latency": 0,
	"--latency-history": 0, "--latency-dist": 0, "--bigkeys": 0, "--memkeys": 0, "--keystats": 0,
	"--hotkeys": 0, "--scan": 0, "--verbose": 0, "--no-auth-warning": 0, "--tls": 0, "--insecure": 0,
	"--askpass": 0, "--help": 0, "--version": 0, "--replica": 0, "--slave": 0, "--pipe": 0, "--ldb": 0,
	"--ldb-sync-mode": 0, "--cluster": -1, "--cluster-yes": 0,
}

// redisModes are the options that replace running a command, and what
// each does.
var redisModes = map[string]verdict{
	"--stat":              ro("redis-cli --stat: reports the server"),
	"--latency":           ro("redis-cli --latency: measures latency"),
	"--latency-history":   ro("redis-cli --latency-history: measures latency"),
	"--latency-dist":      ro("redis-cli --latency-dist: measures latency"),
	"--intrinsic-latency": ro("redis-cli --intrinsic-latency: measures this machine's latency"),
	"--bigkeys":           ro("redis-cli --bigkeys: samples keys with SCAN"),
	"--memkeys":           ro("redis-cli --memkeys: samples keys with SCAN"),
	"--keystats":          ro("redis-cli --keystats: samples keys with SCAN"),
	"--hotkeys":           ro("redis-cli --hotkeys: samples keys with SCAN"),
	"--scan":              ro("redis-cli --scan: lists keys with SCAN"),
	"--help":              ro("redis-cli --help: prints help"),
	"--version":           ro("redis-cli --version: prints its version"),
	"-v":                  ro("redis-cli -v: prints its version"),
	"--pipe":              unk("redis-cli --pipe: sends the raw commands of its input"),
	"--eval":              unk("redis-cli --eval: runs a Lua script"),
	"--ldb":               unk("redis-cli --ldb: debugs a Lua script"),
	"--rdb":               mut("redis-cli --rdb: makes the server dump and writes the dump to a file"),
	"--functions-rdb":     mut("redis-cli --functions-rdb: writes a dump file"),
	"--lru-test":          mut("redis-cli --lru-test: writes test keys"),
	"--replica":           unk("redis-cli --replica: makes the primary produce a snapshot for a new replica"),
	"--slave":             unk("redis-cli --slave: makes the primary produce a snapshot for a new replica"),
}

// redisTargets are the options naming the server, which an alert value
// must not choose (redis-cli sends its password there).
var redisTargets = setOf("-h", "-p", "-s", "-u", "--sni", "--user")

func redisRule(c *classifier, x *call) verdict {
	who := x.name
	args := x.args
	var mode *verdict
	var stdinArg bool
	placeholder := ""
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a.inject {
			return unk(who + ": argument " + a.src + " may turn into an option at run time")
		}
		s, ok := a.lit()
		if !ok && strings.HasPrefix(a.val, "-") {
			return unk(who + ": option " + a.src + " is only known at run time")
		}
		if !strings.HasPrefix(s, "-") || !ok {
			break
		}
		n, known := redisOptArity[s]
		if !known {
			return unk(who + " " + s + ": option not recognised")
		}
		if n == -1 { // --cluster takes the rest of the line
			return redisCluster(who, args[i+1:])
		}
		if n == 1 {
			if i+1 >= len(args) {
				return unk(who + " " + s + ": option without its value")
			}
			i++
			v := args[i]
			if redisTargets[s] && !trustedWord(v) {
				return unk(who + " " + s + " " + v.src + ": an alert value chooses the server")
			}
			if s == "-X" {
				if placeholder, ok = v.lit(); !ok {
					return unk(who + " -X: the placeholder is only known at run time")
				}
			}
		}
		if s == "-x" {
			stdinArg = true
		}
		if m, ok := redisModes[s]; ok && (mode == nil || mode.class.Worse(m.class) == m.class && mode.class != m.class) {
			mode = &m
		}
	}
	cmd := args[i:]
	if mode != nil && len(cmd) == 0 {
		return *mode
	}
	if len(cmd) == 0 {
		return redisStdin(x)
	}
	if stdinArg {
		cmd = append(cmd[:len(cmd):len(cmd)], word{src: "standard input", val: dynMark, dyn: true, alert: true})
	}
	if placeholder != "" {
		cmd = append([]word(nil), cmd...)
		for j := range cmd {
			if v, ok := cmd[j].lit(); ok && v == placeholder {
				cmd[j] = word{src: "standard input", val: dynMark, dyn: true, alert: true}
			}
		}
	}
	class, why := redisCommand(cmd)
	v := verdict{class: class, reason: who + " " + why}
	if mode != nil {
		// redis-cli runs the mode and ignores the command; both must be
		// safe for the line to be.
		v = worse(*mode, v)
	}
	return v
}

// redisCluster allows the cluster manager's reports only.
func redisCluster(who string, args []word) verdict {
	if len(args) == 0 {
		return unk(who + " --cluster: no cluster command")
	}
	sub, ok := args[0].lit()
	if !ok {
		return unk(who + " --cluster: the command is only known at run time")
	}
	switch strings.ToLower(sub) {
	case "info", "check", "help":
		for _, a := range args[1:] {
			if !trustedWord(a) || strings.HasPrefix(a.val, "-") {
				return unk(who + " --cluster " + sub + ": argument " + a.src + " not understood")
			}
		}
		return ro(who + " --cluster " + strings.ToLower(sub) + ": reports the cluster")
	case "call":
		return unk(who + " --cluster call: runs a command on every node")
	}
	return mut(who + " --cluster " + sub + ": changes the cluster")
}

// redisStdin classifies the commands redis-cli reads from a
// here-document, one per line.
func redisStdin(x *call) verdict {
	who := x.name
	switch {
	case x.stdin == nil:
		return unk(who + ": no command; reads commands from its input")
	case x.stdin.dyn:
		return unk(who + ": its input (commands) is only known at run time")
	}
	v := verdict{}
	for _, line := range strings.Split(x.stdin.val, "\n") {
		argv, ok := redisSplitArgs(line)
		if !ok {
			return unk(who + " <<: line not understood: " + clip(line, maxShown))
		}
		if len(argv) == 0 {
			continue
		}
		ws := make([]word, len(argv))
		for i, a := range argv {
			ws[i] = word{src: a, val: a}
		}
		class, why := redisCommand(ws)
		lv := verdict{class: class, reason: who + " << " + why}
		if v.reason == "" {
			v = lv
		}
		v = worse(v, lv)
	}
	if v.reason == "" {
		return ro(who + " <<: runs nothing")
	}
	return v
}

// redisSplitArgs splits a line as redis-cli does (sdssplitargs): words
// separated by blanks, "…" with backslash escapes, '…' with \' only.
func redisSplitArgs(line string) ([]string, bool) {
	var out []string
	i, n := 0, len(line)
	for {
		for i < n && strings.IndexByte(" \t\r\v\f", line[i]) >= 0 {
			i++
		}
		if i >= n {
			return out, true
		}
		var b strings.Builder
		for i < n && strings.IndexByte(" \t\r\v\f", line[i]) < 0 {
			switch q := line[i]; q {
			case '"', '\'':
				i++
				for {
					if i >= n {
						return nil, false
					}
					if line[i] == '\\' && i+1 < n && (q == '"' || line[i+1] == '\'') {
						if q == '"' && line[i+1] == 'x' {
							return nil, false // hex escapes: not worth reading
						}
						b.WriteByte(line[i+1])
						i += 2
						continue
					}
					if line[i] == q {
						i++
						break
					}
					b.WriteByte(line[i])
					i++
				}
				if i < n && strings.IndexByte(" \t\r\v\f", line[i]) < 0 {
					return nil, false // a closing quote must end the word
				}
			default:
				b.WriteByte(q)
				i++
			}
		}
		out = append(out, b.String())
	}
}

// redisRead are the commands that only read, with what they do. Commands
// with options that write (SORT … STORE) or subcommands are below.
var redisRead = map[string]string{
	"PING": "checks the server", "ECHO": "echoes", "INFO": "reports the server", "TIME": "reads the clock",
	"DBSIZE": "counts keys", "LASTSAVE": "reads the last save time", "ROLE": "reports replication",
	"LOLWUT": "prints art", "HELLO": "negotiates the protocol", "AUTH": "authenticates",
	"SELECT": "selects a database", "READONLY": "sets the connection read-only", "READWRITE": "sets the connection mode",
	"RESET": "resets the connection", "WAIT": "waits for replicas", "WAITAOF": "waits for the AOF",
	"SUBSCRIBE": "listens to channels", "PSUBSCRIBE": "listens to channels", "SSUBSCRIBE": "listens to channels",
	"GET": "reads a key", "MGET": "reads keys", "GETRANGE": "reads a key", "STRLEN": "reads a key", "SUBSTR": "reads a key",
	"LCS": "compares keys", "EXISTS": "checks keys", "TTL": "reads a TTL", "PTTL": "reads a TTL",
	"EXPIRETIME": "reads an expiry", "PEXPIRETIME": "reads an expiry", "TYPE": "reads a key type",
	"RANDOMKEY": "reads a key name", "SCAN": "iterates keys", "SSCAN": "iterates a set", "HSCAN": "iterates a hash",
	"ZSCAN": "iterates a sorted set", "DUMP": "serialises a key",
	"LLEN": "reads a list length", "LRANGE": "reads a list", "LINDEX": "reads a list", "LPOS": "searches a list",
	"HGET": "reads a hash", "HMGET": "reads a hash", "HGETALL": "reads a hash", "HKEYS": "reads a hash",
	"HVALS": "reads a hash", "HLEN": "reads a hash", "HEXISTS": "reads a hash", "HSTRLEN": "reads a hash",
	"HRANDFIELD": "reads a hash", "HTTL": "reads hash TTLs", "HPTTL": "reads hash TTLs",
	"HEXPIRETIME": "reads hash expiries", "HPEXPIRETIME": "reads hash expiries",
	"SCARD": "reads a set", "SMEMBERS": "reads a set", "SISMEMBER": "reads a set", "SMISMEMBER": "reads a set",
	"SRANDMEMBER": "reads a set", "SINTER": "reads sets", "SUNION": "reads sets", "SDIFF": "reads sets",
	"SINTERCARD": "reads sets",
	"ZCARD":      "reads a sorted set", "ZRANGE": "reads a sorted set", "ZRANGEBYSCORE": "reads a sorted set",
	"ZRANGEBYLEX": "reads a sorted set", "ZREVRANGE": "reads a sorted set", "ZREVRANGEBYSCORE": "reads a sorted set",
	"ZREVRANGEBYLEX": "reads a sorted set", "ZSCORE": "reads a sorted set", "ZMSCORE": "reads a sorted set",
	"ZRANK": "reads a sorted set", "ZREVRANK": "reads a sorted set", "ZCOUNT": "reads a sorted set",
	"ZLEXCOUNT": "reads a sorted set", "ZRANDMEMBER": "reads a sorted set", "ZINTER": "reads sorted sets",
	"ZUNION": "reads sorted sets", "ZDIFF": "reads sorted sets", "ZINTERCARD": "reads sorted sets",
	"XLEN": "reads a stream", "XRANGE": "reads a stream", "XREVRANGE": "reads a stream",
	"XPENDING": "reads a stream's pending entries", "XREAD": "reads streams",
	"BITCOUNT": "reads bits", "BITPOS": "reads bits", "GETBIT": "reads a bit", "BITFIELD_RO": "reads bits",
	"GEOPOS": "reads positions", "GEODIST": "reads distances", "GEOHASH": "reads geohashes",
	"GEORADIUS_RO": "searches positions", "GEORADIUSBYMEMBER_RO": "searches positions",
	"GEOSEARCH": "searches positions", "PFCOUNT": "counts a HyperLogLog", "SORT_RO": "sorts",
	"COMMAND": "describes commands", "JSON.GET": "reads a JSON key", "JSON.TYPE": "reads a JSON key",
	"JSON.STRLEN": "reads a JSON key", "JSON.ARRLEN": "reads a JSON key", "JSON.OBJLEN": "reads a JSON key",
	"JSON.OBJKEYS": "reads a JSON key", "JSON.MGET": "reads JSON keys",
}

// redisSubs are the commands whose subcommand decides, with the
// subcommands that only read.
var redisSubs = map[string][]string{
	"CLIENT": {"LIST", "INFO", "GETNAME", "ID", "TRACKINGINFO", "GETREDIR", "HELP", "SETNAME", "SETINFO",
		"REPLY", "CACHING", "NO-EVICT", "NO-TOUCH"},
	"CONFIG":  {"GET", "HELP"},
	"SLOWLOG": {"GET", "LEN", "HELP"},
	"MEMORY":  {"USAGE", "STATS", "DOCTOR", "MALLOC-STATS", "HELP"},
	"LATENCY": {"LATEST", "HISTORY", "DOCTOR", "GRAPH", "HISTOGRAM", "HELP"},
	"CLUSTER": {"INFO", "NODES", "SLOTS", "SHARDS", "MYID", "MYSHARDID", "KEYSLOT", "COUNTKEYSINSLOT",
		"GETKEYSINSLOT", "LINKS", "COUNT-FAILURE-REPORTS", "REPLICAS", "SLAVES", "HELP"},
	"OBJECT":   {"ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP"},
	"FUNCTION": {"LIST", "DUMP", "STATS", "HELP"},
	"SCRIPT":   {"EXISTS", "HELP"},
	"MODULE":   {"LIST", "HELP"},
	"ACL":      {"WHOAMI", "USERS", "CAT", "LOG", "GENPASS", "DRYRUN", "HELP"},
	"XINFO":    {"STREAM", "GROUPS", "CONSUMERS", "HELP"},
	"PUBSUB":   {"CHANNELS", "NUMSUB", "NUMPAT", "SHARDCHANNELS", "SHARDNUMSUB", "HELP"},
	"COMMAND":  {"COUNT", "DOCS", "INFO", "LIST", "GETKEYS", "GETKEYSANDFLAGS", "HELP"},
}

// redisMutating are commands known to change data or the server.
var redisMutating = map[string]string{
	"DEL": "deletes keys", "UNLINK": "deletes keys", "FLUSHALL": "deletes every key",
	"FLUSHDB": "deletes every key in a database", "SHUTDOWN": "stops the server", "SAVE": "writes a snapshot",
	"BGSAVE": "writes a snapshot", "BGREWRITEAOF": "rewrites the AOF", "DEBUG": "can crash or change the server",
	"FAILOVER": "fails over", "REPLICAOF": "changes replication", "SLAVEOF": "changes replication",
	"SWAPDB": "swaps databases", "MIGRATE": "moves keys", "MOVE": "moves a key", "COPY": "copies a key",
	"RESTORE": "creates a key", "RENAME": "renames a key", "RENAMENX": "renames a key", "EXPIRE": "sets an expiry",
	"PEXPIRE": "sets an expiry", "EXPIREAT": "sets an expiry", "PEXPIREAT": "sets an expiry",
	"PERSIST": "removes an expiry", "PUBLISH": "publishes a message", "SPUBLISH": "publishes a message",
	"TOUCH": "changes keys' access times, which decide eviction",
}

// redisWritePrefixes are name prefixes of writing commands (SET*, INCR*,
// LPUSH …) not worth listing one by one.
var redisWritePrefixes = []string{
	"SET", "MSET", "GETSET", "GETDEL", "GETEX", "APPEND", "INCR", "DECR", "PSETEX", "LPUSH", "RPUSH", "LPOP",
	"RPOP", "BLPOP", "BRPOP", "BLMOVE", "LMOVE", "RPOPLPUSH", "BRPOPLPUSH", "LSET", "LINSERT", "LREM", "LTRIM",
	"LMPOP", "BLMPOP", "SADD", "SREM", "SPOP", "SMOVE", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE", "ZADD",
	"ZREM", "ZINCRBY", "ZPOP", "BZPOP", "ZMPOP", "BZMPOP", "ZRANGESTORE", "ZUNIONSTORE", "ZINTERSTORE",
	"ZDIFFSTORE", "HSET", "HMSET", "HDEL", "HINCRBY", "HEXPIRE", "HPEXPIRE", "HPERSIST", "HGETDEL", "HGETEX",
	"XADD", "XDEL", "XTRIM", "XACK", "XCLAIM", "XAUTOCLAIM", "XGROUP", "XSETID", "XREADGROUP", "BITOP",
	"BITFIELD", "PFADD", "PFMERGE", "GEOADD", "GEOSEARCHSTORE", "GEORADIUS", "LPUSHX", "RPUSHX", "JSON.SET",
	"JSON.DEL", "JSON.MERGE", "JSON.ARRAPPEND", "JSON.NUM", "JSON.CLEAR", "JSON.TOGGLE", "JSON.FORGET",
}

// redisSecretConfig are the configuration parameters that hold passwords,
// which CONFIG GET would print into an incident's timeline.
var redisSecretConfig = []string{"requirepass", "masterauth", "tls-key-file-pass", "tls-client-key-file-pass",
	"masteruser", "sentinel-pass", "primaryauth"}

// redisCommand classifies one Redis command: argv[0] is its name.
func redisCommand(argv []word) (Class, string) {
	name, ok := argv[0].lit()
	if !ok {
		return Unknown, argv[0].src + ": the command is only known at run time"
	}
	cmd := strings.ToUpper(name)
	args := argv[1:]
	if subs, ok := redisSubs[cmd]; ok && (len(args) > 0 || cmd != "COMMAND") {
		if len(args) == 0 {
			return Unknown, cmd + ": no subcommand"
		}
		sub, ok := args[0].lit()
		if !ok {
			return Unknown, cmd + ": the subcommand is only known at run time"
		}
		sub = strings.ToUpper(sub)
		if !contains(subs, sub) {
			if cmd == "ACL" && (sub == "LIST" || sub == "GETUSER") {
				return Unknown, cmd + " " + sub + ": prints password hashes"
			}
			return Mutating, cmd + " " + sub + ": changes the server or its data"
		}
		return redisSubArgs(cmd, sub, args[1:])
	}
	switch cmd {
	case "SORT", "SORT_RO":
		for _, a := range args {
			if v, ok := a.lit(); !ok || strings.EqualFold(v, "STORE") {
				return Mutating, cmd + " STORE: writes a key"
			}
		}
		return ReadOnly, cmd + ": sorts"
	case "MONITOR":
		return Unknown, "MONITOR: streams every command until stopped, slowing the server down"
	case "KEYS":
		return Unknown, "KEYS: blocks the server while it walks every key; use SCAN or --scan"
	case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO", "MULTI", "EXEC":
		return Unknown, cmd + ": runs a script or a transaction"
	}
	if why, ok := redisRead[cmd]; ok {
		return ReadOnly, cmd + ": " + why
	}
	if why, ok := redisMutating[cmd]; ok {
		return Mutating, cmd + ": " + why
	}
	for _, pre := range redisWritePrefixes {
		if strings.HasPrefix(cmd, pre) {
			return Mutating, cmd + ": writes data"
		}
	}
	return Unknown, cmd + ": command not recognised as read-only"
}

// redisSubArgs checks the arguments of read-only subcommands that have a
// writing form or print secrets.
func redisSubArgs(cmd, sub string, args []word) (Class, string) {
	who := cmd + " " + sub
	switch who {
	case "ACL LOG":
		// ACL LOG [count]; ACL LOG RESET clears the log.
		if len(args) > 1 {
			return Unknown, who + ": arguments not understood"
		}
		if len(args) == 1 {
			v, ok := args[0].lit()
			if !ok || !allDigits(v) {
				return Mutating, who + " " + args[0].show() + ": ACL LOG RESET clears the log"
			}
		}
	case "SLOWLOG GET", "LATENCY HISTORY", "LATENCY GRAPH", "LATENCY HISTOGRAM", "MEMORY USAGE":
	case "CONFIG GET":
		if len(args) == 0 {
			return Unknown, who + ": no parameter"
		}
		for _, a := range args {
			v, ok := a.lit()
			if !ok {
				return Unknown, who + ": the parameter is only known at run time"
			}
			for _, s := range redisSecretConfig {
				if m, err := path.Match(strings.ToLower(v), s); err != nil || m {
					return Unknown, who + " " + v + ": prints a password"
				}
			}
		}
	}
	return ReadOnly, who + ": reads"
}
