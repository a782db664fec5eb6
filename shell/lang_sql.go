package shell

import (
	"strings"
)

// SQL is judged on the parse tree PostgreSQL's own parser builds
// (libpg_query), never on keywords: a statement is read-only only when
// every node in its tree is one the walk below knows to read, and every
// function it calls is on an allowlist of built-in functions that only
// compute or read. Anything else is unknown, or mutating when the tree
// shows a write.
//
// The tree is read from libpg_query's JSON rather than its protobuf
// form: decoding the protobuf into Go types first initialises the
// descriptors of every node type, 4 to 40 ms on this project's machines,
// which quench lint pays on its first statement; the JSON costs none of
// that. A node is {"Type": {fields}}; a field whose message type is fixed
// is an object without the wrapper, typed by sqlTypedFields, and a field
// not listed there is unknown, so nothing is walked without its type.
//
// What no static reading can see: a relation may be a view over volatile
// functions, t.name may call a function name(t) when t has no such
// column, and an operator or cast may be user-defined. Those are the
// database owner's objects, not the runbook's text; the classifier trusts
// the catalog as it trusts the programs on $PATH.

// pgNode is one node: its type and its fields.
type pgNode struct {
	typ string
	f   pgObj
}

// pgStmt is one statement of a parse: its node and where its text is.
type pgStmt struct {
	node       pgNode
	start, end int
}

// pgStatements parses SQL and returns its statements.
func pgStatements(sql string) ([]pgStmt, error) {
	js, err := pgParseJSON(sql)
	if err != nil {
		return nil, err
	}
	v, err := pgDecode(js)
	if err != nil {
		return nil, err
	}
	doc, _ := v.(pgObj)
	stmts, _ := doc.get("stmts").([]any)
	out := make([]pgStmt, 0, len(stmts))
	for _, s := range stmts {
		st, _ := s.(pgObj)
		n, _ := pgWrapped(st.get("stmt"))
		loc, _ := st.get("stmt_location").(float64)
		length, _ := st.get("stmt_len").(float64)
		start, size := int(loc), int(length)
		end := len(sql)
		if size > 0 && start+size <= len(sql) {
			end = start + size
		}
		out = append(out, pgStmt{node: n, start: min(start, end), end: end})
	}
	return out, nil
}

// pgWrapped reads a node wrapper {"Type": {fields}}.
func pgWrapped(v any) (pgNode, bool) {
	m, ok := v.(pgObj)
	if !ok || len(m) != 1 {
		return pgNode{}, false
	}
	k := m[0].key
	f, ok := m[0].val.(pgObj)
	if !ok || k == "" || k[0] < 'A' || k[0] > 'Z' {
		return pgNode{}, false
	}
	return pgNode{typ: k, f: f}, true
}

func (n pgNode) str(key string) string {
	s, _ := n.f.get(key).(string)
	return s
}

func (n pgNode) flag(key string) bool {
	b, _ := n.f.get(key).(bool)
	return b
}

func (n pgNode) list(key string) []any {
	l, _ := n.f.get(key).([]any)
	return l
}

// node returns a field holding a wrapped node.
func (n pgNode) node(key string) pgNode {
	w, _ := pgWrapped(n.f.get(key))
	return w
}

// sqlText classifies SQL sent to the server as it is: psql -c, a COPY
// query, the SQL part of a psql script. The reason names the statement
// that decided: "DELETE: modifies data".
func sqlText(sql string) (Class, string) {
	stmts, err := pgStatements(sql)
	if err != nil {
		return Unknown, clip("SQL does not parse: "+err.Error(), maxReason)
	}
	if len(stmts) == 0 {
		return ReadOnly, "no statement: runs nothing"
	}
	var out sqlVerdict
	for _, st := range stmts {
		out.worse(sqlStatement(st.node, sqlKeyword(sql[st.start:st.end])))
		if out.class == Unknown {
			break
		}
	}
	return out.class, out.why
}

// sqlVerdict is a class and the reason of the statement that decided it.
type sqlVerdict struct {
	class Class
	why   string
}

func (v *sqlVerdict) worse(o sqlVerdict) {
	if v.why == "" || o.class != v.class && v.class.Worse(o.class) == o.class {
		*v = o
	}
}

func sqlRO(why string) sqlVerdict  { return sqlVerdict{ReadOnly, why} }
func sqlMut(why string) sqlVerdict { return sqlVerdict{Mutating, why} }
func sqlUnk(why string) sqlVerdict { return sqlVerdict{Unknown, why} }

// sqlKeyword returns the first word of a statement's text, upper-cased,
// for reasons.
func sqlKeyword(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n\f(")
		switch {
		case strings.HasPrefix(s, "--"):
			_, s, _ = strings.Cut(s, "\n")
			continue
		case strings.HasPrefix(s, "/*"):
			_, s, _ = strings.Cut(s, "*/")
			continue
		}
		break
	}
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return "SQL"
	}
	return strings.ToUpper(s[:end])
}

// sqlStatement classifies one parsed statement.
func sqlStatement(n pgNode, kw string) sqlVerdict {
	switch n.typ {
	case "":
		return sqlRO("(): runs nothing")
	case "SelectStmt":
		return sqlQuery(n, kw, kw+": reads data")
	case "ExplainStmt":
		return sqlExplain(n)
	case "VariableShowStmt":
		name := n.str("name")
		if why := sqlSecretSetting(name); why != "" {
			return sqlUnk("SHOW " + name + ": " + why)
		}
		return sqlRO("SHOW: reads a setting")
	case "VariableSetStmt":
		return sqlSet(n, kw)
	case "TransactionStmt":
		return sqlTransaction(n, kw)
	case "CopyStmt":
		return sqlCopy(n, "COPY", "on the database server")
	case "PrepareStmt":
		inner := n.node("query")
		v := sqlStatement(inner, sqlStmtWord(inner))
		v.why = "PREPARE " + v.why
		return v
	case "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "TruncateStmt":
		return sqlMut(kw + ": modifies data")
	case "GrantStmt", "GrantRoleStmt", "AlterDefaultPrivilegesStmt", "ReassignOwnedStmt":
		return sqlMut(kw + ": changes privileges")
	case "VacuumStmt", "ClusterStmt", "ReindexStmt", "CheckPointStmt", "RefreshMatViewStmt":
		return sqlMut(kw + ": runs maintenance that writes")
	case "LockStmt":
		return sqlMut("LOCK: locks tables")
	case "NotifyStmt":
		return sqlMut("NOTIFY: sends a notification")
	case "DoStmt", "CallStmt", "ExecuteStmt", "LoadStmt":
		return sqlUnk(kw + ": runs code that cannot be read here")
	}
	for _, p := range []string{"Create", "Alter", "Drop", "Rename", "Comment", "SecLabel", "Import", "Index",
		"View", "Rule", "Define", "CompositeType"} {
		if strings.HasPrefix(n.typ, p) {
			return sqlMut(kw + ": changes the schema")
		}
	}
	return sqlUnk(kw + ": statement not recognised as read-only")
}

// sqlQuery walks a query that must only read.
func sqlQuery(n pgNode, kw, ok string) sqlVerdict {
	w := sqlWalk{kw: kw}
	w.node(n)
	if w.bad.why != "" {
		return w.bad
	}
	return sqlRO(ok)
}

// sqlExplain: EXPLAIN only plans its statement; with ANALYZE it also runs
// it, which is then as safe as the statement itself.
func sqlExplain(e pgNode) sqlVerdict {
	analyze := false
	for _, o := range e.list("options") {
		d, ok := pgWrapped(o)
		if !ok || d.typ != "DefElem" {
			return sqlUnk("EXPLAIN: option not understood")
		}
		switch d.str("defname") {
		case "analyze":
			analyze = sqlBoolOption(d.f.get("arg"))
		case "verbose", "costs", "settings", "buffers", "wal", "timing", "summary", "format",
			"generic_plan", "serialize", "memory":
		default:
			return sqlUnk("EXPLAIN (" + d.str("defname") + "): option not recognised")
		}
	}
	inner := e.node("query")
	if analyze {
		v := sqlStatement(inner, sqlStmtWord(inner))
		v.why = "EXPLAIN ANALYZE " + v.why
		return v
	}
	switch inner.typ {
	case "SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt":
		// Planning evaluates immutable and stable functions over
		// constants, so the functions still have to be known ones.
		w := sqlWalk{kw: "EXPLAIN", planOnly: true}
		w.node(inner)
		if w.bad.why != "" {
			return w.bad
		}
		return sqlRO("EXPLAIN: plans a statement without running it")
	}
	return sqlUnk("EXPLAIN: only SELECT, INSERT, UPDATE, DELETE and MERGE plans are read here")
}

// sqlStmtWord names a statement node for reasons when no text is at hand.
func sqlStmtWord(n pgNode) string {
	return strings.ToUpper(strings.TrimSuffix(n.typ, "Stmt"))
}

// sqlBoolOption reads an EXPLAIN option's or a mode's value: absent means
// true; anything not clearly false may mean true.
func sqlBoolOption(arg any) bool {
	if arg == nil {
		return true
	}
	n, _ := pgWrapped(arg)
	s := ""
	switch n.typ {
	case "String":
		s = n.str("sval")
	case "Boolean":
		return n.flag("boolval")
	case "Integer":
		v, _ := n.f.get("ival").(float64)
		return v != 0
	case "A_Const":
		switch {
		case n.f.get("boolval") != nil:
			b, _ := n.f.get("boolval").(pgObj)
			v, _ := b.get("boolval").(bool)
			return v
		case n.f.get("ival") != nil:
			i, _ := n.f.get("ival").(pgObj)
			v, _ := i.get("ival").(float64)
			return v != 0
		case n.f.get("sval") != nil:
			sv, _ := n.f.get("sval").(pgObj)
			s, _ = sv.get("sval").(string)
		}
	}
	switch strings.ToLower(s) {
	case "false", "off", "no", "0", "f", "n", "of":
		return false
	}
	return true
}

// sqlBoundingSettings are the settings a read-only script may SET: they
// bound how long a statement or session may run or change how results
// are shown. None changes what names resolve to (search_path), whose
// privileges apply (role) or whether writes are allowed.
var sqlBoundingSettings = setOf("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
	"idle_session_timeout", "transaction_timeout", "application_name", "work_mem", "timezone", "datestyle",
	"intervalstyle", "extra_float_digits", "client_min_messages", "bytea_output", "jit",
	"max_parallel_workers_per_gather", "enable_seqscan", "enable_indexscan", "enable_bitmapscan",
	"enable_hashjoin", "enable_mergejoin", "enable_nestloop", "track_io_timing")

// sqlSet allows SET of a bounding setting and of read-only transaction
// modes; anything else changes how later statements run.
func sqlSet(s pgNode, kw string) sqlVerdict {
	name := strings.ToLower(s.str("name"))
	args := s.list("args")
	switch s.str("kind") {
	case "VAR_SET_VALUE", "VAR_SET_DEFAULT", "VAR_SET_CURRENT", "VAR_RESET":
		if sqlBoundingSettings[name] {
			return sqlRO(kw + " " + name + ": bounds the session")
		}
		if (name == "default_transaction_read_only" || name == "transaction_read_only") &&
			s.str("kind") == "VAR_SET_VALUE" && len(args) == 1 && sqlBoolOption(args[0]) {
			return sqlRO(kw + " " + name + ": makes the session read-only")
		}
	case "VAR_SET_MULTI":
		if name == "transaction" || name == "session characteristics" {
			if v, ok := sqlTransactionModes(args, kw); !ok {
				return v
			}
			return sqlRO(kw + " TRANSACTION: sets the transaction's mode")
		}
	}
	if name == "" {
		name = "ALL"
	}
	return sqlUnk(kw + " " + name + ": changes how later statements run")
}

// sqlTransactionModes accepts isolation levels, DEFERRABLE and READ ONLY;
// READ WRITE would undo a read-only default.
func sqlTransactionModes(opts []any, kw string) (sqlVerdict, bool) {
	for _, o := range opts {
		d, ok := pgWrapped(o)
		if !ok || d.typ != "DefElem" {
			return sqlUnk(kw + ": transaction mode not understood"), false
		}
		switch d.str("defname") {
		case "transaction_isolation", "transaction_deferrable":
		case "transaction_read_only":
			if !sqlBoolOption(d.f.get("arg")) {
				return sqlUnk(kw + " READ WRITE: allows writes"), false
			}
		default:
			return sqlUnk(kw + ": transaction mode " + d.str("defname") + " not recognised"), false
		}
	}
	return sqlVerdict{}, true
}

// sqlTransaction allows a session to open and end its own transaction;
// PREPARE TRANSACTION and COMMIT/ROLLBACK PREPARED act on two-phase
// transactions that outlive the session or belong to another one.
func sqlTransaction(t pgNode, kw string) sqlVerdict {
	switch t.str("kind") {
	case "TRANS_STMT_BEGIN", "TRANS_STMT_START":
		if v, ok := sqlTransactionModes(t.list("options"), kw); !ok {
			return v
		}
		return sqlRO(kw + ": starts this session's transaction")
	case "TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_SAVEPOINT", "TRANS_STMT_RELEASE",
		"TRANS_STMT_ROLLBACK_TO":
		return sqlRO(kw + ": ends or marks this session's transaction")
	case "TRANS_STMT_PREPARE":
		return sqlMut("PREPARE TRANSACTION: keeps a transaction and its locks after the session ends")
	case "TRANS_STMT_COMMIT_PREPARED":
		return sqlMut("COMMIT PREPARED: commits a prepared transaction, another session's work")
	case "TRANS_STMT_ROLLBACK_PREPARED":
		return sqlMut("ROLLBACK PREPARED: discards a prepared transaction, another session's work")
	}
	return sqlUnk(kw + ": transaction command not recognised")
}

// sqlCopy classifies COPY (and psql's \copy): TO STDOUT of a read-only
// query or a table reads; FROM loads data; TO a file writes it; TO
// PROGRAM runs a command.
func sqlCopy(c pgNode, who, where string) sqlVerdict {
	switch {
	case c.flag("is_program"):
		return sqlUnk(who + " PROGRAM: runs a command " + where)
	case c.flag("is_from"):
		return sqlMut(who + " FROM: loads data into a table")
	case c.str("filename") != "":
		return sqlMut(who + " TO: writes a file " + where)
	}
	w := sqlWalk{kw: who}
	if q, ok := pgWrapped(c.f.get("query")); ok {
		w.node(q)
	}
	if rel, ok := c.f.get("relation").(pgObj); ok {
		w.node(pgNode{typ: "RangeVar", f: rel})
	}
	if w.bad.why != "" {
		return w.bad
	}
	return sqlRO(who + " TO STDOUT: reads data")
}

// sqlWalk visits every node of a query and records the first one that is
// not known to read only.
type sqlWalk struct {
	kw string
	// planOnly allows the statements EXPLAIN plans without running.
	planOnly bool
	bad      sqlVerdict
}

// sqlReadNodes are the parse-tree nodes of queries that read: their
// presence changes nothing (functions, relations, operators and casts are
// checked on their own).
var sqlReadNodes = setOf("List", "String", "Integer", "Float", "Boolean", "BitString", "A_Const",
	"SelectStmt", "ResTarget", "ColumnRef", "A_Star", "A_Expr", "BoolExpr", "NullTest", "BooleanTest",
	"TypeCast", "TypeName", "SubLink", "CaseExpr", "CaseWhen", "CoalesceExpr", "MinMaxExpr", "RowExpr",
	"A_ArrayExpr", "A_Indirection", "A_Indices", "ParamRef", "SortBy", "WindowDef", "RangeVar",
	"RangeSubselect", "RangeFunction", "JoinExpr", "Alias", "CommonTableExpr", "WithClause",
	"SQLValueFunction", "CollateClause", "GroupingSet", "GroupingFunc", "CTESearchClause", "CTECycleClause",
	"FuncCall", "ColumnDef")

// sqlPlanNodes are the nodes of the writing statements EXPLAIN plans.
var sqlPlanNodes = setOf("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "OnConflictClause",
	"InferClause", "IndexElem", "MultiAssignRef", "SetToDefault", "MergeWhenClause")

// sqlWriteNodes are nodes that write wherever they appear (a WITH part
// that deletes), with what they do.
var sqlWriteNodes = map[string]string{
	"InsertStmt": "INSERT: modifies data",
	"UpdateStmt": "UPDATE: modifies data",
	"DeleteStmt": "DELETE: modifies data",
	"MergeStmt":  "MERGE: modifies data",
	"IntoClause": "SELECT INTO: creates a table",
}

// sqlTypedFields are the fields whose message type is fixed (no node
// wrapper in the JSON), with that type: every field of a node the walk
// reads that is not a wrapped node, listed from pg_query.proto.
var sqlTypedFields = map[string]string{
	"alias": "Alias", "boolval": "Boolean", "bsval": "BitString", "collClause": "CollateClause",
	"cycle_clause": "CTECycleClause", "fval": "Float", "identitySequence": "RangeVar", "infer": "InferClause",
	"intoClause": "IntoClause", "ival": "Integer", "join_using_alias": "Alias", "larg": "SelectStmt",
	"onConflictClause": "OnConflictClause", "over": "WindowDef", "rarg": "SelectStmt", "rel": "RangeVar",
	"relation": "RangeVar", "search_clause": "CTESearchClause", "sval": "String", "typeName": "TypeName",
	"withClause": "WithClause",
}

func (w *sqlWalk) fail(v sqlVerdict) {
	if w.bad.why == "" {
		w.bad = v
	}
}

// value walks a field's value: a wrapped node, a list, a typed message
// or a scalar.
func (w *sqlWalk) value(field string, v any) {
	if w.bad.why != "" {
		return
	}
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			w.value(field, e)
		}
	case pgObj:
		if len(v) == 0 {
			return // a NULL node: nothing there
		}
		if n, ok := pgWrapped(v); ok {
			w.node(n)
			return
		}
		typ, ok := sqlTypedFields[field]
		if !ok {
			w.fail(sqlUnk(w.kw + ": uses " + field + ", which is not read here"))
			return
		}
		w.node(pgNode{typ: typ, f: v})
	}
}

// node checks one node and walks its fields.
func (w *sqlWalk) node(n pgNode) {
	if w.bad.why != "" {
		return
	}
	switch {
	case sqlReadNodes[n.typ], w.planOnly && sqlPlanNodes[n.typ]:
	case sqlWriteNodes[n.typ] != "":
		w.fail(sqlMut(sqlWriteNodes[n.typ]))
		return
	case n.typ == "LockingClause":
		w.fail(sqlMut(w.kw + " … FOR UPDATE/SHARE: locks rows"))
		return
	default:
		w.fail(sqlUnk(w.kw + ": uses " + n.typ + ", which is not read here"))
		return
	}
	switch n.typ {
	case "FuncCall":
		if v, ok := sqlFunction(n); !ok {
			w.fail(v)
			return
		}
	case "RangeVar":
		if rel := n.str("relname"); sqlSecretRelations[rel] {
			w.fail(sqlUnk(w.kw + " " + rel + ": reads password hashes or credentials"))
			return
		}
	case "A_Expr":
		if op := n.list("name"); len(op) > 1 && sqlNameString(op[0]) != "pg_catalog" {
			w.fail(sqlUnk(w.kw + ": calls an operator of schema " + sqlNameString(op[0])))
			return
		}
	case "TypeName":
		if names := n.list("names"); len(names) > 1 && sqlNameString(names[0]) != "pg_catalog" {
			w.fail(sqlUnk(w.kw + ": casts to a type of schema " + sqlNameString(names[0])))
			return
		}
	case "String":
		return // its sval is text, not a String message
	}
	for _, kv := range n.f {
		w.value(kv.key, kv.val)
		if w.bad.why != "" {
			return
		}
	}
}

// sqlNameString returns the text of a String node of a name list.
func sqlNameString(v any) string {
	if n, ok := pgWrapped(v); ok && n.typ == "String" {
		return n.str("sval")
	}
	return "?"
}

// sqlSecretRelations hold password hashes or foreign-server credentials.
var sqlSecretRelations = setOf("pg_authid", "pg_shadow", "pg_user_mapping", "pg_user_mappings")

// sqlSecretSetting says why reading a setting is not treated as
// read-only: settings that hold credentials, and custom settings
// (name.with.dot), where applications keep secrets (a JWT secret, an API
// key) that would otherwise land in an incident's timeline.
func sqlSecretSetting(name string) string {
	n := strings.ToLower(name)
	switch n {
	case "primary_conninfo", "archive_command", "restore_command", "archive_cleanup_command",
		"recovery_end_command", "ssl_passphrase_command", "archive_library":
		return "may hold credentials"
	case psqlVarIdent, psqlVarLiteral:
		return "a psql variable names the setting"
	}
	if strings.Contains(n, ".") {
		return "a custom setting, which may hold an application's secret"
	}
	return ""
}

// sqlFunction checks a function call against the allowlists. Names are
// as PostgreSQL resolves them: unquoted names folded to lower case,
// quoted ones kept, a schema only pg_catalog.
func sqlFunction(f pgNode) (sqlVerdict, bool) {
	var parts []string
	for _, n := range f.list("funcname") {
		parts = append(parts, sqlNameString(n))
	}
	if len(parts) == 0 {
		return sqlUnk("a function call not understood"), false
	}
	full := strings.Join(parts, ".")
	name := parts[len(parts)-1]
	if len(parts) > 2 || len(parts) == 2 && parts[0] != "pg_catalog" {
		return sqlUnk(full + "(): a function outside pg_catalog may change data"), false
	}
	if why, ok := sqlMutatingFuncs[name]; ok {
		return sqlMut(name + "(): " + why), false
	}
	if name == "current_setting" {
		args := f.list("args")
		if len(args) == 0 {
			return sqlUnk("current_setting(): setting not understood"), false
		}
		c, _ := pgWrapped(args[0])
		sv, ok := c.f.get("sval").(pgObj)
		setting, _ := sv.get("sval").(string)
		if c.typ != "A_Const" || !ok {
			return sqlUnk("current_setting(): the setting's name is only known at run time"), false
		}
		if why := sqlSecretSetting(setting); why != "" {
			return sqlUnk("current_setting(" + setting + "): " + why), false
		}
		return sqlVerdict{}, true
	}
	if sqlReadFuncs[name] || strings.HasPrefix(name, "pg_stat_get_") {
		return sqlVerdict{}, true
	}
	return sqlUnk(full + "(): not known to be free of side effects"), false
}

// sqlReadFuncs are built-in functions that only compute or read the
// database's state. Functions that read the server's files
// (pg_read_file, pg_ls_dir) are left out: they read beyond the database,
// configuration files with passwords included.
var sqlReadFuncs = setOf(
	"count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg", "json_object_agg",
	"jsonb_object_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or", "stddev", "stddev_pop",
	"stddev_samp", "variance", "var_pop", "var_samp", "percentile_cont", "percentile_disc", "mode", "rank",
	"dense_rank", "row_number", "ntile", "lag", "lead", "first_value", "last_value", "nth_value", "cume_dist",
	"percent_rank", "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
	"date_trunc", "date_part", "date_bin", "extract", "age", "to_char", "to_date", "to_timestamp", "to_number",
	"make_interval", "make_date", "make_time", "make_timestamp", "make_timestamptz", "justify_interval",
	"justify_days", "justify_hours", "isfinite", "round", "trunc", "floor", "ceil", "ceiling", "abs", "sign",
	"mod", "power", "sqrt", "cbrt", "exp", "ln", "log", "log10", "div", "width_bucket", "random", "length",
	"char_length", "character_length", "octet_length", "bit_length", "lower", "upper", "initcap", "trim",
	"btrim", "ltrim", "rtrim", "lpad", "rpad", "substring", "substr", "position", "strpos", "replace",
	"translate", "split_part", "concat", "concat_ws", "format", "left", "right", "repeat", "reverse", "md5",
	"sha256", "sha512", "encode", "decode", "regexp_replace", "regexp_match", "regexp_matches",
	"regexp_split_to_array", "regexp_split_to_table", "regexp_count", "regexp_like", "regexp_substr",
	"regexp_instr", "starts_with", "string_to_array", "array_to_string", "array_length", "array_upper",
	"array_lower", "array_dims", "cardinality", "unnest", "array_position", "array_positions",
	"array_remove", "array_replace", "array_append", "array_prepend", "array_cat", "generate_series",
	"generate_subscripts", "to_json", "to_jsonb", "row_to_json", "array_to_json", "json_build_object",
	"jsonb_build_object", "json_build_array", "jsonb_build_array", "json_object", "jsonb_object",
	"jsonb_pretty", "json_extract_path", "json_extract_path_text", "jsonb_extract_path",
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
	"pg_relation_filenode", "pg_table_is_visible", "pg_typeof", "pg_current_logfile", "version",
	"current_database", "current_schema", "current_schemas", "current_user", "session_user",
	"inet_server_addr", "inet_server_port", "inet_client_addr", "inet_client_port", "has_table_privilege",
	"has_database_privilege", "has_schema_privilege", "has_column_privilege", "has_function_privilege",
	"has_sequence_privilege", "pg_has_role", "txid_current_if_assigned", "txid_current_snapshot",
	"txid_snapshot_xmin", "txid_snapshot_xmax", "pg_current_xact_id_if_assigned", "pg_current_snapshot",
	"pg_snapshot_xmin", "pg_snapshot_xmax", "age", "mxid_age", "pg_xact_commit_timestamp",
	"pg_last_committed_xact", "pg_control_checkpoint", "pg_control_system", "pg_control_init",
	"pg_control_recovery", "pg_walfile_name", "pg_walfile_name_offset", "pg_get_keywords", "obj_description",
	"col_description", "shobj_description", "format_type", "pg_encoding_to_char", "quote_ident",
	"quote_literal", "quote_nullable", "to_regclass", "to_regtype", "to_regproc", "to_regnamespace",
	"to_regrole", "pg_input_is_valid", "num_nonnulls", "num_nulls", "gen_random_uuid",
	"pg_relation_is_updatable", "pg_index_column_has_property", "pg_get_partkeydef", "pg_partition_tree",
	"pg_partition_root", "pg_partition_ancestors", "pg_tablespace_location", "pg_stat_statements",
	"pg_sequence_last_value", "currval", "lastval", "host", "abbrev", "masklen", "network", "family", "inet",
	"cidr", "netmask", "broadcast", "hostmask", "float8", "float4", "int2", "int4", "int8", "bool",
	"to_tsvector", "to_tsquery", "plainto_tsquery", "ts_rank", "pg_column_compression",
	"pg_get_replica_identity_index", "pg_visible_in_snapshot", "pg_get_object_address", "pg_identify_object",
	"pg_describe_object", "pg_available_extensions", "pg_available_extension_versions",
	"pg_show_all_settings", "pg_timezone_names", "pg_options_to_table", "pg_get_backend_memory_contexts",
	"pg_jit_available", "pg_trigger_depth", "pg_notification_queue_usage", "pg_listening_channels",
	"pg_replication_origin_progress", "pg_get_replication_slots", "pg_lock_status", "pg_prepared_xact",
	"pg_cursor", "date", "timezone", "isempty", "lower_inf", "upper_inf", "overlaps", "pg_sleep",
	"pg_sleep_for", "pg_sleep_until", "pg_xact_status", "pg_get_function_arguments",
	"pg_get_function_result", "pg_get_function_identity_arguments", "pg_collation_for", "pg_get_statisticsobjdef",
	"pg_database_collation_actual_version", "pg_get_wal_resource_managers", "pg_ls_waldir",
	"json_scalar", "json_serialize", "jsonb_path_query_tz", "jsonb_path_exists_tz", "array_fill",
	"string_to_table", "unistr", "normalize", "is_normalized", "chr", "ascii", "to_hex", "to_oct", "to_bin",
	"greatest", "least", "coalesce", "nullif", "bpchar", "text", "varchar", "numeric", "interval",
	"timestamp", "timestamptz", "pg_stat_statements_info", "pg_stat_get_wal_senders",
)

// sqlMutatingFuncs are built-in functions known to change something.
var sqlMutatingFuncs = map[string]string{
	"pg_terminate_backend":                   "terminates a backend",
	"pg_cancel_backend":                      "cancels a query",
	"nextval":                                "advances a sequence",
	"setval":                                 "sets a sequence",
	"set_config":                             "changes a setting",
	"txid_current":                           "assigns a transaction id",
	"pg_current_xact_id":                     "assigns a transaction id",
	"pg_reload_conf":                         "reloads the server configuration",
	"pg_rotate_logfile":                      "rotates the log file",
	"pg_log_backend_memory_contexts":         "writes to the server log",
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
	"pg_stat_reset_subscription_stats":       "resets statistics",
	"pg_stat_statements_reset":               "resets statistics",
	"pg_advisory_lock":                       "takes a lock",
	"pg_advisory_lock_shared":                "takes a lock",
	"pg_advisory_xact_lock":                  "takes a lock",
	"pg_advisory_xact_lock_shared":           "takes a lock",
	"pg_try_advisory_lock":                   "takes a lock",
	"pg_try_advisory_lock_shared":            "takes a lock",
	"pg_try_advisory_xact_lock":              "takes a lock",
	"pg_try_advisory_xact_lock_shared":       "takes a lock",
	"pg_advisory_unlock":                     "releases a lock",
	"pg_advisory_unlock_shared":              "releases a lock",
	"pg_advisory_unlock_all":                 "releases locks",
	"pg_notify":                              "sends a notification",
	"lo_import":                              "creates a large object",
	"lo_export":                              "writes a file on the server",
	"lo_unlink":                              "deletes a large object",
	"lo_create":                              "creates a large object",
	"lo_creat":                               "creates a large object",
	"lo_from_bytea":                          "creates a large object",
	"lo_put":                                 "writes a large object",
	"lo_truncate":                            "truncates a large object",
	"pg_file_write":                          "writes a file on the server",
	"pg_file_rename":                         "renames a file on the server",
	"pg_file_unlink":                         "deletes a file on the server",
	"pg_file_sync":                           "syncs a file on the server",
	"pg_backup_start":                        "starts a backup",
	"pg_backup_stop":                         "stops a backup",
	"pg_start_backup":                        "starts a backup",
	"pg_stop_backup":                         "stops a backup",
	"pg_import_system_collations":            "creates collations",
	"pg_truncate_visibility_map":             "truncates a visibility map",
	"pg_replication_origin_create":           "creates a replication origin",
	"pg_replication_origin_drop":             "drops a replication origin",
	"pg_replication_origin_advance":          "advances a replication origin",
	"dblink_exec":                            "runs SQL on another database",
}

// ClassifySQL classifies SQL sent to a PostgreSQL server as it is (a
// check's query, not a shell command): read-only only when the parse tree
// proves every statement only reads. The reason names the statement that
// decided.
func ClassifySQL(sql string) (Class, string) {
	if len(sql) > MaxScript {
		return Unknown, "SQL longer than the classifier reads"
	}
	return sqlText(sql)
}
