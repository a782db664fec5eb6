package heartbeat

import (
	"container/heap"
	"time"
)

// dueHeap holds each heartbeat's deadline, earliest first; a heartbeat is
// in it at most once. Not safe for concurrent use: Monitor guards it.
type dueHeap struct {
	items []*dueItem
	index map[string]*dueItem
}

type dueItem struct {
	name string
	due  time.Time
	pos  int
}

func newDueHeap() *dueHeap { return &dueHeap{index: map[string]*dueItem{}} }

// set puts name's deadline at due, replacing any it had.
func (h *dueHeap) set(name string, due time.Time) {
	if it, ok := h.index[name]; ok {
		it.due = due
		heap.Fix(h, it.pos)
		return
	}
	it := &dueItem{name: name, due: due}
	h.index[name] = it
	heap.Push(h, it)
}

// remove drops name's deadline, if it has one.
func (h *dueHeap) remove(name string) {
	if it, ok := h.index[name]; ok {
		heap.Remove(h, it.pos)
		delete(h.index, name)
	}
}

// next returns the earliest deadline; ok is false when there is none.
func (h *dueHeap) next() (time.Time, bool) {
	if len(h.items) == 0 {
		return time.Time{}, false
	}
	return h.items[0].due, true
}

// popDue removes and returns the heartbeats due at or before now.
func (h *dueHeap) popDue(now time.Time) []string {
	var out []string
	for len(h.items) > 0 && !h.items[0].due.After(now) {
		it := heap.Pop(h).(*dueItem)
		delete(h.index, it.name)
		out = append(out, it.name)
	}
	return out
}

// reset empties the heap.
func (h *dueHeap) reset() {
	h.items = h.items[:0]
	clear(h.index)
}

// heap.Interface; call the methods above, not these.
func (h *dueHeap) Len() int           { return len(h.items) }
func (h *dueHeap) Less(i, j int) bool { return h.items[i].due.Before(h.items[j].due) }
func (h *dueHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].pos, h.items[j].pos = i, j
}
func (h *dueHeap) Push(x any) {
	it := x.(*dueItem)
	it.pos = len(h.items)
	h.items = append(h.items, it)
}
func (h *dueHeap) Pop() any {
	n := len(h.items)
	it := h.items[n-1]
	h.items[n-1] = nil
	h.items = h.items[:n-1]
	return it
}
