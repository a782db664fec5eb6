package shell

import "strings"

// psql is read-only only when every statement it is given reads: SELECT,
// SHOW, EXPLAIN without ANALYZE, TABLE, VALUES, WITH … SELECT without
// data-modifying parts, COPY … TO STDOUT, and describing meta-commands
// (\d, \l, \conninfo). Statements are read from -c options or from a
// here-document; a script from a file (-f) or from a pipe is unknown.
func psqlRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "cdfhpUvoLFRPT",
		long: []string{"command", "dbname", "file", "host", "port", "username", "set", "variable", "output",
			"log-file", "field-separator", "record-separator", "pset", "table-attr"},
	})
	if p.any("-f", "--file") {
		return unk("psql -f: runs SQL from a file")
	}
	if o, ok := p.output("-o", "--output", "-L", "--log-file"); ok {
		return mut("psql " + o.name + ": writes " + o.target())
	}
	cmds := p.get("-c", "--command")
	if len(cmds) == 0 {
		switch {
		case p.flag("-l", "--list"):
			return roOpts("psql -l: lists databases")
		case p.flag("-V", "--version", "-?", "--help"):
			return ro("psql --version: prints its version")
		case x.stdin != nil && !x.stdin.dyn:
			return sqlVerdict("psql <<", x.stdin.val)
		case x.stdin != nil:
			return unk("psql <<: SQL built from a shell expansion")
		}
		return unk("psql without -c: reads SQL from its input")
	}
	v := roOpts("")
	for _, o := range cmds {
		s, ok := o.val.lit()
		if !ok {
			return unk("psql -c: SQL built from a shell expansion")
		}
		sv := sqlVerdict("psql -c", s)
		if v.reason == "" {
			v = sv
		}
		v = worse(v, sv)
	}
	return v
}

// sqlVerdict classifies a psql script for the psql rule.
func sqlVerdict(who, script string) verdict {
	class, why := sqlScript(script)
	v := verdict{class: class, reason: who + " " + why}
	if class == ReadOnly {
		v.optsMatter = true
	}
	return v
}

// sqlScript classifies psql input: SQL statements separated by semicolons
// and psql meta-commands. The reason names the deciding statement's first
// keyword: "DELETE: modifies data".
func sqlScript(s string) (Class, string) {
	toks, ok := sqlTokens(s)
	if !ok {
		return Unknown, "SQL not understood: an unterminated quote or comment"
	}
	class, why := ReadOnly, ""
	take := func(c Class, w string) {
		if why == "" || c != class && class.Worse(c) == c {
			class, why = c, w
		}
	}
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && toks[i].kind != ';' && toks[i].kind != '\\' {
			continue
		}
		if stmt := toks[start:i]; len(stmt) > 0 {
			take(sqlStatement(stmt))
		}
		if i < len(toks) && toks[i].kind == '\\' {
			take(sqlMeta(toks[i].text))
		}
		start = i + 1
	}
	if why == "" {
		return ReadOnly, "no statement: runs nothing"
	}
	return class, why
}

// sqlTok is one SQL token: a word (upper-cased), a quoted identifier, a
// string, a number, punctuation, a statement end or a psql meta-command.
type sqlTok struct {
	kind byte // 'w', 'q', 's', 'n', 'p', ';', '\\'
	text string
}

// sqlTokens splits SQL into tokens, dropping comments. It reports false
// for an unterminated string, identifier or comment.
func sqlTokens(s string) ([]sqlTok, bool) {
	var toks []sqlTok
	n := len(s)
	for i := 0; i < n; {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f':
			i++
		case ch == '-' && i+1 < n && s[i+1] == '-':
			for i < n && s[i] != '\n' {
				i++
			}
		case ch == '/' && i+1 < n && s[i+1] == '*':
			depth := 0
			for ; i < n; i++ {
				if s[i] == '/' && i+1 < n && s[i+1] == '*' {
					depth++
					i++
				} else if s[i] == '*' && i+1 < n && s[i+1] == '/' {
					depth--
					i++
					if depth == 0 {
						i++
						break
					}
				}
			}
			if depth != 0 {
				return nil, false
			}
		case ch == '\'':
			end, ok := sqlQuoted(s, i, '\'', false)
			if !ok {
				return nil, false
			}
			toks = append(toks, sqlTok{'s', s[i:end]})
			i = end
		case ch == '"':
			end, ok := sqlQuoted(s, i, '"', false)
			if !ok {
				return nil, false
			}
			toks = append(toks, sqlTok{'q', s[i+1 : end-1]})
			i = end
		case ch == '$' && i+1 < n && (s[i+1] == '$' || isSQLIdentStart(s[i+1])):
			j := i + 1
			for j < n && s[j] != '$' && isSQLIdent(s[j]) {
				j++
			}
			if j >= n || s[j] != '$' {
				toks = append(toks, sqlTok{'p', "$"})
				i++
				continue
			}
			tag := s[i : j+1]
			end := strings.Index(s[j+1:], tag)
			if end < 0 {
				return nil, false
			}
			i = j + 1 + end + len(tag)
			toks = append(toks, sqlTok{'s', tag})
		case ch == ';':
			toks = append(toks, sqlTok{';', ";"})
			i++
		case ch == '\\':
			j := i + 1
			for j < n && s[j] != '\n' && !(s[j] == '\\' && j+1 < n && s[j+1] == '\\') {
				j++
			}
			toks = append(toks, sqlTok{'\\', strings.TrimSpace(s[i+1 : j])})
			i = j
			if i+1 < n && s[i] == '\\' {
				i += 2
			}
		case isSQLIdentStart(ch):
			j := i + 1
			for j < n && isSQLIdent(s[j]) {
				j++
			}
			w := strings.ToUpper(s[i:j])
			if j < n && s[j] == '\'' && (w == "E" || w == "B" || w == "X" || w == "U&" || w == "N") {
				end, ok := sqlQuoted(s, j, '\'', w == "E")
				if !ok {
					return nil, false
				}
				toks = append(toks, sqlTok{'s', s[j:end]})
				i = end
				continue
			}
			toks = append(toks, sqlTok{'w', w})
			i = j
		case ch >= '0' && ch <= '9':
			j := i + 1
			for j < n && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == '_') {
				j++
			}
			toks = append(toks, sqlTok{'n', s[i:j]})
			i = j
		default:
			toks = append(toks, sqlTok{'p', s[i : i+1]})
			i++
		}
	}
	return toks, true
}

// sqlQuoted returns the index just past the quoted text starting at i,
// where a doubled quote stands for itself and, in E” strings, a
// backslash escapes the next character.
func sqlQuoted(s string, i int, q byte, backslash bool) (int, bool) {
	for i++; i < len(s); i++ {
		switch {
		case backslash && s[i] == '\\':
			i++
		case s[i] == q:
			if i+1 < len(s) && s[i+1] == q {
				i++
				continue
			}
			return i + 1, true
		}
	}
	return 0, false
}

func isSQLIdentStart(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

func isSQLIdent(b byte) bool { return isSQLIdentStart(b) || b >= '0' && b <= '9' || b == '$' }

// sqlStatement classifies one statement by its first keyword.
func sqlStatement(toks []sqlTok) (Class, string) {
	for len(toks) > 0 && toks[0].kind == 'p' && toks[0].text == "(" {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return ReadOnly, "(): runs nothing"
	}
	kw := toks[0].text
	if toks[0].kind != 'w' {
		return Unknown, kw + ": statement not recognised"
	}
	switch kw {
	case "SELECT", "VALUES", "TABLE", "WITH", "DECLARE":
		return sqlQuery(kw, toks)
	case "SHOW":
		return ReadOnly, "SHOW: reads a setting"
	case "EXPLAIN":
		return sqlExplain(toks[1:])
	case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "SET", "RESET",
		"DISCARD", "LISTEN", "UNLISTEN", "FETCH", "MOVE", "CLOSE", "DEALLOCATE":
		return ReadOnly, kw + ": controls the session or transaction"
	case "COPY":
		return sqlCopy(toks[1:], "COPY", "on the database server")
	case "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "UPSERT":
		return Mutating, kw + ": modifies data"
	case "DROP", "ALTER", "CREATE", "COMMENT", "SECURITY", "IMPORT":
		return Mutating, kw + ": changes the schema"
	case "GRANT", "REVOKE", "REASSIGN":
		return Mutating, kw + ": changes privileges"
	case "VACUUM", "ANALYZE", "ANALYSE", "REINDEX", "CLUSTER", "CHECKPOINT", "REFRESH":
		return Mutating, kw + ": runs maintenance that writes"
	case "LOCK":
		return Mutating, "LOCK: locks tables"
	case "NOTIFY":
		return Mutating, "NOTIFY: sends a notification"
	case "PREPARE":
		for i, t := range toks {
			if t.kind == 'w' && t.text == "AS" {
				return sqlStatement(toks[i+1:])
			}
		}
	case "CALL", "DO", "EXECUTE", "LOAD":
		return Unknown, kw + ": runs code that cannot be read here"
	}
	return Unknown, kw + ": statement not recognised"
}

// sqlExplain classifies EXPLAIN: without ANALYZE nothing runs; with it the
// statement runs and is as safe as itself.
func sqlExplain(toks []sqlTok) (Class, string) {
	analyze := false
	if len(toks) > 0 && toks[0].text == "(" {
		i := 1
		for ; i < len(toks) && toks[i].text != ")"; i++ {
			if t := toks[i].text; toks[i].kind == 'w' && (t == "ANALYZE" || t == "ANALYSE") {
				analyze = true
				if i+1 < len(toks) {
					switch strings.ToUpper(strings.Trim(toks[i+1].text, "'")) {
					case "FALSE", "OFF", "0":
						analyze = false
					}
				}
			}
		}
		toks = toks[min(i+1, len(toks)):]
	}
	for len(toks) > 0 && toks[0].kind == 'w' {
		switch toks[0].text {
		case "ANALYZE", "ANALYSE":
			analyze = true
		case "VERBOSE":
		default:
			goto done
		}
		toks = toks[1:]
	}
done:
	if !analyze {
		return ReadOnly, "EXPLAIN: plans a statement without running it"
	}
	class, why := sqlStatement(toks)
	if class == ReadOnly {
		return ReadOnly, "EXPLAIN ANALYZE " + why
	}
	return class, "EXPLAIN ANALYZE " + why
}

// sqlCopy classifies COPY (and psql's \copy): TO STDOUT reads, FROM loads
// data, TO a file writes it, TO PROGRAM runs a command.
func sqlCopy(toks []sqlTok, who, where string) (Class, string) {
	depth := 0
	for i, t := range toks {
		switch {
		case t.kind == 'p' && t.text == "(":
			depth++
		case t.kind == 'p' && t.text == ")":
			depth--
		case depth == 0 && t.kind == 'w' && t.text == "FROM":
			return Mutating, who + " FROM: loads data into a table"
		case depth == 0 && t.kind == 'w' && t.text == "TO":
			if i+1 >= len(toks) {
				break
			}
			switch next := toks[i+1]; {
			case next.kind == 'w' && (next.text == "STDOUT" || next.text == "PSTDOUT"):
				if class, why := sqlQuery("COPY", toks[:i]); class != ReadOnly {
					return class, why
				}
				return ReadOnly, who + " TO STDOUT: reads data"
			case next.kind == 'w' && next.text == "PROGRAM":
				return Unknown, who + " TO PROGRAM: runs a command " + where
			default:
				return Mutating, who + " TO: writes a file " + where
			}
		}
	}
	return Unknown, who + ": not understood"
}

// sqlQuery classifies a query: read-only unless it holds a data-modifying
// part (WITH … DELETE), takes row locks, creates a table (SELECT INTO) or
// calls a function that is not known to be free of side effects.
func sqlQuery(kw string, toks []sqlTok) (Class, string) {
	for i, t := range toks {
		if t.kind == 'w' {
			prev := ""
			if i > 0 {
				prev = toks[i-1].text
			}
			switch t.text {
			case "UPDATE", "SHARE":
				if prev == "FOR" || prev == "KEY" || prev == "NO" {
					return Mutating, kw + " … FOR " + t.text + ": locks rows"
				}
				if t.text == "UPDATE" {
					return Mutating, "UPDATE: modifies data"
				}
			case "INSERT", "DELETE", "MERGE", "TRUNCATE":
				return Mutating, t.text + ": modifies data"
			case "DROP", "ALTER", "CREATE", "GRANT", "REVOKE":
				return Mutating, t.text + ": changes the schema"
			case "COPY", "VACUUM", "REINDEX", "CLUSTER", "LOCK", "NOTIFY", "REFRESH":
				return Mutating, t.text + ": writes"
			case "CALL":
				return Unknown, "CALL: runs a procedure"
			case "INTO":
				if kw == "SELECT" || kw == "WITH" {
					return Mutating, "SELECT INTO: creates a table"
				}
			}
		}
		if i+1 >= len(toks) || toks[i+1].kind != 'p' || toks[i+1].text != "(" || (t.kind != 'w' && t.kind != 'q') {
			continue
		}
		if t.kind == 'w' && sqlNotFunc[t.text] {
			continue
		}
		name := strings.ToLower(t.text)
		if i >= 2 && toks[i-1].text == "." {
			if schema := strings.ToLower(toks[i-2].text); schema != "pg_catalog" && schema != "information_schema" {
				return Unknown, schema + "." + name + "(): may change data"
			}
		}
		if why, ok := sqlMutatingFuncs[name]; ok {
			return Mutating, name + "(): " + why
		}
		if t.kind == 'q' || !sqlPureFuncs[name] {
			return Unknown, name + "(): may change data or run other SQL"
		}
	}
	return ReadOnly, kw + ": reads data"
}

// sqlMeta classifies a psql meta-command line (without its backslash).
func sqlMeta(line string) (Class, string) {
	name, args, _ := strings.Cut(line, " ")
	args = strings.TrimSpace(args)
	who := `\` + name
	if strings.HasPrefix(name, "d") {
		return ReadOnly, who + ": describes objects"
	}
	switch strings.TrimSuffix(name, "+") {
	case "l", "list":
		return ReadOnly, who + ": lists databases"
	case "conninfo", "x", "timing", "pset", "a", "C", "f", "H", "t", "T", "echo", "qecho", "warn", "q", "quit",
		"?", "h", "help", "z", "sf", "sv", "copyright", "encoding", "c", "connect", "errverbose", "gset",
		"gdesc", "if", "elif", "else", "endif", "bind", "bind_named", "cd", "crosstabview", "getenv",
		"prompt", "set", "unset", "setenv", "restrict", "unrestrict", "parse", "close", "close_prepared",
		"startpipeline", "endpipeline", "syncpipeline", "sendpipeline", "flushrequest", "flush",
		"getresults", "watch", "r", "reset", "p", "print", "lo_list", "html":
		return ReadOnly, who + ": a psql display or session command"
	case "g", "gx", "o", "out", "s":
		switch {
		case args == "":
			return ReadOnly, who + ": a psql display command"
		case strings.HasPrefix(args, "|"):
			return Unknown, who + " |: pipes output to a command"
		case safeSink(strings.Trim(args, `'"`)):
			return ReadOnly, who + ": writes to " + args
		}
		return Mutating, who + ": writes " + args
	case "w", "write":
		if strings.HasPrefix(args, "|") {
			return Unknown, who + " |: pipes the query buffer to a command"
		}
		return Mutating, who + ": writes the query buffer to a file"
	case "copy":
		toks, ok := sqlTokens(args)
		if !ok {
			return Unknown, `\copy: not understood`
		}
		return sqlCopy(toks, `\copy`, "on this machine")
	case "i", "include", "ir", "include_relative":
		return Unknown, who + ": runs SQL from a file"
	case "!", "e", "edit", "ef", "ev":
		return Unknown, who + ": runs a shell command or an editor"
	case "gexec":
		return Unknown, `\gexec: runs query results as SQL`
	case "lo_import", "lo_export", "lo_unlink":
		return Mutating, who + ": changes large objects or files"
	case "password":
		return Mutating, `\password: changes a password`
	}
	return Unknown, who + ": psql command not recognised"
}

// sqlNotFunc are words that may precede "(" without being a function call.
var sqlNotFunc = setOf(
	"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "EXISTS", "ANY", "ALL", "SOME", "AS", "ON", "USING",
	"JOIN", "VALUES", "ARRAY", "ROW", "OVER", "FILTER", "BY", "HAVING", "GROUP", "ORDER", "LIMIT", "OFFSET",
	"UNION", "INTERSECT", "EXCEPT", "CASE", "WHEN", "THEN", "ELSE", "DISTINCT", "WITH", "RECURSIVE",
	"LATERAL", "INTO", "IS", "BETWEEN", "LIKE", "ILIKE", "SIMILAR", "TO", "PARTITION", "WINDOW", "ROWS",
	"RANGE", "GROUPS", "WITHIN", "MATERIALIZED", "TABLE", "RETURNING", "SET", "FOR", "OF", "TABLESAMPLE",
	"SYSTEM", "BERNOULLI", "CUBE", "ROLLUP", "GROUPING", "SETS", "ORDINALITY", "NULLS", "ESCAPE", "AT",
	"ZONE", "COPY", "EXPLAIN", "ANALYZE", "CURSOR", "DECLARE", "LIKE_REGEX", "IF",
	"NUMERIC", "DECIMAL", "VARCHAR", "CHAR", "CHARACTER", "VARYING", "TIMESTAMP", "TIMESTAMPTZ", "TIME",
	"TIMETZ", "INTERVAL", "BIT", "VARBIT", "FLOAT", "PRECISION", "DOUBLE", "INT", "INTEGER", "SMALLINT",
	"BIGINT", "BOOLEAN", "TEXT", "JSON", "JSONB", "UUID", "DATE", "REAL", "ASC", "DESC",
)

// sqlPureFuncs are built-in functions that read and compute only.
var sqlPureFuncs = setOf(
	"count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg", "json_object_agg",
	"jsonb_object_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or", "stddev", "stddev_pop",
	"stddev_samp", "variance", "var_pop", "var_samp", "percentile_cont", "percentile_disc", "mode", "rank",
	"dense_rank", "row_number", "ntile", "lag", "lead", "first_value", "last_value", "nth_value", "cume_dist",
	"percent_rank", "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
	"date_trunc", "date_part", "date_bin", "extract", "age", "to_char", "to_date", "to_timestamp", "to_number",
	"make_interval", "make_date", "make_time", "make_timestamp", "make_timestamptz", "justify_interval",
	"justify_days", "justify_hours", "isfinite", "coalesce", "nullif", "greatest", "least", "cast", "round",
	"trunc", "floor", "ceil", "ceiling", "abs", "sign", "mod", "power", "sqrt", "cbrt", "exp", "ln", "log",
	"log10", "div", "width_bucket", "random", "length", "char_length", "character_length", "octet_length",
	"bit_length", "lower", "upper", "initcap", "trim", "btrim", "ltrim", "rtrim", "lpad", "rpad", "substring",
	"substr", "position", "strpos", "replace", "translate", "split_part", "concat", "concat_ws", "format",
	"left", "right", "repeat", "reverse", "md5", "sha256", "sha512", "encode", "decode", "regexp_replace",
	"regexp_match", "regexp_matches", "regexp_split_to_array", "regexp_split_to_table", "regexp_count",
	"regexp_like", "regexp_substr", "regexp_instr", "starts_with", "string_to_array", "array_to_string",
	"array_length", "array_upper", "array_lower", "array_dims", "cardinality", "unnest", "array_position",
	"array_positions", "array_remove", "array_replace", "array_append", "array_prepend", "array_cat",
	"generate_series", "generate_subscripts", "to_json", "to_jsonb", "row_to_json", "array_to_json",
	"json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array", "json_object",
	"jsonb_object", "jsonb_pretty", "json_extract_path", "json_extract_path_text", "jsonb_extract_path",
	"jsonb_extract_path_text", "json_array_length", "jsonb_array_length", "json_array_elements",
	"jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text", "json_each",
	"jsonb_each", "json_each_text", "jsonb_each_text", "json_object_keys", "jsonb_object_keys", "json_typeof",
	"jsonb_typeof", "jsonb_path_query", "jsonb_path_query_array", "jsonb_path_query_first",
	"jsonb_path_exists", "jsonb_path_match", "jsonb_set", "jsonb_insert", "jsonb_strip_nulls",
	"json_strip_nulls", "json_populate_record", "jsonb_populate_record", "json_to_record", "jsonb_to_record",
	"json_to_recordset", "jsonb_to_recordset", "pg_size_pretty", "pg_size_bytes", "pg_database_size",
	"pg_relation_size", "pg_total_relation_size", "pg_table_size", "pg_indexes_size", "pg_column_size",
	"pg_tablespace_size", "pg_current_wal_lsn", "pg_current_wal_insert_lsn", "pg_current_wal_flush_lsn",
	"pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn", "pg_last_xact_replay_timestamp", "pg_wal_lsn_diff",
	"pg_is_in_recovery", "pg_is_wal_replay_paused", "pg_get_wal_replay_pause_state", "pg_postmaster_start_time",
	"pg_conf_load_time", "pg_backend_pid", "pg_blocking_pids", "pg_safe_snapshot_blocking_pids",
	"pg_get_indexdef", "pg_get_constraintdef", "pg_get_viewdef", "pg_get_functiondef", "pg_get_triggerdef",
	"pg_get_ruledef", "pg_get_expr", "pg_get_userbyid", "pg_get_serial_sequence", "pg_relation_filepath",
	"pg_relation_filenode", "pg_table_is_visible", "pg_typeof", "pg_current_logfile", "current_setting",
	"set_config", "version", "current_database", "current_schema", "current_schemas", "current_user",
	"session_user", "inet_server_addr", "inet_server_port", "inet_client_addr", "inet_client_port",
	"has_table_privilege", "has_database_privilege", "has_schema_privilege", "has_column_privilege",
	"has_function_privilege", "has_sequence_privilege", "pg_has_role", "txid_current",
	"txid_current_if_assigned", "txid_current_snapshot", "txid_snapshot_xmin", "txid_snapshot_xmax",
	"pg_current_xact_id", "pg_current_xact_id_if_assigned", "pg_current_snapshot", "pg_snapshot_xmin",
	"pg_snapshot_xmax", "mxid_age", "pg_xact_commit_timestamp", "pg_last_committed_xact",
	"pg_control_checkpoint", "pg_control_system", "pg_control_init", "pg_control_recovery", "pg_walfile_name",
	"pg_walfile_name_offset", "pg_sleep", "pg_sleep_for", "pg_sleep_until", "pg_get_keywords",
	"obj_description", "col_description", "shobj_description", "format_type", "pg_encoding_to_char",
	"quote_ident", "quote_literal", "quote_nullable", "to_regclass", "to_regtype", "to_regproc",
	"to_regnamespace", "to_regrole", "pg_input_is_valid", "num_nonnulls", "num_nulls", "gen_random_uuid",
	"uuid_generate_v4", "pg_relation_is_updatable", "pg_index_column_has_property", "pg_get_partkeydef",
	"pg_partition_tree", "pg_partition_root", "pg_partition_ancestors", "pg_tablespace_location",
	"pg_stat_get_activity", "pg_stat_get_progress_info", "pg_stat_statements", "pg_stat_get_wal_senders",
	"pg_ls_dir", "pg_ls_logdir", "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_stat_file",
	"pg_read_file", "pg_read_binary_file", "pg_sequence_last_value", "currval", "lastval", "host", "abbrev",
	"masklen", "network", "family", "inet", "cidr", "netmask", "broadcast", "hostmask", "float8", "float4",
	"int2", "int4", "int8", "bool", "string", "to_tsvector", "to_tsquery", "plainto_tsquery", "ts_rank",
	"xmin", "pg_column_compression", "pg_get_replica_identity_index", "pg_visible_in_snapshot",
	"pg_get_object_address", "pg_identify_object", "pg_describe_object", "pg_available_extensions",
	"pg_available_extension_versions", "pg_show_all_settings", "pg_timezone_names", "pg_options_to_table",
	"pg_get_backend_memory_contexts", "pg_stat_get_backend_idset", "pg_jit_available", "pg_trigger_depth",
	"pg_notification_queue_usage", "pg_listening_channels", "pg_replication_origin_progress",
	"pg_get_replication_slots", "pg_lock_status", "pg_prepared_xact", "pg_cursor", "pg_get_keywords",
	"pg_log_backend_memory_contexts", "date", "timezone", "isempty", "lower_inf", "upper_inf", "overlaps",
)

// sqlMutatingFuncs are built-in functions with side effects.
var sqlMutatingFuncs = map[string]string{
	"pg_terminate_backend":                   "terminates a backend",
	"pg_cancel_backend":                      "cancels a query",
	"nextval":                                "advances a sequence",
	"setval":                                 "sets a sequence",
	"pg_reload_conf":                         "reloads the server configuration",
	"pg_rotate_logfile":                      "rotates the log file",
	"pg_switch_wal":                          "switches the WAL file",
	"pg_switch_xlog":                         "switches the WAL file",
	"pg_create_restore_point":                "creates a restore point",
	"pg_promote":                             "promotes a standby",
	"pg_wal_replay_pause":                    "pauses replay",
	"pg_wal_replay_resume":                   "resumes replay",
	"pg_drop_replication_slot":               "drops a replication slot",
	"pg_create_physical_replication_slot":    "creates a replication slot",
	"pg_create_logical_replication_slot":     "creates a replication slot",
	"pg_copy_physical_replication_slot":      "creates a replication slot",
	"pg_copy_logical_replication_slot":       "creates a replication slot",
	"pg_replication_slot_advance":            "advances a replication slot",
	"pg_logical_slot_get_changes":            "consumes replication changes",
	"pg_logical_slot_get_binary_changes":     "consumes replication changes",
	"pg_stat_reset":                          "resets statistics",
	"pg_stat_reset_shared":                   "resets statistics",
	"pg_stat_reset_single_table_counters":    "resets statistics",
	"pg_stat_reset_single_function_counters": "resets statistics",
	"pg_stat_reset_slru":                     "resets statistics",
	"pg_stat_reset_replication_slot":         "resets statistics",
	"pg_stat_statements_reset":               "resets statistics",
	"pg_advisory_lock":                       "takes a lock",
	"pg_advisory_lock_shared":                "takes a lock",
	"pg_advisory_xact_lock":                  "takes a lock",
	"pg_advisory_xact_lock_shared":           "takes a lock",
	"pg_try_advisory_lock":                   "takes a lock",
	"pg_try_advisory_lock_shared":            "takes a lock",
	"pg_try_advisory_xact_lock":              "takes a lock",
	"pg_advisory_unlock":                     "releases a lock",
	"pg_advisory_unlock_all":                 "releases locks",
	"pg_notify":                              "sends a notification",
	"lo_import":                              "creates a large object",
	"lo_export":                              "writes a file on the server",
	"lo_unlink":                              "deletes a large object",
	"lo_create":                              "creates a large object",
	"lo_creat":                               "creates a large object",
	"lo_from_bytea":                          "creates a large object",
	"lo_put":                                 "writes a large object",
	"pg_file_write":                          "writes a file on the server",
	"pg_file_rename":                         "renames a file on the server",
	"pg_file_unlink":                         "deletes a file on the server",
	"pg_backup_start":                        "starts a backup",
	"pg_backup_stop":                         "stops a backup",
	"pg_start_backup":                        "starts a backup",
	"pg_stop_backup":                         "stops a backup",
	"pg_import_system_collations":            "creates collations",
	"pg_truncate_visibility_map":             "truncates a visibility map",
	"dblink_exec":                            "runs SQL on another database",
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// pg_dump writes to standard output unless -f names a file.
func pgDumpRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "fFdhpUnNtTZjEl",
		long:  []string{"file", "format", "dbname", "host", "port", "username", "schema", "exclude-schema", "table", "exclude-table", "compress", "jobs", "encoding"},
	})
	if o, ok := p.output("-f", "--file"); ok {
		return mut(x.name + " " + o.name + ": writes " + o.target())
	}
	return roOpts(x.name + ": writes a dump to standard output")
}

// pg_restore only lists an archive with -l and no database.
func pgRestoreRule(c *classifier, x *call) verdict {
	p := parseOpts(x.args, optSpec{
		short: "dfFhpUnNtTLIPj",
		long:  []string{"dbname", "file", "format", "host", "port", "username", "schema", "table", "use-list", "index", "function", "jobs"},
	})
	if p.flag("-l", "--list") && !p.any("-d", "--dbname", "-f", "--file") {
		return roOpts("pg_restore -l: lists an archive")
	}
	return mut("pg_restore: restores into a database")
}

func pgCtlRule(c *classifier, x *call) verdict {
	for _, a := range x.args {
		if a.val == "status" {
			return ro(x.name + " status: reports the server")
		}
	}
	return mut(x.name + ": starts, stops or reconfigures a server")
}
