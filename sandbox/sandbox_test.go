package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench/sandbox"
	"github.com/quench-sh/quench/shell"
)

// TestMain lets this test binary stand in for quench: run as
// `sandbox.test sandbox-exec …` it is the sandbox child.
func TestMain(m *testing.M) {
	sandbox.RunIfChild()
	os.Exit(m.Run())
}

// requireLandlock skips (or, with QUENCH_REQUIRE_INTEGRATION=1, fails)
// where the kernel has no usable Landlock.
func requireLandlock(t *testing.T) {
	t.Helper()
	if abi := sandbox.ABI(); abi < sandbox.MinABI {
		if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
			t.Fatalf("the kernel offers Landlock ABI %d; the sandbox needs %d", abi, sandbox.MinABI)
		}
		t.Skipf("the kernel offers Landlock ABI %d; the sandbox needs %d", abi, sandbox.MinABI)
	}
}

// TestConfined runs bash in the sandbox, through shell.Local as the
// server does, both ways (a child per step, and the launcher), against a
// scratch tree, and checks what it may and may not do.
func TestConfined(t *testing.T) {
	requireLandlock(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	launcher, err := sandbox.StartLauncher(context.Background(), exe)
	if err != nil {
		t.Fatalf("StartLauncher: %v", err)
	}
	defer launcher.Close()
	ways := []struct {
		name  string
		local shell.Local
	}{
		{"per step", shell.Local{Sandbox: &shell.Sandbox{Command: []string{exe, sandbox.Command}, Name: "test"}}},
		{"launcher", shell.Local{Sandbox: &shell.Sandbox{Launcher: launcher, Name: launcher.Name()}}},
	}
	for _, tt := range []struct {
		name   string
		script string
		denied bool // the script fails with "Permission denied"
	}{
		{"write a file", `echo changed > "$D/canary"`, true},
		{"append to a file", `echo changed >> "$D/canary"`, true},
		{"truncate by redirection", `: > "$D/canary"`, true},
		{"truncate(2)", `truncate -s 0 "$D/canary"`, true},
		{"delete a file", `rm -f "$D/canary"`, true},
		{"rename a file", `mv "$D/canary" "$D/moved"`, true},
		{"hard link", `ln "$D/canary" "$D/link"`, true},
		{"symlink", `ln -s "$D/canary" "$D/sym"`, true},
		{"make a directory", `mkdir "$D/new"`, true},
		{"remove a directory", `rmdir "$D/sub"`, true},
		// Landlock does not cover metadata: mode, owner, times, extended
		// attributes (docs/safety.md says so).
		{"chmod is not covered", `chmod 600 "$D/canary"`, false},
		{"make a fifo", `mkfifo "$D/fifo"`, true},
		{"write a system file", `echo 3 > /proc/sys/vm/drop_caches`, true},
		{"write its temporary directory", `echo ok > "$TMPDIR/x" && cat "$TMPDIR/x" && rm "$TMPDIR/x" && [ "$PWD" = "$TMPDIR" ]`, false},
		{"write /dev/null", `echo gone > /dev/null`, false},
		{"write stdout and stderr by name", `echo out > /dev/stdout; echo err > /dev/stderr`, false},
		{"here-document", "cat <<EOF\n$(seq 1 20000)\nEOF", false},
		{"read", `cat "$D/canary" && ls "$D" >/dev/null`, false},
		{"no_new_privs", `grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status`, false},
	} {
		for _, way := range ways {
			t.Run(tt.name+"/"+way.name, func(t *testing.T) {
				dir := t.TempDir()
				writeCanary(t, dir)
				res, err := way.local.Run(context.Background(), shell.Spec{Script: tt.script, Env: map[string]string{"D": dir}, Sandboxed: true}, nil)
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				out := string(res.Output)
				switch {
				case tt.denied && res.ExitCode == 0:
					t.Errorf("%s succeeded in the sandbox: %s", tt.script, out)
				case tt.denied && !strings.Contains(strings.ToLower(out), "permission denied"):
					t.Errorf("%s failed without permission denied: exit %d: %s", tt.script, res.ExitCode, out)
				case !tt.denied && res.ExitCode != 0:
					t.Errorf("%s failed in the sandbox: exit %d: %s", tt.script, res.ExitCode, out)
				}
				assertCanary(t, dir)
			})
		}
	}
	assertUnrestricted(t)
}

// TestLauncherRestarts: a launcher that died is started again for the next
// step, and a step it started is the server's child, stopped by its
// timeout like any other.
func TestLauncherRestarts(t *testing.T) {
	requireLandlock(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	launcher, err := sandbox.StartLauncher(context.Background(), exe)
	if err != nil {
		t.Fatal(err)
	}
	defer launcher.Close()
	local := shell.Local{KillGrace: 100 * time.Millisecond, Sandbox: &shell.Sandbox{Launcher: launcher, Name: launcher.Name()}}
	res, err := local.Run(context.Background(), shell.Spec{Script: "echo $PPID; sleep 30", Sandboxed: true, Timeout: 300 * time.Millisecond}, nil)
	if err != nil || !res.TimedOut {
		t.Fatalf("Run: %v, timed out %v", err, res.TimedOut)
	}
	if got := strings.TrimSpace(string(res.Output)); got != strconv.Itoa(os.Getpid()) {
		t.Errorf("the step's parent is %s, want this process (%d)", got, os.Getpid())
	}
	sandbox.KillLauncher(launcher)
	res, err = local.Run(context.Background(), shell.Spec{Script: "echo again", Sandboxed: true}, nil)
	if err != nil || string(res.Output) != "again\n" {
		t.Errorf("after the launcher died: %v, %q", err, res.Output)
	}
}

// TestRefusesBadUsage: the child never runs a program it was not asked to
// run confined.
func TestRefusesBadUsage(t *testing.T) {
	var stderr bytes.Buffer
	for _, args := range [][]string{nil, {"/tmp"}, {"/tmp", "/bin/true"}, {"", "--", "/bin/true"}} {
		stderr.Reset()
		if code := sandbox.Main(args, &stderr); code != 2 {
			t.Errorf("Main(%q) = %d, want 2 (usage)", args, code)
		}
	}
}

func writeCanary(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "canary"), []byte("canary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// assertCanary checks that the scratch tree is exactly as writeCanary
// left it.
func assertCanary(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "canary"))
	if err != nil || string(b) != "canary\n" {
		t.Errorf("canary changed: %q, %v", b, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "canary sub" {
		t.Errorf("scratch tree holds %v, want [canary sub]", names)
	}
}

// assertUnrestricted checks that this process (the server's stand-in)
// still writes where it likes and has no no_new_privs.
func assertUnrestricted(t *testing.T) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "server-writes")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Errorf("the test process itself cannot write: %v", err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(status, []byte("NoNewPrivs:\t0")) {
		t.Errorf("the test process has no_new_privs set")
	}
}
