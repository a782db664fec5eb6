package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The server's garbage collector settings (see tuneGC).
const (
	// gcHeapFloor is the heap a server may grow to before collecting,
	// whatever little is live.
	gcHeapFloor = 64 << 20
	// gcMaxPercent bounds how far past what is live that floor lets the
	// heap grow: at most five times it.
	gcMaxPercent = 400
	// gcTuneEvery is how often tuneGC looks at the live heap.
	gcTuneEvery = time.Second
)

// gcPercent is the GOGC that lets a heap with live bytes live grow to
// gcHeapFloor, never beyond gcMaxPercent, never below the default 100:
// a small heap collects at 5× what is live, a heap over half the floor at
// the default 2×.
func gcPercent(live uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	p := int((gcHeapFloor - min(live, gcHeapFloor)) * 100 / live)
	return max(100, min(gcMaxPercent, p))
}

// tuneGC sets the collector's percentage from the live heap every
// gcTuneEvery until ctx ends. Under an ingest storm a server keeps 5 to
// 10 MB live and allocates hundreds of MB a second: at the default GOGC
// it collected 45 times a second, about a tenth of its CPU, and each
// collection's stop of the writer showed in latency. Collecting at 5× a
// small live heap (tens of MB) made the webhook phase of bench/run.sh
// 17-20 % faster; a heap that keeps more live falls back to the default,
// so memory stays within about max(2 × live, 64 MB).
func tuneGC(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercent(sample[0].Value.Uint64()))
		}
	}
	set()
	t := time.NewTicker(gcTuneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			set()
		}
	}
}
