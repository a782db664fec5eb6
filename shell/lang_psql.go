package shell

import "strings"

// psql is read with its own option table and its own script lexer:
//
//   - -c SQL is sent to the server as it is (psql interpolates nothing in
//     it), so PostgreSQL's parser decides it; -c '\cmd' is a meta-command.
//   - A script on standard input (a here-document) is lexed as psql lexes
//     it: SQL text, quoted strings, comments, :variables and backslash
//     meta-commands. Backquotes in a meta-command run a shell command and
//     are never read-only. :'var' and :"var" interpolate a quoted literal
//     or identifier, which cannot change the statement's shape; a bare
//     :var pastes text and is read-only only when its value is a literal
//     known here (-v name=value).
//   - -f FILE runs SQL this classifier cannot see: unknown.

// psqlVarLiteral and psqlVarIdent stand in the SQL for :'var' and :"var"
// so the statement parses; checks that depend on a value (a setting's
// name) treat them as unknown.
const (
	psqlVarLiteral = "quench psql variable"
	psqlVarIdent   = "quench_psql_variable"
)

var psqlGrammar = newGrammar("psql", gnu,
	"-c --command=", "-d --dbname=", "-f --file=", "-h --host=", "-p --port=", "-U --username=",
	"-v --set= --variable=", "-F --field-separator=", "-R --record-separator=", "-P --pset=",
	"-T --table-attr=", "-a --echo-all", "-b --echo-errors", "-e --echo-queries", "-E --echo-hidden",
	"-H --html", "-l --list", "-n --no-readline", "-q --quiet", "-s --single-step", "-S --single-line",
	"-t --tuples-only", "-A --no-align", "-x --expanded", "-X --no-psqlrc", "-w --no-password",
	"-W --password", "-V --version", "-? --help[=]", "-z --field-separator-zero",
	"-0 --record-separator-zero", "-1 --single-transaction", "--csv",
).writes("-o --output=", "-L --log-file=").completeLongs()

// psqlRule classifies a psql command line.
func psqlRule(c *classifier, x *call) verdict {
	cl := psqlGrammar.parse(x.args)
	if !cl.ok() {
		return cl.v
	}
	vars := map[string]psqlValue{}
	var scripts []given // -c and -f, in order
	for _, o := range cl.opts {
		switch name := o.opt.names[0]; name {
		case "-c", "-f":
			scripts = append(scripts, o)
		case "-d", "-h", "-p", "-U":
			if !trustedWord(o.val) {
				return unk("psql " + name + " " + o.val.src + ": an alert value chooses where psql connects")
			}
		case "-v":
			if why := psqlSetVar(vars, o.val); why != "" {
				return unk("psql -v: " + why)
			}
		case "-P":
			if why := psqlPset(o.val.val); why != "" || o.val.dyn {
				return unk("psql -P " + o.val.show() + ": " + why)
			}
		}
	}
	for _, w := range cl.args {
		if !trustedWord(w) {
			return unk("psql " + w.src + ": an alert value chooses where psql connects")
		}
	}
	if len(scripts) == 0 {
		switch {
		case cl.has("-V", "-?"):
			return ro("psql --version: prints its version")
		case cl.has("-l"):
			return roOpts("psql -l: lists databases")
		}
		return psqlStdin(x, vars, "psql")
	}
	v := verdict{}
	for _, o := range scripts {
		var sv verdict
		switch {
		case optIs(o, "-f") && o.val.val == "-" && !o.val.dyn:
			sv = psqlStdin(x, vars, "psql -f -")
		case optIs(o, "-f"):
			sv = unk("psql -f: runs SQL from a file")
		case o.val.dyn || o.val.glob:
			sv = unk("psql -c: SQL built from a shell expansion")
		case strings.HasPrefix(o.val.val, `\`):
			class, why := psqlScript(o.val.val, vars)
			sv = verdict{class: class, reason: "psql -c " + why}
		default:
			class, why := sqlText(o.val.val)
			sv = verdict{class: class, reason: "psql -c " + why}
		}
		if v.reason == "" {
			v = sv
		}
		v = worse(v, sv)
	}
	if v.class == ReadOnly {
		v.optsMatter = true
	}
	return v
}

// psqlStdin classifies the script psql reads from its standard input.
func psqlStdin(x *call, vars map[string]psqlValue, who string) verdict {
	switch {
	case x.stdin == nil:
		return unk(who + ": reads SQL from its input")
	case x.stdin.dyn:
		return unk(who + ": its input (SQL) is only known at run time")
	}
	class, why := psqlScript(x.stdin.val, vars)
	v := verdict{class: class, reason: who + " << " + why}
	v.optsMatter = class == ReadOnly
	return v
}

// psqlValue is a psql variable's value when it is a literal known before
// running.
type psqlValue struct {
	val   string
	known bool
}

// psqlSetVar records -v name=value. Setting psql's own variables that
// change how it runs or where it writes is unknown; variables of the
// script's own are inert until interpolated.
func psqlSetVar(vars map[string]psqlValue, w word) string {
	name, val, _ := strings.Cut(w.val, "=")
	if strings.Contains(name, dynMark) || w.glob {
		return "the variable's name is only known at run time"
	}
	if psqlSpecialVar(name) && !psqlSafeVars[name] {
		return name + " changes how psql runs"
	}
	vars[name] = psqlValue{val: val, known: !strings.Contains(val, dynMark)}
	return ""
}

// psqlSpecialVar reports psql's own variables (upper case by convention:
// HISTFILE, PROMPT1, ON_ERROR_STOP …).
func psqlSpecialVar(name string) bool {
	return name != "" && strings.ToUpper(name) == name && strings.ToLower(name) != name
}

// psqlSafeVars are psql's own variables that only change error handling
// and what is printed.
var psqlSafeVars = setOf("ON_ERROR_STOP", "ON_ERROR_ROLLBACK", "ECHO", "ECHO_HIDDEN", "QUIET", "VERBOSITY",
	"SHOW_CONTEXT", "FETCH_COUNT", "AUTOCOMMIT", "HIDE_TABLEAM", "HIDE_TOAST_COMPRESSION", "COMP_KEYWORD_CASE",
	"SHOW_ALL_RESULTS", "SINGLELINE", "SINGLESTEP")

// psqlPset accepts the printing options of -P and \pset.
func psqlPset(arg string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(arg), "=")
	name, _, _ = strings.Cut(name, " ")
	switch name {
	case "border", "columns", "csv_fieldsep", "expanded", "x", "fieldsep", "fieldsep_zero", "footer", "format",
		"linestyle", "null", "numericlocale", "pager", "pager_min_lines", "recordsep", "recordsep_zero",
		"tableattr", "T", "title", "C", "tuples_only", "t", "unicode_border_linestyle",
		"unicode_column_linestyle", "unicode_header_linestyle", "xheader_width", "":
		return ""
	}
	return "printing option " + name + " not recognised"
}

// psqlScript classifies psql input: SQL text with psql's :variables and
// backslash meta-commands. The SQL, once the meta-commands are taken out
// and the variables replaced, is what the server receives, so
// PostgreSQL's parser decides it.
func psqlScript(s string, vars map[string]psqlValue) (Class, string) {
	var sql strings.Builder
	out := sqlVerdict{}
	n := len(s)
	ident := func(b byte) bool { return isSQLIdent(b) && b != '$' }
	for i := 0; i < n; {
		ch := s[i]
		switch {
		case ch == '-' && i+1 < n && s[i+1] == '-':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = n - i
			}
			sql.WriteString(s[i : i+j])
			i += j
		case ch == '/' && i+1 < n && s[i+1] == '*':
			end, ok := sqlComment(s, i)
			if !ok {
				return Unknown, "SQL not understood: an unterminated comment"
			}
			sql.WriteString(s[i:end])
			i = end
		case ch == '\'':
			escaped := i > 0 && (s[i-1] == 'E' || s[i-1] == 'e') && (i < 2 || !ident(s[i-2]))
			end, ok := sqlQuoted(s, i, '\'', escaped)
			if !ok {
				return Unknown, "SQL not understood: an unterminated string"
			}
			if !escaped && strings.IndexByte(s[i:end], '\\') >= 0 {
				// Whether a backslash escapes the quote depends on the
				// server's standard_conforming_strings, which decides
				// where the string ends for psql's lexer too.
				return Unknown, "SQL string with a backslash: where it ends depends on a server setting"
			}
			sql.WriteString(s[i:end])
			i = end
		case ch == '"':
			end, ok := sqlQuoted(s, i, '"', false)
			if !ok {
				return Unknown, "SQL not understood: an unterminated identifier"
			}
			sql.WriteString(s[i:end])
			i = end
		case ch == '$' && (i == 0 || !isSQLIdent(s[i-1])):
			end, ok, isQuote := sqlDollarQuote(s, i)
			if !isQuote {
				sql.WriteByte(ch)
				i++
				continue
			}
			if !ok {
				return Unknown, "SQL not understood: an unterminated dollar-quoted string"
			}
			sql.WriteString(s[i:end])
			i = end
		case ch == ':' && i+1 < n && s[i+1] == ':':
			sql.WriteString("::")
			i += 2
		case ch == ':':
			text, end, why := psqlVariable(s, i, vars)
			if why != "" {
				return Unknown, why
			}
			sql.WriteString(text)
			i = end
		case ch == '\\':
			end, name, args := psqlMetaLine(s, i)
			v := psqlMeta(name, args)
			out.worse(v)
			if out.class == Unknown {
				return out.class, out.why
			}
			if psqlSends[name] {
				sql.WriteString(";\n")
			} else {
				sql.WriteByte('\n')
			}
			i = end
		default:
			sql.WriteByte(ch)
			i++
		}
	}
	if strings.TrimSpace(strings.Trim(sql.String(), ";\n\t ")) != "" {
		class, why := sqlText(sql.String())
		out.worse(sqlVerdict{class, why})
	}
	if out.why == "" {
		return ReadOnly, "no statement: runs nothing"
	}
	return out.class, out.why
}

// psqlVariable reads a :variable at s[i] and returns the text psql puts
// in its place, or why the script cannot be read.
func psqlVariable(s string, i int, vars map[string]psqlValue) (string, int, string) {
	n := len(s)
	name := func(j int) int {
		for j < n && (isSQLIdent(s[j]) && s[j] != '$') {
			j++
		}
		return j
	}
	switch {
	case i+1 < n && (s[i+1] == '\'' || s[i+1] == '"'):
		q := s[i+1]
		end := name(i + 2)
		if end == i+2 || end >= n || s[end] != q {
			return ":", i + 1, "" // not a variable: psql leaves it
		}
		if q == '\'' {
			return "'" + psqlVarLiteral + "'", end + 1, ""
		}
		return `"` + psqlVarIdent + `"`, end + 1, ""
	case i+2 < n && s[i+1] == '{' && s[i+2] == '?':
		end := name(i + 3)
		if end < n && s[end] == '}' {
			return "TRUE", end + 1, ""
		}
		return ":", i + 1, ""
	}
	end := name(i + 1)
	if end == i+1 {
		return ":", i + 1, ""
	}
	v, ok := vars[s[i+1:end]]
	switch {
	case !ok:
		return "", 0, ":" + s[i+1:end] + ": psql pastes a variable's text into the SQL, and its value is not known here"
	case !v.known || strings.ContainsAny(v.val, `\:`):
		return "", 0, ":" + s[i+1:end] + ": psql pastes a value only known at run time into the SQL"
	}
	return v.val, end, ""
}

// psqlMetaLine reads a meta-command at s[i] (its backslash): its name and
// its arguments up to the end of the line or a \\ outside quotes.
func psqlMetaLine(s string, i int) (end int, name, args string) {
	n := len(s)
	j := i + 1
	if j < n && strings.IndexByte("!?;", s[j]) >= 0 {
		j++
	} else {
		for j < n && (isSQLIdent(s[j]) && s[j] != '$' || s[j] == '+') {
			j++
		}
	}
	name = s[i+1 : j]
	k := j
	var quote byte
	for k < n && s[k] != '\n' {
		switch {
		case quote != 0 && s[k] == '\\' && quote == '\'':
			k++
		case quote != 0 && s[k] == quote:
			quote = 0
		case quote == 0 && (s[k] == '\'' || s[k] == '"' || s[k] == '`'):
			quote = s[k]
		case quote == 0 && s[k] == '\\' && k+1 < n && s[k+1] == '\\' && name != "!" && name != "copy":
			return k + 2, name, s[j:k]
		}
		k++
	}
	return min(k, n), name, s[j:min(k, n)]
}

// psqlSends are the meta-commands that send the query buffer, as ; does.
var psqlSends = setOf("g", "gx", "gset", "gdesc", "crosstabview", "watch", "gexec", ";")

// psqlReadMeta are meta-commands that only describe, print or set how
// results are shown.
var psqlReadMeta = map[string]string{
	"l": "lists databases", "l+": "lists databases", "list": "lists databases", "list+": "lists databases",
	"z": "lists privileges", "z+": "lists privileges", "sf": "shows a function", "sf+": "shows a function",
	"sv": "shows a view", "sv+": "shows a view", "lo_list": "lists large objects",
	"conninfo": "shows the connection", "encoding": "shows the encoding", "errverbose": "shows the last error",
	"copyright": "prints a notice", "?": "prints help", "h": "prints help", "help": "prints help",
	"x": "sets expanded output", "a": "sets aligned output", "C": "sets a title", "f": "sets a separator",
	"H": "sets HTML output", "t": "sets tuples-only output", "T": "sets table attributes",
	"timing": "times statements", "echo": "prints text", "qecho": "prints text", "warn": "prints text",
	"q": "quits", "quit": "quits", "p": "prints the query buffer", "print": "prints the query buffer",
	"r": "clears the query buffer", "reset": "clears the query buffer", "if": "starts a conditional block",
	"elif": "continues a conditional block", "else": "continues a conditional block",
	"endif": "ends a conditional block", "g": "sends the query", "gx": "sends the query",
	"gset": "stores a result in variables", "gdesc": "describes a result", "crosstabview": "pivots a result",
	"bind": "binds parameters", "o": "sends output to standard output", "out": "sends output to standard output",
	";": "sends the query", "startpipeline": "starts a pipeline", "endpipeline": "ends a pipeline",
	"syncpipeline": "syncs a pipeline", "flushrequest": "flushes a pipeline", "flush": "flushes a pipeline",
	"getresults": "reads pipeline results", "sendpipeline": "sends the query in a pipeline",
}

// psqlMeta classifies one meta-command line.
func psqlMeta(name, args string) sqlVerdict {
	who := `\` + name
	args = strings.TrimSpace(args)
	if strings.ContainsRune(args, '`') {
		return sqlUnk(who + " `…`: psql runs backquoted text as a shell command")
	}
	if psqlInterpolates(args) && name != "copy" {
		return sqlUnk(who + ": a :variable in its arguments is only known at run time")
	}
	switch name {
	case "g", "gx", "o", "out":
		if args == "" {
			return sqlRO(who + ": " + psqlReadMeta[name])
		}
		if strings.HasPrefix(args, "|") {
			return sqlUnk(who + " |: pipes output to a shell command")
		}
		if strings.HasPrefix(args, "(") {
			return sqlUnk(who + " (…): printing options not read here")
		}
		if safeSink(strings.Trim(args, `'"`)) {
			return sqlRO(who + ": writes to " + args)
		}
		return sqlMut(who + ": writes " + args)
	case "w", "write", "s":
		if strings.HasPrefix(args, "|") {
			return sqlUnk(who + " |: pipes text to a shell command")
		}
		return sqlMut(who + ": writes a file")
	case "pset":
		if why := psqlPset(args); why != "" {
			return sqlUnk(who + ": " + why)
		}
		return sqlRO(who + ": sets how results are printed")
	case "set", "unset":
		v, _, _ := strings.Cut(args, " ")
		if psqlSpecialVar(v) && !psqlSafeVars[v] {
			return sqlUnk(who + " " + v + ": changes how psql runs")
		}
		return sqlRO(who + ": sets a psql variable")
	case "copy":
		return psqlCopy(args)
	case "lo_import", "lo_export", "lo_unlink":
		return sqlMut(who + ": changes large objects or files")
	case "password":
		return sqlMut(who + ": changes a password")
	case "i", "include", "ir", "include_relative":
		return sqlUnk(who + ": runs SQL from a file")
	case "!", "e", "edit", "ef", "ev":
		return sqlUnk(who + ": runs a shell command or an editor")
	case "gexec":
		return sqlUnk(who + ": runs query results as SQL")
	}
	if why, ok := psqlReadMeta[name]; ok {
		return sqlRO(who + ": " + why)
	}
	if psqlDescribe(name) {
		return sqlRO(who + ": describes objects")
	}
	return sqlUnk(who + ": psql command not recognised as read-only")
}

// psqlDescribe reports the \d family (\d, \dt+, \dconfig, \dS …).
func psqlDescribe(name string) bool {
	if !strings.HasPrefix(name, "d") {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '+') {
			return false
		}
	}
	return true
}

// psqlInterpolates reports a :variable in meta-command arguments outside
// single quotes.
func psqlInterpolates(args string) bool {
	inQuote := false
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == '\'' && !inQuote:
			inQuote = true
		case args[i] == '\\' && inQuote:
			i++
		case args[i] == '\'' && inQuote:
			inQuote = false
		case args[i] == ':' && !inQuote && i+1 < len(args) &&
			(isSQLIdent(args[i+1]) || strings.IndexByte(`'"{`, args[i+1]) >= 0):
			return true
		}
	}
	return false
}

// psqlCopy classifies \copy, which psql turns into COPY … FROM STDIN or TO
// STDOUT and reads or writes a client-side file itself.
func psqlCopy(args string) sqlVerdict {
	if psqlInterpolates(args) {
		return sqlUnk(`\copy: a :variable in its arguments is only known at run time`)
	}
	stmts, err := pgStatements("COPY " + args)
	if err != nil || len(stmts) != 1 || stmts[0].node.typ != "CopyStmt" {
		return sqlUnk(`\copy: not understood`)
	}
	return sqlCopy(stmts[0].node, `\copy`, "on this machine")
}

// sqlQuoted returns the index just past the quoted text starting at i,
// where a doubled quote stands for itself and, in E-strings, a
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

// sqlComment returns the index just past the nested /* */ comment at i.
func sqlComment(s string, i int) (int, bool) {
	depth := 0
	for ; i+1 < len(s); i++ {
		switch {
		case s[i] == '/' && s[i+1] == '*':
			depth++
			i++
		case s[i] == '*' && s[i+1] == '/':
			depth--
			i++
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}

// sqlDollarQuote reads a $tag$ … $tag$ string at s[i]. isQuote is false
// when the $ does not open one ($1, a$b).
func sqlDollarQuote(s string, i int) (end int, ok, isQuote bool) {
	j := i + 1
	if j < len(s) && s[j] >= '0' && s[j] <= '9' {
		return 0, false, false
	}
	for j < len(s) && s[j] != '$' && isSQLIdent(s[j]) {
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return 0, false, false
	}
	tag := s[i : j+1]
	k := strings.Index(s[j+1:], tag)
	if k < 0 {
		return 0, false, true
	}
	return j + 1 + k + len(tag), true, true
}

func isSQLIdentStart(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

func isSQLIdent(b byte) bool { return isSQLIdentStart(b) || b >= '0' && b <= '9' || b == '$' }
