package runner

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func TestJobQueueOrder(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []quench.Severity
		want []int64 // incident ids (= arrival order) in pop order
	}{
		{"fifo within a severity", []quench.Severity{"high", "high", "high"}, []int64{1, 2, 3}},
		{"most severe first", []quench.Severity{"low", "medium", "critical", "high"}, []int64{3, 4, 2, 1}},
		{"mixed", []quench.Severity{"low", "critical", "low", "critical", ""}, []int64{2, 4, 1, 3, 5}},
		{"unknown severity last", []quench.Severity{"", "low"}, []int64{2, 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var q jobQueue
			for i, sev := range tt.in {
				q.push(job{incidentID: int64(i + 1), severity: sev, seq: uint64(i + 1)})
			}
			var got []int64
			for {
				j, ok := q.pop()
				if !ok {
					break
				}
				got = append(got, j.incidentID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("pop order %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSlotsServeUrgentWaitersFirst(t *testing.T) {
	s := newSlots(1)
	ctx := context.Background()
	if err := s.acquire(ctx, false); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 3)
	wait := func(name string, urgent bool) {
		go func() {
			if err := s.acquire(ctx, urgent); err == nil {
				order <- name
			}
		}()
	}
	wait("normal", false)
	waitQueued(t, s, 0, 1)
	wait("urgent", true)
	waitQueued(t, s, 1, 1)
	s.release()
	if got := <-order; got != "urgent" {
		t.Fatalf("first served %s, want urgent", got)
	}
	s.release()
	if got := <-order; got != "normal" {
		t.Fatalf("then %s, want normal", got)
	}
	s.release()
	if s.free != 1 {
		t.Errorf("free = %d after all released, want 1", s.free)
	}
}

func TestSlotsWaiterGivesUp(t *testing.T) {
	s := newSlots(1)
	s.acquire(context.Background(), false)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.acquire(ctx, true) }()
	waitQueued(t, s, 1, 0)
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("acquire succeeded after its context ended")
	}
	s.release()
	if s.free != 1 || len(s.urgent) != 0 {
		t.Errorf("free %d, urgent waiters %d; want the slot back and no waiter", s.free, len(s.urgent))
	}
	// A normal waiter is not blocked behind an urgent one that gave up.
	if err := s.acquire(context.Background(), false); err != nil {
		t.Fatal(err)
	}
}

func waitQueued(t *testing.T, s *slots, urgent, normal int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		u, n := len(s.urgent), len(s.normal)
		s.mu.Unlock()
		if u == urgent && n == normal {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiters urgent %d normal %d, want %d and %d", u, n, urgent, normal)
		}
		time.Sleep(time.Millisecond)
	}
}
