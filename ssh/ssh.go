// Package ssh runs runbook commands on remote hosts over SSH
// (golang.org/x/crypto/ssh): key authentication only, host keys verified
// against a known_hosts file, never accepted blindly.
package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
	"golang.org/x/crypto/ssh"
)

// DefaultConnectTimeout bounds connecting and the SSH handshake when
// Target.Timeout is zero.
const DefaultConnectTimeout = 10 * time.Second

// Target is one SSH host commands can run on.
type Target struct {
	Name           string        // as steps name it in their target attribute
	Addr           string        // host:port; the port defaults to 22
	User           string        // remote user
	KeyFile        string        // private key without passphrase
	KnownHostsFile string        // OpenSSH known_hosts holding the host's key
	Timeout        time.Duration // connect and handshake; 0 means DefaultConnectTimeout
}

// Runner runs commands on its Target, one connection per run. The remote
// side needs bash, head, wc and cat.
type Runner struct {
	Target Target
	Logger *slog.Logger // nil means no logging
	// KillGrace is how long the remote command has between SIGTERM and
	// SIGKILL once it must stop; 0 means shell.DefaultKillGrace.
	KillGrace time.Duration
	// ReadOnlyWrapper, when set, is put before the remote shell of a
	// Sandboxed spec (read-only steps), e.g. `systemd-run --pipe --wait
	// --quiet -p ProtectSystem=strict …`; it is shell text from the
	// operator's config. Without it a Sandboxed spec is refused, and the
	// runner runs read-only steps here with the classifier as their only
	// wall.
	ReadOnlyWrapper string

	// after starts a run's timeout; nil means time.NewTimer. Tests set it
	// (export_test.go) to fire the timeout at a moment they choose.
	after func(time.Duration) (<-chan time.Time, func() bool)
}

var (
	_ shell.Runner   = (*Runner)(nil)
	_ shell.Confiner = (*Runner)(nil)
)

// Confinement names the read-only wrapper, or says that there is none.
func (r *Runner) Confinement() (string, error) {
	if strings.TrimSpace(r.ReadOnlyWrapper) == "" {
		return "", fmt.Errorf("ssh target %s has no readonly_wrapper: on that host the classifier is the only wall", r.Target.Name)
	}
	return "readonly_wrapper " + r.ReadOnlyWrapper, nil
}

// Run runs spec on the target; see shell.Runner. The script runs under
// bash in a process group of its own with stdin from /dev/null, its
// environment is the remote login's plus spec.Env, and Dir "" means the
// remote user's login directory. On timeout or cancellation quench closes
// the session's input and signals it, and the remote side stops the whole
// group; it does the same if the connection dies.
func (r *Runner) Run(ctx context.Context, spec shell.Spec, live io.Writer) (shell.Result, error) {
	if err := spec.Validate(); err != nil {
		return shell.Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return shell.Result{}, fmt.Errorf("ssh: not started: %w", err)
	}
	if _, err := r.Confinement(); spec.Sandboxed && err != nil {
		return shell.Result{}, fmt.Errorf("ssh: the step must run sandboxed: %w", err)
	}
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("target", r.Target.Name, "addr", r.Target.Addr)
	grace := r.KillGrace
	if grace <= 0 {
		grace = shell.DefaultKillGrace
	}
	timeout := spec.Timeout
	if timeout == 0 {
		timeout = shell.DefaultTimeout
	}

	client, err := r.dial(ctx)
	if err != nil {
		log.Warn("ssh connect failed", "err", err)
		return shell.Result{}, err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return shell.Result{}, quench.Errorf(quench.EUNAVAILABLE, "ssh target %s: open session: %v", r.Target.Name, err)
	}
	defer sess.Close()
	stdin, err := sess.StdinPipe()
	if err != nil {
		return shell.Result{}, fmt.Errorf("ssh: stdin: %w", err)
	}
	out := shell.NewOutput(spec, live)
	sess.Stdout = out
	sess.Stderr = out

	expired, stopTimer := r.startTimeout(timeout)
	defer stopTimer()
	if err := sess.Start(remoteCommand(grace)); err != nil {
		return shell.Result{}, quench.Errorf(quench.EUNAVAILABLE, "ssh target %s: start command: %v", r.Target.Name, err)
	}
	res := shell.Result{Started: time.Now()}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		// Fails only when the session is gone, which Wait reports.
		stdin.Write(payload(spec, r.ReadOnlyWrapper))
	}()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()

	select {
	case err = <-done:
	case <-ctx.Done():
		res.Canceled = true
	case <-expired:
		res.TimedOut = true
	}
	if res.Canceled || res.TimedOut {
		log.Info("stopping remote command", "timed_out", res.TimedOut, "canceled", res.Canceled)
		err = stop(client, sess, stdin, sent, done, grace)
	}
	client.Close()
	<-sent
	out.Finish(&res)
	res.Finished = time.Now()
	res.ExitCode, err = exitCode(err, res.TimedOut || res.Canceled)
	if err != nil {
		return shell.Result{}, quench.Errorf(quench.EUNAVAILABLE, "ssh target %s: %v", r.Target.Name, err)
	}
	return res, nil
}

// startTimeout returns a channel that receives once timeout has passed,
// and a function that stops it.
func (r *Runner) startTimeout(timeout time.Duration) (<-chan time.Time, func() bool) {
	if r.after != nil {
		return r.after(timeout)
	}
	t := time.NewTimer(timeout)
	return t.C, t.Stop
}

// stop ends a remote command: closing stdin makes the remote watcher stop
// the process group (SIGTERM, SIGKILL after grace), and SIGTERM reaches the
// wrapper too on servers that take signal requests. If the session has not
// ended well after the grace period, or the script is still being sent
// (then nothing runs yet), the connection is closed, which the remote side
// also takes as the end of stdin.
func stop(client *ssh.Client, sess *ssh.Session, stdin io.Closer, sent <-chan struct{}, done <-chan error, grace time.Duration) error {
	select {
	case <-sent:
	default:
		client.Close()
		return <-done
	}
	stdin.Close()
	sess.Signal(ssh.SIGTERM)
	wait := time.NewTimer(grace + 2*time.Second)
	defer wait.Stop()
	select {
	case err := <-done:
		return err
	case <-wait.C:
		client.Close()
		return <-done
	}
}

// exitCode maps Session.Wait's error to an exit code. Killed commands are
// -1; a remote command that died of a signal is 128+N, as a shell says.
func exitCode(err error, killed bool) (int, error) {
	if killed {
		return -1, nil
	}
	var exit *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit) && exit.Signal() != "":
		return 128 + signalNumber(exit.Signal()), nil
	case errors.As(err, &exit):
		return exit.ExitStatus(), nil
	case errors.As(err, &missing):
		return -1, errors.New("the connection ended without an exit status")
	}
	return -1, err
}

func signalNumber(name string) int {
	switch ssh.Signal(name) {
	case ssh.SIGHUP:
		return 1
	case ssh.SIGINT:
		return 2
	case ssh.SIGQUIT:
		return 3
	case ssh.SIGABRT:
		return 6
	case ssh.SIGKILL:
		return 9
	case ssh.SIGSEGV:
		return 11
	case ssh.SIGPIPE:
		return 13
	case ssh.SIGALRM:
		return 14
	case ssh.SIGTERM:
		return 15
	}
	return 0
}

// dial connects and authenticates, bounded by the target's timeout and ctx.
func (r *Runner) dial(ctx context.Context) (*ssh.Client, error) {
	t := r.Target
	addr := t.Addr
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "22")
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	signer, err := loadKey(t)
	if err != nil {
		return nil, err
	}
	callback, algos, err := hostKeys(t, addr)
	if err != nil {
		return nil, err
	}
	config := &ssh.ClientConfig{
		User:              t.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   callback,
		HostKeyAlgorithms: algos,
		Timeout:           timeout,
	}

	dialer := net.Dialer{Timeout: timeout}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, quench.Errorf(quench.EUNAVAILABLE, "ssh target %s: connect to %s: %v", t.Name, addr, err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	unwatch := context.AfterFunc(ctx, func() { conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, config)
	unwatch()
	if err != nil {
		conn.Close()
		var qe *quench.Error
		switch {
		case errors.As(err, &qe):
			return nil, qe
		case ctx.Err() != nil:
			return nil, fmt.Errorf("ssh target %s: %w", t.Name, ctx.Err())
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, quench.Errorf(quench.EFORBIDDEN,
				"ssh target %s: %s@%s did not accept the key in %s (is its public key in that user's authorized_keys?)",
				t.Name, t.User, addr, t.KeyFile)
		}
		return nil, quench.Errorf(quench.EUNAVAILABLE, "ssh target %s: handshake with %s: %v", t.Name, addr, err)
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

func loadKey(t Target) (ssh.Signer, error) {
	if t.KeyFile == "" {
		return nil, quench.Errorf(quench.EINVALID, "ssh target %s: no key file configured", t.Name)
	}
	pem, err := os.ReadFile(t.KeyFile)
	if err != nil {
		return nil, quench.Errorf(quench.EINVALID, "ssh target %s: key: %v", t.Name, err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var pass *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &pass):
		return nil, quench.Errorf(quench.EINVALID, "ssh target %s: key %s is protected by a passphrase; quench needs a key without one", t.Name, t.KeyFile)
	case err != nil:
		return nil, quench.Errorf(quench.EINVALID, "ssh target %s: key %s: %v", t.Name, t.KeyFile, err)
	}
	return signer, nil
}
