package sandbox_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench/sandbox"
	"github.com/quench-sh/quench/shell"
)

// BenchmarkSandboxCost is the sandbox's cost per step: the same step,
// `date +%s%N`, run by shell.Local without the sandbox, through the
// sandbox's launcher (as quench serve runs it) and through a sandbox
// child of its own (quench sandbox-exec per step), in turn within one run
// so all see the same machine load. It
// reports, per variant, the time from the Run call to the step's first
// command running (the command's own clock) at p50 and p99, and the whole
// run. The sandbox child is QUENCH_SANDBOX_EXE (a built quench, as in
// production) or else this test binary.
//
//	go build -o /tmp/quench ./cmd/quench
//	QUENCH_SANDBOX_EXE=/tmp/quench go test -run='^$' -bench=SandboxCost -benchtime=400x ./sandbox
func BenchmarkSandboxCost(b *testing.B) {
	if sandbox.ABI() < sandbox.MinABI {
		b.Skipf("Landlock ABI %d here; the sandbox needs %d", sandbox.ABI(), sandbox.MinABI)
	}
	exe := os.Getenv("QUENCH_SANDBOX_EXE")
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			b.Fatal(err)
		}
	}
	launcher, err := sandbox.StartLauncher(context.Background(), exe)
	if err != nil {
		b.Fatal(err)
	}
	defer launcher.Close()
	name := launcher.Name()
	variants := []struct {
		name  string
		local shell.Local
	}{
		{"plain", shell.Local{}},
		{"launcher", shell.Local{Sandbox: &shell.Sandbox{Launcher: launcher, Name: name}}},
		{"perstep", shell.Local{Sandbox: &shell.Sandbox{Command: []string{exe, sandbox.Command}, Name: name}}},
	}
	start := make([][]time.Duration, len(variants))
	total := make([][]time.Duration, len(variants))
	ctx := context.Background()
	for b.Loop() {
		for i, v := range variants {
			called := time.Now()
			res, err := v.local.Run(ctx, shell.Spec{Script: "date +%s%N", Sandboxed: v.local.Sandbox != nil}, nil)
			done := time.Now()
			if err != nil || res.ExitCode != 0 {
				b.Fatalf("%s: exit %d, %v: %s", v.name, res.ExitCode, err, res.Output)
			}
			ns, err := strconv.ParseInt(strings.TrimSpace(string(res.Output)), 10, 64)
			if err != nil {
				b.Fatalf("%s: output %q", v.name, res.Output)
			}
			start[i] = append(start[i], time.Unix(0, ns).Sub(called))
			total[i] = append(total[i], done.Sub(called))
		}
	}
	b.StopTimer()
	msg := fmt.Sprintf("%d steps each, child %s:", len(start[0]), exe)
	for i, v := range variants {
		s50, s99 := pct(start[i], 0.50), pct(start[i], 0.99)
		t50, t99 := pct(total[i], 0.50), pct(total[i], 0.99)
		b.ReportMetric(ms(s50), v.name+"-start-p50-ms")
		b.ReportMetric(ms(s99), v.name+"-start-p99-ms")
		msg += fmt.Sprintf(" %s: first command p50 %.2f ms p99 %.2f ms, whole run p50 %.2f ms p99 %.2f ms;",
			v.name, ms(s50), ms(s99), ms(t50), ms(t99))
	}
	b.ReportMetric(ms(pct(start[1], 0.50)-pct(start[0], 0.50)), "launcher-cost-p50-ms")
	b.Log(msg)
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
