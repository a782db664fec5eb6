package shell

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// SQL is judged on the parse tree PostgreSQL's own parser builds
// (libpg_query), never on keywords: a statement is read-only only when
// every node in its tree is one the walk below knows to read, and every
// function it calls is on an allowlist of built-in functions that only
// compute or read. Anything else is unknown, or mutating when the tree
// shows a write.
//
// What no static reading can see: a relation may be a view over volatile
// functions, t.name may call a function name(t) when t has no such
// column, and an operator or cast may be user-defined. Those are the
// database owner's objects, not the runbook's text; the classifier trusts
// the catalog as it trusts the programs on $PATH.

// sqlText classifies SQL sent to the server as it is: psql -c, a COPY
// query, the SQL part of a psql script. The reason names the statement
// that decided: "DELETE: modifies data".
func sqlText(sql string) (Class, string) {
	tree, err := pgParse(sql)
	if err != nil {
		return Unknown, clip("SQL does not parse: "+err.Error(), maxReason)
	}
	if len(tree.Stmts) == 0 {
		return ReadOnly, "no statement: runs nothing"
	}
	var out sqlVerdict
	for _, raw := range tree.Stmts {
		kw := sqlKeyword(sql, raw)
		out.worse(sqlStatement(raw.Stmt, kw))
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
func sqlKeyword(sql string, raw *pg.RawStmt) string {
	start := int(raw.StmtLocation)
	end := len(sql)
	if raw.StmtLen > 0 && start+int(raw.StmtLen) <= len(sql) {
		end = start + int(raw.StmtLen)
	}
	if start < 0 || start > end {
		return "SQL"
	}
	s := sql[start:end]
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
	end = strings.IndexFunc(s, func(r rune) bool {
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
func sqlStatement(n *pg.Node, kw string) sqlVerdict {
	switch {
	case n == nil:
		return sqlRO("(): runs nothing")
	case n.GetSelectStmt() != nil:
		return sqlQuery(n, kw, kw+": reads data")
	case n.GetExplainStmt() != nil:
		return sqlExplain(n.GetExplainStmt())
	case n.GetVariableShowStmt() != nil:
		name := n.GetVariableShowStmt().Name
		if why := sqlSecretSetting(name); why != "" {
			return sqlUnk("SHOW " + name + ": " + why)
		}
		return sqlRO("SHOW: reads a setting")
	case n.GetVariableSetStmt() != nil:
		return sqlSet(n.GetVariableSetStmt(), kw)
	case n.GetTransactionStmt() != nil:
		return sqlTransaction(n.GetTransactionStmt(), kw)
	case n.GetCopyStmt() != nil:
		return sqlCopy(n.GetCopyStmt(), "COPY", "on the database server")
	case n.GetPrepareStmt() != nil:
		inner := n.GetPrepareStmt().Query
		v := sqlStatement(inner, sqlStmtWord(inner))
		v.why = "PREPARE " + v.why
		return v
	case n.GetInsertStmt() != nil, n.GetUpdateStmt() != nil, n.GetDeleteStmt() != nil,
		n.GetMergeStmt() != nil, n.GetTruncateStmt() != nil:
		return sqlMut(kw + ": modifies data")
	case n.GetGrantStmt() != nil, n.GetGrantRoleStmt() != nil, n.GetAlterDefaultPrivilegesStmt() != nil,
		n.GetReassignOwnedStmt() != nil:
		return sqlMut(kw + ": changes privileges")
	case n.GetVacuumStmt() != nil, n.GetClusterStmt() != nil, n.GetReindexStmt() != nil,
		n.GetCheckPointStmt() != nil, n.GetRefreshMatViewStmt() != nil:
		return sqlMut(kw + ": runs maintenance that writes")
	case n.GetLockStmt() != nil:
		return sqlMut("LOCK: locks tables")
	case n.GetNotifyStmt() != nil:
		return sqlMut("NOTIFY: sends a notification")
	case n.GetDoStmt() != nil, n.GetCallStmt() != nil, n.GetExecuteStmt() != nil, n.GetLoadStmt() != nil:
		return sqlUnk(kw + ": runs code that cannot be read here")
	}
	name := sqlNodeName(n)
	for _, p := range []string{"Create", "Alter", "Drop", "Rename", "Comment", "SecLabel", "Import", "Index",
		"View", "Rule", "Define", "CompositeType"} {
		if strings.HasPrefix(name, p) {
			return sqlMut(kw + ": changes the schema")
		}
	}
	return sqlUnk(kw + ": statement not recognised as read-only")
}

// sqlNodeName returns the type of the node a Node wraps: "CreateStmt".
func sqlNodeName(n *pg.Node) string {
	m := n.ProtoReflect()
	od := m.Descriptor().Oneofs().ByName("node")
	if od == nil {
		return ""
	}
	fd := m.WhichOneof(od)
	if fd == nil || fd.Message() == nil {
		return ""
	}
	return string(fd.Message().Name())
}

// sqlQuery walks a query that must only read.
func sqlQuery(n *pg.Node, kw, ok string) sqlVerdict {
	w := sqlWalk{kw: kw}
	w.walk(n.ProtoReflect())
	if w.bad.why != "" {
		return w.bad
	}
	return sqlRO(ok)
}

// sqlExplain: EXPLAIN only plans its statement; with ANALYZE it also runs
// it, which is then as safe as the statement itself.
func sqlExplain(e *pg.ExplainStmt) sqlVerdict {
	analyze := false
	for _, o := range e.Options {
		d := o.GetDefElem()
		if d == nil {
			return sqlUnk("EXPLAIN: option not understood")
		}
		switch d.Defname {
		case "analyze":
			analyze = sqlBoolOption(d.Arg)
		case "verbose", "costs", "settings", "buffers", "wal", "timing", "summary", "format",
			"generic_plan", "serialize", "memory":
		default:
			return sqlUnk("EXPLAIN (" + d.Defname + "): option not recognised")
		}
	}
	inner := e.Query
	kw := "EXPLAIN"
	if analyze {
		kw = "EXPLAIN ANALYZE"
		v := sqlStatement(inner, sqlStmtWord(inner))
		v.why = kw + " " + v.why
		return v
	}
	switch {
	case inner.GetSelectStmt() != nil, inner.GetInsertStmt() != nil, inner.GetUpdateStmt() != nil,
		inner.GetDeleteStmt() != nil, inner.GetMergeStmt() != nil:
		// Planning evaluates immutable and stable functions over
		// constants, so the functions still have to be known ones.
		w := sqlWalk{kw: kw, planOnly: true}
		w.walk(inner.ProtoReflect())
		if w.bad.why != "" {
			return w.bad
		}
		return sqlRO("EXPLAIN: plans a statement without running it")
	}
	return sqlUnk("EXPLAIN: only SELECT, INSERT, UPDATE, DELETE and MERGE plans are read here")
}

// sqlStmtWord names a statement node for reasons when no text is at hand.
func sqlStmtWord(n *pg.Node) string {
	switch {
	case n.GetSelectStmt() != nil:
		return "SELECT"
	case n.GetInsertStmt() != nil:
		return "INSERT"
	case n.GetUpdateStmt() != nil:
		return "UPDATE"
	case n.GetDeleteStmt() != nil:
		return "DELETE"
	case n.GetMergeStmt() != nil:
		return "MERGE"
	}
	return strings.ToUpper(strings.TrimSuffix(sqlNodeName(n), "Stmt"))
}

// sqlBoolOption reads an EXPLAIN option's value: absent means true.
func sqlBoolOption(arg *pg.Node) bool {
	if arg == nil {
		return true
	}
	s := ""
	switch {
	case arg.GetString_() != nil:
		s = arg.GetString_().Sval
	case arg.GetBoolean() != nil:
		return arg.GetBoolean().Boolval
	case arg.GetInteger() != nil:
		return arg.GetInteger().Ival != 0
	case arg.GetAConst() != nil:
		c := arg.GetAConst()
		switch {
		case c.GetBoolval() != nil:
			return c.GetBoolval().Boolval
		case c.GetIval() != nil:
			return c.GetIval().Ival != 0
		case c.GetSval() != nil:
			s = c.GetSval().Sval
		}
	}
	switch strings.ToLower(s) {
	case "false", "off", "no", "0", "f", "n", "of":
		return false
	}
	return true // anything else may mean true: assume the statement runs
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
func sqlSet(s *pg.VariableSetStmt, kw string) sqlVerdict {
	name := strings.ToLower(s.Name)
	switch s.Kind {
	case pg.VariableSetKind_VAR_SET_VALUE, pg.VariableSetKind_VAR_SET_DEFAULT, pg.VariableSetKind_VAR_SET_CURRENT,
		pg.VariableSetKind_VAR_RESET:
		if sqlBoundingSettings[name] {
			return sqlRO(kw + " " + name + ": bounds the session")
		}
		if (name == "default_transaction_read_only" || name == "transaction_read_only") &&
			s.Kind == pg.VariableSetKind_VAR_SET_VALUE && len(s.Args) == 1 && sqlBoolOption(s.Args[0]) {
			return sqlRO(kw + " " + name + ": makes the session read-only")
		}
	case pg.VariableSetKind_VAR_SET_MULTI:
		if name == "transaction" || name == "session characteristics" {
			if v, ok := sqlTransactionModes(s.Args, kw); !ok {
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
func sqlTransactionModes(opts []*pg.Node, kw string) (sqlVerdict, bool) {
	for _, o := range opts {
		d := o.GetDefElem()
		if d == nil {
			return sqlUnk(kw + ": transaction mode not understood"), false
		}
		switch d.Defname {
		case "transaction_isolation", "transaction_deferrable":
		case "transaction_read_only":
			if !sqlBoolOption(d.Arg) {
				return sqlUnk(kw + " READ WRITE: allows writes"), false
			}
		default:
			return sqlUnk(kw + ": transaction mode " + d.Defname + " not recognised"), false
		}
	}
	return sqlVerdict{}, true
}

// sqlTransaction allows a session to open and end its own transaction;
// PREPARE TRANSACTION and COMMIT/ROLLBACK PREPARED act on two-phase
// transactions that outlive the session or belong to another one.
func sqlTransaction(t *pg.TransactionStmt, kw string) sqlVerdict {
	switch t.Kind {
	case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
		if v, ok := sqlTransactionModes(t.Options, kw); !ok {
			return v
		}
		return sqlRO(kw + ": starts this session's transaction")
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT, pg.TransactionStmtKind_TRANS_STMT_ROLLBACK,
		pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg.TransactionStmtKind_TRANS_STMT_RELEASE,
		pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return sqlRO(kw + ": ends or marks this session's transaction")
	case pg.TransactionStmtKind_TRANS_STMT_PREPARE:
		return sqlMut("PREPARE TRANSACTION: keeps a transaction and its locks after the session ends")
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT_PREPARED:
		return sqlMut("COMMIT PREPARED: commits a prepared transaction, another session's work")
	case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED:
		return sqlMut("ROLLBACK PREPARED: discards a prepared transaction, another session's work")
	}
	return sqlUnk(kw + ": transaction command not recognised")
}

// sqlCopy classifies COPY (and psql's \copy): TO STDOUT of a read-only
// query or a table reads; FROM loads data; TO a file writes it; TO
// PROGRAM runs a command.
func sqlCopy(c *pg.CopyStmt, who, where string) sqlVerdict {
	switch {
	case c.IsProgram:
		return sqlUnk(who + " PROGRAM: runs a command " + where)
	case c.IsFrom:
		return sqlMut(who + " FROM: loads data into a table")
	case c.Filename != "":
		return sqlMut(who + " TO: writes a file " + where)
	}
	w := sqlWalk{kw: who}
	if c.Query != nil {
		w.walk(c.Query.ProtoReflect())
	}
	if c.Relation != nil {
		w.walk(c.Relation.ProtoReflect())
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
var sqlReadNodes = setOf("Node", "List", "String", "Integer", "Float", "Boolean", "BitString", "A_Const",
	"SelectStmt", "ResTarget", "ColumnRef", "A_Star", "A_Expr", "BoolExpr", "NullTest", "BooleanTest",
	"TypeCast", "TypeName", "SubLink", "CaseExpr", "CaseWhen", "CoalesceExpr", "MinMaxExpr", "RowExpr",
	"A_ArrayExpr", "A_Indirection", "A_Indices", "ParamRef", "SortBy", "WindowDef", "RangeVar",
	"RangeSubselect", "RangeFunction", "JoinExpr", "Alias", "CommonTableExpr", "WithClause",
	"SQLValueFunction", "CollateClause", "GroupingSet", "GroupingFunc", "CTESearchClause", "CTECycleClause",
	"FuncCall", "ColumnDef")

// sqlPlanNodes are the nodes of the writing statements EXPLAIN plans.
var sqlPlanNodes = setOf("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "OnConflictClause",
	"InferClause", "IndexElem", "MultiAssignRef", "SetToDefault", "MergeWhenClause", "ReturningClause",
	"ReturningOption")

// sqlWriteNodes are nodes that write wherever they appear (a WITH part
// that deletes), with what they do.
var sqlWriteNodes = map[string]string{
	"InsertStmt": "INSERT: modifies data",
	"UpdateStmt": "UPDATE: modifies data",
	"DeleteStmt": "DELETE: modifies data",
	"MergeStmt":  "MERGE: modifies data",
	"IntoClause": "SELECT INTO: creates a table",
}

func (w *sqlWalk) fail(v sqlVerdict) {
	if w.bad.why == "" {
		w.bad = v
	}
}

func (w *sqlWalk) walk(m protoreflect.Message) {
	if w.bad.why != "" || !m.IsValid() {
		return
	}
	name := string(m.Descriptor().Name())
	switch {
	case sqlReadNodes[name], w.planOnly && sqlPlanNodes[name]:
	case sqlWriteNodes[name] != "":
		w.fail(sqlMut(sqlWriteNodes[name]))
		return
	case name == "LockingClause":
		w.fail(sqlMut(w.kw + " … FOR UPDATE/SHARE: locks rows"))
		return
	default:
		w.fail(sqlUnk(w.kw + ": uses " + name + ", which is not read here"))
		return
	}
	switch name {
	case "FuncCall":
		if v, ok := sqlFunction(m.Interface().(*pg.FuncCall)); !ok {
			w.fail(v)
			return
		}
	case "RangeVar":
		if rel := m.Interface().(*pg.RangeVar).Relname; sqlSecretRelations[rel] {
			w.fail(sqlUnk(w.kw + " " + rel + ": reads password hashes or credentials"))
			return
		}
	case "A_Expr":
		if op := m.Interface().(*pg.A_Expr).Name; len(op) > 1 && sqlNameString(op[0]) != "pg_catalog" {
			w.fail(sqlUnk(w.kw + ": calls an operator of schema " + sqlNameString(op[0])))
			return
		}
	case "TypeName":
		if names := m.Interface().(*pg.TypeName).Names; len(names) > 1 && sqlNameString(names[0]) != "pg_catalog" {
			w.fail(sqlUnk(w.kw + ": casts to a type of schema " + sqlNameString(names[0])))
			return
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil || fd.IsMap() {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len() && w.bad.why == ""; i++ {
				w.walk(l.Get(i).Message())
			}
		} else {
			w.walk(v.Message())
		}
		return w.bad.why == ""
	})
}

func sqlNameString(n *pg.Node) string {
	if s := n.GetString_(); s != nil {
		return s.Sval
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
func sqlFunction(f *pg.FuncCall) (sqlVerdict, bool) {
	parts := make([]string, len(f.Funcname))
	for i, n := range f.Funcname {
		parts[i] = sqlNameString(n)
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
		if len(f.Args) == 0 {
			return sqlUnk("current_setting(): setting not understood"), false
		}
		c := f.Args[0].GetAConst()
		if c == nil || c.GetSval() == nil {
			return sqlUnk("current_setting(): the setting's name is only known at run time"), false
		}
		if why := sqlSecretSetting(c.GetSval().Sval); why != "" {
			return sqlUnk("current_setting(" + c.GetSval().Sval + "): " + why), false
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
