package quench

import (
	"context"
	"log/slog"
	"time"
)

// LeaderFunc asks for the lead of a named singleton job among the servers
// sharing a database (sqldb.DB.TryLeader): ok when granted, until release.
type LeaderFunc func(ctx context.Context, name string) (release func(), ok bool, err error)

// Lead runs fn while this server holds the lead of name: it asks at once
// and then every interval until granted (a nil leader grants at once),
// runs fn until fn returns, gives the lead up and asks again, until ctx
// ends. fn must return when ctx ends.
func Lead(ctx context.Context, leader LeaderFunc, name string, interval time.Duration, log *slog.Logger, fn func(ctx context.Context)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		release, ok, err := func() {}, true, error(nil)
		if leader != nil {
			if release, ok, err = leader(ctx, name); err != nil {
				log.Warn("leader election", "job", name, "err", err)
			}
		}
		if ok {
			fn(ctx)
			release()
		}
		t.Reset(interval)
	}
}
