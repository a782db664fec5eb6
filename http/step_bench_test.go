package http

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/quench-sh/quench"
)

// BenchmarkStepRun measures one read-only step run through the API, from
// request to answer: authentication, the runner's checks, a real bash
// process, the timeline and audit writes. With /stream the output comes
// as server-sent events.
func BenchmarkStepRun(b *testing.B) {
	e := newStepEnv(b, "sqlite")
	id := e.openRunbookIncident()
	for _, bc := range []struct{ name, query string }{{"json", ""}, {"stream", "?stream=1"}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				got := e.post(runPath(id, "usage")+bc.query, quench.RoleResponder, []byte(`{}`))
				if got.status != 200 || !bytes.Contains(got.body, []byte("used 91%")) {
					b.Fatalf("run: %s", got)
				}
			}
		})
	}
}

// BenchmarkLiveOutput measures turning a step's output into events: 4 KiB
// writes, each split on a UTF-8 boundary, JSON-encoded and flushed.
func BenchmarkLiveOutput(b *testing.B) {
	chunk := bytes.Repeat([]byte("2026-11-26T03:00:00Z api error: connection refused — retrying\n"), 64)[:4096]
	rec := httptest.NewRecorder()
	live := newLiveOutput(newSSEStream(rec), 1, "logs")
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		live.Write(chunk)
		if rec.Body.Len() > 1<<20 {
			rec.Body.Reset()
		}
	}
}
