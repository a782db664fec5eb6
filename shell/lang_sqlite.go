package shell

import "strings"

// sqlite3 DB 'SQL' … runs each argument after the database as SQL or, when
// it starts with a dot, as one of the shell's dot-commands; -cmd runs one
// before them, and with no SQL argument it reads its input. SQL is read
// as a small subset (lang_sqlsubset.go), dot-commands from an allowlist:
// .shell/.system run programs, .output/.once/.save/.backup/.log write
// files, .import/.restore/.clone write databases, .read/.load/.open run
// or open something this classifier cannot see.

// sqliteOptArity are the sqlite3 shell's options (one or two dashes, whole
// words), with how many values each takes.
var sqliteOptArity = map[string]int{
	"ascii": 0, "bail": 0, "batch": 0, "box": 0, "column": 0, "csv": 0, "echo": 0, "header": 0,
	"noheader": 0, "html": 0, "json": 0, "line": 0, "list": 0, "markdown": 0, "quote": 0, "table": 0,
	"tabs": 0, "readonly": 0, "safe": 0, "version": 0, "help": 0, "stats": 0, "nofollow": 0, "nullvalue": 1,
	"separator": 1, "newline": 1, "cmd": 1, "escape": 1, "interactive": 0, "no-rowid-in-view": 0,
}

func sqliteRule(c *classifier, x *call) verdict {
	who := x.name
	var db *word
	var cmds []word
	for i := 0; i < len(x.args); i++ {
		a := x.args[i]
		if a.inject {
			return unk(who + ": argument " + a.src + " may turn into an option at run time")
		}
		if !strings.HasPrefix(a.val, "-") {
			if db == nil {
				db = &x.args[i]
			} else {
				cmds = append(cmds, a)
			}
			continue
		}
		name, ok := a.lit()
		if !ok {
			return unk(who + ": option " + a.src + " is only known at run time")
		}
		name = strings.TrimPrefix(strings.TrimPrefix(name, "-"), "-")
		n, known := sqliteOptArity[name]
		switch {
		case !known:
			return unk(who + " -" + clip(name, maxShown) + ": option not known to be read-only")
		case i+n >= len(x.args):
			return unk(who + " -" + name + ": lacks its value")
		case name == "cmd":
			cmds = append(cmds, x.args[i+1])
		}
		i += n
	}
	if db != nil && !trustedWord(*db) {
		return unk(who + " " + db.src + ": an alert value chooses the database file")
	}
	if len(cmds) == 0 {
		switch {
		case db == nil && len(x.args) > 0 && (x.args[0].val == "-version" || x.args[0].val == "--version"):
			return ro(who + " -version: prints its version")
		case x.stdin == nil:
			return unk(who + ": reads SQL from its input")
		case x.stdin.dyn:
			return unk(who + ": its input (SQL) is only known at run time")
		}
		cmds = []word{*x.stdin}
	}
	v := verdict{}
	for _, w := range cmds {
		s, ok := w.lit()
		if !ok {
			return unk(who + ": SQL built from a shell expansion")
		}
		class, why := sqliteInput(s)
		sv := verdict{class: class, reason: who + " " + why}
		if v.reason == "" {
			v = sv
		}
		v = worse(v, sv)
	}
	return v
}

// sqliteInput classifies sqlite3 shell input: dot-command lines and SQL.
func sqliteInput(s string) (Class, string) {
	class, why := ReadOnly, ""
	take := func(c Class, w string) {
		if why == "" || c != class && class.Worse(c) == c {
			class, why = c, w
		}
	}
	var sql strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, ".") && strings.TrimSpace(sql.String()) == "" {
			take(sqliteDot(strings.TrimSpace(t)))
			continue
		}
		sql.WriteString(line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			take(subsetScript(sql.String(), &sqliteDialect))
			sql.Reset()
		}
	}
	if strings.TrimSpace(sql.String()) != "" {
		take(subsetScript(sql.String(), &sqliteDialect))
	}
	if why == "" {
		return ReadOnly, "no statement: runs nothing"
	}
	return class, why
}

// sqliteReadDots are the dot-commands that only show the database or set
// how results print.
var sqliteReadDots = setOf(".tables", ".schema", ".indexes", ".indices", ".dbinfo", ".databases", ".headers",
	".header", ".mode", ".separator", ".nullvalue", ".width", ".timer", ".show", ".stats", ".help",
	".fullschema", ".print", ".eqp", ".explain", ".changes", ".echo", ".bail", ".timeout", ".dump",
	".quit", ".exit", ".lint", ".dbconfig", ".parameter", ".limit", ".binary", ".prompt")

// sqliteDot classifies one dot-command line.
func sqliteDot(line string) (Class, string) {
	name, args, _ := strings.Cut(line, " ")
	switch {
	case name == ".dbconfig" && strings.TrimSpace(args) != "",
		name == ".parameter" && !strings.HasPrefix(strings.TrimSpace(args), "list"),
		name == ".limit" && strings.Contains(strings.TrimSpace(args), " "):
		return Unknown, name + " " + strings.TrimSpace(args) + ": changes the connection"
	case sqliteReadDots[name]:
		return ReadOnly, name + ": shows the database or sets how results print"
	}
	switch name {
	case ".shell", ".system":
		return Unknown, name + ": runs a shell command"
	case ".output", ".once", ".save", ".backup", ".log", ".trace", ".iotrace", ".excel":
		return Mutating, name + ": writes a file"
	case ".import", ".restore", ".clone", ".recover", ".archive", ".ar":
		return Mutating, name + ": writes a database"
	}
	return Unknown, name + ": dot-command not recognised as read-only"
}

var sqliteDialect = subsetDialect{
	name: "sqlite3",
	funcs: setOf("count", "sum", "total", "avg", "min", "max", "group_concat", "string_agg", "length",
		"lower", "upper", "substr", "substring", "trim", "ltrim", "rtrim", "replace", "round", "abs", "coalesce",
		"ifnull", "nullif", "iif", "datetime", "date", "time", "julianday", "strftime", "unixepoch", "timediff",
		"printf", "format", "typeof", "instr", "hex", "unhex", "quote", "json", "json_extract", "json_array_length",
		"json_each", "json_tree", "json_type", "json_valid", "json_object", "json_array", "json_group_array",
		"json_group_object", "likely", "unlikely", "char", "unicode", "sign", "cast", "row_number", "rank",
		"dense_rank", "lag", "lead", "first_value", "last_value", "ntile", "pragma_table_info",
		"pragma_index_list", "sqlite_version", "changes", "total_changes", "last_insert_rowid"),
	statement: sqliteStatement,
}

// sqliteReadPragmas are the pragmas that, without a value, only report.
var sqliteReadPragmas = setOf("table_info", "table_xinfo", "table_list", "index_list", "index_info",
	"index_xinfo", "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check", "database_list",
	"compile_options", "page_count", "page_size", "freelist_count", "journal_mode", "user_version",
	"schema_version", "application_id", "encoding", "collation_list", "function_list", "module_list",
	"pragma_list", "cache_size", "busy_timeout", "auto_vacuum", "synchronous", "wal_autocheckpoint",
	"max_page_count", "data_version", "foreign_keys")

// sqliteStatement reads the statements SQLite has beyond the common ones.
func sqliteStatement(d *subsetDialect, toks []subsetTok) (Class, string, bool) {
	first := toks[0].text
	switch first {
	case "PRAGMA":
		if len(toks) < 2 || toks[1].kind != 'w' {
			return Unknown, "PRAGMA: not read here", true
		}
		name := strings.ToLower(toks[1].text)
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		for _, t := range toks[2:] {
			if t.text == "=" {
				return Unknown, "PRAGMA " + name + " =: changes a setting", true
			}
		}
		if !sqliteReadPragmas[name] || len(toks) > 2 && name != "table_info" && name != "table_xinfo" &&
			name != "index_list" && name != "index_info" && name != "index_xinfo" && name != "foreign_key_list" &&
			name != "foreign_key_check" && name != "integrity_check" && name != "quick_check" {
			return Unknown, "PRAGMA " + name + ": not known to only report", true
		}
		return ReadOnly, "PRAGMA " + name + ": reports", true
	case "EXPLAIN":
		rest := toks[1:]
		if len(rest) >= 2 && rest[0].text == "QUERY" && rest[1].text == "PLAN" {
			rest = rest[2:]
		}
		if len(rest) == 0 || rest[0].text != "SELECT" && rest[0].text != "WITH" {
			return Unknown, "EXPLAIN: only SELECT plans are read here", true
		}
		c, why := subsetQuery(rest, d, "EXPLAIN")
		return c, why, true
	case "BEGIN", "COMMIT", "END", "ROLLBACK":
		if len(toks) > 2 || len(toks) == 2 && toks[1].text != "TRANSACTION" && toks[1].text != "DEFERRED" {
			return Unknown, first + ": transaction options not read here", true
		}
		return ReadOnly, first + ": controls this session's transaction", true
	}
	return "", "", false
}
