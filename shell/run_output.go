package shell

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"
)

// Output collects what a command prints the way every Runner must: secrets
// scrubbed first, then streamed to the live writer and kept in a ring of
// the last MaxOutput bytes. It is safe for concurrent use, so a runner may
// feed it stdout and stderr from two goroutines.
type Output struct {
	mu    sync.Mutex
	scrub *Scrubber
	sink  outputSink
}

// NewOutput returns an Output for spec that streams to live (may be nil).
func NewOutput(spec Spec, live io.Writer) *Output {
	limit := spec.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	o := &Output{sink: outputSink{live: live, ring: ring{max: limit}}}
	o.scrub = NewScrubber(&o.sink, spec.Secrets)
	return o
}

// Write takes the command's raw output. It never fails: a live writer that
// fails is dropped so a gone viewer does not stop the command.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.scrub.Write(p) // outputSink never fails
	return len(p), nil
}

// Finish passes on what the scrubber held back and sets r's Output,
// Truncated and OutputSHA256. Call it once, after the last Write.
func (o *Output) Finish(r *Result) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.scrub.Flush()
	r.Output, r.Truncated = o.sink.ring.contents()
	sum := sha256.Sum256(r.Output)
	r.OutputSHA256 = hex.EncodeToString(sum[:])
}

// outputSink receives scrubbed bytes.
type outputSink struct {
	live io.Writer
	ring ring
}

func (s *outputSink) Write(p []byte) (int, error) {
	s.ring.write(p)
	if s.live != nil {
		if _, err := s.live.Write(p); err != nil {
			s.live = nil
		}
	}
	return len(p), nil
}

// ring keeps the last max bytes written and counts all of them.
type ring struct {
	max   int
	buf   []byte // grows to max, then wraps
	next  int    // where the next byte goes once buf is full
	total int64
}

func (r *ring) write(p []byte) {
	r.total += int64(len(p))
	if len(p) > r.max {
		p = p[len(p)-r.max:]
	}
	if room := r.max - len(r.buf); room > 0 {
		n := min(room, len(p))
		r.buf = append(r.buf, p[:n]...)
		p = p[n:]
	}
	for len(p) > 0 {
		n := copy(r.buf[r.next:], p)
		r.next = (r.next + n) % r.max
		p = p[n:]
	}
}

// contents returns the kept tail in order. When bytes were cut it starts
// with a marker saying how many, and the tail starts on a character
// boundary so the cut never leaves half a UTF-8 character.
func (r *ring) contents() ([]byte, bool) {
	if r.total <= int64(len(r.buf)) {
		return append([]byte(nil), r.buf...), false
	}
	tail := make([]byte, 0, len(r.buf))
	tail = append(tail, r.buf[r.next:]...)
	tail = append(tail, r.buf[:r.next]...)
	skip := 0
	for skip < len(tail) && skip < utf8.UTFMax-1 && !utf8.RuneStart(tail[skip]) {
		skip++
	}
	cut := r.total - int64(len(tail)) + int64(skip)
	out := fmt.Appendf(nil, "[… %d bytes cut …]\n", cut)
	return append(out, tail[skip:]...), true
}
