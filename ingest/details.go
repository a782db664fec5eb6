package ingest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/quench-sh/quench"
)

// object builds the JSON object stored as Alert.Details. It writes bytes
// directly rather than going through json.Marshal: it runs once per alert on
// the ingest path, and everything it writes is already checked.
type object struct{ buf []byte }

func (o *object) key(k string) {
	if len(o.buf) == 0 {
		o.buf = append(o.buf, '{')
	} else {
		o.buf = append(o.buf, ',')
	}
	o.buf = appendString(o.buf, k)
	o.buf = append(o.buf, ':')
}

// str adds a string member, skipping empty ones to keep details small.
func (o *object) str(k, v string) {
	if v != "" {
		o.key(k)
		o.buf = appendString(o.buf, v)
	}
}

// int adds an integer member, skipping zero.
func (o *object) num(k string, v int64) {
	if v != 0 {
		o.key(k)
		o.buf = strconv.AppendInt(o.buf, v, 10)
	}
}

// raw adds a member whose value is JSON already made safe by cleanRaw.
func (o *object) raw(k string, v json.RawMessage) {
	if len(v) > 0 {
		o.key(k)
		o.buf = append(o.buf, v...)
	}
}

// done returns the object, or nil when it has no members.
func (o *object) done() json.RawMessage {
	if len(o.buf) == 0 {
		return nil
	}
	return append(o.buf, '}')
}

// appendString appends s as a JSON string. Invalid UTF-8 and NUL become
// U+FFFD, so the result is accepted by PostgreSQL's jsonb as well.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == 0 || c >= utf8.RuneSelf:
			b = append(b, `\ufffd`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// cleanRaw makes a JSON value taken verbatim from the input safe to store:
// valid UTF-8, and no \u0000 or lone surrogate escapes, which PostgreSQL's
// jsonb refuses. Input that has no escapes and is valid UTF-8 is returned as
// is; anything else is decoded and written again. null and absent give nil.
func cleanRaw(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if utf8.Valid(raw) && !bytes.Contains(raw, []byte(`\u`)) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		// Unreachable for bytes encoding/json already accepted; drop the
		// value rather than store something unreadable.
		return nil
	}
	return appendValue(nil, v)
}

// appendValue writes a value decoded with UseNumber, object keys sorted so
// equal input gives equal bytes.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case json.Number:
		return append(b, v...)
	case string:
		return appendString(b, quench.CleanText(v))
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, quench.CleanText(k))
			b = append(b, ':')
			b = appendValue(b, v[k])
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// jsonType names the JSON type of a raw value for error messages.
func jsonType(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
