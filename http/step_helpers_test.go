package http

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/runner"
	"github.com/quench-sh/quench/shell"
)

// stepSecret is a configured secret: the runner scrubs it from all output.
const stepSecret = "s3cr3t-api-key-value"

// stepRunbook is a runbook whose steps really run on this machine: read
// only ones that print, a slow one to watch while it runs, a failing one,
// and a mutating one that leaves a marker file behind.
func stepRunbook() *quench.Runbook {
	return &quench.Runbook{
		ID: "disk-full", Title: "Disk Full", Category: "Infrastructure & Services",
		Severity: quench.SeverityHigh, Signal: "disk > 85 %",
		Steps: []quench.Step{
			{Name: "usage", Section: quench.SectionDiagnosis, Index: 1, Lang: "sh", Title: "How full is it?",
				Command: `echo "used 91% on $QUENCH_LABEL_INSTANCE"; echo "key=$API_KEY"`, Class: quench.ReadOnly},
			{Name: "slow", Section: quench.SectionDiagnosis, Index: 2, Lang: "sh", Title: "Watch it grow",
				Command: "for i in 1 2 3; do echo tick $i; sleep 0.3; done", Class: quench.ReadOnly},
			{Name: "broken", Section: quench.SectionDiagnosis, Index: 3, Lang: "sh", Title: "A check that fails",
				Command: "echo broken >&2; exit 3", Class: quench.ReadOnly},
			{Name: "clean-tmp", Section: quench.SectionRemediation, Index: 4, Lang: "sh", Title: "Clean temporary files.",
				Command: `touch "$MARKER_DIR/cleaned"`, Confirm: true, Class: quench.Mutating, Reason: "touch: creates or updates files"},
		},
	}
}

// stepEnv is a test server with a real runner running real processes.
type stepEnv struct {
	*testEnv
	runner *runner.Runner
	drills *lazyDrills // drill_test.go
	marker string      // the file clean-tmp creates
	logs   *syncBuffer
}

// newStepEnv opens a server of the dialect with a runner whose local
// target runs the step runbook's commands.
func newStepEnv(t testing.TB, dialect string, opts ...func(*Server)) *stepEnv {
	t.Helper()
	se := &stepEnv{logs: &syncBuffer{}, drills: &lazyDrills{}}
	dir := t.TempDir()
	se.marker = filepath.Join(dir, "cleaned")
	withRunner := func(s *Server) {
		s.Logger = slogTo(se.logs)
		rbs := append(testRunbooks(), stepRunbook())
		s.Runbooks = runbookPack(rbs)
		r := &runner.Runner{
			Incidents: s.Incidents, StepLog: s.Incidents.(quench.StepLog), Audit: s.Audit, ChangeControl: s.ChangeControl, Deploys: s.Deploys,
			Runbooks: s.Runbooks,
			FirstSteps: []quench.Step{{Name: "hello", Section: "First steps", Index: 1, Lang: "sh",
				Title: "Say hello", Command: `echo "hello from incident $QUENCH_INCIDENT_ID"`, Class: quench.ReadOnly}},
			Targets: map[string]shell.Runner{runner.LocalTarget: shell.Local{}},
			Env:     map[string]string{"MARKER_DIR": dir},
			Secrets: map[string]string{"API_KEY": stepSecret},
			Timeout: 20 * time.Second,
			Logger:  s.Logger,
		}
		if err := r.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		se.runner = r
		s.Steps = r
		s.Drills = se.drills
	}
	se.testEnv = newEnv(t, dialect, append([]func(*Server){withRunner}, opts...)...)
	se.openDrills(t)
	return se
}

// openRunbookIncident opens an incident answered by the step runbook.
func (e *testEnv) openRunbookIncident() int64 {
	e.t.Helper()
	n := e.seq.Add(1)
	res, err := e.store.IngestAlerts(context.Background(), []quench.Alert{{
		Source: quench.SourceGeneric, Integration: "test", DedupKey: fmt.Sprintf("disk-%d", n),
		Action: quench.ActionTrigger, Severity: quench.SeverityHigh, Summary: "disk almost full",
		Labels: map[string]string{"instance": "db-1:9100", "evil": "$(touch /tmp/quench-pwned)"}, ReceivedAt: time.Now(),
		RunbookID: "disk-full",
	}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return res[0].IncidentID
}

// markerExists reports whether the mutating step has run.
func (se *stepEnv) markerExists() bool {
	_, err := os.Stat(se.marker)
	return err == nil
}

// runPath is the run route of a step.
func runPath(id int64, step string) string {
	return fmt.Sprintf("/api/v1/incidents/%d/steps/%s/run", id, step)
}

// doHeaders sends one request with extra headers.
func (e *testEnv) doHeaders(method, path, secret string, hdr map[string]string, body []byte) response {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(method, e.srv.URL()+path, rd)
	} else {
		req, err = http.NewRequest(method, e.srv.URL()+path, nil)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		e.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b.Bytes()}
}

// statusOnly sends a request and returns its status and headers without
// reading the body: event streams do not end on their own.
func (e *testEnv) statusOnly(method, path, secret string) response {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL()+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out := response{status: resp.StatusCode, header: resp.Header}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		out.body = b.Bytes()
	}
	return out
}

// sseEvent is one server-sent event as a test reads it; a comment has
// only comment set.
type sseEvent struct {
	name, data, comment string
}

// sseReader reads events from a stream.
type sseReader struct {
	resp *http.Response
	sc   *bufio.Scanner
}

// openStream sends a request that answers with an event stream and
// returns the reader once the headers are in.
func (e *testEnv) openStream(ctx context.Context, method, path string, role quench.TokenRole, body []byte) *sseReader {
	e.t.Helper()
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, method, e.srv.URL()+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req, err = http.NewRequestWithContext(ctx, method, e.srv.URL()+path, nil)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.secrets[role])
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{}).Do(req) // no client timeout: the stream is long-lived
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		e.t.Fatalf("%s %s: %d %s %s", method, path, resp.StatusCode, resp.Header.Get("Content-Type"), b.String())
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	return &sseReader{resp: resp, sc: sc}
}

// next returns the next event or comment; ok is false at the end of the
// stream.
func (r *sseReader) next() (ev sseEvent, ok bool) {
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				return ev, true
			}
		case strings.HasPrefix(line, ":"):
			ev.comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data += line[len("data: "):]
		}
	}
	return ev, false
}

// slogTo logs everything, debug included, as text to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// syncBuffer is a log sink tests can read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
