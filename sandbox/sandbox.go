// Package sandbox is quench's second wall behind the classifier: a step
// that runs because it was classified read-only runs in a process that
// Landlock (github.com/landlock-lsm/go-landlock) keeps from writing to the
// filesystem anywhere but a private temporary directory and /dev/null,
// with no_new_privs set, so that a classifier mistake cannot write, delete
// or truncate a file.
//
// The restriction is applied in a re-executed child, never in the server:
// Landlock cannot be lifted once applied, and it covers every thread of
// the process that applies it. The server runs its own executable as
// `quench sandbox-exec --launcher DIR` once (Launcher), a child that
// restricts itself and then starts every step's shell, which inherits
// the restriction, as does everything the shell starts;
// `quench sandbox-exec TMPDIR -- SHELL -c SCRIPT` restricts itself and
// execs one shell (Main).
//
// What it does not confine: the network, signals, UNIX sockets (the Docker
// socket, systemd's, a database's), device ioctls aside, and anything done
// through another process that is not confined (dockerd, systemd, a
// database server). See docs/safety.md.
package sandbox

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/landlock-lsm/go-landlock/landlock"
	"golang.org/x/sys/unix"
)

// Command is the hidden quench subcommand that restricts itself and execs
// a program: `quench sandbox-exec TMPDIR -- PROGRAM ARGS…`; or, confined
// the same way, starts every step (`--launcher DIR`, see Launcher).
const Command = "sandbox-exec"

// MinABI is the oldest Landlock ABI the sandbox runs with: ABI 3 is the
// first that denies truncate(2); below it a confined step could still
// empty a file.
const MinABI = 3

// exitSetup is the exit status of a child that could not confine itself
// and so ran nothing (as a shell's 126: found but not runnable).
const exitSetup = 126

// ABI returns the Landlock ABI version the running kernel offers, 0 when
// it offers none (not built in, not enabled at boot, or blocked by a
// seccomp filter of the container).
func ABI() int {
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		return 0
	}
	return int(v)
}

// Restrict confines the calling process, all its threads and whatever it
// later runs: no_new_privs, and with Landlock, reading and executing
// anywhere but writing (creating, removing, renaming, linking, truncating
// or opening for writing) only under tmp and to /dev/null. Device ioctls
// are denied too, since some of them write (SCSI pass-through). It fails, restricting nothing, when the kernel's
// Landlock is older than MinABI.
//
// Call it only in a process that is about to exec the confined program:
// nothing undoes it.
func Restrict(tmp string) error {
	if abi := ABI(); abi < MinABI {
		return fmt.Errorf("sandbox: the kernel offers Landlock ABI %d, and at least %d is needed", abi, MinABI)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("sandbox: no_new_privs: %w", err)
	}
	// V7 with best effort: on a kernel between MinABI and 7 the rights it
	// does not know are simply not handled; V7 never handles pathname
	// UNIX socket connections (ABI 9), which the reference pack's
	// docker and psql steps need.
	err := landlock.V7.BestEffort().RestrictPaths(
		landlock.RODirs("/"),
		landlock.RWDirs(tmp),
		landlock.RWFiles("/dev/null"),
	)
	if err != nil {
		return fmt.Errorf("sandbox: landlock: %w", err)
	}
	return nil
}

// Main is the child's side of the sandbox: args are what follow
// Command on its command line. It confines the process and execs the
// program, so it returns only on failure, with an exit status, having said
// why on stderr; a program that must run confined never runs unconfined.
func Main(args []string, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "--launcher" {
		return launcherChild(args[1], stderr)
	}
	if len(args) < 3 || args[1] != "--" || args[0] == "" {
		fmt.Fprintf(stderr, "quench %s: usage: quench %s TMPDIR -- PROGRAM [ARGS…] (internal: quench runs it itself)\n", Command, Command)
		return 2
	}
	tmp, argv := args[0], args[2:]
	prog, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintf(stderr, "quench %s: %v\n", Command, err)
		return 127
	}
	if err := Restrict(tmp); err != nil {
		fmt.Fprintf(stderr, "quench %s: not run: %v\n", Command, err)
		return exitSetup
	}
	err = syscall.Exec(prog, argv, os.Environ())
	fmt.Fprintf(stderr, "quench %s: exec %s: %v\n", Command, prog, err)
	return exitSetup
}

// RunIfChild runs Main and exits when this process was started as the
// sandbox child (os.Args[1] is Command). quench's main calls it first,
// and so do the TestMains of packages whose tests run sandboxed steps
// with the test binary standing in for quench.
func RunIfChild() {
	if len(os.Args) > 1 && os.Args[1] == Command {
		os.Exit(Main(os.Args[2:], os.Stderr))
	}
}
