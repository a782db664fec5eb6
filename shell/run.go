package shell

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// Limits a Spec gets when it leaves them zero.
const (
	DefaultTimeout   = 30 * time.Second
	DefaultMaxOutput = 256 << 10
	// DefaultKillGrace is how long a command has between SIGTERM and
	// SIGKILL once it must stop.
	DefaultKillGrace = 2 * time.Second
)

// Spec is one command to run.
type Spec struct {
	// Script is the step's command text, run by the shell as written
	// (`bash -c Script`). Alert data never goes in here: it comes in Env.
	Script string
	// Env is the complete environment: nothing is inherited from the
	// server. Names must be shell identifiers.
	Env map[string]string
	// Dir is the working directory; "" means a safe default (os.TempDir()
	// locally, the login directory over SSH).
	Dir string
	// Timeout bounds the run; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxOutput is how many bytes of output are kept; 0 means
	// DefaultMaxOutput. The tail is kept and the cut marked at the start.
	MaxOutput int
	// Secrets are values replaced by Redacted in the output before anyone
	// sees it, even when split across writes.
	Secrets []string
	// Sandboxed runs the command confined to reading, the wall behind the
	// classifier for steps that run because they are read-only: locally
	// Local.Sandbox, over SSH the target's read-only wrapper. A runner
	// that has no such wall refuses the spec rather than run it
	// unconfined (see Confiner).
	Sandboxed bool
}

// Validate returns EINVALID when the Spec cannot be run as given.
func (s Spec) Validate() error {
	if strings.IndexByte(s.Script, 0) >= 0 {
		return quench.Errorf(quench.EINVALID, "script holds a NUL byte")
	}
	if strings.IndexByte(s.Dir, 0) >= 0 {
		return quench.Errorf(quench.EINVALID, "working directory holds a NUL byte")
	}
	if s.Timeout < 0 {
		return quench.Errorf(quench.EINVALID, "timeout %v is negative", s.Timeout)
	}
	if s.MaxOutput < 0 {
		return quench.Errorf(quench.EINVALID, "output limit %d is negative", s.MaxOutput)
	}
	return validateEnv(s.Env)
}

// timeout returns the effective timeout.
func (s Spec) timeout() time.Duration {
	if s.Timeout == 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

// Result is what a run produced.
type Result struct {
	// ExitCode is the command's exit status; 128+N when a signal N it got
	// from elsewhere killed it (as a shell reports it); -1 when quench
	// killed it (TimedOut or Canceled).
	ExitCode int
	// Output is stdout and stderr interleaved as they came, scrubbed, and
	// capped to the tail (see Spec.MaxOutput).
	Output    []byte
	Truncated bool // bytes were cut from the start of Output
	TimedOut  bool // killed because Spec.Timeout passed
	Canceled  bool // killed because the context was canceled
	Started   time.Time
	Finished  time.Time
	// OutputSHA256 is the hex SHA-256 of Output as stored, for the audit
	// trail.
	OutputSHA256 string
}

// Duration returns how long the command ran.
func (r Result) Duration() time.Duration { return r.Finished.Sub(r.Started) }

// Confiner is a Runner that can run a Spec Sandboxed.
type Confiner interface {
	// Confinement names the wall a Sandboxed run gets ("Landlock ABI 7",
	// "read-only wrapper systemd-run"), or says why there is none.
	Confinement() (string, error)
}

// Runner runs one command somewhere.
type Runner interface {
	// Run runs spec and waits for it. live, when not nil, receives the
	// scrubbed output as it comes, for streaming to a viewer. A command
	// that ran returns a nil error whatever its exit code, also when it
	// was killed (Result.TimedOut, Result.Canceled); an error means it
	// could not run at all.
	Run(ctx context.Context, spec Spec, live io.Writer) (Result, error)
}
