// Package inmem holds in-memory implementations of quench's services, for
// one instance: the incident event bus. Storage-backed implementations live
// in sqldb.
package inmem

import (
	"context"
	"sync"

	"github.com/quench-sh/quench"
)

// DefaultBuffer is how many events a subscriber may have waiting before it
// starts losing them (and is told so on Lagged).
const DefaultBuffer = 1024

// EventService is an in-memory event bus: Publish delivers to every
// subscription of this process, never blocking on a slow one.
type EventService struct {
	// Buffer is each subscription's capacity; 0 means DefaultBuffer. Set
	// it before the first Subscribe.
	Buffer int

	mu   sync.Mutex
	subs map[*subscription]struct{}
}

var _ quench.EventService = (*EventService)(nil)

// NewEventService returns an event bus whose subscriptions hold up to
// buffer events each (0: DefaultBuffer).
func NewEventService(buffer int) *EventService { return &EventService{Buffer: buffer} }

// Publish delivers events to every current subscription in order. A
// subscription whose buffer is full loses the event and is signalled on
// its Lagged channel instead.
func (s *EventService) Publish(_ context.Context, events ...quench.IncidentEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		for _, ev := range events {
			select {
			case sub.events <- ev:
			default:
				select {
				case sub.lagged <- struct{}{}:
				default: // already told
				}
			}
		}
	}
	return nil
}

// Subscribe registers a subscription that ends with Close or with ctx.
func (s *EventService) Subscribe(ctx context.Context) (quench.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := s.Buffer
	if n <= 0 {
		n = DefaultBuffer
	}
	sub := &subscription{svc: s, events: make(chan quench.IncidentEvent, n), lagged: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.subs == nil {
		s.subs = make(map[*subscription]struct{})
	}
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	// Under the lock Close reads it with: ctx may end, and Close run,
	// before AfterFunc returns.
	stop := context.AfterFunc(ctx, sub.Close)
	s.mu.Lock()
	sub.stop = stop
	s.mu.Unlock()
	return sub, nil
}

// Lag tells every current subscription that it missed events (on its
// Lagged channel), as when events of another instance were lost on the
// way: each subscriber reloads what it tracks from the store.
func (s *EventService) Lag() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		select {
		case sub.lagged <- struct{}{}:
		default: // already told
		}
	}
}

// Subscribers returns how many subscriptions are open, for metrics and
// tests.
func (s *EventService) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

type subscription struct {
	svc    *EventService
	events chan quench.IncidentEvent
	lagged chan struct{}
	stop   func() bool
	once   sync.Once
}

func (sub *subscription) Events() <-chan quench.IncidentEvent { return sub.events }
func (sub *subscription) Lagged() <-chan struct{}             { return sub.lagged }

// Close unregisters the subscription and closes Events. Publish holds the
// same lock while it sends, so nothing is sent on a closed channel.
func (sub *subscription) Close() {
	sub.once.Do(func() {
		sub.svc.mu.Lock()
		stop := sub.stop
		delete(sub.svc.subs, sub)
		close(sub.events)
		sub.svc.mu.Unlock()
		if stop != nil {
			stop()
		}
	})
}
