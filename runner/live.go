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

// broker fans the output of running steps out to subscribers without ever
// waiting for one.
type broker struct {
	mu   sync.Mutex
	subs map[int64]map[*subscriber]struct{}
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

// watched reports whether anyone subscribes to the incident, so output
// nobody watches is not copied.
func (b *broker) watched(incidentID int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[incidentID]) > 0
}

// publish sends a chunk to every subscriber of its incident without
// blocking.
func (b *broker) publish(out quench.StepOutput) {
	b.mu.Lock()
	defer b.mu.Unlock()
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
}

func (w *liveWriter) Write(p []byte) (int, error) {
	if w.b.watched(w.incidentID) {
		w.b.publish(quench.StepOutput{IncidentID: w.incidentID, Step: w.step, Data: string(p)})
	}
	if w.extra != nil {
		if _, err := w.extra.Write(p); err != nil {
			w.extra = nil // a gone viewer must not stop the step
		}
	}
	return len(p), nil
}
