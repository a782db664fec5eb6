//go:build cgo

package shell

import pg "github.com/pganalyze/pg_query_go/v6"

// pgParse parses SQL with PostgreSQL's own parser (libpg_query, linked in
// through cgo).
func pgParse(sql string) (*pg.ParseResult, error) { return pg.Parse(sql) }
