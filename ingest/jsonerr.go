package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/quench-sh/quench"
)

// jsonError turns an error of json.Unmarshal on body into an EINVALID error
// that says where the problem is: a byte offset for malformed JSON, a path
// (`alerts[3].labels.instance`) for a value of the wrong type.
func jsonError(body []byte, err error) *quench.Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return invalid("body is empty")
	case errors.As(err, &syn):
		return invalid("%s at byte %d", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		path := locate(body, typ.Offset)
		if path == "" {
			path = "body"
		}
		return invalid("%s: expected %s, got %s", path, typeName(typ.Type), valueName(typ.Value))
	}
	return invalid("%s", err.Error())
}

// typeName says in JSON's words what a Go destination type accepts.
func typeName(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string"
		}
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return t.String()
}

// valueName reduces encoding/json's description of the offending value
// ("number", "number 1.5", "bool", …) to the JSON type.
func valueName(v string) string {
	v, _, _ = strings.Cut(v, " ")
	if v == "bool" {
		return "boolean"
	}
	return v
}

// locate returns the JSON path of the value that ends at byte offset off,
// which is where encoding/json reports a type mismatch (just after a scalar,
// or just after the opening bracket of an object or array). It walks the
// tokens again, so it costs a second pass, but only on the error path.
func locate(body []byte, off int64) string {
	type frame struct {
		object bool
		key    string
		index  int
		inKey  bool // an object frame waiting for its next key
	}
	var stack []frame
	path := func() string {
		p := ""
		for _, f := range stack {
			if f.object {
				p = keyPath(p, f.key)
			} else {
				p += "[" + strconv.Itoa(f.index) + "]"
			}
		}
		return p
	}
	// advance marks the end of one value in the innermost container.
	advance := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].inKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // 1e400 is valid JSON but no float64
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].inKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				advance()
				continue
			}
			stack[n-1].key, _ = tok.(string)
			stack[n-1].inKey = false
			continue
		}
		if d, ok := tok.(json.Delim); ok && (d == ']' || d == '}') {
			stack = stack[:len(stack)-1]
			advance()
			continue
		}
		if dec.InputOffset() >= off {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, inKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		default:
			advance()
		}
	}
}
