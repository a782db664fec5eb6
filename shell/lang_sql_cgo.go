//go:build cgo

package shell

import "github.com/pganalyze/pg_query_go/v6/parser"

// pgParseJSON parses SQL with PostgreSQL's own parser (libpg_query, linked
// in through cgo) and returns its parse tree as JSON.
func pgParseJSON(sql string) (string, error) { return parser.ParseToJSON(sql) }
