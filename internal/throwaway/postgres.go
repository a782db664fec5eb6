package throwaway

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/quench-sh/quench/internal/proctest"
)

// Postgres is a PostgreSQL cluster of one test. It listens on 127.0.0.1:Port
// and on a socket in Dir; the superuser is "postgres", authentication is
// trust, and Start creates the role "app" and its database "app", the
// shape of the reference runbook pack's defaults.
type Postgres struct {
	Dir  string // data directory; the socket is here too
	Port int

	as     runAs
	server string
	args   []string
	cmd    *exec.Cmd
	exited chan struct{}
	log    *proctest.Buffer
	once   *sync.Once
}

// start runs the server and waits until it accepts connections; the
// connection is the superuser's on database postgres.
func (p *Postgres) start(t testing.TB) *pgx.Conn {
	t.Helper()
	p.exited, p.once = make(chan struct{}), &sync.Once{}
	p.cmd = p.as.command(p.server, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("throwaway: start postgres: %v", err)
	}
	exited := p.exited
	cmd := p.cmd
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, p.DSN("postgres", "postgres"))
		if err == nil {
			return conn
		}
		select {
		case <-exited:
			t.Fatalf("throwaway: postgres exited at start:\n%s", p.Log())
		case <-ctx.Done():
			t.Fatalf("throwaway: postgres did not accept connections within a minute: %v\n%s", err, p.Log())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Restart starts a stopped cluster again, on the same port and data
// directory, and waits until it accepts connections (a test's outage is
// over). The cluster is stopped first if it still runs.
func (p *Postgres) Restart(t testing.TB) {
	t.Helper()
	p.Stop()
	conn := p.start(t)
	conn.Close(context.Background())
}

// StartPostgres initialises and starts a cluster for the test, and stops
// it when the test ends.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	initdb, err := postgresBin("initdb")
	if err != nil {
		Require(t, "throwaway: "+err.Error())
	}
	server, err := postgresBin("postgres")
	if err != nil {
		Require(t, "throwaway: "+err.Error())
	}
	as := serverUser(t)
	dir := as.privateDir(t, "quench-pg-")
	data := filepath.Join(dir, "data")

	var out bytes.Buffer
	cmd := as.command(initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("throwaway: initdb: %v\n%s", err, out.String())
	}

	p := &Postgres{Dir: dir, log: &proctest.Buffer{}, as: as, server: server}
	p.Port = freePort(t)
	p.args = []string{"-D", data, "-p", strconv.Itoa(p.Port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=50", "-c", "shared_buffers=16MB"}
	conn := p.start(t)
	t.Cleanup(p.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defer conn.Close(ctx)
	for _, q := range []string{"CREATE ROLE app LOGIN", "CREATE DATABASE app OWNER app"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("throwaway: %s: %v", q, err)
		}
	}
	return p
}

// DSN is a connection string for user to database db over TCP.
func (p *Postgres) DSN(user, db string) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=%s sslmode=disable", p.Port, user, db)
}

// Connect opens a session as user on database db; it is closed when the
// test ends. Sessions that hold locks or sit in a transaction are what the
// runbooks' database steps look for.
func (p *Postgres) Connect(t testing.TB, user, db, application string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(p.DSN(user, db))
	if err != nil {
		t.Fatal(err)
	}
	if application != "" {
		cfg.RuntimeParams["application_name"] = application
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("throwaway: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Env is what a client on this machine needs to reach the cluster with
// psql or pg_dump and no other settings: the socket directory and port.
func (p *Postgres) Env() map[string]string {
	return map[string]string{"PGHOST": p.Dir, "PGPORT": strconv.Itoa(p.Port)}
}

// Log returns what the server printed.
func (p *Postgres) Log() string { return p.log.String() }

// Stop shuts the server down fast (SIGINT: sessions are ended) and waits
// for it; a server that does not stop in 10 s is killed. Safe to call more
// than once.
func (p *Postgres) Stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
	})
}
