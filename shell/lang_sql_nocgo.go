//go:build !cgo

package shell

import (
	"errors"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// pgParse fails in a build without cgo, which has no PostgreSQL parser:
// every SQL statement is then unknown, never read-only by guesswork.
func pgParse(string) (*pg.ParseResult, error) {
	return nil, errors.New("this quench was built without cgo, so without PostgreSQL's parser")
}
