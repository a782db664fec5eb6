package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// SyncProbe is what a durable store paid for a sync while the load ran: a
// 4 KiB write and fsync in the probe directory every interval. On a shared
// machine a neighbour's I/O can turn a 0.2 ms sync into a second, and a
// store that answers only after its sync (quench) feels that where an
// in-memory peer does not; the probe makes such a run recognisable.
type SyncProbe struct {
	Samples int     `json:"samples"`
	P50ms   float64 `json:"p50_ms"`
	P99ms   float64 `json:"p99_ms"`
	Maxms   float64 `json:"max_ms"`
}

// probeSync samples until ctx ends, or until it has limit samples when
// limit is positive. The file is removed afterwards.
func probeSync(ctx context.Context, dir string, every time.Duration, limit int) (*SyncProbe, error) {
	f, err := os.CreateTemp(dir, "loadgen-sync-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, 4096)
	var lat []time.Duration
	t := time.NewTicker(every)
	defer t.Stop()
	for i := int64(0); limit <= 0 || len(lat) < limit; i++ {
		select {
		case <-ctx.Done():
			return summarizeSync(lat), nil
		case <-t.C:
		}
		start := time.Now()
		// Cycle over 256 blocks so the file stays small.
		if _, err := f.WriteAt(block, (i%256)*int64(len(block))); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(start))
	}
	return summarizeSync(lat), nil
}

// summarizeSync turns sync latencies into the probe's figures.
func summarizeSync(lat []time.Duration) *SyncProbe {
	slices.Sort(lat)
	p := &SyncProbe{Samples: len(lat), P50ms: ms(percentile(lat, 50)), P99ms: ms(percentile(lat, 99))}
	if len(lat) > 0 {
		p.Maxms = ms(lat[len(lat)-1])
	}
	return p
}

// probeDir resolves the -sync-probe flag's directory.
func probeDir(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	return filepath.Abs(dir)
}
