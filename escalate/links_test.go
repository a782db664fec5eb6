package escalate

import (
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func TestLinks(t *testing.T) {
	l := &Links{Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "https://q.example/", TTL: time.Hour}
	now := time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)
	u := l.URL(42, "alice", LinkAck, now)
	tok, ok := strings.CutPrefix(u, "https://q.example/a/")
	if !ok {
		t.Fatalf("url %q", u)
	}
	got, err := l.Check(tok, now.Add(59*time.Minute))
	if err != nil || got.Incident != 42 || got.Person != "alice" || got.Action != LinkAck || !got.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("check: %+v %v", got, err)
	}
	if _, err := l.Check(tok, now.Add(time.Hour)); quench.ErrorCode(err) != quench.EFORBIDDEN || !strings.Contains(err.Error(), "expired at 2026-03-29T02:00:00Z") {
		t.Errorf("at expiry: %v", err)
	}
	other := &Links{Key: []byte("another key, another server......")}
	if _, err := other.Check(tok, now); quench.ErrorCode(err) != quench.EUNAUTHORIZED {
		t.Errorf("another key: %v", err)
	}
	if l.URL(1, "a", LinkAck, now) == l.URL(1, "a", LinkAck, now) {
		t.Error("two links for the same thing are equal: no nonce")
	}
	if (&Links{}).URL(1, "a", LinkAck, now) != "" {
		t.Error("a link without a base URL or key")
	}
}

// FuzzLinkCheck: a token from outside never panics and is never valid
// unless it was signed.
func FuzzLinkCheck(f *testing.F) {
	l := &Links{Key: []byte("fuzz key fuzz key fuzz key fuzz!")}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Add(l.Token(1, "alice", LinkAck, now))
	f.Add("djF8MXxhbGljZXxhY2t8MTc2NzIyOTIwMHxhYmM.x")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		link, err := l.Check(tok, now)
		if err == nil && (link.Action != LinkAck && link.Action != LinkResolve) {
			t.Fatalf("accepted %q as %+v", tok, link)
		}
	})
}

// FuzzSMSCommand: any text either is a command with an incident number or
// is refused, without panicking.
func FuzzSMSCommand(f *testing.F) {
	for _, s := range []string{"ACK 123", "res #9", "  Acknowledge 1 ", "hello", "ACK 99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if m := smsCommand().FindStringSubmatch(body); m != nil && len(m[2]) > 18 {
			t.Fatalf("%q: number too long to be an id", body)
		}
	})
}
