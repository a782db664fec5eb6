package markdown

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yuin/goldmark/ast"

	"github.com/quench-sh/quench"
)

// stepLangs are the fence languages that make a code block a step.
var stepLangs = []string{"sh", "bash", "shell"}

// sectionSlugs give default step names ("diagnosis-2") for the sections
// whose steps run; other sections fall back to a slug of their title.
var sectionSlugs = map[string]string{
	quench.SectionDiagnosis:   "diagnosis",
	quench.SectionRemediation: "remediation",
	quench.SectionRollback:    "rollback",
}

// stepAttrs are the attributes a step's fence may carry as a JSON object.
type stepAttrs struct {
	Confirm     bool
	Destructive bool // implies Confirm
	Timeout     time.Duration
	Target      string
	Name        string
}

// splitInfo splits a fence's info string into the language and the rest,
// which for a step holds its attributes. `sh{"confirm":true}` is accepted
// as well as the spaced form.
func splitInfo(info string) (lang, rest string) {
	info = strings.TrimSpace(info)
	i := strings.IndexAny(info, " \t{")
	if i < 0 {
		return info, ""
	}
	return info[:i], strings.TrimSpace(info[i:])
}

// parseAttrs decodes a step's attribute object. Every key is checked, so a
// misspelt "confrim" is an error instead of a silently unconfirmed step.
func parseAttrs(s string) (stepAttrs, []string) {
	var a stepAttrs
	if s == "" {
		return a, nil
	}
	if !strings.HasPrefix(s, "{") {
		return a, []string{fmt.Sprintf("unexpected %q after the language: step attributes are a JSON object such as {\"confirm\": true}", s)}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return a, []string{fmt.Sprintf("step attributes are not a JSON object: %v", err)}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var errs []string
	for _, k := range keys {
		v := raw[k]
		switch k {
		case "confirm":
			if json.Unmarshal(v, &a.Confirm) != nil {
				errs = append(errs, `step attribute "confirm" must be true or false`)
			}
		case "destructive":
			if json.Unmarshal(v, &a.Destructive) != nil {
				errs = append(errs, `step attribute "destructive" must be true or false`)
			}
		case "timeout":
			var d string
			if json.Unmarshal(v, &d) != nil {
				errs = append(errs, `step attribute "timeout" must be a duration string such as "30s"`)
				continue
			}
			t, err := time.ParseDuration(d)
			if err != nil || t <= 0 {
				errs = append(errs, fmt.Sprintf(`step attribute "timeout" %q must be a positive duration such as "30s"`, d))
				continue
			}
			a.Timeout = t
		case "target":
			if json.Unmarshal(v, &a.Target) != nil || strings.TrimSpace(a.Target) == "" {
				errs = append(errs, `step attribute "target" must be a non-empty string naming a configured target`)
			}
		case "name":
			if json.Unmarshal(v, &a.Name) != nil || !validName(a.Name) {
				errs = append(errs, fmt.Sprintf(`step attribute "name" %s must be a string of lowercase letters, digits and dashes`, string(v)))
				a.Name = ""
			}
		default:
			errs = append(errs, fmt.Sprintf("unknown step attribute %q (known: confirm, destructive, name, target, timeout)", k))
		}
	}
	if a.Destructive {
		// A step that can lose data always asks first, whatever
		// "confirm" says.
		a.Confirm = true
	}
	return a, errs
}

// codeBlock turns a fenced sh/bash/shell block into a step.
func (b *bodyParser) codeBlock(n *ast.FencedCodeBlock) {
	info := ""
	if n.Info != nil {
		info = string(n.Info.Segment.Value(b.body))
	}
	lang, rest := splitInfo(info)
	if !slices.Contains(stepLangs, lang) {
		return
	}
	ps := &b.p.problems
	line := b.line(n.Pos())
	attrs, errs := parseAttrs(rest)
	for _, e := range errs {
		ps.add(line, RuleStep, "%s", e)
	}

	var cmd strings.Builder
	segs := n.Lines()
	for i := range segs.Len() {
		s := segs.At(i)
		sb := s.Value(b.body)
		if s.Padding > 0 {
			cmd.WriteString(strings.Repeat(" ", s.Padding))
		}
		cmd.Write(sb)
	}

	b.counts[b.section]++
	name := attrs.Name
	if name == "" {
		slug, ok := sectionSlugs[b.section]
		if !ok {
			slug = slugify(b.section)
		}
		name = fmt.Sprintf("%s-%d", slug, b.counts[b.section])
	}
	if first, dup := b.names[name]; dup {
		ps.add(line, RuleStep, "duplicate step name %q (first at line %d)", name, first)
	} else {
		b.names[name] = line
	}

	switch {
	case b.section == "":
		ps.add(line, RuleStep, "steps are only allowed in %s; this one is before the first section", stepSectionList())
	case !slices.Contains(stepSections, b.section):
		ps.add(line, RuleStep, "steps are only allowed in %s; this one is in %q", stepSectionList(), b.section)
	}
	command := strings.TrimSuffix(cmd.String(), "\n")
	if strings.TrimSpace(command) == "" {
		ps.add(line, RuleStep, "step %q is empty", name)
	}

	rb := b.p.rb
	rb.Steps = append(rb.Steps, quench.Step{
		Name:        name,
		Section:     b.section,
		Index:       len(rb.Steps) + 1,
		Line:        line,
		Lang:        lang,
		Title:       stepTitle(n, b.body),
		Command:     command,
		Confirm:     attrs.Confirm,
		Destructive: attrs.Destructive,
		Target:      attrs.Target,
		Timeout:     attrs.Timeout,
	})
}

func stepSectionList() string {
	return fmt.Sprintf("%s, %s and %s", stepSections[0], stepSections[1], stepSections[2])
}

// slugify turns a section title into a step-name prefix: lowercase words
// joined by dashes, "step" when nothing is left.
func slugify(s string) string {
	var sb strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && sb.Len() > 0 {
				sb.WriteByte('-')
			}
			sb.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	if sb.Len() == 0 {
		return "step"
	}
	return sb.String()
}

// stepTitle returns the prose a step belongs to: the first paragraph of its
// list item, or else the paragraph or sub-heading right before it; first
// line, plain text, without a trailing colon.
func stepTitle(n ast.Node, src []byte) string {
	var t ast.Node
	if li, ok := n.Parent().(*ast.ListItem); ok {
		if f := li.FirstChild(); f != n && isProse(f) {
			t = f
		}
	} else if p := n.PreviousSibling(); p != nil && isProse(p) {
		if h, ok := p.(*ast.Heading); !ok || h.Level > 2 {
			t = p
		}
	}
	if t == nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimSuffix(plainText(t, src, true), ":"))
}

func isProse(n ast.Node) bool {
	switch n.(type) {
	case *ast.Paragraph, *ast.TextBlock, *ast.Heading:
		return true
	}
	return false
}
