package runner

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// BenchmarkDiagnosisStartLatency measures, per incident, the time from
// IngestAlerts returning (the incident is committed) to the first
// diagnosis command running: the first step prints `date +%s%N`, the
// process's own clock reading. Incidents arrive one after another at a
// steady rate, 5 and 20 a second, each with a diagnosis of three steps (one
// sleeping 50 ms), so earlier diagnoses are still running when the next
// incident opens.
//
//	go test -run='^$' -bench='DiagnosisStartLatency|ProcessStartBaseline' -benchtime=400x ./runner
//
// Every step runs in the Landlock sandbox (started by its launcher, as
// quench serve does) where the kernel allows it; sandbox=off runs the
// same without it, for comparison in the same run.
func BenchmarkDiagnosisStartLatency(b *testing.B) {
	for _, rate := range []int{5, 20} {
		for _, sandboxed := range []bool{true, false} {
			name := fmt.Sprintf("rate=%d/s/sandbox=on", rate)
			if !sandboxed {
				name = fmt.Sprintf("rate=%d/s/sandbox=off", rate)
			}
			b.Run(name, func(b *testing.B) {
				startLatency(b, time.Second/time.Duration(rate), sandboxed)
			})
		}
	}
}

func startLatency(b *testing.B, interval time.Duration, sandboxed bool) {
	e := newEnv(b, testPack{
		first: []firstStep{{name: "stamp", command: "date +%s%N"}, {name: "look", command: "sleep 0.05"}},
		diagnosis: []block{
			{`{"name": "more"}`, "echo $QUENCH_LABEL_ALERTNAME"},
		},
	}, func(r *Runner) {
		r.Workers = 4
		if !sandboxed {
			r.Sandbox = SandboxOff
		}
	})
	if _, err := e.r.Targets[LocalTarget].(shell.Local).Confinement(); sandboxed && err != nil {
		b.Skipf("the sandbox does not work here: %v", err)
	}
	sub, err := e.events.Subscribe(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	var fromProcess, fromRunner []time.Duration
	next := time.Now()
	for b.Loop() {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		alert := quench.Alert{
			Source: quench.SourceGeneric, Integration: "bench", DedupKey: fmt.Sprintf("lat-%d", e.seq.Add(1)),
			Action: quench.ActionTrigger, Severity: quench.SeverityHigh, Summary: "latency",
			Labels: map[string]string{"alertname": "TestAlert"}, ReceivedAt: time.Now(), RunbookID: "test-rb",
		}
		res, err := e.incident.IngestAlerts(context.Background(), []quench.Alert{alert}, nil)
		if err != nil {
			b.Fatal(err)
		}
		committed := time.Now()
		for ev := range sub.Events() {
			if ev.Kind != quench.IncidentStepFinished || ev.Step != "stamp" || ev.IncidentID != res[0].IncidentID {
				continue
			}
			run := e.finished(res[0].IncidentID, "stamp")
			ns, err := strconv.ParseInt(strings.TrimSpace(run.Output), 10, 64)
			if err != nil {
				b.Fatalf("stamp output %q: %v", run.Output, err)
			}
			fromProcess = append(fromProcess, time.Unix(0, ns).Sub(committed))
			fromRunner = append(fromRunner, run.StartedAt.Sub(committed))
			break
		}
	}
	b.StopTimer()
	p50, p99, worst := percentiles(fromProcess)
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(worst), "max-ms")
	r50, r99, _ := percentiles(fromRunner)
	b.Logf("%d incidents at one per %v: commit → first command running (its own clock): p50 %.2f ms, p99 %.2f ms, max %.2f ms; "+
		"commit → process started (runner's clock): p50 %.2f ms, p99 %.2f ms",
		len(fromProcess), interval, ms(p50), ms(p99), ms(worst), ms(r50), ms(r99))
}

// BenchmarkProcessStartBaseline is the floor under
// BenchmarkDiagnosisStartLatency on this machine: the same `date +%s%N`
// started directly with shell.Local at the same rate, no store, no
// runner. Run them back to back: on a busy machine both tails move
// together.
//
//	go test -run='^$' -bench='DiagnosisStartLatency|ProcessStartBaseline' -benchtime=400x ./runner
func BenchmarkProcessStartBaseline(b *testing.B) {
	const interval = 50 * time.Millisecond
	var lat []time.Duration
	next := time.Now()
	for b.Loop() {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		t0 := time.Now()
		res, err := shell.Local{}.Run(context.Background(), shell.Spec{Script: "date +%s%N"}, nil)
		if err != nil {
			b.Fatal(err)
		}
		ns, _ := strconv.ParseInt(strings.TrimSpace(string(res.Output)), 10, 64)
		lat = append(lat, time.Unix(0, ns).Sub(t0))
	}
	p50, p99, worst := percentiles(lat)
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(worst), "max-ms")
}

func percentiles(ds []time.Duration) (p50, p99, worst time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.99), s[len(s)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// TestDiagnosisBurst opens 200 incidents in one burst (50 with -short;
// BenchmarkDiagnosisBurst opens 1,000)
// from 50 concurrent ingest callers, each alert its own IngestAlerts
// call, as HTTP requests would be; the runner hears of them through the
// incident events. Every diagnosis (three steps each) must complete, and
// the processes running at once must never exceed Workers (the runner's
// gauge and, from outside, the process groups in /proc). It logs the
// total time and the peak memory.
//
//	go test -run=DiagnosisBurst -v ./runner
func TestDiagnosisBurst(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 50
	}
	burst(t, n, true)
}

// BenchmarkDiagnosisBurst is TestDiagnosisBurst as a benchmark, reporting
// its figures as metrics.
//
//	go test -run='^$' -bench=DiagnosisBurst -benchtime=1x ./runner
//
// Beside the burst's steps per second it reports the bare rate of this
// machine now: the same step commands, as many as the burst ran, started
// by shell.Local as many at a time as the runner's workers, with no
// store, runner or sandbox. The closer the two, the less the store and
// the runner limit a burst.
func BenchmarkDiagnosisBurst(b *testing.B) {
	for b.Loop() {
		const n = 1000
		f := burst(b, n, false)
		bare := bareStartRate(b, 3*n, burstWorkers)
		b.ReportMetric(3*n/f.total.Seconds(), "steps/s")
		b.ReportMetric(bare, "bare-steps/s")
		b.ReportMetric(f.total.Seconds(), "total-s")
		b.ReportMetric(float64(f.heapPeak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(f.vmHWM)/(1<<20), "VmHWM-MiB")
		b.ReportMetric(float64(f.maxRunning), "max-procs")
	}
}

type burstFigures struct {
	total      time.Duration
	heapPeak   uint64
	vmHWM      uint64
	maxRunning int64
}

// burstWorkers is the runner's Workers in a burst.
const burstWorkers = 4

// burstSteps are the commands of a burst's diagnosis, in order.
var burstSteps = []string{"echo first step for $QUENCH_INCIDENT_ID", "true", "env | grep '^QUENCH_LABEL_'"}

// burst opens n incidents at once and waits for their diagnoses. With
// sample, a sampler also counts step processes in /proc every
// millisecond: it takes most of a core, so the benchmark, which measures
// throughput, leaves it out and reports the runner's own gauge.
func burst(tb testing.TB, n int, sample bool) burstFigures {
	const workers = burstWorkers
	marker := "BURST_MARK=" + randomMarker()
	e := newEnv(tb, testPack{
		first: []firstStep{{name: "first", command: burstSteps[0]}},
		diagnosis: []block{
			{`{"name": "quiet"}`, burstSteps[1]},
			{`{"name": "labels"}`, burstSteps[2]},
		},
	}, func(r *Runner) {
		r.Workers = workers
		r.Env["BURST_MARK"] = strings.TrimPrefix(marker, "BURST_MARK=")
	})
	runtime.GC()
	var heapPeak atomic.Uint64
	stopMem := make(chan struct{})
	var memWG sync.WaitGroup
	memWG.Add(1)
	go func() {
		defer memWG.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > heapPeak.Load() {
				heapPeak.Store(ms.HeapInuse)
			}
			select {
			case <-stopMem:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var procs *procSampler
	if sample {
		procs = startProcSampler(marker)
	}

	start := time.Now()
	const callers = 50
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < n; i += callers {
				alert := quench.Alert{
					Source: quench.SourceGeneric, Integration: "burst", DedupKey: fmt.Sprintf("burst-%d", i),
					Action: quench.ActionTrigger, Severity: quench.Severities[i%4], Summary: "burst",
					Labels: map[string]string{"alertname": "TestAlert", "n": strconv.Itoa(i)}, ReceivedAt: time.Now(), RunbookID: "test-rb",
				}
				if _, err := e.incident.IngestAlerts(context.Background(), []quench.Alert{alert}, nil); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	ingested := time.Since(start)
	deadline := time.Now().Add(10 * time.Minute)
	for e.r.Stats().Diagnosed < int64(n) {
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d diagnoses done after 10 minutes", e.r.Stats().Diagnosed, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	total := time.Since(start)
	var maxProcs int64
	if procs != nil {
		maxProcs = procs.Stop()
	}
	close(stopMem)
	memWG.Wait()

	st := e.r.Stats()
	f := burstFigures{total: total, heapPeak: heapPeak.Load(), vmHWM: vmHWM(), maxRunning: st.MaxRunning}
	tb.Logf("burst of %d incidents, %d workers: ingested in %v, all diagnosed in %v (%.0f steps/s); "+
		"max processes: gauge %d, seen in /proc %d; peak heap in use %.1f MiB, VmHWM %.1f MiB (test process, store included)",
		n, workers, ingested.Round(time.Millisecond), total.Round(time.Millisecond), float64(st.StepsRun)/total.Seconds(),
		st.MaxRunning, maxProcs, float64(f.heapPeak)/(1<<20), float64(f.vmHWM)/(1<<20))

	if st.Diagnosed != int64(n) || st.StepsRun != int64(3*n) {
		tb.Errorf("diagnosed %d, steps run %d; want %d and %d", st.Diagnosed, st.StepsRun, n, 3*n)
	}
	if st.MaxRunning > workers || maxProcs > workers {
		tb.Errorf("more than %d processes at once: gauge %d, /proc %d", workers, st.MaxRunning, maxProcs)
	}
	// Every incident has its three steps finished, exit 0.
	incs, err := e.incident.FindIncidents(context.Background(), quench.IncidentFilter{Limit: 500})
	if err != nil {
		tb.Fatal(err)
	}
	for _, inc := range incs[:min(len(incs), 50)] {
		var ok int
		for _, ev := range e.stepEvents(inc.ID) {
			if ev.Kind == quench.EventStepFinished && ev.ExitCode != nil && *ev.ExitCode == 0 {
				ok++
			}
		}
		if ok != 3 {
			tb.Errorf("incident %d: %d steps succeeded, want 3", inc.ID, ok)
		}
	}
	return f
}

// bareStartRate runs the burst's step commands n times in turn, workers
// at a time, with the environment a step gets, and returns how many it
// ran per second: the same processes as the burst, without the runner,
// the store or the sandbox.
func bareStartRate(tb testing.TB, n, workers int) float64 {
	env := map[string]string{"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "QUENCH_INCIDENT_ID": "1", "QUENCH_LABEL_ALERTNAME": "TestAlert", "QUENCH_LABEL_N": "1"}
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				spec := shell.Spec{Script: burstSteps[i%len(burstSteps)], Env: env}
				if _, err := (shell.Local{}).Run(context.Background(), spec, nil); err != nil {
					tb.Error(err)
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// vmHWM returns the process's peak resident set size in bytes, or 0.
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
