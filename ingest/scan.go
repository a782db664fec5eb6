package ingest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a fast path for decoding the payloads quench takes at high
// rates. It decodes exactly what encoding/json would into the same structs,
// but only for input it fully understands: anything unusual (a syntax
// error, a type mismatch, a duplicate or case-folded field name, deep
// nesting) makes it give up, and the caller decodes again with
// encoding/json, which then also produces the error message. So the fast
// path never changes a result, only its cost; FuzzScanMatchesEncodingJSON
// holds it to that.
//
// It saves encoding/json's reflection and its separate validation pass,
// and interns short strings per call, since label names and most label
// values repeat across the alerts of one notification.
type scanner struct {
	b      []byte
	i      int
	failed bool
	share  bool              // intern strings: worth it for batches only
	intern map[string]string // shared copies of short strings
}

// maxDepth is far below encoding/json's 10000, so deep input always takes
// the slow path and gets encoding/json's verdict.
const maxDepth = 200

func newScanner(b []byte) *scanner { return &scanner{b: b} }

func (s *scanner) fail() bool {
	s.failed = true
	return false
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// end reports whether only white space is left, as encoding/json requires.
func (s *scanner) end() bool {
	return !s.failed && s.peek() == 0 && s.i == len(s.b)
}

func (s *scanner) lit(word string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return s.fail()
	}
	s.i += len(word)
	return true
}

// null consumes a null if one comes next.
func (s *scanner) null() bool {
	if s.peek() == 'n' {
		return s.lit("null")
	}
	return false
}

// rawString scans a string token and returns its contents between the
// quotes, and whether they need unquoting (escapes or non-ASCII bytes).
func (s *scanner) rawString() (raw []byte, slow bool, ok bool) {
	if s.peek() != '"' {
		return nil, false, s.fail()
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			return s.b[start:j], slow, true
		case c < 0x20:
			return nil, false, s.fail()
		case c == '\\':
			slow = true
			j++
			if j >= len(s.b) {
				return nil, false, s.fail()
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s.b) {
					return nil, false, s.fail()
				}
				for _, h := range s.b[j+1 : j+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, false, s.fail()
					}
				}
				j += 4
			default:
				return nil, false, s.fail()
			}
		case c >= utf8.RuneSelf:
			slow = true
		}
	}
	return nil, false, s.fail()
}

// str decodes a string, interning short ones when asked.
func (s *scanner) str(intern bool) (string, bool) {
	raw, slow, ok := s.rawString()
	if !ok {
		return "", false
	}
	escaped := slow && (bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw))
	decode := func() string {
		if escaped {
			return string(unquote(raw))
		}
		return string(raw)
	}
	if !intern || !s.share || len(raw) > 256 {
		return decode(), true
	}
	// Keyed by the token as written, which determines the decoded text, so
	// a repeated string with escapes is not unquoted again either.
	if v, ok := s.intern[string(raw)]; ok {
		return v, true
	}
	if s.intern == nil {
		s.intern = make(map[string]string, 64)
	}
	v := decode()
	if escaped {
		s.intern[string(raw)] = v
	} else {
		s.intern[v] = v // the same text: one allocation for key and value
	}
	return v, true
}

// unquote decodes the contents of a string token that rawString has
// validated, exactly as encoding/json does: escapes decoded, a surrogate
// pair joined, a lone surrogate or an invalid UTF-8 byte replaced by U+FFFD.
func unquote(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for r := 0; r < len(raw); {
		c := raw[r]
		switch {
		case c == '\\':
			switch e := raw[r+1]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				rr := hex4(raw[r+2:])
				r += 6
				if utf16.IsSurrogate(rr) {
					var rr1 rune = -1
					if r+6 <= len(raw) && raw[r] == '\\' && raw[r+1] == 'u' {
						rr1 = hex4(raw[r+2:])
					}
					if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
						r += 6
						out = utf8.AppendRune(out, dec)
						continue
					}
					rr = utf8.RuneError
				}
				out = utf8.AppendRune(out, rr)
				continue
			default: // '"', '\\', '/'
				out = append(out, e)
			}
			r += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			r++
		default:
			rr, size := utf8.DecodeRune(raw[r:])
			out = utf8.AppendRune(out, rr)
			r += size
		}
	}
	return out
}

// hex4 reads the four hex digits rawString has checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// strField decodes a string field: null leaves it unchanged, as in
// encoding/json.
func (s *scanner) strField(dst *string) bool {
	if s.null() {
		return true
	}
	v, ok := s.str(true)
	*dst = v
	return ok
}

// intField decodes an integer field the way encoding/json does for int64:
// a number literal that strconv.ParseInt takes whole.
func (s *scanner) intField(dst *int64) bool {
	if s.null() {
		return true
	}
	start := s.i
	if !s.number() {
		return false
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		return s.fail()
	}
	*dst = n
	return true
}

// number scans a number literal by JSON's grammar.
func (s *scanner) number() bool {
	b, i := s.b, s.i
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		digits()
	default:
		return s.fail()
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return s.fail()
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return s.fail()
		}
	}
	s.i = i
	return true
}

// skip scans and validates any value.
func (s *scanner) skip(depth int) bool {
	if depth > maxDepth {
		return s.fail()
	}
	switch s.peek() {
	case '{':
		return s.object(func(key []byte) bool { return s.skip(depth + 1) })
	case '[':
		return s.array(func() bool { return s.skip(depth + 1) })
	case '"':
		_, _, ok := s.rawString()
		return ok
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	}
	return s.number()
}

// rawField keeps a value's JSON text, copied as json.RawMessage does.
func (s *scanner) rawField(dst *json.RawMessage) bool {
	s.ws()
	start := s.i
	if !s.skip(1) {
		return false
	}
	*dst = append(json.RawMessage(nil), s.b[start:s.i]...)
	return true
}

// object scans an object, calling member for each key with the scanner
// positioned at the value, which member must consume. A key with escapes or
// non-ASCII bytes gives up: encoding/json unquotes and case-folds keys,
// which the callers do not repeat.
func (s *scanner) object(member func(key []byte) bool) bool {
	if s.peek() != '{' {
		return s.fail()
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return true
	}
	for {
		key, slow, ok := s.rawString()
		if !ok || slow {
			return s.fail()
		}
		if s.peek() != ':' {
			return s.fail()
		}
		s.i++
		if !member(key) || s.failed {
			return s.fail()
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return s.fail()
		}
	}
}

func (s *scanner) array(elem func() bool) bool {
	if s.peek() != '[' {
		return s.fail()
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		return true
	}
	for {
		if !elem() || s.failed {
			return s.fail()
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return s.fail()
		}
	}
}

// fields tracks which struct fields an object has set, to give up on a
// duplicate (encoding/json merges some duplicates in ways not worth
// copying) and on a name that differs from a field's only in case (which
// encoding/json would match).
type fields struct {
	names []string
	seen  uint64
}

// match returns the index of key among names, -1 for a key to skip, and
// ok false when the scanner must give up.
func (f *fields) match(key []byte) (int, bool) {
	for i, n := range f.names {
		if string(key) == n {
			if f.seen&(1<<i) != 0 {
				return 0, false
			}
			f.seen |= 1 << i
			return i, true
		}
	}
	for _, n := range f.names {
		if bytes.EqualFold(key, []byte(n)) {
			return 0, false
		}
	}
	return -1, true
}

// strMap decodes an object of strings into a map (null gives nil; a null
// member gives "", as in encoding/json).
func (s *scanner) strMap(dst *map[string]string) bool {
	if s.null() {
		*dst = nil
		return true
	}
	m := make(map[string]string, 8)
	ok := s.object(func(key []byte) bool {
		k, ok := s.internKey(key)
		if !ok {
			return false
		}
		if s.null() {
			m[k] = ""
			return true
		}
		v, ok := s.str(true)
		m[k] = v
		return ok
	})
	*dst = m
	return ok
}

func (s *scanner) internKey(key []byte) (string, bool) {
	if !s.share {
		return string(key), true
	}
	if v, ok := s.intern[string(key)]; ok {
		return v, true
	}
	if s.intern == nil {
		s.intern = make(map[string]string, 64)
	}
	v := string(key)
	s.intern[v] = v
	return v, true
}

var (
	webhookFields      = []string{"version", "status", "receiver", "groupKey", "externalURL", "truncatedAlerts", "routeLabels", "orgId", "state", "alerts"}
	webhookAlertFields = []string{"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint", "silenceURL", "dashboardURL", "panelURL", "imageURL", "values", "valueString"}
	pdEventFields      = []string{"routing_key", "event_action", "dedup_key", "payload", "images", "links", "client", "client_url"}
	pdPayloadFields    = []string{"summary", "source", "severity", "timestamp", "component", "group", "class", "custom_details"}
	genericFields      = []string{"summary", "severity", "dedup_key", "status", "labels", "details"}
)

// scanWebhook decodes an Alertmanager or Grafana notification; false means
// use encoding/json.
func scanWebhook(body []byte, w *webhook) bool {
	s := newScanner(body)
	s.share = true
	f := fields{names: webhookFields}
	s.object(func(key []byte) bool {
		i, ok := f.match(key)
		if !ok {
			return false
		}
		switch i {
		case 0:
			return s.strField(&w.Version)
		case 1:
			return s.strField(&w.Status)
		case 2:
			return s.strField(&w.Receiver)
		case 3:
			return s.strField(&w.GroupKey)
		case 4:
			return s.strField(&w.ExternalURL)
		case 5:
			return s.intField(&w.TruncatedAlerts)
		case 6:
			return s.rawField(&w.RouteLabels)
		case 7:
			return s.intField(&w.OrgID)
		case 8:
			return s.strField(&w.State)
		case 9:
			if s.null() {
				w.Alerts = nil
				return true
			}
			w.Alerts = make([]webhookAlert, 0, 16)
			return s.array(func() bool {
				w.Alerts = append(w.Alerts, webhookAlert{})
				if s.null() {
					return true
				}
				return s.webhookAlert(&w.Alerts[len(w.Alerts)-1])
			})
		}
		return s.skip(1)
	})
	return s.end()
}

func (s *scanner) webhookAlert(a *webhookAlert) bool {
	f := fields{names: webhookAlertFields}
	return s.object(func(key []byte) bool {
		i, ok := f.match(key)
		if !ok {
			return false
		}
		switch i {
		case 0:
			return s.strField(&a.Status)
		case 1:
			return s.strMap(&a.Labels)
		case 2:
			return s.strMap(&a.Annotations)
		case 3:
			return s.strField(&a.StartsAt)
		case 4:
			return s.strField(&a.EndsAt)
		case 5:
			return s.strField(&a.GeneratorURL)
		case 6:
			return s.strField(&a.Fingerprint)
		case 7:
			return s.strField(&a.SilenceURL)
		case 8:
			return s.strField(&a.DashboardURL)
		case 9:
			return s.strField(&a.PanelURL)
		case 10:
			return s.strField(&a.ImageURL)
		case 11:
			return s.rawField(&a.Values)
		case 12:
			return s.strField(&a.ValueString)
		}
		return s.skip(1)
	})
}

// scanPagerDuty decodes a PagerDuty event; false means use encoding/json.
func scanPagerDuty(body []byte, ev *pdEvent) bool {
	s := newScanner(body)
	f := fields{names: pdEventFields}
	s.object(func(key []byte) bool {
		i, ok := f.match(key)
		if !ok {
			return false
		}
		switch i {
		case 0:
			return s.strField(&ev.RoutingKey)
		case 1:
			return s.strField(&ev.EventAction)
		case 2:
			return s.strField(&ev.DedupKey)
		case 3:
			if s.null() {
				ev.Payload = nil
				return true
			}
			ev.Payload = new(pdPayload)
			return s.pdPayload(ev.Payload)
		case 4:
			return s.rawField(&ev.Images)
		case 5:
			return s.rawField(&ev.Links)
		case 6:
			return s.strField(&ev.Client)
		case 7:
			return s.strField(&ev.ClientURL)
		}
		return s.skip(1)
	})
	return s.end()
}

func (s *scanner) pdPayload(p *pdPayload) bool {
	f := fields{names: pdPayloadFields}
	return s.object(func(key []byte) bool {
		i, ok := f.match(key)
		if !ok {
			return false
		}
		switch i {
		case 0:
			return s.strField(&p.Summary)
		case 1:
			return s.strField(&p.Source)
		case 2:
			return s.strField(&p.Severity)
		case 3:
			return s.strField(&p.Timestamp)
		case 4:
			return s.strField(&p.Component)
		case 5:
			return s.strField(&p.Group)
		case 6:
			return s.strField(&p.Class)
		case 7:
			return s.rawField(&p.CustomDetails)
		}
		return s.skip(1)
	})
}

// scanGeneric decodes one generic alert object or an array of them (batch
// true); false means use encoding/json.
func scanGeneric(body []byte, batch bool, out *[]genericAlert) bool {
	s := newScanner(body)
	if !batch {
		*out = make([]genericAlert, 1)
		return s.genericAlert(&(*out)[0]) && s.end()
	}
	if s.null() {
		return false
	}
	s.share = true
	list := make([]genericAlert, 0, 4)
	s.array(func() bool {
		list = append(list, genericAlert{})
		if s.null() {
			return true
		}
		return s.genericAlert(&list[len(list)-1])
	})
	*out = list
	return s.end()
}

func (s *scanner) genericAlert(g *genericAlert) bool {
	f := fields{names: genericFields}
	return s.object(func(key []byte) bool {
		i, ok := f.match(key)
		if !ok {
			return false
		}
		switch i {
		case 0:
			return s.strField(&g.Summary)
		case 1:
			return s.strField(&g.Severity)
		case 2:
			return s.strField(&g.DedupKey)
		case 3:
			return s.strField(&g.Status)
		case 4:
			return s.strMap(&g.Labels)
		case 5:
			return s.rawField(&g.Details)
		}
		return s.skip(1)
	})
}
