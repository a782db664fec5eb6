//go:build linux

package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultShell runs local commands when Local.Shell is empty.
const DefaultShell = "/bin/bash"

// drainWait is how long output may still arrive once the group is killed.
const drainWait = 200 * time.Millisecond

// Local runs commands on this machine as `Shell -c script`, each in a
// process group of its own so that everything it starts can be stopped.
//
// When the shell exits, the processes it left behind in its group are
// stopped too: a step owns what it starts. On timeout or cancellation the
// group gets SIGTERM and, KillGrace later, SIGKILL.
type Local struct {
	Shell     string        // "" means DefaultShell
	KillGrace time.Duration // 0 means DefaultKillGrace
	// Sandbox confines Sandboxed specs; nil means they are refused.
	Sandbox *Sandbox
	// NoSandbox says why Sandbox is nil, for Confinement.
	NoSandbox string

	// after starts a run's timeout; nil means time.NewTimer. Tests set it
	// to time a run out once its processes started, whatever the load.
	after func(time.Duration) (<-chan time.Time, func() bool)
}

// Sandbox is how Local confines a Sandboxed spec. With a Launcher, the
// launcher starts the shell already confined; otherwise Local runs
// `Command… TMPDIR -- SHELL -c SCRIPT`, which confines itself and execs
// the shell (quench's own executable with the hidden sandbox-exec
// subcommand, package sandbox). Either way TMPDIR is a directory made for
// the run and removed after it, the step's working directory (unless the
// spec names one) and $TMPDIR: with /dev/null, the only place it can
// write.
type Sandbox struct {
	Command  []string
	Launcher Launcher
	Name     string // the wall's name, as Confinement reports it
}

// Launcher starts confined processes for Local (sandbox.Launcher).
type Launcher interface {
	// Start starts argv as this process's child, confined, in a process
	// group of its own, with env, dir, /dev/null as stdin and out as
	// stdout and stderr.
	Start(argv, env []string, dir string, out *os.File) (*os.Process, error)
	// TempDir is where a run's own directory must be made: the only
	// place a confined process can write.
	TempDir() string
}

var (
	_ Runner   = Local{}
	_ Confiner = Local{}
)

// Confinement reports the sandbox's name, or why there is none.
func (l Local) Confinement() (string, error) {
	if l.Sandbox == nil || len(l.Sandbox.Command) == 0 && l.Sandbox.Launcher == nil {
		if l.NoSandbox != "" {
			return "", errors.New(l.NoSandbox)
		}
		return "", errors.New("no sandbox is configured for local steps")
	}
	return l.Sandbox.Name, nil
}

// Run runs spec; see Runner.
func (l Local) Run(ctx context.Context, spec Spec, live io.Writer) (Result, error) {
	if err := spec.Validate(); err != nil {
		return Result{}, err
	}
	env, err := Environ(spec.Env)
	if err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("shell: not started: %w", err)
	}
	shell := l.Shell
	if shell == "" {
		shell = DefaultShell
	}
	dir := spec.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	argv := []string{shell, "-c", spec.Script}
	if spec.Sandboxed {
		if _, err := l.Confinement(); err != nil {
			return Result{}, fmt.Errorf("shell: the step must run sandboxed: %w", err)
		}
		root := ""
		if l.Sandbox.Launcher != nil {
			root = l.Sandbox.Launcher.TempDir()
		}
		tmp, err := os.MkdirTemp(root, "quench-step-")
		if err != nil {
			return Result{}, fmt.Errorf("shell: sandbox temporary directory: %w", err)
		}
		// Whatever the step left there goes with it.
		defer os.RemoveAll(tmp)
		if spec.Dir == "" {
			dir = tmp
		}
		if _, set := spec.Env["TMPDIR"]; !set {
			env = append(env, "TMPDIR="+tmp)
		}
		if l.Sandbox.Launcher == nil {
			argv = append(append(slices.Clip(l.Sandbox.Command), tmp, "--"), argv...)
		}
	}
	grace := l.KillGrace
	if grace <= 0 {
		grace = DefaultKillGrace
	}

	// One pipe for stdout and stderr keeps their order as the command
	// wrote it.
	pr, pw, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("shell: pipe: %w", err)
	}
	defer pr.Close()
	out := NewOutput(spec, live)
	proc, err := l.start(spec, argv, env, dir, pw)
	pw.Close()
	if err != nil {
		return Result{}, fmt.Errorf("shell: start %s in %s: %w", argv[0], dir, err)
	}
	// The timeout counts from the start: a sandbox launcher that had to
	// start first does not eat into the step's time.
	expired, stopTimer := l.startTimeout(spec.timeout())
	defer stopTimer()
	res := Result{Started: time.Now()}
	pid := proc.Pid

	drained := make(chan struct{})
	go func() {
		defer close(drained)
		io.Copy(out, pr) // ends at EOF, or at the read deadline set below
	}()
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		waitExited(pid)
	}()

	select {
	case <-exited:
	case <-ctx.Done():
		res.Canceled = true
	case <-expired:
		res.TimedOut = true
	}
	// The shell is not reaped yet, so its pid still names its process
	// group and cannot be reused: signalling the group is safe until Wait.
	stopGroup(pid, grace, exited, drained)
	state, err := proc.Wait()
	if err != nil {
		return Result{}, fmt.Errorf("shell: wait: %w", err)
	}

	// Killed processes close the pipe as they die. One that left the group
	// (setsid) may hold it open; what it prints after this is not the
	// step's.
	select {
	case <-drained:
	case <-time.After(drainWait):
		pr.SetReadDeadline(time.Now())
		<-drained
	}
	out.Finish(&res)
	res.Finished = time.Now()
	res.ExitCode = exitCode(state, res.TimedOut || res.Canceled)
	return res, nil
}

// startTimeout returns a channel that receives once timeout has passed,
// and a function that stops it.
func (l Local) startTimeout(timeout time.Duration) (<-chan time.Time, func() bool) {
	if l.after != nil {
		return l.after(timeout)
	}
	t := time.NewTimer(timeout)
	return t.C, t.Stop
}

// start starts the run's process in a process group of its own, with
// stdin /dev/null and out as stdout and stderr (one pipe keeps their
// order): through the sandbox's launcher for a Sandboxed spec that has
// one, directly otherwise.
func (l Local) start(spec Spec, argv, env []string, dir string, out *os.File) (*os.Process, error) {
	if spec.Sandboxed && l.Sandbox.Launcher != nil {
		path, err := exec.LookPath(argv[0])
		if err != nil {
			return nil, err
		}
		argv[0] = path
		return l.Sandbox.Launcher.Start(argv, env, dir, out)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	// Stdin stays nil: the command reads /dev/null.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd.Process, nil
}

// stopGroup stops every process in the group: SIGTERM, then SIGKILL once
// the shell has exited and the output pipe is closed (nothing left that
// writes), or after grace, whichever comes first. It returns when the shell
// has exited.
func stopGroup(pgid int, grace time.Duration, exited, drained <-chan struct{}) {
	syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	for exited != nil || drained != nil {
		select {
		case <-exited:
			exited = nil
		case <-drained:
			drained = nil
		case <-deadline.C:
			exited, drained = nil, nil
		}
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
}

// waitExited blocks until the process has exited, without reaping it.
func waitExited(pid int) {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

func exitCode(state *os.ProcessState, killed bool) int {
	if killed {
		return -1
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return state.ExitCode()
}
