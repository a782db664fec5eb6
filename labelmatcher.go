package quench

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// MatchOp is how a label matcher compares: Alertmanager's four operators.
type MatchOp string

// Label matcher operators. A regular expression is anchored at both ends,
// as in Alertmanager: instance=~"db.*" matches "db:5432", not "olddb".
const (
	MatchEqual    MatchOp = "="
	MatchNotEqual MatchOp = "!="
	MatchRegexp   MatchOp = "=~"
	MatchNotRegex MatchOp = "!~"
)

// Limits of a label matcher, checked by ParseLabelMatcher.
const (
	MaxMatcherBytes = 1024 // one matcher as written
	MaxMatchers     = 32   // matchers of one silence, window or rule
)

// LabelMatcher selects alerts by one label: name, operator, value. A label
// the alert lacks has the empty value. It is written as Alertmanager
// writes it (alertname=PostgresDown, instance=~"db.*") and travels in JSON
// as that text.
type LabelMatcher struct {
	Name  string
	Op    MatchOp
	Value string
	re    *regexp.Regexp
}

var labelName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`) })

// ParseLabelMatcher parses NAME OP VALUE, where OP is =, !=, =~ or !~ and
// VALUE is bare text or a double-quoted Go string. EINVALID saying what is
// wrong otherwise.
func ParseLabelMatcher(s string) (LabelMatcher, error) {
	if len(s) > MaxMatcherBytes {
		return LabelMatcher{}, Errorf(EINVALID, "matcher is longer than %d bytes", MaxMatcherBytes)
	}
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "=!")
	if i <= 0 {
		return LabelMatcher{}, Errorf(EINVALID, "matcher %q: want NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX", CutText(CleanText(s), 64))
	}
	m := LabelMatcher{Name: strings.TrimSpace(s[:i])}
	rest := s[i:]
	for _, op := range []MatchOp{MatchRegexp, MatchNotRegex, MatchNotEqual, MatchEqual} {
		if strings.HasPrefix(rest, string(op)) {
			m.Op, rest = op, rest[len(op):]
			break
		}
	}
	if m.Op == "" {
		return LabelMatcher{}, Errorf(EINVALID, "matcher %q: want NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX", CutText(CleanText(s), 64))
	}
	if !labelName().MatchString(m.Name) {
		return LabelMatcher{}, Errorf(EINVALID, "matcher %q: label name %q: want letters, digits and _, not starting with a digit", CutText(CleanText(s), 64), CutText(CleanText(m.Name), 64))
	}
	v := strings.TrimSpace(rest)
	if strings.HasPrefix(v, `"`) {
		u, err := strconv.Unquote(v)
		if err != nil {
			return LabelMatcher{}, Errorf(EINVALID, "matcher %q: the quoted value does not end where it should", CutText(CleanText(s), 64))
		}
		v = u
	}
	m.Value = CleanText(v)
	if m.Op == MatchRegexp || m.Op == MatchNotRegex {
		re, err := regexp.Compile("^(?:" + m.Value + ")$")
		if err != nil {
			return LabelMatcher{}, Errorf(EINVALID, "matcher %q: bad regular expression: %v", CutText(CleanText(s), 64), err)
		}
		m.re = re
	}
	return m, nil
}

// ParseLabelMatchers parses each matcher; the error names the first bad
// one. At most MaxMatchers.
func ParseLabelMatchers(ss []string) ([]LabelMatcher, error) {
	if len(ss) > MaxMatchers {
		return nil, Errorf(EINVALID, "%d matchers, at most %d", len(ss), MaxMatchers)
	}
	out := make([]LabelMatcher, 0, len(ss))
	for _, s := range ss {
		m, err := ParseLabelMatcher(s)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Matches reports whether labels satisfy m; a missing label is "".
func (m LabelMatcher) Matches(labels map[string]string) bool {
	v := labels[m.Name]
	switch m.Op {
	case MatchEqual:
		return v == m.Value
	case MatchNotEqual:
		return v != m.Value
	case MatchRegexp:
		return m.re != nil && m.re.MatchString(v)
	case MatchNotRegex:
		return m.re != nil && !m.re.MatchString(v)
	}
	return false
}

// String writes the matcher back: name, operator, quoted value.
func (m LabelMatcher) String() string { return m.Name + string(m.Op) + strconv.Quote(m.Value) }

// MarshalText writes the matcher as String does.
func (m LabelMatcher) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses a matcher as ParseLabelMatcher does.
func (m *LabelMatcher) UnmarshalText(b []byte) error {
	v, err := ParseLabelMatcher(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MatchAll reports whether labels satisfy every matcher (true for none).
func MatchAll(ms []LabelMatcher, labels map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(labels) {
			return false
		}
	}
	return true
}

// MatchesEverything reports whether every matcher also matches an alert
// with no labels at all: such a set would silence everything, so a
// silence needs at least one matcher that an empty value fails.
func MatchesEverything(ms []LabelMatcher) bool {
	return MatchAll(ms, nil)
}
