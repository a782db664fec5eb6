// Command loadgen drives HTTP load against one loopback target for a fixed
// time with N concurrent keep-alive clients and reports the rate, the
// request latency percentiles and the errors by status. It speaks quench's
// Alertmanager webhook and PagerDuty routes and a real Alertmanager's
// /api/v2/alerts, so quench and its peer are measured by the same code.
//
// The human summary goes to stderr; stdout gets one JSON line for scripts.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// Options are loadgen's flags.
type Options struct {
	URL      string
	Plan     Plan
	Duration time.Duration
	Warmup   time.Duration
	Clients  int
	Timeout  time.Duration
	Label    string
	// SyncDir, when set, is where the sync probe writes (see SyncProbe).
	SyncDir string
}

func parseFlags(args []string, stderr io.Writer) (Options, error) {
	var o Options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URL, "url", "", "target base URL, a loopback address (e.g. http://127.0.0.1:8080)")
	fs.StringVar(&o.Plan.Mode, "mode", ModeWebhook, "payload mode: "+strings.Join(Modes, ", "))
	fs.StringVar(&o.Plan.Token, "token", "", "ingest token: Bearer for the webhook, routing_key for pagerduty")
	fs.IntVar(&o.Plan.Batch, "batch", 100, "alerts per request (pagerduty: always 1)")
	fs.IntVar(&o.Plan.Keys, "keys", 1000, "distinct fingerprints / label sets / dedup keys")
	fs.Float64Var(&o.Plan.Resolved, "resolved", 0.1, "fraction of alerts sent resolved")
	fs.IntVar(&o.Plan.Count, "payloads", 200, "distinct pre-built request bodies")
	fs.Uint64Var(&o.Plan.Seed, "seed", 1, "seed for which alerts are resolved")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "measured time")
	fs.DurationVar(&o.Warmup, "warmup", 0, "unmeasured load before the measured time")
	fs.IntVar(&o.Clients, "clients", 16, "concurrent clients, one keep-alive connection each")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.StringVar(&o.Label, "label", "", "name of this run in the JSON summary")
	fs.StringVar(&o.SyncDir, "sync-probe", "", "directory (on the target's disk) where a 4 KiB write+fsync is timed every 100ms during the run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !slices.Contains(Modes, o.Plan.Mode) {
		return o, fmt.Errorf("-mode %q: want one of %s", o.Plan.Mode, strings.Join(Modes, ", "))
	}
	if o.Plan.Mode != ModeAMAPI && o.Plan.Token == "" {
		return o, fmt.Errorf("-mode %s needs -token", o.Plan.Mode)
	}
	if o.Clients < 1 || o.Clients > 4096 {
		return o, fmt.Errorf("-clients %d: want 1 to 4096", o.Clients)
	}
	if o.Duration <= 0 || o.Duration > time.Hour {
		return o, fmt.Errorf("-duration %s: want more than 0 and at most 1h", o.Duration)
	}
	if o.Warmup < 0 || o.Timeout <= 0 {
		return o, errors.New("-warmup must not be negative and -timeout must be positive")
	}
	if o.Plan.Resolved < 0 || o.Plan.Resolved > 1 {
		return o, fmt.Errorf("-resolved %v: want 0 to 1", o.Plan.Resolved)
	}
	if err := checkLoopback(o.URL); err != nil {
		return o, err
	}
	var err error
	if o.SyncDir, err = probeDir(o.SyncDir); err != nil {
		return o, err
	}
	return o, nil
}

// checkLoopback refuses any target that is not this machine, so a typo
// cannot turn the generator on someone else's server.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("-url %q: want http://HOST:PORT", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-url %q: only loopback targets (127.0.0.0/8, ::1, localhost) are allowed", raw)
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	o.Plan.Now = time.Now()
	bodies, err := o.Plan.Build()
	if err != nil {
		return err
	}
	var probe chan *SyncProbe
	probeCtx, stopProbe := context.WithCancel(ctx)
	defer stopProbe()
	if o.SyncDir != "" {
		probe = make(chan *SyncProbe, 1)
		go func() {
			p, err := probeSync(probeCtx, o.SyncDir, 100*time.Millisecond, 0)
			if err != nil {
				fmt.Fprintln(stderr, "loadgen: sync probe:", err)
			}
			probe <- p
		}()
	}
	s, err := Load(ctx, o, bodies)
	if err != nil {
		return err
	}
	if probe != nil {
		stopProbe()
		s.Sync = <-probe
	}
	s.Print(stderr)
	return json.NewEncoder(stdout).Encode(s)
}
