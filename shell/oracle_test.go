package shell_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quench-sh/quench/internal/throwaway"
	"github.com/quench-sh/quench/shell"
)

// The behavioural oracle: it runs, for real, the corpus commands the
// classifier accepts as read-only, and checks that nothing changed. It
// does not ask the classifier why; it only looks at the world after each
// command:
//
//   - Files: every command runs in a throwaway user, mount, network and
//     PID namespace whose every top-level directory (/etc, /usr, /var,
//     /tmp, /home, /root, /opt, /srv, /run, /work …) is an overlay over
//     the real one; whatever a command writes, creates, truncates or
//     removes anywhere lands in the overlays' upper layers, which must
//     stay empty. A scratch tree with canary files is its working
//     directory and $HOME.
//   - Services: a throwaway Redis and PostgreSQL with known data, reached
//     from inside on their usual ports (127.0.0.1:6379 and :5432, through
//     forwarders); their data must be the same afterwards.
//   - HTTP: every host name the commands use resolves to 127.0.0.1 inside,
//     where ports 80, 8080, 9090 and 9200 lead to a logger that must see
//     only GET and HEAD. Nothing leaves the machine: the namespace has only
//     a loopback interface.
//
// It needs root (or unprivileged user namespaces), unshare, ip, overlayfs
// in user namespaces, redis-server and PostgreSQL; it skips saying what is
// missing, and fails instead with QUENCH_REQUIRE_INTEGRATION=1 (CI).

// oracleInside is set in the environment of the test binary re-run inside
// the namespaces; its value is the directory of the run.
const oracleInside = "QUENCH_ORACLE_INSIDE"

// oracleTimeout bounds one command: tail -F and watch never end.
const oracleTimeout = 2 * time.Second

// oracleBatch commands run at once.
const oracleBatch = 8

// oracleEnv is the operator's environment the commands get.
var oracleEnv = map[string]string{
	"API_URL": "http://api.example.com", "API_BASE_URL": "http://api.example.com",
	"DATABASE_URL": "postgres://app@127.0.0.1:5432/app?sslmode=disable",
	"PGHOST":       "127.0.0.1", "PGPORT": "5432", "PGUSER": "app", "PGDATABASE": "app", "PGCONNECT_TIMEOUT": "2",
	"REDIS_PASSWORD": "", "ADMIN_USER": "admin", "ADMIN_PASSWORD": "secret", "STRIPE_SECRET_KEY": "sk_test",
	"IPMI_PASSWORD": "secret", "QUENCH_LABEL_INSTANCE": "api-1", "QUENCH_LABEL_SEVERITY": "critical",
	"QUENCH_LABEL_HOST": "api.example.com", "QUENCH_LABEL_SERVICE": "api", "QUENCH_LABEL_Q": "error",
	"QUENCH_LABEL_PATTERN": "error", "QUENCH_LABEL_MIN": "5", "QUENCH_LABEL_KEY": "jobs:pending",
	"QUENCH_INCIDENT_ID": "1", "QUENCH_RUNBOOK": "db-down", "QUENCH_STEP": "oracle",
	"TERM": "dumb", "LANG": "C.UTF-8",
}

// oracleHosts resolve to 127.0.0.1 inside.
var oracleHosts = []string{"localhost", "example.com", "api.example.com", "api.panidobro.com", "api.twilio.com",
	"api.stripe.com", "db", "redis", "api", "prometheus", "grafana", "elasticsearch"}

// nonLoopbackIP finds literal addresses a command could reach out to; such
// commands are left out of the sample (nothing may leave the machine, even
// from inside a namespace with no route out).
var nonLoopbackIP = regexp.MustCompile(`\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b`)

// oracleKnown are the writes the oracle found that programs make to their
// own state whatever their options, which the classifier does not model
// and the sandbox stops (docs/safety.md lists them): the program, and
// where it writes.
var oracleKnown = []struct{ prefix, path, why string }{
	{"top ", "/tmp/oracle-scratch/.config", "procps-ng top creates its configuration directory"},
	{"kubectl ", "/tmp/oracle-scratch/.kube", "kubectl caches API discovery under ~/.kube/cache"},
	{"blkid", "/run/blkid", "blkid, as root, refreshes its cache /run/blkid/blkid.tab"},
	{"systemd-analyze ", "/run/systemd", "systemd-analyze verify records loaded units in /run/systemd"},
	{"nstat", "/tmp/.nstat", "nstat creates its history file even with -s (--no-update) when there is none"},
	{"sqlite3 ", "/tmp/oracle-scratch/", "sqlite3 creates an empty database file when the one named does not exist"},
}

// oracleKnownRequest is the one request other than GET or HEAD the oracle
// allows: kubectl auth can-i asks the API server a question with POST
// (a SelfSubjectAccessReview, which is stored nowhere).
func oracleKnownRequest(r string) bool {
	return strings.HasPrefix(r, "POST ") && strings.HasSuffix(r, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
}

// unexplained returns the changes a command made that oracleKnown does
// not account for.
func unexplained(cmd string, changed []string) []string {
	var out []string
	for _, p := range changed {
		known := false
		for _, k := range oracleKnown {
			if strings.HasPrefix(cmd, k.prefix) && strings.HasPrefix(p, k.path) {
				known = true
			}
		}
		if !known {
			out = append(out, p)
		}
	}
	return out
}

// oracleResult is what the inside run reports for one command.
type oracleResult struct {
	Cmd     string   `json:"cmd"`
	Exit    int      `json:"exit"`
	Changed []string `json:"changed,omitempty"` // paths found in the overlays' upper layers
	Output  string   `json:"output,omitempty"`
}

func TestBehaviouralOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("the oracle runs hundreds of commands")
	}
	for _, tool := range []string{"unshare", "ip", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			throwaway.Require(t, "oracle: "+tool+" is not installed")
		}
	}
	if out, err := exec.Command("unshare", "--user", "--map-root-user", "--mount", "--net", "--pid", "--fork",
		"true").CombinedOutput(); err != nil {
		throwaway.Require(t, fmt.Sprintf("oracle: user, mount, network and PID namespaces are not available: %v %s", err, out))
	}

	// The commands: every corpus command the classifier calls read-only
	// (with the oracle's operator variables), reaching no literal address
	// but loopback.
	opts := shell.EnvOptions(oracleEnv, nil)
	var cmds []string
	for _, tt := range corpusFiles(t) {
		if class, _, _ := opts.Classify(tt.cmd); class != shell.ReadOnly {
			continue
		}
		if ip := nonLoopbackIP.FindString(tt.cmd); ip != "" && !strings.HasPrefix(ip, "127.") {
			continue
		}
		cmds = append(cmds, tt.cmd)
	}
	if len(cmds) < 300 {
		t.Fatalf("only %d read-only corpus commands to run; the oracle wants a large sample", len(cmds))
	}

	dir, err := os.MkdirTemp("", "quench-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	// Services, reached from inside through unix sockets in dir.
	redis := throwaway.StartRedis(t)
	pg := throwaway.StartPostgres(t)
	redis.Do(t, "MSET", "jobs:pending", "3", "session:1", "alice", "config:mode", "live")
	redis.Do(t, "RPUSH", "queue:mail", "a", "b", "c")
	redis.Do(t, "HSET", "user:1", "name", "alice", "plan", "pro")
	seedPostgres(t, pg)
	redisBefore, pgBefore := redisDigest(t, redis), pgDigest(t, pg)
	forwardUnix(t, filepath.Join(dir, "redis.sock"), redis.Addr())
	forwardUnix(t, filepath.Join(dir, "pg.sock"), fmt.Sprintf("127.0.0.1:%d", pg.Port))
	var logMu sync.Mutex
	var requests []string
	httpLn, err := net.Listen("unix", filepath.Join(dir, "http.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logMu.Lock()
		requests = append(requests, r.Method+" "+r.Host+r.URL.RequestURI())
		logMu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok","db_connected":true,"migrations_current":true}`+"\n")
	})}
	go srv.Serve(httpLn)
	t.Cleanup(func() { srv.Close() })

	if err := os.WriteFile(filepath.Join(dir, "commands.json"), mustMarshal(t, cmds), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	inner := exec.CommandContext(ctx, "unshare", "--user", "--map-root-user", "--mount", "--net", "--pid", "--fork",
		"--mount-proc", exe, "-test.run=^TestOracleInside$", "-test.v")
	inner.Env = append(os.Environ(), oracleInside+"="+dir)
	var out bytes.Buffer
	inner.Stdout, inner.Stderr = &out, &out
	if err := inner.Run(); err != nil {
		t.Fatalf("the inside run failed: %v\n%s", err, tail(out.String(), 4000))
	}
	var results []oracleResult
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil || json.Unmarshal(b, &results) != nil {
		t.Fatalf("no results from the inside run: %v\n%s", err, tail(out.String(), 4000))
	}
	if len(results) != len(cmds) {
		t.Fatalf("%d results for %d commands\n%s", len(results), len(cmds), tail(out.String(), 4000))
	}
	ran, known := 0, 0
	for _, r := range results {
		if r.Exit != 127 {
			ran++
		}
		if bad := unexplained(r.Cmd, r.Changed); len(bad) > 0 {
			t.Errorf("read-only command changed files: %q (exit %d) changed %v; output: %s", r.Cmd, r.Exit, bad, tail(r.Output, 500))
		} else if len(r.Changed) > 0 {
			known++
		}
	}
	if after := redisDigest(t, redis); after != redisBefore {
		t.Errorf("Redis changed:\nbefore %s\nafter  %s", redisBefore, after)
	}
	if after := pgDigest(t, pg); after != pgBefore {
		t.Errorf("PostgreSQL changed:\nbefore %s\nafter  %s", pgBefore, after)
	}
	logMu.Lock()
	defer logMu.Unlock()
	for _, r := range requests {
		if !strings.HasPrefix(r, "GET ") && !strings.HasPrefix(r, "HEAD ") && !oracleKnownRequest(r) {
			t.Errorf("HTTP request other than GET or HEAD: %s", r)
		}
	}
	t.Logf("oracle: %d read-only corpus commands run in namespaces (%d found their program), %d HTTP requests; "+
		"nothing changed but the program state of %d commands listed in oracleKnown", len(results), ran, len(requests), known)
}

// TestOracleInside is the oracle's inside half: the test binary re-run by
// TestBehaviouralOracle in fresh namespaces. It sets up the overlays, the
// loopback, the forwarders and the host names, runs every command and
// writes what it saw.
func TestOracleInside(t *testing.T) {
	dir := os.Getenv(oracleInside)
	if dir == "" {
		t.Skip("helper process for TestBehaviouralOracle")
	}
	var cmds []string
	b, err := os.ReadFile(filepath.Join(dir, "commands.json"))
	if err != nil || json.Unmarshal(b, &cmds) != nil {
		t.Fatalf("commands: %v", err)
	}
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("oracle setup: %s: %v", what, err)
		}
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v %s", err, out)
	}
	must(syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""), "make / private")
	// The layers live on a tmpfs of their own over /mnt (which hides the
	// host's /mnt in here only).
	must(syscall.Mount("oracle", "/mnt", "tmpfs", 0, "mode=0755"), "tmpfs on /mnt")
	socks := "/mnt/socks"
	must(os.Mkdir(socks, 0o755), "socket directory")
	must(syscall.Mount(dir, socks, "", syscall.MS_BIND, ""), "bind the sockets")
	var uppers []string
	ents, err := os.ReadDir("/")
	must(err, "read /")
	for _, e := range ents {
		name := e.Name()
		switch name {
		case "proc", "sys", "dev", "mnt", "lost+found":
			continue
		}
		if !e.IsDir() {
			continue // symlinks such as /bin -> usr/bin
		}
		upper, work := "/mnt/upper/"+name, "/mnt/work/"+name
		must(os.MkdirAll(upper, 0o755), "upper")
		must(os.MkdirAll(work, 0o755), "work")
		opts := "lowerdir=/" + name + ",upperdir=" + upper + ",workdir=" + work
		if err := syscall.Mount("overlay", "/"+name, "overlay", 0, opts); err != nil {
			// A directory that cannot be overlaid is hidden under an
			// empty tmpfs instead, which must stay empty too.
			must(syscall.Mount("oracle", "/"+name, "tmpfs", 0, "mode=0755"), "tmpfs on /"+name+" ("+err.Error()+")")
			os.Remove(upper)
			upper = "/" + name
		}
		uppers = append(uppers, upper)
	}
	must(syscall.Mount("oracle", "/dev/shm", "tmpfs", 0, "mode=1777"), "tmpfs on /dev/shm")
	uppers = append(uppers, "/dev/shm")
	// Every name the commands use is this machine; any other lookup asks
	// a resolver on 127.0.0.1, where nothing answers.
	hosts := "127.0.0.1 " + strings.Join(oracleHosts, " ") + "\n::1 localhost\n"
	must(os.WriteFile("/mnt/hosts", []byte(hosts), 0o644), "hosts")
	must(os.WriteFile("/mnt/resolv.conf", []byte("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"), 0o644), "resolv.conf")
	for _, f := range []string{"hosts", "resolv.conf"} {
		must(syscall.Mount("/mnt/"+f, "/etc/"+f, "", syscall.MS_BIND, ""), "bind /etc/"+f)
	}
	for port, sock := range map[string]string{"6379": "redis.sock", "5432": "pg.sock", "80": "http.sock",
		"8080": "http.sock", "9090": "http.sock", "9200": "http.sock"} {
		forwardTCP(t, "127.0.0.1:"+port, filepath.Join(socks, sock))
	}
	// The scratch tree: canaries in the working directory and $HOME.
	scratch := "/tmp/oracle-scratch"
	must(os.MkdirAll(filepath.Join(scratch, "logs"), 0o755), "scratch")
	for _, f := range []string{"canary.txt", "app.log", "logs/error.log", ".env", "docker-compose.yml"} {
		must(os.WriteFile(filepath.Join(scratch, f), []byte("canary "+f+"\nerror: something\n"), 0o644), "canary")
	}
	// What setting up wrote is the baseline; the commands must add nothing.
	baseline := map[string]bool{}
	for _, p := range changes(uppers) {
		baseline[p] = true
	}

	env := []string{"PATH=" + shell.DefaultPath, "HOME=" + scratch, "USER=root", "LOGNAME=root"}
	for k, v := range oracleEnv {
		env = append(env, k+"="+v)
	}
	// Commands run oracleBatch at a time (most of the time is spent
	// waiting on timeouts); what a batch changed is laid at the door of
	// each of its commands, and a change is explained only when
	// oracleKnown allows it for one of them.
	results := make([]oracleResult, len(cmds))
	for start := 0; start < len(cmds); start += oracleBatch {
		end := min(start+oracleBatch, len(cmds))
		var wg sync.WaitGroup
		outs := make([]string, end-start)
		for i := start; i < end; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i].Cmd = cmds[i]
				results[i].Exit, outs[i-start] = runOracleCommand(cmds[i], scratch, env)
			}()
		}
		wg.Wait()
		var changed []string
		for _, p := range changes(uppers) {
			if !baseline[p] {
				changed = append(changed, p)
				baseline[p] = true
			}
		}
		if len(changed) == 0 {
			continue
		}
		for i := start; i < end; i++ {
			var mine []string
			for _, p := range changed {
				explained := false
				for j := start; j < end; j++ {
					explained = explained || len(unexplained(cmds[j], []string{p})) == 0
				}
				if !explained || len(unexplained(cmds[i], []string{p})) == 0 {
					mine = append(mine, p)
				}
			}
			if len(mine) > 0 {
				results[i].Changed, results[i].Output = mine, outs[i-start]
			}
		}
	}
	// dir itself is under the overlaid /tmp now: write through the bind.
	must(os.WriteFile(filepath.Join(socks, "results.json"), mustMarshal(t, results), 0o644), "results")
}

// runOracleCommand runs one command under bash, its process group killed
// at oracleTimeout, and returns its exit status and output.
func runOracleCommand(c, dir string, env []string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), oracleTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", c)
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what it left behind
	}
	if cmd.ProcessState == nil {
		return -1, out.String()
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// changes lists everything in the overlays' upper layers (and the
// tmpfs stand-ins), as paths inside the namespace.
func changes(uppers []string) []string {
	var out []string
	for _, u := range uppers {
		filepath.WalkDir(u, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == u {
				return nil
			}
			rel := strings.TrimPrefix(p, "/mnt/upper")
			out = append(out, rel)
			return nil
		})
	}
	return out
}

// forwardUnix listens on a unix socket at path and forwards each
// connection to the TCP address addr (outside: to a throwaway service).
func forwardUnix(t *testing.T, path, addr string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o777)
	t.Cleanup(func() { ln.Close() })
	go serveForward(ln, func() (net.Conn, error) { return net.Dial("tcp", addr) })
}

// forwardTCP listens on the TCP address addr and forwards each
// connection to the unix socket at path (inside: to a service outside).
func forwardTCP(t *testing.T, addr, path string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("oracle setup: listen on %s: %v", addr, err)
	}
	go serveForward(ln, func() (net.Conn, error) { return net.Dial("unix", path) })
}

func serveForward(ln net.Listener, dial func() (net.Conn, error)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			d, err := dial()
			if err != nil {
				return
			}
			defer d.Close()
			go func() { io.Copy(d, c); d.(interface{ CloseWrite() error }).CloseWrite() }()
			io.Copy(c, d)
		}()
	}
}

func seedPostgres(t *testing.T, pg *throwaway.Postgres) {
	t.Helper()
	conn := pg.Connect(t, "app", "app", "oracle-seed")
	for _, q := range []string{
		"CREATE TABLE jobs (id serial PRIMARY KEY, state text, failed_at timestamptz)",
		"CREATE TABLE dead_letter_jobs (id serial PRIMARY KEY, payload text, failed_at timestamptz DEFAULT now())",
		"CREATE TABLE users (id serial PRIMARY KEY, email text)",
		"INSERT INTO jobs (state, failed_at) VALUES ('done', NULL), ('failed', now()), ('pending', NULL)",
		"INSERT INTO dead_letter_jobs (payload) VALUES ('a'), ('b')",
		"INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com')",
	} {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("seed %s: %v", q, err)
		}
	}
}

// pgDigest is every user table's rows, the roles, the databases and the
// settings changed by ALTER SYSTEM: what a write would show in.
func pgDigest(t *testing.T, pg *throwaway.Postgres) string {
	t.Helper()
	conn := pg.Connect(t, "postgres", "app", "oracle-digest")
	var parts []string
	for _, q := range []string{
		"SELECT coalesce(string_agg(j::text, ',' ORDER BY id), '') FROM jobs j",
		"SELECT coalesce(string_agg(d::text, ',' ORDER BY id), '') FROM dead_letter_jobs d",
		"SELECT coalesce(string_agg(u::text, ',' ORDER BY id), '') FROM users u",
		"SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY 1) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
		"SELECT string_agg(rolname, ',' ORDER BY 1) FROM pg_roles",
		"SELECT string_agg(datname, ',' ORDER BY 1) FROM pg_database",
		"SELECT count(*)::text FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'",
	} {
		var s *string
		if err := conn.QueryRow(context.Background(), q).Scan(&s); err != nil {
			t.Fatalf("digest %s: %v", q, err)
		}
		if s != nil {
			parts = append(parts, *s)
		}
	}
	return strings.Join(parts, " | ")
}

// redisDigest is every key with its serialized value, and the server's
// configuration.
func redisDigest(t *testing.T, r *throwaway.Redis) string {
	t.Helper()
	keys := strings.Fields(r.Do(t, "KEYS", "*"))
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + r.Do(t, "DUMP", k) + "\n")
	}
	return b.String() + r.Do(t, "CONFIG", "GET", "*")
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
