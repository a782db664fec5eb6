package sqldb_test

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

func TestOpenMustExistCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "quench-data")
	_, err := sqldb.Open(ctxT(t), sqldb.Config{DataDir: dir, MustExist: true})
	if quench.ErrorCode(err) != quench.ENOTFOUND || !strings.Contains(quench.ErrorMessage(err), "no quench database at "+filepath.Join(dir, "quench.db")) {
		t.Fatalf("Open(MustExist) on nothing = %v, want ENOTFOUND naming the file", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("Open(MustExist) created %s: %v", dir, err)
	}
	db, err := sqldb.Open(ctxT(t), sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqldb.Open(ctxT(t), sqldb.Config{DataDir: dir, MustExist: true})
	if err != nil {
		t.Fatalf("Open(MustExist) on an existing store: %v", err)
	}
	db.Close()
}

// The file permission checks must be seen by an ordinary user: root may
// write anything. As root, the test runs its probe as "nobody".
const probeEnv = "QUENCH_TEST_WRITABLE_PROBE"

// TestMain-free re-exec: the probe is this test binary run again.
func TestWritableProbe(t *testing.T) {
	dir := os.Getenv(probeEnv)
	if dir == "" {
		t.Skip("helper process for TestUnwritableStore")
	}
	in := bufio.NewScanner(os.Stdin)
	db, err := sqldb.Open(context.Background(), sqldb.Config{DataDir: dir})
	if err != nil {
		fmt.Println("open:", quench.ErrorMessage(err))
		return
	}
	defer db.Close()
	fmt.Println("open: ok")
	for in.Scan() {
		if err := db.Ready(context.Background()); err != nil {
			fmt.Println("ready:", quench.ErrorMessage(err), "|", err)
		} else {
			fmt.Println("ready: ok")
		}
	}
}

// TestUnwritableStore: a data directory or database file quench cannot
// write is reported at start in words that say what to fix, and a store
// that becomes unwritable while the server runs makes it not ready.
func TestUnwritableStore(t *testing.T) {
	uid, gid := os.Getuid(), os.Getgid()
	var cred *syscall.Credential
	if uid == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Skip("running as root and there is no user nobody to check permissions as")
		}
		nu, _ := strconv.Atoi(u.Uid)
		ng, _ := strconv.Atoi(u.Gid)
		uid, gid = nu, ng
		cred = &syscall.Credential{Uid: uint32(nu), Gid: uint32(ng)}
	}
	base, err := os.MkdirTemp("", "quench-writable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	must0(t, os.Chmod(base, 0o755))
	// The test binary's own directory is private to the user who built it.
	self := filepath.Join(base, "probe.test")
	bin, err := os.ReadFile(os.Args[0])
	must0(t, err)
	must0(t, os.WriteFile(self, bin, 0o755))

	probe := func(t *testing.T, dir string) (send func() string, first string) {
		t.Helper()
		cmd := exec.Command(self, "-test.run=^TestWritableProbe$", "-test.v=false")
		cmd.Env = append(os.Environ(), probeEnv+"="+dir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		must0(t, cmd.Start())
		t.Cleanup(func() { stdin.Close(); cmd.Wait() })
		out := bufio.NewScanner(stdout)
		read := func() string {
			done := make(chan string, 1)
			go func() {
				if out.Scan() {
					done <- out.Text()
				} else {
					done <- "(probe ended)"
				}
			}()
			select {
			case s := <-done:
				return s
			case <-time.After(time.Minute):
				t.Fatal("probe did not answer within a minute")
				return ""
			}
		}
		return func() string { fmt.Fprintln(stdin, "ready?"); return read() }, read()
	}

	t.Run("directory not writable", func(t *testing.T) {
		dir := filepath.Join(base, "ro-dir")
		must0(t, os.Mkdir(dir, 0o755))
		must0(t, os.Chown(dir, 0, 0))
		if os.Getuid() != 0 {
			must0(t, os.Chmod(dir, 0o555))
		}
		_, got := probe(t, dir)
		if !strings.Contains(got, "data directory "+dir+" is not writable by this user") {
			t.Fatalf("got %q, want the directory named as not writable", got)
		}
	})

	t.Run("file becomes read-only", func(t *testing.T) {
		dir := filepath.Join(base, "rw")
		must0(t, os.Mkdir(dir, 0o755))
		must0(t, os.Chown(dir, uid, gid))
		ready, got := probe(t, dir)
		if got != "open: ok" {
			t.Fatalf("open a writable store: %q", got)
		}
		if got := ready(); got != "ready: ok" {
			t.Fatalf("ready before: %q", got)
		}
		must0(t, os.Chmod(filepath.Join(dir, "quench.db"), 0o444))
		if got := ready(); !strings.Contains(got, "ready: database is not writable") || !strings.Contains(got, "quench.db is not writable by this user") {
			t.Fatalf("ready after chmod 444: %q, want the file named as not writable", got)
		}
	})

	t.Run("file read-only at start", func(t *testing.T) {
		dir := filepath.Join(base, "rw")
		_, got := probe(t, dir)
		if !strings.Contains(got, "quench.db is not writable by this user") {
			t.Fatalf("open: %q, want the file named as not writable", got)
		}
	})
}

func must0(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// pool_max_conns in a PostgreSQL URL bounds the store's connections and
// never reaches the server, which would refuse it as a setting.
func TestPostgresPoolMaxConns(t *testing.T) {
	u, err := url.Parse(sqldbtest.DSN(t, sqldb.DialectPostgres))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "4") // whatever sqldbtest's default is
	u.RawQuery = q.Encode()
	dsn := u.String()
	db, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn})
	if err != nil {
		t.Fatalf("Open with pool_max_conns: %v", err)
	}
	if got := db.Stats().MaxOpenConnections; got != 4 {
		t.Errorf("MaxOpenConnections = %d, want 4", got)
	}
	db.Close()
	for _, bad := range []string{"0", "many", "-1"} {
		_, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: strings.Replace(dsn, "pool_max_conns=4", "pool_max_conns="+bad, 1)})
		if quench.ErrorCode(err) != quench.EINVALID || !strings.Contains(err.Error(), "pool_max_conns") {
			t.Errorf("pool_max_conns=%s: %v, want EINVALID naming it", bad, err)
		}
	}
}
