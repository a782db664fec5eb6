package ssh_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench/internal/proctest"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
	qssh "github.com/quench-sh/quench/ssh"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const sshdPath = "/usr/sbin/sshd"

// sshd is a real OpenSSH server the test started on a loopback port.
type sshd struct {
	addr     string
	user     string
	dir      string
	hostKeys []ssh.PublicKey
	keyFile  string // the client's private key, authorized on the server
	log      *proctest.Buffer
}

func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
		t.Fatal(msg + " (QUENCH_REQUIRE_INTEGRATION=1)")
	}
	t.Skip(msg)
}

// writeKey writes key in OpenSSH PEM form with mode 0600 and returns its
// public half.
func writeKey(t *testing.T, path string, key crypto.Signer) ssh.PublicKey {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func newEd25519(t *testing.T) crypto.Signer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func newECDSA(t *testing.T) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// sshdVersion returns OpenSSH's major and minor version.
func sshdVersion() (int, int) {
	out, _ := exec.Command(sshdPath, "-V").CombinedOutput()
	m := regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`).FindSubmatch(out)
	if m == nil {
		return 0, 0
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return major, minor
}

// startSSHD starts sshd with the given host keys (one ed25519 key when
// none) and stops it when the test ends.
func startSSHD(t *testing.T, hostKeys ...crypto.Signer) *sshd {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		skipOrFail(t, "sshd not installed (%s missing; apt-get install openssh-server)", sshdPath)
	}
	if os.Geteuid() == 0 {
		// Run as root, sshd insists on its privilege separation directory,
		// which the distribution's service creates at boot.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			skipOrFail(t, "sshd needs /run/sshd: %v", err)
		}
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if len(hostKeys) == 0 {
		hostKeys = []crypto.Signer{newEd25519(t)}
	}
	s := &sshd{user: u.Username, dir: t.TempDir(), log: &proctest.Buffer{}}
	var config strings.Builder
	for i, k := range hostKeys {
		path := filepath.Join(s.dir, "host_key_"+strconv.Itoa(i))
		s.hostKeys = append(s.hostKeys, writeKey(t, path, k))
		fmt.Fprintf(&config, "HostKey %s\n", path)
	}
	s.keyFile = filepath.Join(s.dir, "client_key")
	clientPub := writeKey(t, s.keyFile, newEd25519(t))
	authorized := filepath.Join(s.dir, "authorized_keys")
	if err := os.WriteFile(authorized, ssh.MarshalAuthorizedKey(clientPub), 0o600); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&config, `ListenAddress 127.0.0.1
PidFile %s
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers %s
UseDNS no
LogLevel VERBOSE
`, filepath.Join(s.dir, "sshd.pid"), authorized, s.user)
	if major, minor := sshdVersion(); major > 9 || major == 9 && minor >= 8 {
		// Refused host keys look like failed logins to sshd, which would
		// otherwise start turning the test's connections away.
		config.WriteString("PerSourcePenalties no\n")
	}

	for attempt := 0; ; attempt++ {
		port := freePort(t)
		cfgPath := filepath.Join(s.dir, "sshd_config")
		if err := os.WriteFile(cfgPath, []byte(config.String()+"Port "+strconv.Itoa(port)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		cmd := exec.Command(sshdPath, "-D", "-e", "-f", cfgPath)
		cmd.Stdout = s.log
		cmd.Stderr = s.log
		if err := cmd.Start(); err != nil {
			t.Fatalf("start sshd: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			cmd.Process.Kill()
			<-exited
			if t.Failed() {
				t.Logf("sshd log:\n%s", s.log.String())
			}
		})
		if waitListening(s.addr, exited) {
			return s
		}
		if attempt == 2 {
			t.Fatalf("sshd did not start:\n%s", s.log.String())
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// knownHosts writes a known_hosts file with keys for addr.
func knownHosts(t *testing.T, addr string, keys ...ssh.PublicKey) string {
	t.Helper()
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(addr)}, k) + "\n")
	}
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runner returns a Runner for s that trusts its first host key.
func (s *sshd) runner(t *testing.T) *qssh.Runner {
	return &qssh.Runner{
		Target: qssh.Target{
			Name:           "test-host",
			Addr:           s.addr,
			User:           s.user,
			KeyFile:        s.keyFile,
			KnownHostsFile: knownHosts(t, s.addr, s.hostKeys[0]),
			Timeout:        5 * time.Second,
		},
		KillGrace: 300 * time.Millisecond,
	}
}

func run(t *testing.T, r *qssh.Runner, spec shell.Spec) shell.Result {
	t.Helper()
	res, err := r.Run(context.Background(), spec, nil)
	if err != nil {
		t.Fatalf("Run(%q): %v", spec.Script, err)
	}
	return res
}

func TestRunCommand(t *testing.T) {
	s := startSSHD(t)
	var live proctest.Buffer
	res, err := s.runner(t).Run(context.Background(), shell.Spec{
		Script: "echo out1; echo err1 >&2; echo out2; id -un",
	}, &live)
	if err != nil {
		t.Fatal(err)
	}
	want := "out1\nerr1\nout2\n" + s.user + "\n"
	if string(res.Output) != want || res.ExitCode != 0 || res.TimedOut || res.Canceled {
		t.Errorf("Output %q exit %d timedOut %v canceled %v, want %q exit 0", res.Output, res.ExitCode, res.TimedOut, res.Canceled, want)
	}
	if live.String() != want {
		t.Errorf("live = %q, want %q", live.String(), want)
	}
	if res.OutputSHA256 == "" || res.Started.IsZero() || res.Finished.Before(res.Started) {
		t.Errorf("OutputSHA256 %q Started %v Finished %v", res.OutputSHA256, res.Started, res.Finished)
	}
}

func TestRunExitCode(t *testing.T) {
	s := startSSHD(t)
	r := s.runner(t)
	for _, tt := range []struct {
		script string
		want   int
	}{
		{"true", 0},
		{"false", 1},
		{"exit 3", 3},
		{"echo partial; exit 42", 42},
		{"no-such-command-here", 127},
		{"kill -KILL $BASHPID", 128 + 9},
		{"syntax error (", 2},
	} {
		t.Run(tt.script, func(t *testing.T) {
			t.Parallel() // each run waits mostly on sshd starting a session
			if res := run(t, r, shell.Spec{Script: tt.script}); res.ExitCode != tt.want {
				t.Errorf("Run(%q) exit = %d, want %d (output %q)", tt.script, res.ExitCode, tt.want, res.Output)
			}
		})
	}
}

// The script reads /dev/null, so a command that reads stdin neither hangs
// nor swallows the rest of the script.
func TestRunStdinIsDevNull(t *testing.T) {
	s := startSSHD(t)
	res := run(t, s.runner(t), shell.Spec{Script: "cat\nreadlink /proc/self/fd/0\nread -r line || echo no input\necho after"})
	if got, want := string(res.Output), "/dev/null\nno input\nafter\n"; got != want {
		t.Errorf("Output = %q, want %q", got, want)
	}
}

func TestRunDir(t *testing.T) {
	s := startSSHD(t)
	dir := filepath.Join(t.TempDir(), "it's a dir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	res := run(t, s.runner(t), shell.Spec{Script: "pwd", Dir: dir})
	if got := strings.TrimSuffix(string(res.Output), "\n"); got != dir {
		t.Errorf("pwd = %q, want %q", got, dir)
	}
	res = run(t, s.runner(t), shell.Spec{Script: "echo should not run", Dir: filepath.Join(dir, "missing")})
	if res.ExitCode != 1 || strings.Contains(string(res.Output), "should not run") {
		t.Errorf("missing dir: exit %d output %q, want exit 1 and the script not run", res.ExitCode, res.Output)
	}
}

// Alert text sent as environment arrives byte for byte and runs nothing.
func TestRunEnvArrivesAsData(t *testing.T) {
	s := startSSHD(t)
	pwned := filepath.Join(t.TempDir(), "pwned-"+strconv.Itoa(os.Getpid()))
	values := map[string]string{
		"subst":     "$(touch " + pwned + ")",
		"backtick":  "`touch " + pwned + "`",
		"semicolon": "; touch " + pwned,
		"newline":   "x'\ntouch " + pwned + "\n'",
		"quotes":    `it's "quoted" '' \' \\`,
		"expansion": "${HOME} $PATH $((1+1)) !! \\n",
		"trailing":  "ends with newlines\n\n",
		"binary":    "\xff\xfe\x01\x7f",
		"big":       strings.Repeat("0123456789abcdef", 16<<10), // 256 KiB: over any argv limit
	}
	labels := shell.LabelEnv(values)
	names := shell.EnvNames(labels)
	spec := shell.Spec{Env: labels, MaxOutput: 1 << 20}
	for _, name := range names {
		spec.Script += `printf '%s\0' "$` + name + `"` + "\n"
	}
	res := run(t, s.runner(t), spec)
	got := strings.Split(strings.TrimSuffix(string(res.Output), "\x00"), "\x00")
	if len(got) != len(names) {
		t.Fatalf("got %d values, want %d: %.200q", len(got), len(names), res.Output)
	}
	for i, name := range names {
		if got[i] != labels[name] {
			t.Errorf("%s = %.80q, want %.80q", name, got[i], labels[name])
		}
	}
	if _, err := os.Stat(pwned); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a value executed: %s exists", pwned)
	}
}

func TestRunScrubsSecrets(t *testing.T) {
	s := startSSHD(t)
	res := run(t, s.runner(t), shell.Spec{
		Script:  `printf 'pw=%s\n' "$DB_PASSWORD"`,
		Env:     map[string]string{"DB_PASSWORD": "s3cr3t"},
		Secrets: []string{"s3cr3t"},
	})
	if got, want := string(res.Output), "pw=[REDACTED]\n"; got != want {
		t.Errorf("Output = %q, want %q", got, want)
	}
}

const spawnScript = `sleep 100 & echo $!; (sleep 100; echo never) & echo $!; sleep 100`

// The timeout fires only once the script has printed both children's pids,
// so the test checks what it means to (a timed-out run leaves nothing
// running) however slowly the machine starts the remote shell.
func TestRunTimeoutKillsRemoteProcesses(t *testing.T) {
	s := startSSHD(t)
	for _, tt := range []struct{ name, script string }{
		{"plain", spawnScript},
		{"ignores TERM", `trap '' TERM; ` + spawnScript},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.runner(t)
			fire := make(chan time.Time, 1)
			r.FireTimeoutOn(fire)
			var live proctest.Buffer
			done := make(chan shell.Result, 1)
			go func() {
				res, err := r.Run(context.Background(), shell.Spec{Script: tt.script, Timeout: time.Hour}, &live)
				if err != nil {
					t.Error(err)
				}
				done <- res
			}()
			waitForPIDs(t, &live, 2)
			fire <- time.Now()
			res := <-done
			if !res.TimedOut || res.Canceled || res.ExitCode != -1 {
				t.Errorf("TimedOut %v Canceled %v ExitCode %d, want true false -1", res.TimedOut, res.Canceled, res.ExitCode)
			}
			pids := proctest.PIDs(res.Output)
			if len(pids) != 2 {
				t.Fatalf("want 2 pids in the output, got %q", res.Output)
			}
			proctest.AssertGone(t, pids)
		})
	}
}

// waitForPIDs waits until the live output holds n process ids.
func waitForPIDs(t *testing.T, live *proctest.Buffer, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for len(proctest.PIDs(live.Bytes())) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d pids in the output after a minute: %q", n, live.Bytes())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunCancelKillsRemoteProcesses(t *testing.T) {
	s := startSSHD(t)
	ctx, cancel := context.WithCancel(context.Background())
	var live proctest.Buffer
	done := make(chan shell.Result)
	go func() {
		res, err := s.runner(t).Run(ctx, shell.Spec{Script: spawnScript}, &live)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	waitForPIDs(t, &live, 2)
	cancel()
	res := <-done
	if !res.Canceled || res.ExitCode != -1 {
		t.Errorf("Canceled %v ExitCode %d, want true -1", res.Canceled, res.ExitCode)
	}
	proctest.AssertGone(t, proctest.PIDs(res.Output))
}

// What a script leaves running when it exits is stopped with it.
func TestRunStopsLeftoverProcesses(t *testing.T) {
	s := startSSHD(t)
	res := run(t, s.runner(t), shell.Spec{Script: "sleep 100 >/dev/null 2>&1 & echo $!; exit 5"})
	if res.ExitCode != 5 {
		t.Errorf("exit %d, want 5", res.ExitCode)
	}
	proctest.AssertGone(t, proctest.PIDs(res.Output))
}

func TestRunRefusesUnknownHostKey(t *testing.T) {
	s := startSSHD(t)
	r := s.runner(t)
	r.Target.KnownHostsFile = knownHosts(t, s.addr) // empty
	_, err := r.Run(context.Background(), shell.Spec{Script: "touch " + filepath.Join(s.dir, "ran")}, nil)
	if quench.ErrorCode(err) != quench.EFORBIDDEN {
		t.Fatalf("err = %v, want %s", err, quench.EFORBIDDEN)
	}
	msg := quench.ErrorMessage(err)
	for _, want := range []string{"unknown host key", s.addr, ssh.FingerprintSHA256(s.hostKeys[0]), "ssh-keyscan", r.Target.KnownHostsFile} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "ran")); err == nil {
		t.Error("the command ran on a host with an unknown key")
	}
}

func TestRunRefusesChangedHostKey(t *testing.T) {
	s := startSSHD(t)
	r := s.runner(t)
	other, err := ssh.NewPublicKey(newEd25519(t).Public())
	if err != nil {
		t.Fatal(err)
	}
	r.Target.KnownHostsFile = knownHosts(t, s.addr, other)
	_, err = r.Run(context.Background(), shell.Spec{Script: "touch " + filepath.Join(s.dir, "ran")}, nil)
	if quench.ErrorCode(err) != quench.EFORBIDDEN {
		t.Fatalf("err = %v, want %s", err, quench.EFORBIDDEN)
	}
	msg := quench.ErrorMessage(err)
	for _, want := range []string{"HOST KEY CHANGED", ssh.FingerprintSHA256(s.hostKeys[0]), ssh.FingerprintSHA256(other), "ssh-keygen -R"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "ran")); err == nil {
		t.Error("the command ran on a host with a changed key")
	}
}

// A host with several keys is asked for the kind known_hosts holds, so
// knowing any one of its keys is enough.
func TestRunHostWithSeveralKeys(t *testing.T) {
	s := startSSHD(t, newEd25519(t), newECDSA(t))
	for i, key := range s.hostKeys {
		r := s.runner(t)
		r.Target.KnownHostsFile = knownHosts(t, s.addr, key)
		if res := run(t, r, shell.Spec{Script: "echo ok"}); string(res.Output) != "ok\n" {
			t.Errorf("knowing host key %d (%s): output %q", i, key.Type(), res.Output)
		}
	}
}

func TestRunConfigurationErrors(t *testing.T) {
	s := startSSHD(t)
	otherKey := filepath.Join(t.TempDir(), "other_key")
	writeKey(t, otherKey, newEd25519(t))
	for _, tt := range []struct {
		name   string
		change func(*qssh.Target)
		code   string
		says   string
	}{
		{"no known_hosts", func(tg *qssh.Target) { tg.KnownHostsFile = "" }, quench.EINVALID, "no known_hosts file"},
		{"missing known_hosts", func(tg *qssh.Target) { tg.KnownHostsFile = filepath.Join(s.dir, "nope") }, quench.EINVALID, "known_hosts"},
		{"no key", func(tg *qssh.Target) { tg.KeyFile = "" }, quench.EINVALID, "no key file"},
		{"key not authorized", func(tg *qssh.Target) { tg.KeyFile = otherKey }, quench.EFORBIDDEN, "did not accept the key"},
		{"nothing listening", func(tg *qssh.Target) { tg.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t))) }, quench.EUNAVAILABLE, "connect"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.runner(t)
			tt.change(&r.Target)
			_, err := r.Run(context.Background(), shell.Spec{Script: "true"}, nil)
			if quench.ErrorCode(err) != tt.code || !strings.Contains(quench.ErrorMessage(err), tt.says) {
				t.Errorf("err = %v (code %s), want code %s saying %q", err, quench.ErrorCode(err), tt.code, tt.says)
			}
		})
	}
}

func TestRunRefusesBadSpec(t *testing.T) {
	r := &qssh.Runner{Target: qssh.Target{Name: "x", Addr: "127.0.0.1:1"}}
	_, err := r.Run(context.Background(), shell.Spec{Script: "true", Env: map[string]string{"A B": "x"}}, nil)
	if quench.ErrorCode(err) != quench.EINVALID {
		t.Errorf("err = %v, want %s", err, quench.EINVALID)
	}
}

// TestRunReadOnlyWrapper: a Sandboxed spec runs whole under the target's
// read-only wrapper, with its environment and /dev/null as stdin; without
// a wrapper it is refused, never run unconfined.
func TestRunReadOnlyWrapper(t *testing.T) {
	s := startSSHD(t)
	r := s.runner(t)
	spec := shell.Spec{
		Script:    `echo "$QUENCH_WRAPPED|$A|$(pwd)"; cat; echo done`,
		Env:       map[string]string{"A": "it's $(x) `y`"},
		Dir:       "/tmp",
		Sandboxed: true,
	}
	if _, err := r.Run(context.Background(), spec, nil); err == nil || !strings.Contains(err.Error(), "no readonly_wrapper") {
		t.Errorf("Sandboxed without a wrapper: %v, want refused", err)
	}
	r.ReadOnlyWrapper = "env QUENCH_WRAPPED=yes"
	if name, err := r.Confinement(); err != nil || name != "readonly_wrapper env QUENCH_WRAPPED=yes" {
		t.Errorf("Confinement = %q, %v", name, err)
	}
	res := run(t, r, spec)
	if want := "yes|it's $(x) `y`|/tmp\ndone\n"; string(res.Output) != want || res.ExitCode != 0 {
		t.Errorf("wrapped run: output %q exit %d, want %q", res.Output, res.ExitCode, want)
	}
	spec.Sandboxed = false
	if res := run(t, r, spec); !strings.HasPrefix(string(res.Output), "|") {
		t.Errorf("a spec that is not Sandboxed ran under the wrapper: %q", res.Output)
	}
}
