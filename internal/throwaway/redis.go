package throwaway

import (
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quench-sh/quench/internal/proctest"
)

// Redis is a Redis server of one test, on 127.0.0.1:Port, without
// persistence.
type Redis struct {
	Port int
	Dir  string

	cli    string
	as     runAs
	server string
	args   []string
	cmd    *exec.Cmd
	exited chan struct{}
	log    *proctest.Buffer
	once   *sync.Once
}

// StartRedis starts a Redis for the test and kills it when the test ends.
// Extra arguments are passed to redis-server ("--maxmemory", "1mb" …).
func StartRedis(t testing.TB, args ...string) *Redis {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		Require(t, "throwaway: redis-server is not installed (apt-get install redis-server)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		Require(t, "throwaway: redis-cli is not installed (apt-get install redis-tools)")
	}
	as := serverUser(t)
	r := &Redis{Dir: as.privateDir(t, "quench-redis-"), cli: cli, log: &proctest.Buffer{}}
	r.Port = freePort(t)
	all := append([]string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--dir", r.Dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no"}, args...)
	r.as, r.server, r.args = as, server, all
	r.start(t)
	t.Cleanup(r.Stop)
	return r
}

// start runs the server and waits until it answers PING.
func (r *Redis) start(t testing.TB) {
	t.Helper()
	r.exited, r.once = make(chan struct{}), &sync.Once{}
	r.cmd = r.as.command(r.server, r.args...)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("throwaway: start redis-server: %v", err)
	}
	exited, cmd := r.exited, r.cmd
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := r.Try("PING")
		if err == nil && out == "PONG" {
			return
		}
		select {
		case <-exited:
			t.Fatalf("throwaway: redis-server exited at start:\n%s", r.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("throwaway: redis-server did not answer PING within 30 s: %v %s\n%s", err, out, r.log.String())
		}
	}
}

// Restart starts a stopped server again on the same port (empty: Redis
// keeps nothing here) and waits until it answers. A running one is
// killed first.
func (r *Redis) Restart(t testing.TB) {
	t.Helper()
	r.Stop()
	r.start(t)
}

// Addr is the server's host:port.
func (r *Redis) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.Port)) }

// Do runs one command with redis-cli and returns its answer, trimmed.
func (r *Redis) Do(t testing.TB, args ...string) string {
	t.Helper()
	out, err := r.Try(args...)
	if err != nil {
		t.Fatalf("throwaway: redis-cli %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// Try runs one command with redis-cli and returns its answer, trimmed,
// and the error of redis-cli itself (an error reply is an answer).
func (r *Redis) Try(args ...string) (string, error) {
	cmd := exec.Command(r.cli, append([]string{"-p", strconv.Itoa(r.Port)}, args...)...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Stop kills the server and waits for it. Safe to call more than once.
func (r *Redis) Stop() {
	r.once.Do(func() {
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.exited
	})
}
