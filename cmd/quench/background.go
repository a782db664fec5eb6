package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// runInBackground starts each job, and reload on every SIGHUP, in
// goroutines that outlive ctx's cancellation (serve stops them itself, in
// order): stop cancels them and waits until they have returned.
func runInBackground(ctx context.Context, reload func(ctx context.Context), jobs ...func(ctx context.Context)) (stop func()) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, job := range jobs {
		wg.Go(func() { job(runCtx) })
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	wg.Go(func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-runCtx.Done():
				return
			case <-hup:
				reload(runCtx)
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}
