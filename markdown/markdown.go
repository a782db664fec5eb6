// Package markdown reads quench's runbook pack: Markdown runbooks with YAML
// front matter, and the pack's shared data in pack.yaml. It wraps goldmark
// (the runbook body) and goccy/go-yaml (front matter and pack.yaml), checks
// everything `quench lint` promises, and generates the README's index.
//
// Positions are always lines of the file as a person sees it, so every
// problem can be printed as path:line and opened in an editor.
package markdown

import (
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with the pack, at a place in a file.
type Problem struct {
	Path    string `json:"path"`
	Line    int    `json:"line"` // 1-based; 0 when the problem is the whole file (it is missing)
	Message string `json:"message"`
	Rule    string `json:"rule"`
	// Warning marks a step that works but can make an outage worse or give
	// a wrong answer (no pipefail, no timeout …): `quench lint` reports it,
	// and the server still loads the pack. Errors stop the server.
	Warning bool `json:"warning,omitempty"`
	// Fix says how to fix a warning.
	Fix string `json:"fix,omitempty"`
}

// String formats the problem the way compilers do, so editors can jump to it.
func (p Problem) String() string {
	msg := p.Message
	if p.Warning {
		msg = "warning: " + msg
	}
	if p.Fix != "" {
		msg += " (fix: " + p.Fix + ")"
	}
	if p.Line <= 0 {
		return fmt.Sprintf("%s: %s", p.Path, msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, msg)
}

// Rules name the checks, so tools reading `quench lint --format json` can
// filter or count them.
const (
	RuleFile        = "file"         // the file cannot be read or is too large
	RuleFrontMatter = "front-matter" // missing, unparsable or incomplete front matter
	RuleID          = "id"           // id malformed or not the file name
	RuleDuplicateID = "duplicate-id" // two runbooks with one id
	RuleSeverity    = "severity"     // not critical, high, medium or low
	RuleCategory    = "category"     // not a category of pack.yaml
	RuleMatch       = "match"        // a match expression does not compile
	RuleEscalation  = "escalation"   // a role pack.yaml does not define
	RuleSections    = "sections"     // the six sections missing, extra, misplaced
	RuleStep        = "step"         // bad attributes, names, placement of a step
	RuleReadOnly    = "read-only"    // a diagnosis or first step that can change things
	RuleConfirm     = "confirm"      // a changing remediation step without "confirm": true
	RuleLink        = "link"         // a relative link to a file that does not exist
	RuleIndex       = "index"        // README.md's index missing or stale
	RulePack        = "pack"         // pack.yaml missing or invalid
)

// SortProblems orders problems by path, then line; problems on one line keep
// the order they were found in, which follows the file.
func SortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
}

// problems collects problems for one file.
type problems struct {
	path string
	list []Problem
}

func (ps *problems) add(line int, rule, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: ps.path, Line: line, Rule: rule, Message: fmt.Sprintf(format, args...)})
}
