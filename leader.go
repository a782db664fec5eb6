package quench

import (
	"context"
	"log/slog"
	"time"
)

// Lease is the lead of a named singleton job, held until Release.
type Lease struct {
	// Lost is closed when the lead can no longer be vouched for: the
	// database session that holds it failed, so another server may take
	// the lead at any moment. The job must stop at once. nil never closes.
	Lost <-chan struct{}
	// Release gives the lead up; calling it more than once is harmless.
	Release func()
}

// LeaderFunc asks for the lead of a named singleton job among the servers
// sharing a database (sqldb.DB.TryLeader): a lease when granted, nil when
// another server leads.
type LeaderFunc func(ctx context.Context, name string) (*Lease, error)

// Lead runs fn while this server holds the lead of name: it asks at once
// and then every interval until granted (a nil leader grants at once),
// runs fn until fn returns or the lease is lost (fn's context ends then),
// gives the lead up and asks again, until ctx ends. fn must return when
// its context ends.
func Lead(ctx context.Context, leader LeaderFunc, name string, interval time.Duration, log *slog.Logger, fn func(ctx context.Context)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lease := &Lease{Release: func() {}}
		if leader != nil {
			var err error
			if lease, err = leader(ctx, name); err != nil {
				log.Warn("leader election", "job", name, "err", err)
			}
		}
		if lease != nil {
			runLeased(ctx, lease, name, log, fn)
		}
		t.Reset(interval)
	}
}

// runLeased runs fn under lease, ending fn's context when the lease is
// lost: two servers must never both run a job that pages people.
func runLeased(ctx context.Context, lease *Lease, name string, log *slog.Logger, fn func(ctx context.Context)) {
	defer lease.Release()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-lease.Lost:
			log.Warn("lost the lead: its database session failed; stopping until it is granted again", "job", name)
			cancel()
		case <-runCtx.Done():
		}
	}()
	fn(runCtx)
}
