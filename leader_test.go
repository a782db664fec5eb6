package quench_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

// A job stops when its lease is lost, gives the lead up, and runs again
// once the lead is granted again.
func TestLeadStopsWhenLeaseLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lost := make(chan struct{})
	var asks, released atomic.Int32
	leader := func(context.Context, string) (*quench.Lease, error) {
		switch asks.Add(1) {
		case 1:
			return &quench.Lease{Lost: lost, Release: func() { released.Add(1) }}, nil
		case 2:
			return nil, nil // another server leads now
		default:
			return &quench.Lease{Release: func() { released.Add(1) }}, nil
		}
	}
	runs := make(chan int, 3)
	var n int
	quench.Lead(ctx, leader, "job", time.Millisecond, slog.New(slog.DiscardHandler), func(jobCtx context.Context) {
		n++
		runs <- n
		if n == 1 {
			close(lost)
			<-jobCtx.Done() // must end although ctx has not
			return
		}
		cancel()
	})
	if got := len(runs); got != 2 {
		t.Fatalf("the job ran %d times, want 2 (before the loss and after the lead came back)", got)
	}
	if asks.Load() != 3 || released.Load() != 2 {
		t.Errorf("asked %d times, released %d leases; want 3 and 2", asks.Load(), released.Load())
	}
}
