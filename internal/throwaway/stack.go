package throwaway

import (
	_ "embed"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

//go:embed docker.sh
var dockerScript string

// Stack is the application the reference runbook pack diagnoses, built
// from throwaway parts on this machine: a PostgreSQL and a Redis of the
// test's own, an HTTP stub of the API's /healthz and /readyz, a git
// checkout with ops/deploy.sh, a backups directory, and a stand-in for
// docker (see docker.sh) whose `docker compose exec SERVICE CMD` runs CMD
// here against those servers. Env points every variable of the pack at
// them, so a test that runs the pack's steps never leaves loopback.
type Stack struct {
	PG        *Postgres
	Redis     *Redis
	AppDir    string // the compose project: a git checkout with ops/deploy.sh
	BackupDir string
	DockerDir string // Docker's data directory, with container logs
	State     string // the docker stand-in's state: logs, env, calls.log, deploys.log
	Bin       string // the docker stand-in and its helpers; first in PATH

	api   *httptest.Server
	mu    sync.Mutex
	ready readyAnswer
}

type readyAnswer struct {
	status int
	body   string
}

// HealthyReadyz is the body /readyz answers with while everything is up.
const HealthyReadyz = `{"ok":true,"db_connected":true,"redis_connected":true,"migrations_current":true}`

// StartStack builds a stack for the test; everything is stopped and
// removed when the test ends.
func StartStack(t testing.TB) *Stack {
	t.Helper()
	s := &Stack{ready: readyAnswer{http.StatusOK, HealthyReadyz}}
	s.PG = StartPostgres(t)
	s.Redis = StartRedis(t)
	root := t.TempDir()
	s.AppDir = filepath.Join(root, "app")
	s.BackupDir = filepath.Join(root, "app", "backups")
	s.DockerDir = filepath.Join(root, "docker")
	s.State = filepath.Join(root, "state")
	s.Bin = filepath.Join(root, "bin")
	for _, d := range []string{s.BackupDir, filepath.Join(s.DockerDir, "containers", "fakeapi"), filepath.Join(s.State, "logs"), filepath.Join(s.State, "env"), filepath.Join(s.Bin, "container")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	s.api = httptest.NewServer(http.HandlerFunc(s.serveAPI))
	t.Cleanup(s.api.Close)

	s.writeBin(t)
	s.writeState(t)
	s.initRepo(t)
	return s
}

// URL is the stub API's base URL.
func (s *Stack) URL() string { return s.api.URL }

// SetReadyz sets what /readyz answers from now on.
func (s *Stack) SetReadyz(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready = readyAnswer{status, body}
}

func (s *Stack) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/readyz":
		w.WriteHeader(ready.status)
		fmt.Fprint(w, ready.body)
	default: // /healthz, and anything a provider check asks for
		fmt.Fprint(w, `{"ok":true}`)
	}
}

// Env is the environment a step of the reference pack runs with against
// this stack: every pack variable pointed here, and PATH starting with the
// docker stand-in.
func (s *Stack) Env() map[string]string { return s.env(s.api.URL) }

// EnvNames lists the variables Stack.Env sets, without a running stack.
func EnvNames() []string {
	var s Stack
	names := slices.Collect(maps.Keys(s.env("")))
	slices.Sort(names)
	return names
}

func (s *Stack) env(api string) map[string]string {
	return map[string]string{
		"APP_DIR":            s.AppDir,
		"API_URL":            api,
		"API_SERVICE":        "api",
		"DB_SERVICE":         "db",
		"REDIS_SERVICE":      "redis",
		"DB_USER":            "app",
		"DB_NAME":            "app",
		"BACKUP_DIR":         s.BackupDir,
		"DOCKER_DIR":         s.DockerDir,
		"EMAIL_PROVIDER_URL": api + "/email-provider",
		"SMS_PROVIDER_URL":   api + "/sms-provider",
		"PATH":               s.Bin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	}
}

// Stop marks a compose service stopped: the stand-in's exec refuses to run
// in it and ps shows it exited. Start undoes it.
func (s *Stack) Stop(t testing.TB, service string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.State, "stopped-"+service), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Start marks a compose service running again.
func (s *Stack) Start(t testing.TB, service string) {
	t.Helper()
	if err := os.Remove(filepath.Join(s.State, "stopped-"+service)); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// Calls returns the docker command lines the stand-in received.
func (s *Stack) Calls(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.State, "calls.log"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func (s *Stack) writeBin(t testing.TB) {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		Require(t, "throwaway: redis-cli is not installed")
	}
	df, err := exec.LookPath("df")
	if err != nil {
		t.Fatal(err)
	}
	docker := strings.NewReplacer(
		"@STATE@", shellQuote(s.State),
		"@CONTAINER_BIN@", shellQuote(filepath.Join(s.Bin, "container")),
		"@PGHOST@", shellQuote(s.PG.Dir),
		"@PGPORT@", strconv.Itoa(s.PG.Port),
	).Replace(dockerScript)
	files := map[string]string{
		"docker": docker,
		// In the container, redis-cli reaches the service's Redis on its
		// default port; here, the test's Redis.
		"container/redis-cli": fmt.Sprintf("#!/bin/sh\nexec %s -p %d \"$@\"\n", shellQuote(cli), s.Redis.Port),
		// In the container, df reports the data volume; here, the stack.
		"container/df": fmt.Sprintf("#!/bin/bash\nargs=()\nfor a in \"$@\"; do case $a in /*) args+=(%s) ;; *) args+=(\"$a\") ;; esac; done\nexec %s \"${args[@]}\"\n",
			shellQuote(s.State), shellQuote(df)),
		// A host without systemd as PID 1 has no timers to list.
		"systemctl": "#!/bin/sh\ncase \"$1\" in\nlist-timers) printf 'NEXT                        LEFT     LAST PASSED UNIT         ACTIVATES\\nTue 2026-12-01 02:00:00 UTC 16h left -    -      backup.timer backup.service\\n' ;;\n*) echo \"fake systemctl: $1 is not faked\" >&2; exit 1 ;;\nesac\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(s.Bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// writeState gives the stand-in the services' logs and environments.
func (s *Stack) writeState(t testing.TB) {
	t.Helper()
	files := map[string]string{
		"logs/api.log": "2026-11-30T08:58:00.000000000Z level=info msg=\"scheduler tick\" jobs=3\n" +
			"2026-11-30T08:58:30.000000000Z level=info msg=\"stripe webhook received\" type=payment_intent.succeeded status=200\n" +
			"2026-11-30T08:59:00.000000000Z level=error msg=\"smtp send failed\" err=\"421 4.7.0 try again later\"\n" +
			"2026-11-30T08:59:10.000000000Z level=info msg=\"sessions cleaned\" uses=12\n" +
			"2026-11-30T08:59:30.000000000Z level=info msg=\"migrations current\" version=42\n",
		"logs/db.log":    "2026-11-30T01:00:00.000000000Z LOG:  database system is ready to accept connections\n",
		"logs/redis.log": "2026-11-30T01:00:00.000000000Z * Ready to accept connections tcp\n",
		"env/api":        "PATH=/usr/local/bin:/usr/bin:/bin\nADMIN_READ_ONLY=false\nSTRIPE_SECRET_KEY=sk_test_not_a_key\nSTRIPE_WEBHOOK_SECRET=whsec_not_a_secret\nSMTP_HOST=smtp.invalid\nTWILIO_AUTH_TOKEN=not_a_token\n",
		"env/db":         "POSTGRES_USER=app\nPOSTGRES_DB=app\n",
		"env/redis":      "REDIS_VERSION=7\n",
		"calls.log":      "",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(s.State, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := filepath.Join(s.DockerDir, "containers", "fakeapi", "fakeapi-json.log")
	if err := os.WriteFile(log, []byte("{\"log\":\"started\\n\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// initRepo makes AppDir a git checkout with three deploys' worth of
// commits and an ops/deploy.sh that records each deploy in deploys.log.
func (s *Stack) initRepo(t testing.TB) {
	t.Helper()
	deploy := fmt.Sprintf("#!/bin/sh\nset -e\necho \"deployed $(git rev-parse HEAD)\" >> %s\n", shellQuote(filepath.Join(s.State, "deploys.log")))
	steps := []struct {
		file, body, msg string
	}{
		{"ops/deploy.sh", deploy, "deploy script"},
		{"migrations/0001_init.sql", "CREATE TABLE jobs (id bigint);\n", "first migration"},
		{"migrations/0002_payments.sql", "CREATE TABLE payments (id bigint);\n", "payments"},
	}
	s.Git(t, "init", "-q", "-b", "main")
	for _, st := range steps {
		p := filepath.Join(s.AppDir, st.file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(st.body), 0o755); err != nil {
			t.Fatal(err)
		}
		s.Git(t, "add", st.file)
		s.Git(t, "commit", "-q", "-m", st.msg)
	}
	// backups/ is data, not code.
	if err := os.WriteFile(filepath.Join(s.AppDir, ".gitignore"), []byte("backups/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Git(t, "add", ".gitignore")
	s.Git(t, "commit", "-q", "-m", "ignore backups")
}

// Git runs git in AppDir and returns its output, trimmed.
func (s *Stack) Git(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = s.AppDir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Ops", "GIT_AUTHOR_EMAIL=ops@example.invalid",
		"GIT_COMMITTER_NAME=Ops", "GIT_COMMITTER_EMAIL=ops@example.invalid", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
