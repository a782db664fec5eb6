package main

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// configSource remembers where each key of a config file is, so errors
// found after decoding (Validate) still name file:line.
type configSource struct {
	path  string
	lines map[string]int // "diagnosis.workers" → line
}

// fieldError is a config value that decodes but makes no sense. Field is
// its dotted key path ("diagnosis.workers"); LoadConfig's caller turns it
// into "file:line: message" when the key came from a file.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return "config: " + e.field + ": " + e.msg }

// fieldErrorf returns a fieldError for the key path field.
func fieldErrorf(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// locate prefixes a fieldError with the file and line of its key (or of the
// nearest enclosing key the file has); other errors pass unchanged.
func (s *configSource) locate(err error) error {
	var fe *fieldError
	if s == nil || !errors.As(err, &fe) {
		return err
	}
	for p := fe.field; p != ""; p = parentPath(p) {
		if line, ok := s.lines[p]; ok {
			return fmt.Errorf("%s:%d: %s: %s", s.path, line, fe.field, fe.msg)
		}
		if line := s.firstUnder(p); line > 0 {
			// A list item has no key of its own: its first key stands for it.
			return fmt.Errorf("%s:%d: %s: %s", s.path, line, fe.field, fe.msg)
		}
	}
	return fmt.Errorf("%s: %s: %s", s.path, fe.field, fe.msg)
}

// firstUnder returns the first line of a key inside p ("heartbeats[0]"),
// or 0.
func (s *configSource) firstUnder(p string) int {
	first := 0
	for k, line := range s.lines {
		if strings.HasPrefix(k, p+".") && (first == 0 || line < first) {
			first = line
		}
	}
	return first
}

func parentPath(p string) string {
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// scanConfig parses src into an AST and records every key's line. empty
// reports a document with no content at all (nothing, or only comments),
// which must leave the defaults alone.
func scanConfig(path string, src []byte) (s *configSource, empty bool, err error) {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, false, yamlError(path, nil, err)
	}
	s = &configSource{path: path, lines: map[string]int{}}
	empty = true
	for _, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		empty = false
		ast.Walk(keyLines(s.lines), doc.Body)
	}
	return s, empty, nil
}

// keyLines records the line of every mapping key by its dotted path.
type keyLines map[string]int

func (k keyLines) Visit(n ast.Node) ast.Visitor {
	if mv, ok := n.(*ast.MappingValueNode); ok {
		if p := dottedPath(mv.Value.GetPath()); p != "" {
			k[p] = mv.Key.GetToken().Position.Line
		}
	}
	return k
}

// dottedPath turns a YAML path ("$.targets.db.ssh") into a key path
// ("targets.db.ssh").
func dottedPath(yamlPath string) string {
	return strings.TrimPrefix(strings.TrimPrefix(yamlPath, "$"), ".")
}

// goTypeError is go-yaml's message for a value of the wrong type, which
// names Go types and structs a person editing YAML has never seen.
var goTypeError = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`cannot unmarshal (\S+) into Go (?:struct field \S+|value) of type (\S+)`)
})

// yamlError turns a YAML decoding error into "path:line: message", naming
// the key and the expected value in YAML terms rather than Go's.
func yamlError(path string, s *configSource, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tk := ye.GetToken()
	msg := ye.GetMessage()
	if m := goTypeError().FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("want %s, got %s", yamlTypeName(m[2]), yamlValueName(m[1], tk))
	} else if m := yamlKindError().FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("want %s, got %s", yamlKindName(m[2]), yamlValueName(m[1], tk))
	} else {
		return fmt.Errorf("%s:%d: %s", path, tk.Position.Line, msg)
	}
	if key := s.keyAt(tk); key != "" {
		msg = key + ": " + msg
	}
	return fmt.Errorf("%s:%d: %s", path, tk.Position.Line, msg)
}

// keyAt returns the key path whose key sits on the value token's line.
func (s *configSource) keyAt(tk *token.Token) string {
	if s == nil {
		return ""
	}
	best := ""
	for p, line := range s.lines {
		if line == tk.Position.Line && len(p) > len(best) {
			best = p
		}
	}
	return best
}

// yamlKindError is go-yaml's message when a scalar stands where a mapping
// or list belongs.
var yamlKindError = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\S+) was used where (\S+) is expected`) })

// yamlKindName names a YAML node kind for a person.
func yamlKindName(kind string) string {
	switch kind {
	case "mapping":
		return "a mapping of keys to values"
	case "sequence":
		return "a list"
	}
	return kind
}

var durationType = reflect.TypeOf(time.Duration(0)).String()

// yamlTypeName says in YAML terms what a Go type takes.
func yamlTypeName(goType string) string {
	switch {
	case goType == durationType:
		return "a duration such as 30s, 5m or 2h"
	case goType == "bool" || goType == "*bool":
		return "true or false"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string":
		return "text"
	case strings.HasPrefix(goType, "map[") || strings.HasPrefix(goType, "main.") || strings.HasPrefix(goType, "*main."):
		return "a mapping of keys to values"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	}
	return "a different kind of value"
}

// yamlValueName says what the file gave, quoting short scalars.
func yamlValueName(goKind string, tk *token.Token) string {
	kind := "text"
	switch {
	case strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") || strings.HasPrefix(goKind, "float"):
		kind = "a number"
	case goKind == "bool":
		kind = "true/false"
	case strings.HasPrefix(goKind, "map"):
		return "a mapping"
	case strings.HasPrefix(goKind, "[]"):
		return "a list"
	}
	if v := tk.Value; v != "" && len(v) <= 40 {
		return fmt.Sprintf("%s %q", kind, v)
	}
	return kind
}
