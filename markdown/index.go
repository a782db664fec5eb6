package markdown

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/quench-sh/quench"
)

// The marker comments around the generated index in README.md. Everything
// outside them is the author's and is kept byte for byte.
const (
	IndexBegin = "<!-- quench:index:begin -->"
	IndexEnd   = "<!-- quench:index:end -->"
)

// indexRules are the rules whose problems make a generated index wrong
// (a row without title, a runbook in no category …).
var indexRules = []string{RuleFile, RuleFrontMatter, RuleID, RuleDuplicateID, RuleSeverity, RuleCategory, RulePack}

// IndexProblems returns the problems that keep the index from being
// generated correctly; `quench index` refuses to write while there are any.
func IndexProblems(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if slices.Contains(indexRules, p.Rule) {
			out = append(out, p)
		}
	}
	return out
}

// Index returns the runbook index in the source document's format: per
// category, in pack order, a level-3 heading and a table of its runbooks
// ordered by their `order` field, then id. Categories without runbooks are
// left out.
func Index(p *Pack) string {
	var blocks []string
	for _, cat := range p.Categories {
		var rbs []*quench.Runbook
		for _, rb := range p.Runbooks {
			if rb.Category == cat {
				rbs = append(rbs, rb)
			}
		}
		if len(rbs) == 0 {
			continue
		}
		slices.SortStableFunc(rbs, func(a, b *quench.Runbook) int {
			return cmp.Or(cmp.Compare(a.Order, b.Order), strings.Compare(a.ID, b.ID))
		})
		var sb strings.Builder
		fmt.Fprintf(&sb, "### %s\n\n", cat)
		sb.WriteString("| Runbook | Alert Signal | Severity |\n")
		sb.WriteString("|---------|-------------|----------|\n")
		for _, rb := range rbs {
			fmt.Fprintf(&sb, "| [%s](./%s) | %s | **%s** |\n",
				escapeCell(escapeLinkText(rb.Title)), filepath.Base(rb.Path), escapeCell(rb.Signal), rb.Severity.Title())
		}
		blocks = append(blocks, sb.String())
	}
	if len(blocks) == 0 {
		return "_No runbooks yet._\n"
	}
	return strings.Join(blocks, "\n")
}

// escapeCell keeps a value inside one table cell: one line, and every pipe
// that is not already escaped escaped.
func escapeCell(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\r", "")), " ")
	var sb strings.Builder
	for i := range len(s) {
		if s[i] == '|' && (i == 0 || s[i-1] != '\\') {
			sb.WriteByte('\\')
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

func escapeLinkText(s string) string {
	// Not a strings.Replacer: building one allocates a 256-entry table,
	// for every title of the index.
	if !strings.ContainsAny(s, "[]") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '[' || s[i] == ']' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ReplaceIndex returns readme with the text between the index markers
// replaced by index, separated from the markers by blank lines.
func ReplaceIndex(readme []byte, index string) ([]byte, error) {
	b, e := bytes.Index(readme, []byte(IndexBegin)), bytes.Index(readme, []byte(IndexEnd))
	switch {
	case b < 0 || e < 0:
		return nil, quench.Errorf(quench.EINVALID, "no index markers: add a line %s and a line %s where the runbook index belongs, then run quench index", IndexBegin, IndexEnd)
	case bytes.Count(readme, []byte(IndexBegin)) > 1 || bytes.Count(readme, []byte(IndexEnd)) > 1:
		return nil, quench.Errorf(quench.EINVALID, "more than one index marker: keep one %s and one %s", IndexBegin, IndexEnd)
	case e < b:
		return nil, quench.Errorf(quench.EINVALID, "%s comes before %s", IndexEnd, IndexBegin)
	}
	var out bytes.Buffer
	out.Grow(len(readme) + len(index))
	out.Write(readme[:b+len(IndexBegin)])
	out.WriteString("\n\n")
	out.WriteString(index)
	out.WriteString("\n")
	out.Write(readme[e:])
	return out.Bytes(), nil
}

// Diff returns a unified diff from the current to the generated README, as
// `quench index --check` prints it.
func Diff(path string, current, generated []byte) string {
	d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        diffLines(current),
		B:        diffLines(generated),
		FromFile: path,
		FromDate: "current",
		ToFile:   path,
		ToDate:   "generated",
		Context:  3,
	})
	return d
}

// diffLines splits text into lines that each end in a newline, which is
// what difflib expects (its own SplitLines adds a phantom last line).
func diffLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		return lines[:len(lines)-1]
	}
	lines[len(lines)-1] += "\n"
	return lines
}

// checkReadme checks README.md's links and whether its index is current.
// The index is compared only when the runbooks allow generating it; the
// problems that prevent it are reported on the runbooks themselves.
func checkReadme(p *Pack, ps []Problem) []Problem {
	path := p.src.path(ReadmeFile)
	out := problems{path: path}
	src, err := p.src.read(ReadmeFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			out.add(0, RuleIndex, "does not exist: it holds the runbook index; create it with a line %s and a line %s, then run quench index", IndexBegin, IndexEnd)
		} else {
			out.add(0, RuleFile, "%v", err)
		}
		return out.list
	}
	out.list = append(out.list, checkLinks(p.src, path, readmeLinks(src))...)
	lines := newLineIndex(src)
	want, err := ReplaceIndex(src, Index(p))
	switch {
	case err != nil:
		out.add(1, RuleIndex, "%s", quench.ErrorMessage(err))
	case len(IndexProblems(ps)) > 0:
	case !bytes.Equal(src, want):
		out.add(lines.line(bytes.Index(src, []byte(IndexBegin))), RuleIndex, "the runbook index is stale: run quench index %s", p.Dir)
	}
	return out.list
}

// readmeLinks returns the links and images of a Markdown file.
func readmeLinks(src []byte) []link {
	lines := newLineIndex(src)
	var links []link
	doc := newMarkdownParser().Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			links = append(links, link{string(n.Destination), lines.line(n.Pos())})
		case *ast.Image:
			links = append(links, link{string(n.Destination), lines.line(n.Pos())})
		}
		return ast.WalkContinue, nil
	})
	return links
}
