// Package runbooks carries the reference runbook pack in the binary, so
// `quench serve` runs without a runbook directory and `quench init` can
// write the pack out for a new installation to edit.
package runbooks

import (
	"embed"
	"io/fs"
)

// files is every file of the pack: the runbooks, pack.yaml and README.md.
//
//go:embed *.md pack.yaml
var files embed.FS

// FS returns the reference pack, its files at the root.
func FS() fs.FS { return files }

// Name is how the embedded pack is named in paths and messages.
const Name = "embedded:runbooks"
