package shell

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/quench-sh/quench"
)

// pg_query returns its parse tree as JSON. Decoding it with encoding/json
// into map[string]any took three quarters of a SQL classification, most
// of it building a map for each of the tree's many small objects; the
// decoder below builds pgObj, a slice of fields in document order, and is
// otherwise encoding/json's decoding into any: objects, []any, string,
// float64, bool and nil. The input is libpg_query's output, not outside
// text, but anything that is not JSON is still an error.

// pgObj is a JSON object: its fields in document order.
type pgObj []pgField

// pgField is one field of a pgObj.
type pgField struct {
	key string
	val any
}

// get returns the value of a field, nil when absent; with a repeated key,
// the last one, as encoding/json keeps.
func (o pgObj) get(key string) any {
	for i := len(o) - 1; i >= 0; i-- {
		if o[i].key == key {
			return o[i].val
		}
	}
	return nil
}

// errPgJSON is any malformed input: pg_query does not produce it.
var errPgJSON = quench.Errorf(quench.EINTERNAL, "shell: pg_query returned malformed JSON")

// pgDecode decodes one JSON value, the whole of js.
func pgDecode(js string) (any, error) {
	d := pgDecoder{s: js}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	if d.skip(); d.i != len(d.s) {
		return nil, errPgJSON
	}
	return v, nil
}

type pgDecoder struct {
	s string
	i int
}

func (d *pgDecoder) skip() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// maxPgDepth bounds nesting, as encoding/json does (10,000).
const maxPgDepth = 10000

func (d *pgDecoder) value() (any, error) { return d.valueAt(0) }

func (d *pgDecoder) valueAt(depth int) (any, error) {
	if depth > maxPgDepth {
		return nil, errPgJSON
	}
	d.skip()
	if d.i >= len(d.s) {
		return nil, errPgJSON
	}
	switch c := d.s[d.i]; {
	case c == '{':
		d.i++
		var o pgObj
		d.skip()
		if d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			return pgObj{}, nil
		}
		for {
			d.skip()
			if d.i >= len(d.s) || d.s[d.i] != '"' {
				return nil, errPgJSON
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			if d.skip(); d.i >= len(d.s) || d.s[d.i] != ':' {
				return nil, errPgJSON
			}
			d.i++
			v, err := d.valueAt(depth + 1)
			if err != nil {
				return nil, err
			}
			o = append(o, pgField{k, v})
			if d.skip(); d.i >= len(d.s) {
				return nil, errPgJSON
			}
			switch d.s[d.i] {
			case ',':
				d.i++
			case '}':
				d.i++
				return o, nil
			default:
				return nil, errPgJSON
			}
		}
	case c == '[':
		d.i++
		a := []any{}
		d.skip()
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return a, nil
		}
		for {
			v, err := d.valueAt(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			if d.skip(); d.i >= len(d.s) {
				return nil, errPgJSON
			}
			switch d.s[d.i] {
			case ',':
				d.i++
			case ']':
				d.i++
				return a, nil
			default:
				return nil, errPgJSON
			}
		}
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.num()
	default:
		for _, lit := range [...]struct {
			s string
			v any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if len(d.s)-d.i >= len(lit.s) && d.s[d.i:d.i+len(lit.s)] == lit.s {
				d.i += len(lit.s)
				return lit.v, nil
			}
		}
		return nil, errPgJSON
	}
}

// str reads a string at d.i (its opening quote). Plain ASCII without
// escapes is the common case and a substring of the input; anything else
// is decoded by encoding/json, with its handling of escapes, surrogates
// and invalid UTF-8.
func (d *pgDecoder) str() (string, error) {
	start := d.i
	d.i++
	plain := true
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			if plain {
				return d.s[start+1 : d.i-1], nil
			}
			var s string
			if err := json.Unmarshal([]byte(d.s[start:d.i]), &s); err != nil {
				return "", errPgJSON
			}
			return s, nil
		case c == '\\':
			plain = false
			d.i += 2
		case c < 0x20:
			return "", errPgJSON
		default:
			if c >= utf8.RuneSelf {
				plain = false
			}
			d.i++
		}
	}
	return "", errPgJSON
}

// num reads a number with JSON's grammar and converts it as encoding/json
// does for any: a float64.
func (d *pgDecoder) num() (float64, error) {
	start := d.i
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.s[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.s) && d.s[d.i] == '0':
		d.i++
	case digits() == 0:
		return 0, errPgJSON
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return 0, errPgJSON
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return 0, errPgJSON
		}
	}
	f, err := strconv.ParseFloat(d.s[start:d.i], 64)
	if err != nil {
		return 0, errPgJSON // out of range: encoding/json refuses it too
	}
	return f, nil
}
