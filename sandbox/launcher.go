package sandbox

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A Launcher is one sandbox child that lives as long as the server and
// starts every confined step, so that the cost of starting quench (its
// runtime and package initialisation, tens of milliseconds of CPU) is paid
// once, not per step.
//
// The child (`quench sandbox-exec --launcher BASE`) confines itself once,
// exactly as the per-step child does, with BASE as its writable
// directory, and then starts each step's shell with clone(CLONE_PARENT):
// the shell is the server's child, not the launcher's, so the server
// waits for it, signals its process group and reaps it as if it had
// started it itself, and the shell inherits the launcher's Landlock
// domain and no_new_privs. Each step gets its own directory under BASE;
// steps running at the same time can write each other's, nothing else.
//
// Requests go over a socketpair only the server and the launcher hold: the
// program, its environment (secrets among it, so never on a command line)
// and working directory, and the output pipe as a passed descriptor.
type Launcher struct {
	exe  string
	base string

	mu     sync.Mutex // one request at a time; each takes microseconds
	cmd    *exec.Cmd  // nil until the first step, or after the child died
	conn   *net.UnixConn
	abi    int
	closed bool
}

// launchTimeout bounds starting the launcher and each request to it.
const launchTimeout = 10 * time.Second

// request is what the server asks the launcher to start.
type request struct {
	Argv []string `json:"argv"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`
}

// reply is the launcher's answer: the started process, or why not.
type reply struct {
	Pid int    `json:"pid"`
	Err string `json:"err,omitempty"`
}

// NewLauncher returns a launcher for exe (quench's executable) that starts
// its child with the first step, so a server that runs no read-only step
// starts no child. It fails when the kernel's Landlock is too old; the
// child checks again, for itself, that its confinement holds, and a step
// it cannot start confined does not run. Close stops it.
func NewLauncher(exe string) (*Launcher, error) {
	abi := ABI()
	if abi < MinABI {
		if abi == 0 {
			return nil, errors.New("the kernel offers no Landlock (not built in, not enabled at boot with lsm=…,landlock, or blocked by the container)")
		}
		return nil, fmt.Errorf("the kernel offers Landlock ABI %d, and at least %d is needed (ABI 3 is the first that denies truncation)", abi, MinABI)
	}
	base, err := os.MkdirTemp("", "quench-sandbox-")
	if err != nil {
		return nil, fmt.Errorf("sandbox launcher: %w", err)
	}
	return &Launcher{exe: exe, base: base, abi: abi}, nil
}

// StartLauncher is NewLauncher with the child started at once.
func StartLauncher(ctx context.Context, exe string) (*Launcher, error) {
	l, err := NewLauncher(exe)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.start(ctx); err != nil {
		os.RemoveAll(l.base)
		return nil, err
	}
	return l, nil
}

// start runs the child; l.mu is held.
func (l *Launcher) start(ctx context.Context) error {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sandbox launcher: socketpair: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "launcher"), os.NewFile(uintptr(fds[1]), "launcher-child")
	fc, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		theirs.Close()
		return fmt.Errorf("sandbox launcher: %w", err)
	}
	conn := fc.(*net.UnixConn)
	var stderr strings.Builder
	cmd := exec.Command(l.exe, Command, "--launcher", l.base)
	cmd.Env = []string{}
	cmd.ExtraFiles = []*os.File{theirs} // fd 3
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	// It dies with the server, and a step's group kill never reaches it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	// Only the child holds its end now: if it dies, reads see EOF.
	theirs.Close()
	if err != nil {
		conn.Close()
		return fmt.Errorf("sandbox launcher: start %s: %w", l.exe, err)
	}
	conn.SetDeadline(time.Now().Add(launchTimeout))
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	var ready reply
	if err := readMsg(conn, &ready, nil); err != nil || ready.Err != "" {
		conn.Close()
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("sandbox launcher did not start: %v%s: %s", err, ready.Err, strings.TrimSpace(stderr.String()))
	}
	l.cmd, l.conn, l.abi = cmd, conn, ready.Pid
	return nil
}

// Name is the wall's name, as the timeline shows it.
func (l *Launcher) Name() string { return "Landlock ABI " + strconv.Itoa(l.abi) }

// TempDir is where a step's private directory must be made: the only
// place, besides /dev/null, a confined step can write.
func (l *Launcher) TempDir() string { return l.base }

// Start starts argv (argv[0] an absolute path) confined, as this process's
// child in a process group of its own, with env as its whole environment,
// dir as its working directory, /dev/null as stdin and out as stdout and
// stderr. The caller waits for it. A launcher that died is started again
// once.
func (l *Launcher) Start(argv, env []string, dir string, out *os.File) (*os.Process, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, errors.New("sandbox launcher: closed")
	}
	if l.cmd == nil {
		if err := l.start(context.Background()); err != nil {
			return nil, err
		}
	}
	pid, err := l.request(argv, env, dir, out)
	if errors.Is(err, errLauncherGone) {
		l.stop()
		if err = l.start(context.Background()); err == nil {
			pid, err = l.request(argv, env, dir, out)
		}
	}
	if err != nil {
		return nil, err
	}
	return os.FindProcess(pid)
}

var errLauncherGone = errors.New("sandbox launcher: gone")

func (l *Launcher) request(argv, env []string, dir string, out *os.File) (int, error) {
	if l.conn == nil {
		return 0, errLauncherGone
	}
	l.conn.SetDeadline(time.Now().Add(launchTimeout))
	if err := writeMsg(l.conn, request{Argv: argv, Env: env, Dir: dir}, int(out.Fd())); err != nil {
		return 0, fmt.Errorf("%w: %v", errLauncherGone, err)
	}
	var rep reply
	if err := readMsg(l.conn, &rep, nil); err != nil {
		return 0, fmt.Errorf("%w: %v", errLauncherGone, err)
	}
	if rep.Err != "" {
		return 0, errors.New("sandbox launcher: " + rep.Err)
	}
	return rep.Pid, nil
}

// Close stops the launcher and removes its directory. Steps it started
// are the server's children and are not touched.
func (l *Launcher) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stop()
	l.closed = true
	return os.RemoveAll(l.base)
}

// stop ends the child; l.mu is held.
func (l *Launcher) stop() {
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
	if l.cmd != nil {
		l.cmd.Process.Kill()
		l.cmd.Wait()
		l.cmd = nil
	}
}

// launcherChild is the launcher's side: it confines itself with base as
// its writable directory, says so, and starts what it is asked until the
// server closes the socket (fd 3).
func launcherChild(base string, stderr io.Writer) int {
	f := os.NewFile(3, "launcher")
	fc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "quench %s: the launcher socket: %v\n", Command, err)
		return exitSetup
	}
	conn := fc.(*net.UnixConn)
	if err := Restrict(base); err != nil {
		writeMsg(conn, reply{Err: err.Error()}, -1)
		return exitSetup
	}
	if err := selfCheck(base); err != nil {
		writeMsg(conn, reply{Err: err.Error()}, -1)
		return exitSetup
	}
	if err := writeMsg(conn, reply{Pid: ABI()}, -1); err != nil {
		return exitSetup
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		fmt.Fprintf(stderr, "quench %s: %v\n", Command, err)
		return exitSetup
	}
	for {
		var req request
		var fds []int
		if err := readMsg(conn, &req, &fds); err != nil {
			return 0 // the server closed it, or died
		}
		rep := launch(req, fds, devNull)
		if err := writeMsg(conn, rep, -1); err != nil {
			return 0
		}
	}
}

// selfCheck proves the confinement holds: the launcher can write in base
// and cannot create a file beside it.
func selfCheck(base string) error {
	f, err := os.CreateTemp(base, ".check-")
	if err != nil {
		return fmt.Errorf("sandbox: cannot write its own directory: %w", err)
	}
	f.Close()
	os.Remove(f.Name())
	f, err = os.CreateTemp(filepath.Dir(base), ".quench-sandbox-check-")
	if err == nil {
		f.Close()
		os.Remove(f.Name())
		return errors.New("sandbox: Landlock did not stop a write outside its directory")
	}
	if !errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("sandbox: checking the confinement: %w", err)
	}
	return nil
}

// launch starts one confined process as a sibling of the launcher: a
// child of the server.
// It closes fds: each is wrapped in an *os.File and closed through it
// once, because an *os.File closes its descriptor again when collected,
// and a descriptor closed twice may by then be a later request's output
// pipe (whose step then lost its output and its writes failed).
func launch(req request, fds []int, devNull *os.File) reply {
	files := make([]*os.File, len(fds))
	for i, fd := range fds {
		files[i] = os.NewFile(uintptr(fd), "out")
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if len(files) != 1 || len(req.Argv) == 0 {
		return reply{Err: "bad request"}
	}
	out := files[0]
	p, err := os.StartProcess(req.Argv[0], req.Argv, &os.ProcAttr{
		Dir: req.Dir, Env: req.Env, Files: []*os.File{devNull, out, out},
		Sys: &syscall.SysProcAttr{Setpgid: true, Cloneflags: syscall.CLONE_PARENT},
	})
	if err != nil {
		return reply{Err: err.Error()}
	}
	pid := p.Pid
	p.Release() // not ours to wait for
	return reply{Pid: pid}
}

// writeMsg sends v as a length-prefixed JSON message, with fd (when not
// -1) passed along with it.
func writeMsg(c *net.UnixConn, v any, fd int) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	msg = append(msg, b...)
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	n, oobn, err := c.WriteMsgUnix(msg, oob, nil)
	if err == nil && (n != len(msg) || oobn != len(oob)) {
		err = io.ErrShortWrite
	}
	return err
}

// maxMsg bounds a message: an environment and a script, never more.
const maxMsg = 16 << 20

// readMsg reads one message into v; the descriptors passed with it go to
// fds (closed when fds is nil).
func readMsg(c *net.UnixConn, v any, fds *[]int) error {
	head := make([]byte, 4)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := c.ReadMsgUnix(head, oob)
	if err != nil {
		return err
	}
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			got, err := unix.ParseUnixRights(&m)
			if err != nil {
				return err
			}
			if fds == nil {
				for _, fd := range got {
					unix.Close(fd)
				}
				continue
			}
			*fds = append(*fds, got...)
		}
	}
	if _, err := io.ReadFull(c, head[n:]); err != nil {
		return err
	}
	size := binary.BigEndian.Uint32(head)
	if size > maxMsg {
		return fmt.Errorf("message of %d bytes", size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(c, body); err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
