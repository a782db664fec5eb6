package http

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
