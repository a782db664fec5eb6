package escalate

import (
	"container/heap"
	"time"
)

// timerKind says what a due time is for.
type timerKind uint8

const (
	timerStep    timerKind = iota + 1 // an incident's next escalation step
	timerSend                         // a notification's due time (first try or retry)
	timerSummary                      // a person's storm summary
)

// timer is one entry of the engine's heap. Entries are never removed when
// plans change; a stale one is recognised by its generation and skipped.
type timer struct {
	at       time.Time
	kind     timerKind
	incident int64
	key      string // notification key or person id
	gen      uint64
}

// timerHeap orders timers by due time: the engine sleeps until the first
// one, instead of waking every few seconds to look.
type timerHeap []timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	*h = old[:n-1]
	return t
}

func (h *timerHeap) add(t timer) { heap.Push(h, t) }

// popDue removes and returns the first timer if it is due at now.
func (h *timerHeap) popDue(now time.Time) (timer, bool) {
	if len(*h) == 0 || (*h)[0].at.After(now) {
		return timer{}, false
	}
	return heap.Pop(h).(timer), true
}

// next returns the first due time, or false when the heap is empty.
func (h timerHeap) next() (time.Time, bool) {
	if len(h) == 0 {
		return time.Time{}, false
	}
	return h[0].at, true
}
