package http

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/quench-sh/quench"
)

// writeAccepted writes the bytes writeJSON writes for the same answer.
func TestWriteAcceptedMatchesWriteJSON(t *testing.T) {
	for _, key := range []string{"", "db-1", "a\"b", `back\slash`, "<html>&", "tab\there", "ünï\u2028", "\x00\x7f", "\xff"} {
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusAccepted, pagerDutyAnswer{Status: "success", Message: "Event processed", DedupKey: key})
		got := httptest.NewRecorder()
		writeAccepted(got, key)
		if got.Code != want.Code || got.Body.String() != want.Body.String() ||
			got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Errorf("key %q: got %d %q, want %d %q", key, got.Code, got.Body.String(), want.Code, want.Body.String())
		}
	}
}

// writeIngestResponse writes the bytes writeJSON writes for the same
// answer.
func TestWriteIngestResponseMatchesWriteJSON(t *testing.T) {
	for _, results := range [][]quench.IngestResult{
		nil,
		{{IncidentID: 7, Outcome: quench.OutcomeOpened, DedupKey: "fp-1"}},
		{
			{IncidentID: 7, Outcome: quench.OutcomeOpened, DedupKey: "a\"b<&>"},
			{Outcome: quench.OutcomeIgnored, DedupKey: "\xff\x00 ünï"},
			{IncidentID: 7, Outcome: quench.OutcomeDeduplicated, DedupKey: "fp-1"},
			{IncidentID: 12, Outcome: quench.OutcomeResolved, DedupKey: "x\u2028y"},
		},
	} {
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusOK, summarize(results))
		got := httptest.NewRecorder()
		writeIngestResponse(got, summarize(results))
		if got.Code != want.Code || got.Body.String() != want.Body.String() ||
			got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Errorf("got %d %q, want %d %q", got.Code, got.Body.String(), want.Code, want.Body.String())
		}
	}
}
