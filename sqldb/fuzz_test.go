package sqldb_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// FuzzClean: whatever comes in, what is stored is valid UTF-8 without NUL,
// text that was already safe is untouched, and cleaning is idempotent.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", "a\x00b", "caf\xe9", "\xff\xfe\xfd", "日本語", "\xed\xa0\x80", "\x00", "ok\u202e", "\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sqldb.Clean(s)
		if !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Fatalf("Clean(%q) = %q: invalid UTF-8 or NUL", s, got)
		}
		if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 && got != s {
			t.Fatalf("Clean(%q) = %q: safe text changed", s, got)
		}
		if again := sqldb.Clean(got); again != got {
			t.Fatalf("Clean is not idempotent: %q then %q", got, again)
		}
	})
}

// FuzzIngestRoundTrip sends alerts with arbitrary keys, labels and
// summaries through a real SQLite store: nothing fails, a repeat of the
// same alert deduplicates, and what comes back is what was sent, cleaned.
func FuzzIngestRoundTrip(f *testing.F) {
	f.Add("fp-1", "instance", "api-1:9100", "Disk almost full")
	f.Add("k\x00\xff", "ke\xffy", "v\x00\x1b[31m$(id)", "sum\xe9")
	f.Add("日本", "", "", "")
	f.Add(" ", "a", strings.Repeat("x", 4096), strings.Repeat("é", 600))
	db := sqldbtest.Open(f, sqldb.DialectSQLite)
	s := sqldb.NewIncidentService(db)
	f.Fuzz(func(t *testing.T, key, lk, lv, summary string) {
		if key == "" || len(key) > quench.MaxDedupKeyBytes {
			return // refused up front, tested elsewhere
		}
		a := quench.Alert{Source: quench.SourceGeneric, Integration: "fuzz", DedupKey: key, Action: quench.ActionTrigger,
			Severity: quench.SeverityLow, Summary: summary, Labels: map[string]string{lk: lv}}
		res, err := s.IngestAlerts(ctxT(t), []quench.Alert{a, a}, nil)
		if err != nil {
			t.Fatalf("IngestAlerts: %v", err)
		}
		if res[1].IncidentID != res[0].IncidentID || res[1].Outcome != quench.OutcomeDeduplicated {
			t.Fatalf("repeat did not deduplicate: %+v", res)
		}
		in, err := s.FindIncident(ctxT(t), res[0].IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		if in.DedupKey != sqldb.Clean(key) || in.Labels[sqldb.Clean(lk)] != sqldb.Clean(lv) || len(in.Labels) != 1 {
			t.Fatalf("round trip: key %q labels %q", in.DedupKey, in.Labels)
		}
		kept := strings.TrimSuffix(in.Summary, "…")
		if in.Summary != sqldb.Clean(summary) && kept == in.Summary || !strings.HasPrefix(sqldb.Clean(summary), kept) ||
			len(in.Summary) > quench.MaxSummaryBytes || !utf8.ValidString(in.Summary) {
			t.Fatalf("summary %q from %q", in.Summary, summary)
		}
		// Resolve, so the next input with this key opens afresh.
		a.Action = quench.ActionResolve
		if _, err := s.IngestAlerts(ctxT(t), []quench.Alert{a}, nil); err != nil {
			t.Fatal(err)
		}
	})
}
