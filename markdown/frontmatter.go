package markdown

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/goccy/go-yaml"
	yamlast "github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// frontMatter is the YAML block at the top of a runbook. Unknown keys are
// errors so a typo (`escalaton:`) cannot silently drop a field.
type frontMatter struct {
	ID         string   `yaml:"id"`
	Title      string   `yaml:"title"`
	Category   string   `yaml:"category"`
	Severity   string   `yaml:"severity"`
	Signal     string   `yaml:"signal"`
	Match      []string `yaml:"match"`
	Escalation []string `yaml:"escalation"`
	Order      int      `yaml:"order"`
}

// yamlDoc is a decoded YAML document with the file line of each top-level
// key and of each entry of top-level sequences, for messages that point at
// the exact entry.
type yamlDoc struct {
	keyLine   map[string]int
	entryLine map[string][]int
}

// splitFrontMatter cuts the leading `---` block off a runbook. It returns
// the YAML text (which starts on line 2) and the offset of the body; ok is
// false when the file does not start with `---`, unclosed true when no
// closing `---` follows.
func splitFrontMatter(src []byte) (fm []byte, bodyOff int, ok, unclosed bool) {
	first, rest, _ := cutLine(src)
	if !isDelimiter(first, "---") {
		return nil, 0, false, false
	}
	start := len(src) - len(rest)
	for r := rest; len(r) > 0; {
		line, next, _ := cutLine(r)
		if isDelimiter(line, "---") || isDelimiter(line, "...") {
			return src[start : len(src)-len(r)], len(src) - len(next), true, false
		}
		r = next
	}
	return nil, 0, false, true
}

// cutLine splits off the first line without its line ending.
func cutLine(b []byte) (line, rest []byte, found bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil, false
	}
	return b[:i], b[i+1:], true
}

func isDelimiter(line []byte, delim string) bool {
	return string(bytes.TrimRight(line, " \t\r")) == delim
}

// decodeYAML strictly decodes src (which starts on file line firstLine)
// into v. The error, if any, carries the file line it concerns.
func decodeYAML(src []byte, firstLine int, v any) (*yamlDoc, int, error) {
	doc := &yamlDoc{keyLine: map[string]int{}, entryLine: map[string][]int{}}
	// go-yaml also breaks lines at a lone \r; keep its lines inside the
	// file as editors count them.
	lastLine := firstLine + bytes.Count(src, []byte("\n"))
	at := func(line int) int { return min(max(firstLine+line-1, firstLine), lastLine) }
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		line, msg := yamlError(err)
		return doc, at(line), errors.New(msg)
	}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return doc, firstLine, nil
	}
	if len(file.Docs) > 1 {
		return doc, firstLine, errors.New("more than one YAML document")
	}
	body := file.Docs[0].Body
	if n := findUnsupported(body); n != nil {
		line := firstLine
		if tk := n.GetToken(); tk != nil && tk.Position != nil {
			line = at(tk.Position.Line)
		}
		return doc, line, fmt.Errorf("YAML %s are not supported here: write the value out", unsupportedName[n.Type()])
	}
	var values []*yamlast.MappingValueNode
	switch m := body.(type) {
	case *yamlast.MappingNode:
		values = m.Values
	case *yamlast.MappingValueNode:
		values = []*yamlast.MappingValueNode{m}
	}
	for _, mv := range values {
		if mv.Key == nil || mv.Key.GetToken() == nil {
			continue
		}
		key := mv.Key.GetToken().Value
		doc.keyLine[key] = at(mv.Key.GetToken().Position.Line)
		if seq, ok := mv.Value.(*yamlast.SequenceNode); ok {
			for _, e := range seq.Values {
				line := doc.keyLine[key]
				if e != nil && e.GetToken() != nil {
					line = at(e.GetToken().Position.Line)
				}
				doc.entryLine[key] = append(doc.entryLine[key], line)
			}
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(nil), yaml.Strict())
	if err := dec.DecodeFromNode(body, v); err != nil {
		line, msg := yamlError(err)
		return doc, at(line), errors.New(msg)
	}
	return doc, 0, nil
}

// unsupportedName names the YAML features decodeYAML refuses. Plain data
// needs none of them; aliases can expand exponentially ("billion laughs")
// and tags reach go-yaml decoder paths that crash on odd input.
var unsupportedName = map[yamlast.NodeType]string{
	yamlast.TagType:      "tags",
	yamlast.AnchorType:   "anchors",
	yamlast.AliasType:    "aliases",
	yamlast.MergeKeyType: "merge keys",
}

// findUnsupported returns the first node using a feature decodeYAML refuses.
func findUnsupported(n yamlast.Node) yamlast.Node {
	v := &unsupportedFinder{}
	yamlast.Walk(v, n)
	return v.found
}

type unsupportedFinder struct{ found yamlast.Node }

func (v *unsupportedFinder) Visit(n yamlast.Node) yamlast.Visitor {
	if v.found != nil {
		return nil
	}
	if _, bad := unsupportedName[n.Type()]; bad {
		v.found = n
		return nil
	}
	return v
}

// yamlError returns the line (relative to the YAML text, 0 when unknown)
// and a one-line message of a go-yaml error, without its source excerpt:
// lint prints its own position.
func yamlError(err error) (int, string) {
	var ye yaml.Error
	if errors.As(err, &ye) {
		line := 0
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		return line, ye.GetMessage()
	}
	return 0, firstLine(err.Error())
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// line returns the file line of a top-level key, or def when it is absent.
func (d *yamlDoc) line(key string, def int) int {
	if l, ok := d.keyLine[key]; ok {
		return l
	}
	return def
}

// entry returns the file line of entry i of a top-level sequence.
func (d *yamlDoc) entry(key string, i, def int) int {
	if lines := d.entryLine[key]; i < len(lines) {
		return lines[i]
	}
	return d.line(key, def)
}
