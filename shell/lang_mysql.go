package shell

import "strings"

// mysql runs the statements of -e (or of a here-document) in batch mode,
// where its client commands (system, source, tee, pager, \! …) work too.
// Its SQL is read as a small subset (lang_sqlsubset.go): SHOW (but SHOW
// CREATE USER, which prints a password hash), SELECT without INTO or
// locking and with known functions, EXPLAIN/DESCRIBE of those, USE, and
// the session's own transaction.

var mysqlGrammar = newGrammar("mysql", gnu,
	"-e --execute=", "-B --batch", "-N --skip-column-names", "--column-names", "-s --silent", "-r --raw",
	"-t --table", "-E --vertical", "-h --host=", "-P --port=", "-u --user=", "-p --password[=]",
	"-D --database=", "--protocol=", "-S --socket=", "--ssl-mode=", "--ssl-ca=", "--ssl-cert=", "--ssl-key=",
	"-A --no-auto-rehash --skip-auto-rehash", "-X --xml", "-H --html", "--connect-timeout=", "-v --verbose",
	"-V --version", "-? --help", "-q --quick", "--default-character-set=", "-U --safe-updates --i-am-a-dummy",
	"-C --compress", "--login-path=", "--max-allowed-packet=", "--net-buffer-length=", "-w --wait",
	"-n --unbuffered", "-L --skip-line-numbers", "--line-numbers", "--show-warnings", "-c --comments",
	"--skip-comments", "--binary-as-hex", "--skip-pager", "--no-beep", "-b", "--raw",
).writes("--tee=").
	deny(Unknown, "runs SQL or commands this classifier cannot see",
		"--init-command=", "--pager[=]", "--defaults-file=", "--defaults-extra-file=", "-f --force",
		"--local-infile[=]", "--load-data-local-dir=", "--plugin-dir=", "--default-auth=", "--delimiter=",
		"--system-command[=]", "-o --one-database")

func mysqlRule(c *classifier, x *call) verdict {
	who := x.name
	cl := mysqlGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	var scripts []word
	for _, o := range cl.opts {
		switch {
		case optIs(o, "-e"):
			scripts = append(scripts, o.val)
		case optIs(o, "-h"), optIs(o, "-P"), optIs(o, "-S"), optIs(o, "-u"), optIs(o, "-D"):
			if !trustedWord(o.val) {
				return unk(who + " " + o.opt.names[0] + " " + o.val.src + ": an alert value chooses where mysql connects")
			}
		}
	}
	for _, w := range cl.args {
		if !trustedWord(w) {
			return unk(who + " " + w.src + ": an alert value chooses the database")
		}
	}
	if len(scripts) == 0 {
		switch {
		case cl.has("-V", "-?"):
			return ro(who + " --version: prints its version")
		case x.stdin == nil:
			return unk(who + ": reads SQL from its input")
		case x.stdin.dyn:
			return unk(who + ": its input (SQL) is only known at run time")
		}
		scripts = []word{*x.stdin}
	}
	v := verdict{}
	for _, w := range scripts {
		s, ok := w.lit()
		if !ok {
			return unk(who + " -e: SQL built from a shell expansion")
		}
		class, why := mysqlScript(s)
		sv := verdict{class: class, reason: who + " " + why}
		if v.reason == "" {
			v = sv
		}
		v = worse(v, sv)
	}
	v.optsMatter = v.class == ReadOnly
	return v
}

// mysqlClientCommands are the mysql client's commands that run programs,
// read or write files, or change how input is read; at the start of a
// line in batch mode they are the client's, not SQL.
var mysqlClientCommands = setOf("system", "source", "tee", "pager", "edit", "connect", "delimiter", "prompt",
	"charset", "query_attributes", "ssl_session_data_print", "rehash", "nopager", "notee", "resetconnection")

// mysqlScript classifies what mysql -e runs.
func mysqlScript(s string) (Class, string) {
	for _, line := range strings.Split(s, "\n") {
		w := strings.ToLower(strings.TrimSpace(line))
		w, _, _ = strings.Cut(w, " ")
		if mysqlClientCommands[strings.TrimRight(w, ";")] {
			return Unknown, w + ": a mysql client command"
		}
	}
	return subsetScript(s, &mysqlDialect)
}

var mysqlDialect = subsetDialect{
	name:        "mysql",
	hashComment: true,
	funcs: setOf("count", "sum", "avg", "min", "max", "group_concat", "json_arrayagg", "json_objectagg",
		"std", "stddev", "variance", "bit_and", "bit_or", "now", "current_timestamp", "curdate", "curtime",
		"sysdate", "utc_timestamp", "unix_timestamp", "from_unixtime", "date_format", "date_add", "date_sub",
		"datediff", "timediff", "timestampdiff", "sec_to_time", "time_to_sec", "to_days", "date", "time",
		"year", "month", "day", "hour", "minute", "second", "week", "concat", "concat_ws", "lower", "upper",
		"length", "char_length", "substring", "substr", "left", "right", "trim", "ltrim", "rtrim", "replace",
		"lpad", "rpad", "format", "round", "floor", "ceil", "ceiling", "abs", "mod", "truncate", "greatest",
		"least", "coalesce", "ifnull", "nullif", "if", "cast", "convert", "database", "schema", "user",
		"current_user", "version", "connection_id", "found_rows", "row_count", "json_extract",
		"json_unquote", "json_length", "json_keys", "json_contains", "json_object", "json_array", "hex",
		"unhex", "md5", "sha1", "sha2", "inet_ntoa", "inet_aton", "instr", "locate", "field", "elt",
		"row_number", "rank", "dense_rank", "lag", "lead", "first_value", "last_value", "ntile",
		"format_bytes", "format_pico_time", "sys.format_bytes"),
	statement: mysqlStatement,
}

// mysqlStatement reads the statements MySQL has beyond the common ones.
func mysqlStatement(d *subsetDialect, toks []subsetTok) (Class, string, bool) {
	first := toks[0].text
	word := func(i int) string {
		if i < len(toks) {
			return toks[i].text
		}
		return ""
	}
	switch first {
	case "SHOW":
		if word(1) == "CREATE" && word(2) == "USER" {
			return Unknown, "SHOW CREATE USER: prints a password hash", true
		}
		c, why := subsetQuery(toks, d, "SHOW")
		if c == ReadOnly {
			why = "SHOW: reads the server's state"
		}
		return c, why, true
	case "EXPLAIN", "DESCRIBE", "DESC":
		rest := toks[1:]
		for len(rest) > 0 && (rest[0].text == "ANALYZE" || rest[0].text == "FORMAT" || rest[0].text == "=" ||
			rest[0].text == "TREE" || rest[0].text == "JSON" || rest[0].text == "TRADITIONAL") {
			rest = rest[1:]
		}
		switch {
		case len(rest) == 0:
			return Unknown, first + ": nothing to explain", true
		case rest[0].text == "SELECT" || rest[0].text == "WITH" || rest[0].text == "(" || rest[0].text == "TABLE":
			c, why := subsetQuery(rest, d, first)
			return c, why, true
		case rest[0].text == "FOR" && word(2) == "CONNECTION":
			return ReadOnly, first + " FOR CONNECTION: reads a running statement's plan", true
		case len(rest) <= 2 && (rest[0].kind == 'w' || rest[0].kind == 'q'):
			return ReadOnly, first + ": describes a table", true
		}
		return Unknown, first + ": only SELECT plans and tables are read here", true
	case "TABLE":
		c, why := subsetQuery(toks, d, "TABLE")
		return c, why, true
	case "USE":
		return ReadOnly, "USE: selects a database", true
	case "BEGIN", "COMMIT", "ROLLBACK":
		if len(toks) > 2 || word(1) != "" && word(1) != "WORK" {
			return Unknown, first + ": transaction options not read here", true
		}
		return ReadOnly, first + ": controls this session's transaction", true
	case "START":
		if word(1) == "TRANSACTION" && (len(toks) == 2 || len(toks) == 4 && word(2) == "READ" && word(3) == "ONLY") {
			return ReadOnly, "START TRANSACTION: starts this session's transaction", true
		}
		return Unknown, "START: not read here", true
	}
	return "", "", false
}
