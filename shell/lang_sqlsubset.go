package shell

import "strings"

// MySQL and SQLite have no parser served here, so their SQL is read as a
// small accepted subset: SELECT-like statements whose every word is
// ordinary and whose every function is on an allowlist, SHOW/EXPLAIN/
// PRAGMA from allowlists, and the session's own transaction. The
// tokenizer knows each dialect's quoting and comments; what it cannot
// settle (a backslash in a MySQL string, whose meaning depends on
// sql_mode; MySQL's executable /*! */ comments) is unknown.

// subsetDialect is what differs between the MySQL and SQLite readers.
type subsetDialect struct {
	name string
	// hashComment: # starts a comment (MySQL).
	hashComment bool
	// funcs are the functions that only compute or read.
	funcs map[string]bool
	// statement classifies one statement by its first word, or reports
	// that the common SELECT reading applies.
	statement func(d *subsetDialect, toks []subsetTok) (Class, string, bool)
}

// subsetTok is one token: kind 'w' word (upper-cased), 'q' quoted
// identifier, 's' string, 'n' number, 'p' punctuation, ';' statement end.
type subsetTok struct {
	kind byte
	text string
}

// subsetTokens splits SQL in a dialect into tokens.
func subsetTokens(s string, d *subsetDialect) ([]subsetTok, string) {
	var toks []subsetTok
	n := len(s)
	for i := 0; i < n; {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f':
			i++
		case ch == '-' && i+1 < n && s[i+1] == '-' || ch == '#' && d.hashComment:
			for i < n && s[i] != '\n' {
				i++
			}
		case ch == '/' && i+1 < n && s[i+1] == '*':
			if i+2 < n && (s[i+2] == '!' || s[i+2] == '+' || s[i+2] == 'M') {
				return nil, "/*! */: the server runs the text of this comment"
			}
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, "an unterminated comment"
			}
			i += 2 + end + 2
		case ch == '\'' || ch == '"' || ch == '`':
			end, ok := sqlQuoted(s, i, ch, false)
			if !ok {
				return nil, "an unterminated quote"
			}
			if d.hashComment && ch != '`' && strings.IndexByte(s[i:end], '\\') >= 0 {
				return nil, "a backslash in a string: what it escapes depends on the server's sql_mode"
			}
			kind := byte('s')
			if ch == '`' || ch == '"' && !d.hashComment {
				kind = 'q'
			}
			toks = append(toks, subsetTok{kind, s[i:end]})
			i = end
		case ch == '[' && !d.hashComment:
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, "an unterminated [identifier]"
			}
			toks = append(toks, subsetTok{'q', s[i : i+end+1]})
			i += end + 1
		case ch == ';':
			toks = append(toks, subsetTok{';', ";"})
			i++
		case ch == '\\' && d.hashComment && i+1 < n && (s[i+1] == 'G' || s[i+1] == 'g'):
			toks = append(toks, subsetTok{';', ";"})
			i += 2
		case ch == '\\':
			return nil, `\` + string(s[min(i+1, n-1)]) + ": a client command"
		case isSQLIdentStart(ch) || ch == '@':
			j := i + 1
			for j < n && (isSQLIdent(s[j]) || s[j] == '@' || s[j] == '.' && j+1 < n && isSQLIdentStart(s[j+1]) && s[i] == '@') {
				j++
			}
			toks = append(toks, subsetTok{'w', strings.ToUpper(s[i:j])})
			i = j
		case ch >= '0' && ch <= '9':
			j := i + 1
			for j < n && (isSQLIdent(s[j]) || s[j] == '.') {
				j++
			}
			toks = append(toks, subsetTok{'n', s[i:j]})
			i = j
		case ch == ':' && i+1 < n && s[i+1] == '=':
			return nil, ":=: assigns a variable"
		default:
			toks = append(toks, subsetTok{'p', s[i : i+1]})
			i++
		}
	}
	return toks, ""
}

// subsetScript classifies the statements of a script in a dialect.
func subsetScript(s string, d *subsetDialect) (Class, string) {
	toks, bad := subsetTokens(s, d)
	if bad != "" {
		return Unknown, "SQL not read: " + bad
	}
	class, why := ReadOnly, ""
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && toks[i].kind != ';' {
			continue
		}
		if stmt := toks[start:i]; len(stmt) > 0 {
			c, w := subsetStatement(stmt, d)
			if why == "" || c != class && class.Worse(c) == c {
				class, why = c, w
			}
		}
		start = i + 1
	}
	if why == "" {
		return ReadOnly, "no statement: runs nothing"
	}
	return class, why
}

func subsetStatement(toks []subsetTok, d *subsetDialect) (Class, string) {
	if c, why, done := d.statement(d, toks); done {
		return c, why
	}
	first := toks[0].text
	switch first {
	case "SELECT", "WITH", "VALUES", "(":
		return subsetQuery(toks, d, first)
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "TRUNCATE", "UPSERT":
		return Mutating, first + ": modifies data"
	case "CREATE", "DROP", "ALTER", "RENAME":
		return Mutating, first + ": changes the schema"
	case "GRANT", "REVOKE":
		return Mutating, first + ": changes privileges"
	case "VACUUM", "REINDEX", "ANALYZE", "OPTIMIZE", "REPAIR", "FLUSH", "KILL", "RESET", "PURGE", "LOCK", "UNLOCK":
		return Mutating, first + ": changes the server or its data"
	}
	return Unknown, first + ": statement not recognised as read-only"
}

// subsetWrites are words that make a query write, lock or run code.
var subsetWrites = map[string]string{
	"INSERT": "modifies data", "UPDATE": "modifies data", "DELETE": "modifies data", "REPLACE": "modifies data",
	"INTO": "writes the result to a table, a file or variables", "LOCK": "locks rows",
	"CREATE": "changes the schema", "DROP": "changes the schema", "ALTER": "changes the schema",
	"OUTFILE": "writes a file", "DUMPFILE": "writes a file", "CALL": "runs a procedure",
	"HANDLER": "opens a handler", "LOAD": "loads data", "SET": "sets variables", "DO": "runs expressions",
	"EXECUTE": "runs a prepared statement", "PREPARE": "prepares a statement", "ATTACH": "attaches a database",
	"DETACH": "detaches a database", "PRAGMA": "changes settings", "TRUNCATE": "modifies data",
}

// subsetNotFunc are keywords and type names that may precede "(".
var subsetNotFunc = setOf("IN", "EXISTS", "VALUES", "AS", "ON", "USING", "FROM", "JOIN", "AND", "OR", "NOT",
	"WHERE", "SELECT", "OVER", "ALL", "ANY", "SOME", "BY", "WHEN", "THEN", "ELSE", "CASE", "IS", "LIKE",
	"BETWEEN", "INTERVAL", "DISTINCT", "WITH", "RECURSIVE", "UNION", "INTERSECT", "EXCEPT", "HAVING", "LIMIT",
	"OFFSET", "PARTITION", "WINDOW", "FILTER", "ROWS", "RANGE", "CHAR", "VARCHAR", "DECIMAL", "NUMERIC",
	"SIGNED", "UNSIGNED", "BINARY", "DATE", "DATETIME", "TIME", "TIMESTAMP", "INT", "INTEGER", "TEXT", "REAL",
	"BLOB", "FLOAT", "DOUBLE", "JSON", "NCHAR", "ROW", "GROUP", "ORDER", "ESCAPE", "LATERAL", "SEPARATOR",
	"MATERIALIZED", "QUERY", "PLAN", "ANALYZE", "EXPLAIN", "FORMAT", "TABLE", "GLOB", "REGEXP", "RLIKE",
	"MATCH", "AGAINST", "COLLATE")

// subsetQuery reads a SELECT-like statement: every word ordinary, every
// function known.
func subsetQuery(toks []subsetTok, d *subsetDialect, kw string) (Class, string) {
	for i, t := range toks {
		next := subsetTok{}
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		if t.kind == 'w' {
			if t.text == "FOR" && (next.text == "UPDATE" || next.text == "SHARE") {
				return Mutating, kw + " … FOR " + next.text + ": locks rows"
			}
			if why, ok := subsetWrites[t.text]; ok {
				return Mutating, t.text + ": " + why
			}
			if t.text == "FOR" {
				return Unknown, kw + " … FOR: not read here"
			}
		}
		if next.kind != 'p' || next.text != "(" || t.kind != 'w' && t.kind != 'q' {
			continue
		}
		if t.kind == 'q' {
			return Unknown, t.text + "(): a quoted function name may name anything"
		}
		if subsetNotFunc[t.text] {
			continue
		}
		name := strings.ToLower(t.text)
		if i > 0 && toks[i-1].text == "." || strings.Contains(name, ".") {
			return Unknown, name + "(): a stored function may change data"
		}
		if !d.funcs[name] {
			return Unknown, name + "(): not known to be free of side effects"
		}
	}
	return ReadOnly, kw + ": reads data"
}
