// Package ingest is how alerts enter quench: AlertService (stamp,
// validate, route what opens, store) and the parsers that turn the
// payloads of alert sources (Alertmanager and Grafana webhooks, PagerDuty
// Events API v2, quench's generic JSON) into normalised quench.Alerts.
//
// The parsers are pure functions of the request body: no HTTP, no storage,
// no routing. They leave Integration to the HTTP layer, which knows the
// ingest token, and ReceivedAt to AlertService, which knows the clock.
//
// Every parser validates the whole body before it returns anything, so a
// caller never stores part of a bad request. Errors are *quench.Error with
// code EINVALID (EUNSUPPORTED for a payload version quench does not speak)
// and a message that says what is wrong and where: a JSON path such as
// `alerts[3].labels.instance` or a byte offset for malformed JSON.
//
// Text from a source is data, never markup or commands: it is kept as sent,
// except that invalid UTF-8 and NUL (which PostgreSQL refuses) become U+FFFD,
// so everything a parser returns is valid UTF-8 and storable anywhere.
// Unknown fields are ignored, because sources add fields over time.
package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/quench-sh/quench"
)

// invalid returns an EINVALID error.
func invalid(format string, args ...any) *quench.Error {
	return quench.Errorf(quench.EINVALID, format, args...)
}

// quote renders a value from the input for an error message: quoted, and
// short enough that a hostile 64 KiB value does not become a 64 KiB message.
func quote(s string) string {
	return fmt.Sprintf("%q", quench.CutText(s, 64))
}

// blank reports whether s holds nothing but white space.
func blank(s string) bool { return strings.TrimSpace(s) == "" }

// loc is where an alert sits in the body: element index of list, or the
// whole body when index is negative. Paths are built only for messages, so
// the success path allocates none.
type loc struct {
	list  string
	index int
}

// at returns the JSON path of a field of the alert: `alerts[3].labels`,
// `[3].labels` in a bare array, `labels` in a single object.
func (l loc) at(field string) string {
	if l.index < 0 {
		return field
	}
	return l.list + "[" + strconv.Itoa(l.index) + "]." + field
}

// checkLen refuses a value over max bytes, naming the field.
func checkLen(path func() string, s string, max int) *quench.Error {
	if len(s) > max {
		return invalid("%s: %d bytes, over the limit of %d bytes", path(), len(s), max)
	}
	return nil
}

// cleanMap checks a decoded labels or annotations object against the limits
// and cleans its text. noun names the entries in messages ("labels"). It
// returns m itself when nothing needed cleaning, and never nil.
func cleanMap(path func() string, noun string, m map[string]string) (map[string]string, *quench.Error) {
	if m == nil {
		return map[string]string{}, nil
	}
	if len(m) > quench.MaxLabels {
		return nil, invalid("%s: %d %s, over the limit of %d", path(), len(m), noun, quench.MaxLabels)
	}
	dirty := false
	for k, v := range m {
		if k == "" || len(k) > quench.MaxLabelBytes || len(v) > quench.MaxLabelBytes {
			return nil, mapError(path(), noun, m)
		}
		if quench.CleanText(k) != k || quench.CleanText(v) != v {
			dirty = true
		}
	}
	if !dirty {
		return m, nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[quench.CleanText(k)] = quench.CleanText(v)
	}
	// U+FFFD is longer than the byte it replaces.
	for k, v := range out {
		if len(k) > quench.MaxLabelBytes || len(v) > quench.MaxLabelBytes {
			return nil, mapError(path(), noun, out)
		}
	}
	return out, nil
}

// mapError names the first offending entry in key order, so the same input
// always gives the same message.
func mapError(path, noun string, m map[string]string) *quench.Error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case k == "":
			return invalid("%s: %s name is empty", path, strings.TrimSuffix(noun, "s"))
		case len(k) > quench.MaxLabelBytes:
			return invalid("%s: %s name %s… is %d bytes, over the limit of %d bytes",
				path, strings.TrimSuffix(noun, "s"), quote(k[:32]), len(k), quench.MaxLabelBytes)
		case len(m[k]) > quench.MaxLabelBytes:
			return checkLen(func() string { return keyPath(path, k) }, m[k], quench.MaxLabelBytes)
		}
	}
	// Unreachable while cleanMap calls it only for a broken limit.
	return invalid("%s: %s over a limit", path, noun)
}

// keyPath appends an object key to a JSON path: `.name` for plain names,
// `["odd key"]` for anything else.
func keyPath(path, key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

// parseTime reads an RFC 3339 time. Empty and Go's zero time (which
// Alertmanager and Grafana send as endsAt of a firing alert) give zero.
func parseTime(path func() string, s string) (time.Time, *quench.Error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, invalid("%s: %s is not an RFC 3339 time", path(), quote(s))
	}
	if t.IsZero() {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// checkCount refuses a batch over quench.MaxAlertsPerCall.
func checkCount(path string, n int) *quench.Error {
	if n > quench.MaxAlertsPerCall {
		return invalid("%s: %d alerts, over the limit of %d", path, n, quench.MaxAlertsPerCall)
	}
	return nil
}

// firstLine returns the first line of s that is not blank, trimmed.
func firstLine(s string) string {
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
		s = rest
	}
	return ""
}

// decode unmarshals body into v and turns errors into messages with a path
// or byte offset (see unmarshal).
func decode[T any](body []byte, v *T) *quench.Error {
	if err := unmarshal(body, v); err != nil {
		return jsonError(body, err)
	}
	return nil
}

// unmarshal decodes body into v with go-json, which fills the ingest
// structs as encoding/json does (FuzzDecodeMatchesEncodingJSON holds it to
// that) in about a third of the time. On any error it decodes again with
// encoding/json, whose errors jsonError and the exact-message tests know:
// so go-json only ever changes the cost of a result, never the result or
// the error. On error v holds what encoding/json decoded before it.
func unmarshal[T any](body []byte, v *T) error {
	if gojson.UnmarshalOf(body, v) == nil {
		return nil
	}
	var zero T
	*v = zero // go-json may have filled part of it
	return json.Unmarshal(body, v)
}
