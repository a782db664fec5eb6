package heartbeat_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/heartbeat"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// committed wraps the alert pipeline and notes when each heartbeat's
// trigger was committed (SubmitAlerts returned).
type committed struct {
	quench.AlertService
	mu sync.Mutex
	at map[string]time.Time
}

func (c *committed) SubmitAlerts(ctx context.Context, alerts []quench.Alert) ([]quench.IngestResult, error) {
	res, err := c.AlertService.SubmitAlerts(ctx, alerts)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, a := range alerts {
		if err == nil && a.Action == quench.ActionTrigger && res[i].Outcome == quench.OutcomeOpened {
			c.at[a.Check] = now
		}
	}
	return res, err
}

// BenchmarkLateness measures how late a missed heartbeat's incident is
// committed after its deadline (period + grace): n heartbeats whose
// deadlines are spread over three seconds once the monitor runs, on the
// real SQLite store. Run with -benchtime=1x: one round is one sample of n
// deadlines. Reports p50, p99 and max lateness in milliseconds.
// bench/heartbeats.sh runs it; bench/RESULTS-heartbeats.md has figures.
func BenchmarkLateness(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("heartbeats=%d", n), func(b *testing.B) {
			var all []time.Duration
			for range b.N {
				all = append(all, latenessRound(b, n)...)
			}
			slices.Sort(all)
			q := func(p float64) float64 {
				return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(float64(all[len(all)-1])/float64(time.Millisecond), "max-ms")
		})
	}
}

func latenessRound(b *testing.B, n int) []time.Duration {
	b.StopTimer()
	db := sqldbtest.Open(b, sqldb.DialectSQLite)
	incidents := sqldb.NewIncidentService(db)
	store := sqldb.NewHeartbeatService(db)
	c := &committed{AlertService: newEnvAlerts(b, db, incidents), at: map[string]time.Time{}}
	const period, grace = time.Hour, time.Second
	// The first deadline comes after the setup (one write per heartbeat).
	start := time.Now().Add(2*time.Second + time.Duration(n)*10*time.Millisecond)
	due := map[string]time.Time{}
	var cfgs []heartbeat.Config
	ctx := context.Background()
	for i := range n {
		name := fmt.Sprintf("job-%04d", i)
		d := start.Add(time.Duration(i) * 3 * time.Second / time.Duration(n))
		// Truncated as the store keeps times, so the deadline is exact.
		seen := d.Add(-period - grace).UTC().Truncate(time.Microsecond)
		if _, err := store.EnsureHeartbeat(ctx, name, "secret-"+name, seen); err != nil {
			b.Fatal(err)
		}
		due[name] = seen.Add(period + grace)
		cfgs = append(cfgs, heartbeat.Config{Name: name, Period: period, Grace: grace, Severity: quench.SeverityLow})
	}
	m := &heartbeat.Monitor{Store: store, Alerts: c, Incidents: incidents}
	b.StartTimer()
	if err := m.Open(ctx, cfgs); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if time.Now().After(start) {
		b.Fatalf("the setup outlasted the first deadline: lateness would count a backlog")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.at)
		c.mu.Unlock()
		if got == n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d heartbeats alerted", got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	out := make([]time.Duration, 0, n)
	for name, at := range c.at {
		out = append(out, at.Sub(due[name]))
	}
	return out
}
