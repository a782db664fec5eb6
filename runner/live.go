package runner

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/quench-sh/quench"
)

// SubscriberBuffer is how many output chunks a subscriber may fall behind
// before chunks are dropped for it.
const SubscriberBuffer = 256

// ReplayLimit is how much of a running step's output a new subscriber is
// sent first, so a page opened halfway through a step shows what it already
// printed. Output beyond it still streams live; the replay says how much it
// left out.
const ReplayLimit = 64 << 10

// broker fans the output of running steps out to subscribers without ever
// waiting for one, and keeps the start of each running step's output for
// subscribers that arrive late.
type broker struct {
	mu      sync.Mutex
	subs    map[int64]map[*subscriber]struct{}
	running map[int64]map[*liveWriter]struct{}
}

type subscriber struct {
	ch      chan quench.StepOutput
	dropped int // bytes dropped since the last chunk that got through
}

// Subscribe streams the output of the incident's steps as they run: a
// chunk per write of (scrubbed) output, then a Done chunk carrying the
// finished StepRun, whose Output holds the whole kept output.
//
// A slow subscriber never slows a step: each subscriber has a buffer of
// SubscriberBuffer chunks, and output that does not fit is dropped for that
// subscriber alone; the next chunk that fits starts with a marker saying how
// many bytes were lost. A Done chunk is never dropped: when the buffer is
// full it replaces the oldest waiting chunk. The channel is closed by
// cancel or when ctx ends.
func (r *Runner) Subscribe(ctx context.Context, incidentID int64) (<-chan quench.StepOutput, func()) {
	sub := &subscriber{ch: make(chan quench.StepOutput, SubscriberBuffer)}
	b := &r.live
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[int64]map[*subscriber]struct{}{}
	}
	if b.subs[incidentID] == nil {
		b.subs[incidentID] = map[*subscriber]struct{}{}
	}
	b.subs[incidentID][sub] = struct{}{}
	// Under the same lock as Write, so nothing is sent twice or skipped
	// between the replay and the live chunks.
	for w := range b.running[incidentID] {
		if msg, ok := w.replay(); ok {
			select {
			case sub.ch <- msg:
			default:
				sub.dropped += len(msg.Data)
			}
		}
	}
	b.mu.Unlock()

	var once sync.Once
	cancel := func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(b.subs[incidentID], sub)
			if len(b.subs[incidentID]) == 0 {
				delete(b.subs, incidentID)
			}
			close(sub.ch)
		})
	}
	stop := context.AfterFunc(ctx, cancel)
	return sub.ch, func() {
		stop()
		cancel()
	}
}

// start registers a step's writer as running, so late subscribers get a
// replay of its output.
func (b *broker) start(w *liveWriter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running == nil {
		b.running = map[int64]map[*liveWriter]struct{}{}
	}
	if b.running[w.incidentID] == nil {
		b.running[w.incidentID] = map[*liveWriter]struct{}{}
	}
	b.running[w.incidentID][w] = struct{}{}
}

// finish forgets a step's writer once the step ended; its Done chunk carries
// the whole output from then on.
func (b *broker) finish(w *liveWriter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.running[w.incidentID], w)
	if len(b.running[w.incidentID]) == 0 {
		delete(b.running, w.incidentID)
	}
	w.seen = nil
}

// publish sends a chunk to every subscriber of its incident without
// blocking.
func (b *broker) publish(out quench.StepOutput) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.publishLocked(out)
}

func (b *broker) publishLocked(out quench.StepOutput) {
	for sub := range b.subs[out.IncidentID] {
		if out.Done {
			if len(sub.ch) == cap(sub.ch) {
				select {
				case <-sub.ch: // make room: the Done chunk carries all output
				default:
				}
			}
			sub.ch <- out // room is certain: only publish sends, under mu
			continue
		}
		msg := out
		if sub.dropped > 0 {
			msg.Data = fmt.Sprintf("[… %d bytes not shown: reader too slow …]\n", sub.dropped) + out.Data
		}
		select {
		case sub.ch <- msg:
			sub.dropped = 0
		default:
			sub.dropped += len(out.Data)
		}
	}
}

// liveWriter is the io.Writer a step's runner streams scrubbed output to:
// it publishes chunks to subscribers and copies them to the asker's own
// writer, if any.
type liveWriter struct {
	b          *broker
	incidentID int64
	step       string
	extra      io.Writer // RunStep's req.Live; written synchronously

	// Guarded by b.mu: the first ReplayLimit bytes of output, and how many
	// bytes after them a replay leaves out.
	seen    []byte
	skipped int
}

// replay is the chunk a late subscriber starts with; b.mu is held.
func (w *liveWriter) replay() (quench.StepOutput, bool) {
	if len(w.seen) == 0 {
		return quench.StepOutput{}, false
	}
	data := string(w.seen)
	if w.skipped > 0 {
		data += fmt.Sprintf("[… %d bytes not shown: the step printed them before this page opened …]\n", w.skipped)
	}
	return quench.StepOutput{IncidentID: w.incidentID, Step: w.step, Data: data}, true
}

func (w *liveWriter) Write(p []byte) (int, error) {
	w.b.mu.Lock()
	if room := ReplayLimit - len(w.seen); room >= len(p) && w.skipped == 0 {
		w.seen = append(w.seen, p...)
	} else {
		w.skipped += len(p)
	}
	if len(w.b.subs[w.incidentID]) > 0 {
		w.b.publishLocked(quench.StepOutput{IncidentID: w.incidentID, Step: w.step, Data: string(p)})
	}
	w.b.mu.Unlock()
	if w.extra != nil {
		if _, err := w.extra.Write(p); err != nil {
			w.extra = nil // a gone viewer must not stop the step
		}
	}
	return len(p), nil
}
