package quench_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quench-sh/quench"
)

func TestParsePingAction(t *testing.T) {
	for _, tt := range []struct {
		action string
		kind   quench.PingKind
		code   int
		bad    bool
	}{
		{"", quench.PingSuccess, -1, false},
		{"start", quench.PingStart, -1, false},
		{"fail", quench.PingFail, -1, false},
		{"0", quench.PingSuccess, 0, false},
		{"1", quench.PingFail, 1, false},
		{"255", quench.PingFail, 255, false},
		{"256", "", 0, true},
		{"-1", "", 0, true},
		{"+1", "", 0, true},
		{"01", "", 0, true},
		{"1000", "", 0, true},
		{"Start", "", 0, true},
		{"log", "", 0, true},
	} {
		kind, code, err := quench.ParsePingAction(tt.action)
		if tt.bad {
			if err == nil {
				t.Errorf("ParsePingAction(%q) = %s %d, want an error", tt.action, kind, code)
			}
			continue
		}
		if err != nil || kind != tt.kind || code != tt.code {
			t.Errorf("ParsePingAction(%q) = %s %d %v, want %s %d", tt.action, kind, code, err, tt.kind, tt.code)
		}
	}
}

// FuzzParsePingAction: any path element is a known action or EINVALID,
// never a panic, and an exit status is always 0..255.
func FuzzParsePingAction(f *testing.F) {
	for _, s := range []string{"", "start", "fail", "0", "255", "256", "-0", "٣", "1e2", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, action string) {
		kind, code, err := quench.ParsePingAction(action)
		if err != nil {
			if quench.ErrorCode(err) != quench.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		switch kind {
		case quench.PingSuccess, quench.PingStart, quench.PingFail:
		default:
			t.Fatalf("kind %q", kind)
		}
		if code < -1 || code > 255 || (code >= 0 && strconv.Itoa(code) != action) {
			t.Fatalf("ParsePingAction(%q): exit status %d", action, code)
		}
	})
}

// FuzzPingBody: whatever a job sends, what is kept is valid UTF-8 with no
// NUL, at most MaxPingBody bytes, and a prefix of the body when the body
// was clean.
func FuzzPingBody(f *testing.F) {
	f.Add([]byte("backup ok"))
	f.Add([]byte("\x00\xff\xfe"))
	f.Add([]byte(strings.Repeat("é", quench.MaxPingBody)))
	f.Add([]byte("a" + strings.Repeat("é", quench.MaxPingBody)))
	f.Fuzz(func(t *testing.T, body []byte) {
		got := quench.PingBody(body)
		if len(got) > quench.MaxPingBody || !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Fatalf("PingBody kept %d bytes, valid %v", len(got), utf8.ValidString(got))
		}
		if utf8.Valid(body) && strings.IndexByte(string(body), 0) < 0 && !strings.HasPrefix(string(body), got) {
			t.Fatalf("a clean body's kept text is not its prefix")
		}
	})
}
