//go:build !cgo

package shell

import "errors"

// pgParseJSON fails in a build without cgo, which has no PostgreSQL
// parser: every SQL statement is then unknown, never read-only by
// guesswork.
func pgParseJSON(string) (string, error) {
	return "", errors.New("this quench was built without cgo, so without PostgreSQL's parser")
}
