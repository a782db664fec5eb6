package http

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/quench-sh/quench"
)

// DefaultHeartbeat is how often an idle event stream sends a comment, so
// proxies and load balancers do not cut a quiet connection.
const DefaultHeartbeat = 15 * time.Second

// Server-sent event names.
const (
	eventOutput = "output" // a chunk of a running step's output
	eventDone   = "done"   // a step finished; data carries its run
	eventError  = "error"  // the run failed after the stream began
)

// sseStream writes server-sent events. Its headers go out with the first
// event or comment, so a handler can still answer with a plain JSON error
// while nothing has been sent. It is safe for concurrent use: the runner's
// output and the heartbeat write from different goroutines.
type sseStream struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	failed  bool // a write failed: the client went away
}

func newSSEStream(w http.ResponseWriter) *sseStream {
	rc := http.NewResponseController(w)
	// A stream lives as long as the step or the client; the server's
	// write timeout is meant for ordinary answers.
	_ = rc.SetWriteDeadline(time.Time{})
	return &sseStream{w: w, rc: rc}
}

// startLocked sends the headers once.
func (s *sseStream) startLocked() {
	if s.started {
		return
	}
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events through at once
	s.w.WriteHeader(http.StatusOK)
}

// writeLocked writes one block and flushes it, remembering a failure so
// later writes stop early.
func (s *sseStream) writeLocked(b []byte) bool {
	if s.failed {
		return false
	}
	s.startLocked()
	if _, err := s.w.Write(b); err != nil {
		s.failed = true
		return false
	}
	if err := s.rc.Flush(); err != nil {
		s.failed = true
		return false
	}
	return true
}

// start sends the headers now, so the client knows the stream is open.
func (s *sseStream) start() bool { return s.write(nil) }

func (s *sseStream) write(b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(b)
}

// event sends one event whose data is v as JSON. JSON never holds a raw
// newline, so the data is always a single line.
func (s *sseStream) event(name string, v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		return false
	}
	b := make([]byte, 0, len(name)+len(data)+16)
	b = append(b, "event: "...)
	b = append(b, name...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	return s.write(b)
}

// heartbeat sends a comment line, which every client ignores.
func (s *sseStream) heartbeat() bool { return s.write([]byte(": heartbeat\n\n")) }

// isStarted reports whether headers went out.
func (s *sseStream) isStarted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// liveOutput turns a step's raw output into output events. It keeps an
// incomplete UTF-8 sequence at the end of a chunk for the next one, so a
// character split across two writes is not mangled into U+FFFD. It never
// reports an error: a client that went away must not disturb the step.
type liveOutput struct {
	stream  *sseStream
	inc     int64
	step    string
	mu      sync.Mutex
	pending []byte
	done    bool // the run returned: later writes are dropped

	acceptOnce sync.Once
	accepted   chan struct{} // closed when the runner accepted the step
}

var _ quench.StepAcceptNotifier = (*liveOutput)(nil)

func newLiveOutput(stream *sseStream, inc int64, step string) *liveOutput {
	return &liveOutput{stream: stream, inc: inc, step: step, accepted: make(chan struct{})}
}

// StepAccepted is the runner saying the step passed its checks.
func (l *liveOutput) StepAccepted() { l.acceptOnce.Do(func() { close(l.accepted) }) }

func (l *liveOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return len(p), nil
	}
	buf := p
	if len(l.pending) > 0 {
		buf = append(l.pending, p...)
	}
	cut := utf8Boundary(buf)
	// At most three bytes wait; copy them, since p is the caller's.
	l.pending = append([]byte(nil), buf[cut:]...)
	if cut > 0 {
		l.stream.event(eventOutput, quench.StepOutput{IncidentID: l.inc, Step: l.step, Data: string(buf[:cut])})
	}
	return len(p), nil
}

// finish sends what is left, complete or not, and drops any write that
// comes after the run returned.
func (l *liveOutput) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true
	if len(l.pending) > 0 {
		l.stream.event(eventOutput, quench.StepOutput{IncidentID: l.inc, Step: l.step, Data: string(l.pending)})
		l.pending = nil
	}
}

// utf8Boundary returns the length of b without a trailing incomplete UTF-8
// sequence. Invalid bytes count as complete: they cannot become valid.
func utf8Boundary(b []byte) int {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return len(b) // ASCII ends the scan: nothing is pending
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return len(b) - i
			}
			return len(b)
		}
	}
	return len(b)
}
