package check

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/internal/throwaway"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// probeOnce compiles a spec and runs it once on e.
func probeOnce(t *testing.T, e *Engine, s Spec) quench.CheckResult {
	t.Helper()
	if s.Name == "" {
		s.Name = "probe"
	}
	c, err := Compile(s, CompileOptions{})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	e.init()
	res, _ := e.probe(ctxT(t), new(vm.VM), c)
	return res
}

// TestProbes: each kind against a real counterpart on loopback. want is
// "" for a pass, else a part of the failure message.
func TestProbes(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Version", "1.2.3")
		switch r.URL.Path {
		case "/down":
			w.WriteHeader(503)
		case "/missing":
			w.WriteHeader(404)
		}
		w.Write([]byte(`{"db_connected":true,"queue":{"dlq":3},"ratio":0.1}`))
	}))
	defer api.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())
	tlsAddr := tlsSrv.Listener.Addr().String()
	closed := func() string {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		defer l.Close()
		return l.Addr().String()
	}()
	proc := fakeProc(t, 7)
	e := &Engine{RootCAs: roots}

	for _, tt := range []struct {
		name string
		spec Spec
		want string
	}{
		{"http ok", Spec{HTTP: &HTTPSpec{URL: api.URL}}, ""},
		{"http status", Spec{HTTP: &HTTPSpec{URL: api.URL + "/down"}}, "status 503, want 2xx"},
		{"http expected status", Spec{HTTP: &HTTPSpec{URL: api.URL + "/down", Status: []int{503}}}, ""},
		{"http status condition", Spec{HTTP: &HTTPSpec{URL: api.URL + "/down"}, Conditions: []string{"status < 500"}}, "condition status < 500 is false (status=503)"},
		{"http status condition passes a 404", Spec{HTTP: &HTTPSpec{URL: api.URL + "/missing"}, Conditions: []string{"status < 500"}}, ""},
		{"http body.status is not the status", Spec{HTTP: &HTTPSpec{URL: api.URL + "/down"}, Conditions: []string{`body.status == nil`}}, "status 503, want 2xx"},
		{"http head", Spec{HTTP: &HTTPSpec{URL: api.URL, Method: "HEAD"}}, ""},
		{"http body", Spec{HTTP: &HTTPSpec{URL: api.URL}, Conditions: []string{"body.db_connected", "body.queue.dlq < 10", "body.ratio == 0.1"}}, ""},
		{"http body fails", Spec{HTTP: &HTTPSpec{URL: api.URL}, Conditions: []string{"body.queue.dlq == 0"}}, "condition body.queue.dlq == 0 is false"},
		{"http headers", Spec{HTTP: &HTTPSpec{URL: api.URL}, Conditions: []string{`headers["x-version"] == "1.2.3"`, "duration < 60000"}}, ""},
		{"http refused", Spec{HTTP: &HTTPSpec{URL: "http://" + closed}}, "connection refused"},
		{"https verified", Spec{HTTP: &HTTPSpec{URL: tlsSrv.URL}}, ""},
		{"tcp", Spec{TCP: &TCPSpec{Address: tlsAddr}}, ""},
		{"tcp refused", Spec{TCP: &TCPSpec{Address: closed}}, "dial: connect: connection refused"},
		{"dns", Spec{DNS: &DNSSpec{Name: "localhost"}, Conditions: []string{`"127.0.0.1" in addresses`}}, ""},
		{"tls days left", Spec{TLS: &TLSSpec{Address: tlsAddr, ServerName: "example.com"}, Conditions: []string{"days_left > 30"}}, ""},
		{"tls expiring", Spec{TLS: &TLSSpec{Address: tlsAddr, ServerName: "example.com", MinDaysLeft: 1e6}}, "certificate expires in"},
		{"disk", Spec{Disk: &DiskSpec{Path: t.TempDir()}, Conditions: []string{"used_percent >= 0 && used_percent <= 100 && inodes_percent <= 100"}}, ""},
		{"disk full", Spec{Disk: &DiskSpec{Path: t.TempDir()}, Conditions: []string{"used_percent < 0"}}, "condition used_percent < 0 is false (used_percent="},
		{"disk missing", Spec{Disk: &DiskSpec{Path: "/nonexistent/quench"}, Conditions: []string{"used_percent < 90"}}, "statfs"},
		{"host", Spec{Timeout: 5 * time.Second, Host: &HostSpec{Proc: proc, CPUWindow: 10 * time.Millisecond}, Conditions: []string{"memory_percent == 75.0", "oom_kills == 0", "cpu_percent >= 0"}}, ""},
		{"command", Spec{Command: &CommandSpec{Run: "echo ready"}, Conditions: []string{`output contains "ready"`}}, ""},
		{"command exit", Spec{Command: &CommandSpec{Run: "test -e /nonexistent/quench"}}, "condition exit_code == 0 is false (exit_code=1)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := probeOnce(t, e, tt.spec)
			if tt.want == "" && !res.OK || tt.want != "" && (res.OK || !strings.Contains(res.Message, tt.want)) {
				t.Errorf("result %+v, want %q", res, tt.want)
			}
		})
	}
}

// fakeProc writes a /proc with a quarter of memory free and oomKills OOM
// kills so far.
func fakeProc(t *testing.T, oomKills int) string {
	dir := t.TempDir()
	files := map[string]string{
		"stat":    "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n",
		"meminfo": "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n",
		"vmstat":  "nr_free_pages 1\noom_kill " + itoa(oomKills) + "\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestHostOOMKills: OOM kills count since the last run.
func TestHostOOMKills(t *testing.T) {
	proc := fakeProc(t, 7)
	p, err := newHostProbe(HostSpec{Proc: proc, CPUWindow: time.Millisecond}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var kills []any
	for _, n := range []int{7, 9, 9} {
		os.WriteFile(filepath.Join(proc, "vmstat"), []byte("oom_kill "+itoa(n)+"\n"), 0o600)
		o := observation{vars: Vars{}}
		if err := p.probe(context.Background(), nil, &o); err != nil {
			t.Fatal(err)
		}
		kills = append(kills, o.vars["oom_kills"])
	}
	if got := strings.Trim(strings.Join(strings.Fields(strings.Trim(jsonString(kills), "[]")), ""), ""); got != "0,2,0" {
		t.Errorf("oom kills per run %v, want 0 2 0", kills)
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestContainerProbe: the Docker Engine API is not running here, so the
// test serves the engine's documented ContainerInspect JSON shapes (API
// v1.43) on a unix socket of its own.
func TestContainerProbe(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	inspect := map[string]string{
		"api":   `{"Id":"4fa6e0f0c678","Name":"/api","RestartCount":0,"State":{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":1234,"ExitCode":0,"Error":"","StartedAt":"2026-11-30T10:00:00Z","FinishedAt":"0001-01-01T00:00:00Z","Health":{"Status":"healthy","FailingStreak":0,"Log":[]}}}`,
		"db":    `{"Id":"9c1f3a","Name":"/db","RestartCount":4,"State":{"Status":"exited","Running":false,"OOMKilled":true,"Dead":false,"ExitCode":137,"Error":""}}`,
		"redis": `{"Id":"77ab","Name":"/redis","RestartCount":1,"State":{"Status":"running","Running":true,"OOMKilled":false,"Health":{"Status":"unhealthy","FailingStreak":3}}}`,
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/containers/"), "/json")
		w.Header().Set("Content-Type", "application/json")
		body, ok := inspect[name]
		if !ok {
			w.WriteHeader(404)
			w.Write([]byte(`{"message":"No such container: ` + name + `"}`))
			return
		}
		w.Write([]byte(body))
	})}
	go srv.Serve(l)
	defer srv.Close()
	e := &Engine{}
	for _, tt := range []struct {
		name, conds, want string
	}{
		{"api", "", ""},
		{"db", "", `condition state == "running"`},
		{"db", "restarts < 3", "restarts=4"},
		{"redis", "", "is false"},
		{"redis", `health == "unhealthy" && restarts == 1`, ""},
		{"gone", "", "docker: 404 No such container: gone"},
	} {
		t.Run(tt.name+" "+tt.conds, func(t *testing.T) {
			s := Spec{Container: &ContainerSpec{Name: tt.name, Socket: sock}}
			if tt.conds != "" {
				s.Conditions = []string{tt.conds}
			}
			res := probeOnce(t, e, s)
			if tt.want == "" && !res.OK || tt.want != "" && (res.OK || !strings.Contains(res.Message, tt.want)) {
				t.Errorf("result %+v, want %q", res, tt.want)
			}
		})
	}
}

// TestPostgresProbe runs a read-only query on the test PostgreSQL, under
// a statement timeout that stops a slow one.
func TestPostgresProbe(t *testing.T) {
	// sqldbtest's DSN bounds a pool; a check opens one connection.
	u, err := url.Parse(sqldbtest.DSN(t, sqldb.DialectPostgres))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	dsn := u.String()
	e := &Engine{}
	for _, tt := range []struct {
		query, cond, want string
		timeout           time.Duration
	}{
		{"", "", "", 0},
		{"SELECT 41 + 1", "value == 42", "", 0},
		{"SELECT 0.1::numeric", "value == 0.1", "", 0},
		{"SELECT count(*) FROM pg_stat_activity", "value >= 1", "", 0},
		{"SELECT current_setting('default_transaction_read_only')", `value == "on"`, "", 0},
		{"SELECT current_setting('statement_timeout')", `value == "10s"`, "", 0},
		{"SELECT pg_sleep(5)", "", "timed out", time.Second},
	} {
		t.Run(tt.query, func(t *testing.T) {
			s := Spec{Timeout: tt.timeout, Postgres: &PostgresSpec{DSN: dsn, Query: tt.query}}
			if tt.cond != "" {
				s.Conditions = []string{tt.cond}
			}
			res := probeOnce(t, e, s)
			if tt.want == "" && !res.OK || tt.want != "" && (res.OK || !strings.Contains(res.Message, tt.want)) {
				t.Errorf("result %+v, want %q", res, tt.want)
			}
		})
	}
	if res := probeOnce(t, e, Spec{Postgres: &PostgresSpec{DSN: "postgres://nobody@127.0.0.1:1/x?sslmode=disable"}}); res.OK || !strings.Contains(res.Message, "connect") {
		t.Errorf("unreachable: %+v", res)
	}
}

// TestRedisProbe reads PING, INFO and a queue's length from a throwaway
// Redis.
func TestRedisProbe(t *testing.T) {
	r := throwaway.StartRedis(t)
	for range 3 {
		r.Do(t, "RPUSH", "dlq", "job")
	}
	r.Do(t, "ZADD", "delayed", "1", "a")
	e := &Engine{}
	for _, tt := range []struct {
		spec RedisSpec
		cond string
		want string
	}{
		{RedisSpec{}, "", ""},
		{RedisSpec{LLen: "dlq"}, "length == 3", ""},
		{RedisSpec{LLen: "dlq"}, "length < 3", "length=3"},
		{RedisSpec{ZCard: "delayed"}, "length == 1", ""},
		{RedisSpec{Info: true}, "info.connected_clients >= 1 && info.redis_mode == \"standalone\"", ""},
	} {
		t.Run(tt.cond, func(t *testing.T) {
			tt.spec.Address = r.Addr()
			s := Spec{Redis: &tt.spec}
			if tt.cond != "" {
				s.Conditions = []string{tt.cond}
			}
			res := probeOnce(t, e, s)
			if tt.want == "" && !res.OK || tt.want != "" && (res.OK || !strings.Contains(res.Message, tt.want)) {
				t.Errorf("result %+v, want %q", res, tt.want)
			}
		})
	}
	r.Stop()
	if res := probeOnce(t, e, Spec{Redis: &RedisSpec{Address: r.Addr()}}); res.OK || !strings.Contains(res.Message, "PING") {
		t.Errorf("stopped: %+v", res)
	}
}
