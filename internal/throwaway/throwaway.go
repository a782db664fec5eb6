// Package throwaway starts servers a test owns alone: a PostgreSQL cluster
// in its own data directory and a Redis, each on a free loopback port and
// killed when the test ends, so a test can break them (hold locks, fill
// memory, stop them) without touching the machine's shared PostgreSQL
// (5432) or Redis (6379).
//
// A test that cannot get a server (the binaries are not installed) skips,
// saying what is missing, unless QUENCH_REQUIRE_INTEGRATION=1 makes that a
// failure.
package throwaway

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
)

// EnvRequire makes a missing server a test failure instead of a skip.
const EnvRequire = "QUENCH_REQUIRE_INTEGRATION"

// Require skips the test saying why, or fails it when EnvRequire is "1".
func Require(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%s (%s=1)", why, EnvRequire)
	}
	t.Skip(why)
}

// freePort returns a loopback TCP port nothing listens on right now, never
// one of the shared servers' ports.
func freePort(t testing.TB) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("throwaway: free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 5432 && port != 6379 {
			return port
		}
	}
}

// runAs is the user a server runs as: PostgreSQL refuses to run as root,
// so a root test runs it as the postgres user; anyone else runs it as
// themselves.
type runAs struct {
	cred     *syscall.Credential
	uid, gid int
}

func serverUser(t testing.TB) runAs {
	t.Helper()
	if os.Geteuid() != 0 {
		return runAs{uid: os.Getuid(), gid: os.Getgid()}
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		Require(t, "throwaway: tests run as root and there is no postgres user to run PostgreSQL as")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return runAs{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid: uid, gid: gid}
}

// command builds a command run as a, killed if the test process dies.
func (a runAs) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	return cmd
}

// privateDir makes a directory owned by a, outside t.TempDir (whose parent
// only the test's user may enter), removed when the test ends.
func (a runAs) privateDir(t testing.TB, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, a.uid, a.gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// postgresBin finds a PostgreSQL binary, newest major version first.
func postgresBin(name string) (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s is not installed (apt-get install postgresql)", name)
}
