package runner

import (
	"context"
	"sync"
)

// slots bounds how many step processes run at once. Waiters are served
// in two queues: a person's run (urgent) always gets the next free slot
// before any automatic diagnosis step, so a manual step waits at most for
// one running step to end, never behind a diagnosis backlog.
type slots struct {
	mu     sync.Mutex
	free   int
	urgent []chan struct{}
	normal []chan struct{}
}

func newSlots(n int) *slots { return &slots{free: n} }

// acquire takes a slot, waiting until one is free or ctx ends.
func (s *slots) acquire(ctx context.Context, urgent bool) error {
	s.mu.Lock()
	if s.free > 0 && len(s.urgent) == 0 && (urgent || len(s.normal) == 0) {
		s.free--
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if urgent {
		s.urgent = append(s.urgent, ch)
	} else {
		s.normal = append(s.normal, ch)
	}
	s.mu.Unlock()

	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		removed := s.remove(ch, urgent)
		s.mu.Unlock()
		if !removed {
			// release handed us the slot while we gave up: pass it on.
			<-ch
			s.release()
		}
		return ctx.Err()
	}
}

// remove drops a waiter that gave up; false when release already served it.
func (s *slots) remove(ch chan struct{}, urgent bool) bool {
	q := &s.normal
	if urgent {
		q = &s.urgent
	}
	for i, c := range *q {
		if c == ch {
			*q = append((*q)[:i], (*q)[i+1:]...)
			return true
		}
	}
	return false
}

// release gives the slot to the first urgent waiter, else the first normal
// one, else frees it.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(s.urgent) > 0:
		close(s.urgent[0])
		s.urgent = s.urgent[1:]
	case len(s.normal) > 0:
		close(s.normal[0])
		s.normal = s.normal[1:]
	default:
		s.free++
	}
}
