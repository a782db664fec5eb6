package markdown

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/internal/gfmtable"
	"github.com/quench-sh/quench/route"
	"github.com/quench-sh/quench/shell"
)

// MaxFileSize bounds what is read of one runbook or pack file: a runbook is
// a page or two, and the cap keeps a stray binary from costing seconds.
const MaxFileSize = 1 << 20

// stepSections are the sections whose steps quench runs; steps anywhere else
// would be shown but never run, so lint rejects them.
var stepSections = []string{quench.SectionDiagnosis, quench.SectionRemediation, quench.SectionRollback}

// parsed is a runbook plus what the pack-level checks need to know about
// where things were written.
type parsed struct {
	rb       *quench.Runbook
	problems problems
	fm       *yamlDoc // nil when the front matter could not be read
	links    []link
	opts     shell.Options // how its steps are classified
	// hazards are the warnings about its steps (stepHazards), found
	// while the steps are classified, from the same parse of each script.
	hazards []Problem
}

// link is one relative-or-not Markdown link or image destination.
type link struct {
	dest string
	line int
}

// newMarkdownParser returns goldmark's CommonMark parser with GFM tables,
// so links inside table cells get their own positions.
func newMarkdownParser() parser.Parser {
	return goldmark.New(goldmark.WithExtensions(gfmtable.Table)).Parser()
}

// ParseRunbook parses one runbook file. path is used for messages and for
// the id check (the id must equal the file name without .md); src is the
// file's content. The runbook is returned even when there are problems, as
// complete as the problems allow. Checks that need the rest of the pack
// (roles, categories, duplicate ids, links, index) are done by Lint and
// LoadPack.
func ParseRunbook(path string, src []byte) (*quench.Runbook, []Problem) {
	p := parseRunbook(newMarkdownParser(), shell.Options{}, path, src)
	return p.rb, p.problems.list
}

// parseRunbook parses a runbook, classifying its steps with opts (the
// pack's variables as the operator's).
func parseRunbook(mdp parser.Parser, opts shell.Options, path string, src []byte) *parsed {
	p := &parsed{rb: &quench.Runbook{Path: path}, problems: problems{path: path}, opts: opts}
	if len(src) > MaxFileSize {
		p.problems.add(1, RuleFile, "file is larger than %d bytes", MaxFileSize)
		return p
	}
	fm, bodyOff, ok, unclosed := splitFrontMatter(src)
	switch {
	case unclosed:
		p.problems.add(1, RuleFrontMatter, "front matter is not closed: end it with a line ---")
		return p
	case !ok:
		p.problems.add(1, RuleFrontMatter, "missing front matter: start the file with a --- block holding id, title, category, severity, signal, match and escalation")
	default:
		p.frontMatter(fm)
	}
	b := &bodyParser{p: p, src: src, lines: newLineIndex(src), off: bodyOff}
	b.parse(mdp)
	return p
}

// frontMatter decodes and checks the runbook's own fields.
func (p *parsed) frontMatter(src []byte) {
	var fm frontMatter
	doc, line, err := decodeYAML(src, 2, &fm)
	if err != nil {
		p.problems.add(line, RuleFrontMatter, "front matter: %s", err)
		return
	}
	p.fm = doc
	rb, ps := p.rb, &p.problems
	rb.ID, rb.Title, rb.Category, rb.Signal = fm.ID, fm.Title, fm.Category, fm.Signal
	rb.Severity, rb.Escalation, rb.Order = quench.Severity(fm.Severity), fm.Escalation, fm.Order

	for _, f := range []struct{ key, value string }{
		{"id", fm.ID}, {"title", fm.Title}, {"category", fm.Category},
		{"severity", fm.Severity}, {"signal", fm.Signal},
	} {
		if strings.TrimSpace(f.value) == "" {
			ps.add(doc.line(f.key, 1), RuleFrontMatter, "front matter: missing %q", f.key)
		}
	}
	if len(fm.Match) == 0 {
		ps.add(doc.line("match", 1), RuleFrontMatter, "front matter: missing %q: list the expressions of the alerts this runbook answers", "match")
	}
	if len(fm.Escalation) == 0 {
		ps.add(doc.line("escalation", 1), RuleFrontMatter, "front matter: missing %q: list the role ids to page, first contacted first", "escalation")
	}

	if fm.ID != "" {
		base := strings.TrimSuffix(filepath.Base(p.rb.Path), ".md")
		switch {
		case !validName(fm.ID):
			ps.add(doc.line("id", 1), RuleID, "id %q must be lowercase letters, digits and dashes", fm.ID)
		case fm.ID != base:
			ps.add(doc.line("id", 1), RuleID, "id %q does not match the file name %q", fm.ID, filepath.Base(p.rb.Path))
		}
	}
	if fm.Severity != "" && !rb.Severity.Valid() {
		ps.add(doc.line("severity", 1), RuleSeverity, "severity %q is not one of critical, high, medium, low", fm.Severity)
	}
	for i, e := range fm.Match {
		line := doc.entry("match", i, 1)
		rb.Match = append(rb.Match, quench.Matcher{Expr: e, Line: line})
		if _, err := route.Compile(e); err != nil {
			ps.add(line, RuleMatch, "%s", err)
		}
	}
	for i, r := range fm.Escalation {
		if slices.Index(fm.Escalation, r) < i {
			ps.add(doc.entry("escalation", i, 1), RuleEscalation, "role %q is listed twice", r)
		}
	}
}

// validName reports whether s is a usable id or step name: it appears in
// file names, URLs and command lines, so lowercase letters, digits, dashes.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// bodyParser walks the goldmark AST of a runbook's body.
type bodyParser struct {
	p     *parsed
	src   []byte    // the whole file
	lines lineIndex // of the whole file
	off   int       // offset of the body in src
	body  []byte

	heads   []heading
	section string         // title of the level-2 section being read
	counts  map[string]int // steps per section, for default names
	names   map[string]int // step name -> line, for duplicates
}

type heading struct {
	level   int
	title   string
	line    int // line of the heading text
	endLine int // last line of the heading (the underline of a setext heading)
}

// line returns the file line of a body offset.
func (b *bodyParser) line(pos int) int { return b.lines.line(b.off + max(pos, 0)) }

func (b *bodyParser) parse(mdp parser.Parser) {
	b.body = b.src[b.off:]
	b.counts, b.names = map[string]int{}, map[string]int{}
	doc := mdp.Parse(text.NewReader(b.body))
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok {
			b.heading(h)
			continue
		}
		_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch n := n.(type) {
			case *ast.FencedCodeBlock:
				b.codeBlock(n)
			case *ast.Link:
				b.p.links = append(b.p.links, link{string(n.Destination), b.line(n.Pos())})
			case *ast.Image:
				b.p.links = append(b.p.links, link{string(n.Destination), b.line(n.Pos())})
			}
			return ast.WalkContinue, nil
		})
	}
	b.sections()
	b.classify()
}

func (b *bodyParser) heading(h *ast.Heading) {
	hd := heading{level: h.Level, title: plainText(h, b.body, false), line: b.line(h.Pos())}
	hd.endLine = hd.line
	i := max(h.Pos(), 0)
	for i < len(b.body) && (b.body[i] == ' ' || b.body[i] == '\t') {
		i++
	}
	if i < len(b.body) && b.body[i] != '#' {
		// A setext heading: its text may span lines and an underline follows.
		if segs := h.Lines(); segs.Len() > 0 {
			hd.endLine = b.line(segs.At(segs.Len() - 1).Start)
		}
		hd.endLine++
	}
	// A level-1 heading after the title ends the section too (and is
	// reported), so its steps are not counted in the section before.
	if h.Level == 2 || h.Level == 1 && len(b.heads) > 0 {
		b.section = hd.title
	}
	b.heads = append(b.heads, hd)
	for c := h.FirstChild(); c != nil; c = c.NextSibling() {
		_ = ast.Walk(c, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if l, ok := n.(*ast.Link); ok && entering {
				b.p.links = append(b.p.links, link{string(l.Destination), b.line(l.Pos())})
			}
			return ast.WalkContinue, nil
		})
	}
}

// sections checks the six level-2 sections and records every level-2
// section's text.
func (b *bodyParser) sections() {
	ps := &b.p.problems
	seen := map[string]int{}       // standard title -> line of its first heading
	misplaced := map[string]bool{} // written, but at the wrong level or case
	var order []heading            // first heading of each standard section, in file order
	for i, h := range b.heads {
		idx := slices.Index(quench.SectionTitles, h.title)
		switch {
		case h.level == 1 && i > 0:
			ps.add(h.line, RuleSections, "level-1 heading %q: only the title, the first heading, may be level 1", h.title)
			if idx >= 0 {
				misplaced[h.title] = true
			}
		case h.level > 2 && idx >= 0:
			ps.add(h.line, RuleSections, "section %q must be a level-2 heading, not level %d", h.title, h.level)
			misplaced[h.title] = true
		case h.level != 2:
		case idx < 0:
			if std := standardTitleFold(h.title); std != "" {
				ps.add(h.line, RuleSections, "section %q must be written %q", h.title, std)
				misplaced[std] = true
			} else {
				ps.add(h.line, RuleSections, "unknown section %q: the sections are %s", h.title, strings.Join(quench.SectionTitles, ", "))
			}
		case seen[h.title] > 0:
			ps.add(h.line, RuleSections, "duplicate section %q (first at line %d)", h.title, seen[h.title])
		default:
			seen[h.title] = h.line
			order = append(order, h)
		}
		if h.level == 2 {
			b.p.rb.Sections = append(b.p.rb.Sections, quench.Section{
				Title: h.title, Line: h.line, Level: 2, Markdown: b.sectionText(i),
			})
		}
	}
	b.sectionOrder(order, seen)

	lastLine := b.lines.count(len(b.src))
	for i, t := range quench.SectionTitles {
		if seen[t] > 0 || misplaced[t] {
			continue
		}
		line := lastLine
		for _, later := range quench.SectionTitles[i+1:] {
			if l := seen[later]; l > 0 {
				line = l
				break
			}
		}
		ps.add(line, RuleSections, "missing section %q", "## "+t)
	}
}

// sectionOrder reports the sections that are out of order. The sections
// that stay are the longest run already in order, so moving one section
// gives one problem, on the section that moved.
func (b *bodyParser) sectionOrder(order []heading, seen map[string]int) {
	rank := func(h heading) int { return slices.Index(quench.SectionTitles, h.title) }
	n := len(order)
	best, prev := make([]int, n), make([]int, n)
	end := -1
	for i := range n {
		best[i], prev[i] = 1, -1
		for j := range i {
			if rank(order[j]) < rank(order[i]) && best[j]+1 > best[i] {
				best[i], prev[i] = best[j]+1, j
			}
		}
		if end < 0 || best[i] > best[end] {
			end = i
		}
	}
	inOrder := make([]bool, n)
	for i := end; i >= 0; i = prev[i] {
		inOrder[i] = true
	}
	for i, h := range order {
		if inOrder[i] {
			continue
		}
		after := ""
		for _, t := range quench.SectionTitles[:rank(h)] {
			if seen[t] > 0 {
				after = t
			}
		}
		if after == "" {
			b.p.problems.add(h.line, RuleSections, "section %q is out of order: it must be the first section", h.title)
		} else {
			b.p.problems.add(h.line, RuleSections, "section %q is out of order: it must come after %q", h.title, after)
		}
	}
}

// standardTitleFold returns the standard section title s spells in another
// case, or "".
func standardTitleFold(s string) string {
	for _, t := range quench.SectionTitles {
		if strings.EqualFold(strings.TrimSpace(s), t) {
			return t
		}
	}
	return ""
}

// sectionText returns the source between heading i and the next level-1 or
// level-2 heading, without surrounding blank lines.
func (b *bodyParser) sectionText(i int) string {
	start := b.lineStart(b.heads[i].endLine + 1)
	end := len(b.src)
	for _, h := range b.heads[i+1:] {
		if h.level <= 2 {
			end = b.lineStart(h.line)
			break
		}
	}
	if start >= end {
		return ""
	}
	return strings.Trim(string(b.src[start:end]), "\r\n")
}

// lineStart returns the offset of a 1-based line in the file, or its size.
func (b *bodyParser) lineStart(line int) int {
	if line-1 < len(b.lines) {
		return b.lines[line-1]
	}
	return len(b.src)
}

// plainText returns the text of an inline tree without markup; with
// firstLine it stops at the first line break.
func plainText(n ast.Node, src []byte, firstLine bool) string {
	var sb strings.Builder
	stop := false
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil && !stop; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				sb.Write(c.Segment.Value(src))
				if c.SoftLineBreak() || c.HardLineBreak() {
					if firstLine {
						stop = true
					} else {
						sb.WriteByte(' ')
					}
				}
			case *ast.String:
				sb.Write(c.Value)
			case *ast.AutoLink:
				sb.Write(c.Label(src))
			case *ast.RawHTML:
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return strings.TrimSpace(sb.String())
}
