//go:build linux

package shell_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench/internal/proctest"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

func runLocal(t *testing.T, spec shell.Spec) shell.Result {
	t.Helper()
	res, err := shell.Local{KillGrace: 300 * time.Millisecond}.Run(context.Background(), spec, nil)
	if err != nil {
		t.Fatalf("Run(%q): %v", spec.Script, err)
	}
	return res
}

func TestLocalRunExitCode(t *testing.T) {
	for _, tt := range []struct {
		script string
		want   int
	}{
		{"true", 0},
		{"false", 1},
		{"exit 3", 3},
		{"exit 255", 255},
		{"docker-compose-that-does-not-exist ps", 127},
		{"kill -KILL $$", 128 + 9},
		{"kill -TERM $$", 128 + 15},
	} {
		t.Run(tt.script, func(t *testing.T) {
			res := runLocal(t, shell.Spec{Script: tt.script})
			if res.ExitCode != tt.want || res.TimedOut || res.Canceled {
				t.Errorf("Run(%q) = exit %d timedOut %v canceled %v, want exit %d", tt.script, res.ExitCode, res.TimedOut, res.Canceled, tt.want)
			}
			if res.Started.IsZero() || res.Finished.Before(res.Started) {
				t.Errorf("Run(%q): Started %v, Finished %v", tt.script, res.Started, res.Finished)
			}
		})
	}
}

func TestLocalRunInterleavesStdoutAndStderr(t *testing.T) {
	var live bytes.Buffer
	res, err := shell.Local{}.Run(context.Background(), shell.Spec{
		Script: "echo out1; echo err1 >&2; echo out2; echo err2 >&2",
	}, &live)
	if err != nil {
		t.Fatal(err)
	}
	const want = "out1\nerr1\nout2\nerr2\n"
	if string(res.Output) != want {
		t.Errorf("Output = %q, want %q", res.Output, want)
	}
	if live.String() != want {
		t.Errorf("live = %q, want %q", live.String(), want)
	}
	sum := sha256.Sum256([]byte(want))
	if res.OutputSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("OutputSHA256 = %s, want sha256 of the output", res.OutputSHA256)
	}
}

func TestLocalRunStdinIsDevNull(t *testing.T) {
	res := runLocal(t, shell.Spec{Script: "readlink /proc/self/fd/0; cat; echo end"})
	if got, want := string(res.Output), "/dev/null\nend\n"; got != want {
		t.Errorf("Output = %q, want %q", got, want)
	}
}

func TestLocalRunDir(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		dir, want string
	}{
		{"", os.TempDir()},
		{dir, dir},
	} {
		res := runLocal(t, shell.Spec{Script: "pwd -P", Dir: tt.dir})
		want, _ := filepath.EvalSymlinks(tt.want)
		if got := strings.TrimSpace(string(res.Output)); got != want {
			t.Errorf("Dir %q: pwd = %q, want %q", tt.dir, got, want)
		}
	}
}

// The server's environment holds credentials; a command sees only what its
// Spec gives it.
func TestLocalRunEnvironmentIsExplicit(t *testing.T) {
	const leak = "server-secret-must-not-leak"
	t.Setenv("QUENCH_TOKEN", leak)
	t.Setenv("DATABASE_URL", "postgres://u:"+leak+"@db/quench")
	t.Setenv("HOME", "/root/"+leak)

	for _, tt := range []struct {
		name string
		env  map[string]string
		want []string // every variable the command sees, besides bash's own
	}{
		{"empty", nil, []string{"PATH=" + shell.DefaultPath}},
		{"given", map[string]string{"QUENCH_INCIDENT_ID": "42", "HOME": "/nonexistent"},
			[]string{"HOME=/nonexistent", "PATH=" + shell.DefaultPath, "QUENCH_INCIDENT_ID=42"}},
		{"own path", map[string]string{"PATH": "/opt/bin:/usr/bin:/bin"}, []string{"PATH=/opt/bin:/usr/bin:/bin"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := runLocal(t, shell.Spec{Script: "/usr/bin/env", Env: tt.env})
			if bytes.Contains(res.Output, []byte(leak)) {
				t.Fatalf("server environment leaked into the command:\n%s", res.Output)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(string(res.Output)), "\n") {
				name, _, _ := strings.Cut(line, "=")
				switch name {
				case "PWD", "SHLVL", "_": // bash sets these itself
				default:
					got = append(got, line)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("environment = %q, want %q", got, tt.want)
			}
		})
	}
}

// Alert text arrives as data: nothing in a label value executes, and the
// value reaches the command byte for byte.
func TestLocalRunHostileLabels(t *testing.T) {
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned-"+strconv.Itoa(os.Getpid()))
	values := []string{
		"$(touch " + pwned + ")",
		"`touch " + pwned + "`",
		"; touch " + pwned,
		"x\ntouch " + pwned + "\n",
		"' ; touch " + pwned + " ; '",
		`" ; touch ` + pwned + ` ; "`,
		"${IFS}$(touch${IFS}" + pwned + ")",
		"\\'\\\"$HOME\t\r\n",
		"$((1+1)) && touch " + pwned + " || touch " + pwned,
		"-e \\x41 %s %n",
		"\xff\xfe not utf-8",
	}
	for i, v := range values {
		labels := map[string]string{"x": v, "name$(touch " + pwned + ")": v}
		env := shell.LabelEnv(labels)
		scripts := []string{
			`printf '%s' "$QUENCH_LABEL_X"`,
			`printenv QUENCH_LABEL_X | head -c -1`,
			`echo $QUENCH_LABEL_X >/dev/null; eval 'printf "%s" "$QUENCH_LABEL_X"'`,
		}
		for name := range env {
			if !shell.ValidEnvName(name) {
				t.Fatalf("LabelEnv made variable name %q", name)
			}
			scripts = append(scripts, `printf '%s' "$`+name+`"`)
		}
		for _, script := range scripts {
			res := runLocal(t, shell.Spec{Script: script, Env: env})
			if string(res.Output) != v {
				t.Errorf("value %d via %s: output = %q, want %q (env %q)", i, script, res.Output, v, shell.EnvNames(env))
			}
		}
	}
	if _, err := os.Stat(pwned); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a label value executed: %s exists", pwned)
	}
}

const spawnScript = `sleep 100 & echo $!; (sleep 100; echo never) & echo $!; sh -c 'sleep 100' & echo $!; sleep 100`

// The timeout fires once all three children printed their pids, so the
// test checks what a timeout means (nothing left running) however slowly a
// loaded machine starts them.
func TestLocalRunTimeoutKillsProcessGroup(t *testing.T) {
	l := shell.Local{KillGrace: 300 * time.Millisecond}
	fire := make(chan time.Time, 1)
	l.FireTimeoutOn(fire)
	lw := &proctest.Buffer{}
	done := make(chan shell.Result, 1)
	go func() {
		res, err := l.Run(context.Background(), shell.Spec{Script: spawnScript, Timeout: time.Hour}, lw)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	for len(proctest.PIDs(lw.Bytes())) < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	fire <- time.Now()
	res := <-done
	if !res.TimedOut || res.Canceled || res.ExitCode != -1 {
		t.Errorf("TimedOut %v Canceled %v ExitCode %d, want true false -1", res.TimedOut, res.Canceled, res.ExitCode)
	}
	pids := proctest.PIDs(res.Output)
	if len(pids) != 3 {
		t.Fatalf("want 3 background pids in output, got %q", res.Output)
	}
	proctest.AssertGone(t, pids)
}

func TestLocalRunCancelKillsProcessGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	lw := &proctest.Buffer{}
	done := make(chan shell.Result)
	go func() {
		res, err := shell.Local{}.Run(ctx, shell.Spec{Script: spawnScript}, lw)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	// Cancel once all three children are running.
	for len(proctest.PIDs(lw.Bytes())) < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	res := <-done
	if !res.Canceled || res.TimedOut || res.ExitCode != -1 {
		t.Errorf("Canceled %v TimedOut %v ExitCode %d, want true false -1", res.Canceled, res.TimedOut, res.ExitCode)
	}
	proctest.AssertGone(t, proctest.PIDs(res.Output))
}

// A command that ignores SIGTERM is killed after the grace period.
func TestLocalRunIgnoredTermIsKilled(t *testing.T) {
	start := time.Now()
	res := runLocal(t, shell.Spec{
		Script:  `trap '' TERM; sleep 100 & echo $!; trap 'echo got TERM' TERM; while :; do sleep 0.05; done`,
		Timeout: 200 * time.Millisecond,
	})
	if !res.TimedOut || res.ExitCode != -1 {
		t.Errorf("TimedOut %v ExitCode %d, want true -1", res.TimedOut, res.ExitCode)
	}
	proctest.AssertGone(t, proctest.PIDs(res.Output))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("run took %v with a 200ms timeout and 300ms grace", d)
	}
}

// What a step leaves running in its group when it exits is stopped with it.
func TestLocalRunStopsLeftoverProcesses(t *testing.T) {
	start := time.Now()
	res := runLocal(t, shell.Spec{Script: `sleep 100 & echo $!; sleep 100 >/dev/null 2>&1 & echo $!; exit 4`})
	if res.ExitCode != 4 || res.TimedOut || res.Canceled {
		t.Errorf("ExitCode %d TimedOut %v Canceled %v, want 4 false false", res.ExitCode, res.TimedOut, res.Canceled)
	}
	proctest.AssertGone(t, proctest.PIDs(res.Output))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("run took %v", d)
	}
}

// A process that escapes the group does not hold the run open forever.
func TestLocalRunEscapedProcessDoesNotBlock(t *testing.T) {
	start := time.Now()
	// Wait until the child is the leader of its own session before exiting.
	res := runLocal(t, shell.Spec{Script: `setsid sleep 3 & until [ "$(cut -d' ' -f6 /proc/$!/stat)" = "$!" ]; do sleep 0.01; done; echo started`})
	if string(res.Output) != "started\n" || res.ExitCode != 0 {
		t.Errorf("Output %q ExitCode %d", res.Output, res.ExitCode)
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("run took %v: waited for the escaped process", d)
	}
}

func TestLocalRunCapsOutputKeepingTheTail(t *testing.T) {
	res := runLocal(t, shell.Spec{
		Script:    `for i in $(seq 1 10000); do echo "line $i"; done`,
		MaxOutput: 100,
	})
	if !res.Truncated {
		t.Error("Truncated = false")
	}
	var full strings.Builder
	for i := 1; i <= 10000; i++ {
		full.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	tail := full.String()[full.Len()-100:]
	want := "[… " + strconv.Itoa(full.Len()-100) + " bytes cut …]\n" + tail
	if string(res.Output) != want {
		t.Errorf("Output = %q, want %q", res.Output, want)
	}
	sum := sha256.Sum256(res.Output)
	if res.OutputSHA256 != hex.EncodeToString(sum[:]) {
		t.Error("OutputSHA256 is not the hash of the stored output")
	}
}

func TestLocalRunDefaultOutputLimit(t *testing.T) {
	res := runLocal(t, shell.Spec{Script: `head -c 1000000 /dev/zero | tr '\0' a`})
	if !res.Truncated || !bytes.HasSuffix(res.Output, bytes.Repeat([]byte("a"), shell.DefaultMaxOutput)) {
		t.Fatalf("Truncated %v, len %d", res.Truncated, len(res.Output))
	}
	wantLen := len("[… 737856 bytes cut …]\n") + shell.DefaultMaxOutput
	if len(res.Output) != wantLen {
		t.Errorf("len(Output) = %d, want %d", len(res.Output), wantLen)
	}
}

// A secret printed in two pieces, with a pause between them, is scrubbed
// from both the stored and the live output.
func TestLocalRunScrubsSecretsSplitAcrossWrites(t *testing.T) {
	var live proctest.Buffer
	res, err := shell.Local{}.Run(context.Background(), shell.Spec{
		Script:  `printf 'token=hunt'; sleep 0.2; printf 'er2 db=%s\n' "$DB_PASSWORD"; echo hunter2 >&2`,
		Env:     map[string]string{"DB_PASSWORD": "s3cr3t'pw"},
		Secrets: []string{"hunter2", "s3cr3t'pw", ""},
	}, &live)
	if err != nil {
		t.Fatal(err)
	}
	const want = "token=[REDACTED] db=[REDACTED]\n[REDACTED]\n"
	if string(res.Output) != want {
		t.Errorf("Output = %q, want %q", res.Output, want)
	}
	if live.String() != want {
		t.Errorf("live = %q, want %q", live.String(), want)
	}
}

// A live writer that fails (a viewer went away) does not stop the command.
func TestLocalRunFailingLiveWriter(t *testing.T) {
	res, err := shell.Local{}.Run(context.Background(), shell.Spec{Script: "echo a; sleep 0.05; echo b"}, failingWriter{})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Output) != "a\nb\n" || res.ExitCode != 0 {
		t.Errorf("Output %q ExitCode %d", res.Output, res.ExitCode)
	}
}

func TestLocalRunRefusesBadSpecs(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec shell.Spec
	}{
		{"NUL in script", shell.Spec{Script: "echo a\x00b"}},
		{"NUL in env value", shell.Spec{Script: "true", Env: map[string]string{"A": "x\x00y"}}},
		{"env name with =", shell.Spec{Script: "true", Env: map[string]string{"A=B": "x"}}},
		{"env name with space", shell.Spec{Script: "true", Env: map[string]string{"A B": "x"}}},
		{"env name starting with digit", shell.Spec{Script: "true", Env: map[string]string{"1A": "x"}}},
		{"empty env name", shell.Spec{Script: "true", Env: map[string]string{"": "x"}}},
		{"negative timeout", shell.Spec{Script: "true", Timeout: -time.Second}},
		{"negative output limit", shell.Spec{Script: "true", MaxOutput: -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := shell.Local{}.Run(context.Background(), tt.spec, nil)
			if quench.ErrorCode(err) != quench.EINVALID {
				t.Errorf("err = %v (code %q), want code %q", err, quench.ErrorCode(err), quench.EINVALID)
			}
		})
	}
}

func TestLocalRunCannotStart(t *testing.T) {
	for _, tt := range []struct {
		name  string
		local shell.Local
		spec  shell.Spec
	}{
		{"missing dir", shell.Local{}, shell.Spec{Script: "true", Dir: filepath.Join(t.TempDir(), "nope")}},
		{"missing shell", shell.Local{Shell: "/nonexistent/bash"}, shell.Spec{Script: "true"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.local.Run(context.Background(), tt.spec, nil); err == nil {
				t.Error("Run succeeded")
			}
		})
	}
}

func TestLocalRunCanceledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	_, err := shell.Local{}.Run(ctx, shell.Spec{Script: "touch " + marker}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the command ran under a canceled context")
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	return len(fds)
}

// Runs in parallel stay apart and leave no file descriptor behind.
func TestLocalRunConcurrent(t *testing.T) {
	before := openFDs(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := strings.Repeat(strconv.Itoa(i), 1000)
			res, err := shell.Local{}.Run(context.Background(), shell.Spec{
				Script: `printf '%s' "$V" | fold -w 100; echo; exit $((N % 7))`,
				Env:    map[string]string{"V": want, "N": strconv.Itoa(i)},
			}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if got := strings.ReplaceAll(string(res.Output), "\n", ""); got != want || res.ExitCode != i%7 {
				t.Errorf("run %d: output %.40q exit %d", i, got, res.ExitCode)
			}
		}()
	}
	wg.Wait()
	if after := openFDs(t); after > before {
		t.Errorf("%d file descriptors open before, %d after", before, after)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("viewer went away") }

// BenchmarkLocalRun runs `true`. start-ns/op is the mean time from the Run
// call to the process having started (fork and exec done), p99-start-ns its
// 99th percentile.
func BenchmarkLocalRun(b *testing.B) {
	ctx := context.Background()
	var toStart []time.Duration
	for b.Loop() {
		called := time.Now()
		res, err := shell.Local{}.Run(ctx, shell.Spec{Script: "true"}, nil)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("Run(true) = %d, %v", res.ExitCode, err)
		}
		toStart = append(toStart, res.Started.Sub(called))
	}
	var sum time.Duration
	for _, d := range toStart {
		sum += d
	}
	slices.Sort(toStart)
	b.ReportMetric(float64(sum.Nanoseconds())/float64(len(toStart)), "start-ns/op")
	b.ReportMetric(float64(toStart[len(toStart)*99/100].Nanoseconds()), "p99-start-ns")
}
