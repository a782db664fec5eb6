package runbooks_test

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/quench-sh/quench/internal/throwaway"
)

// db is a test's view of the stack's database: an observer session, and
// the sessions and processes the test starts to recreate an incident.
type db struct {
	t   *testing.T
	st  *throwaway.Stack
	obs *pgx.Conn
}

func newDB(t *testing.T, st *throwaway.Stack) *db {
	d := &db{t: t, st: st, obs: st.PG.Connect(t, "postgres", "app", "test-observer")}
	d.exec(d.obs, `CREATE TABLE t (id bigint PRIMARY KEY, note text);
		CREATE TABLE u (id bigint PRIMARY KEY);
		INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
		INSERT INTO u VALUES (1);
		ALTER TABLE t OWNER TO app; ALTER TABLE u OWNER TO app;`)
	d.exec(d.obs, "VACUUM ANALYZE t")
	d.exec(d.obs, "VACUUM ANALYZE u")
	return d
}

func (d *db) exec(c *pgx.Conn, sql string) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, sql); err != nil {
		d.t.Fatalf("%s: %v", sql, err)
	}
}

// session opens a session as the application's role.
func (d *db) session(application string) *pgx.Conn {
	return d.st.PG.Connect(d.t, "app", "app", application)
}

func (d *db) pid(c *pgx.Conn) int { return int(c.PgConn().PID()) }

// background runs sql on c and returns a channel with its error once it
// ends: a query the incident's steps should find running.
func (d *db) background(c *pgx.Conn, sql string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), sql)
		done <- err
	}()
	return done
}

// waitUntil polls the observer until query (a boolean) is true.
func (d *db) waitUntil(query string, args ...any) {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		if err := d.obs.QueryRow(context.Background(), query, args...).Scan(&ok); err != nil {
			d.t.Fatalf("%s: %v", query, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("not true within 30 s: %s %v", query, args)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether a backend pid is still connected.
func (d *db) alive(pid int) bool {
	d.t.Helper()
	var n int
	if err := d.obs.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
		d.t.Fatal(err)
	}
	return n == 1
}

// gone waits until a backend pid has disconnected.
func (d *db) gone(pid int) {
	d.t.Helper()
	d.waitUntil("SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)", pid)
}

// dump is a running pg_dump.
type dump struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when it exits
	err    error         // its exit, once exited is closed
}

// wait returns the dump's exit error, or fails the test if it has not
// exited within a minute.
func (p *dump) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(time.Minute):
		t.Fatal("pg_dump did not end within a minute")
		return nil
	}
}

// startDump starts a pg_dump of the application's database, as the
// scheduled backup would; it is killed when the test ends.
func (d *db) startDump() *dump {
	d.t.Helper()
	p := &dump{exited: make(chan struct{})}
	p.cmd = exec.Command("pg_dump", "-h", "127.0.0.1", "-p", strconv.Itoa(d.st.PG.Port), "-U", "app", "-d", "app", "-f", "/dev/null")
	if err := p.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	d.t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// dumpWaitingOnU starts a pg_dump that has locked t and waits for u, which
// a session holds exclusively: a backup running during the incident.
func (d *db) dumpWaitingOnU() (holder *pgx.Conn, p *dump, dumpPID int) {
	holder = d.session("holder")
	d.exec(holder, "BEGIN; LOCK TABLE u IN ACCESS EXCLUSIVE MODE")
	p = d.startDump()
	d.waitUntil("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'pg_dump' AND wait_event_type = 'Lock')")
	if err := d.obs.QueryRow(context.Background(), "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_dump'").Scan(&dumpPID); err != nil {
		d.t.Fatal(err)
	}
	return holder, p, dumpPID
}

func isCanceled(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "57014"
}

// TestCancelStepsSpareBackups: the cancel steps of db-down,
// high-resource-usage and job-scheduler-stale cancel the application's long
// query and never a running pg_dump; their previews list exactly what they
// cancel. The pack's old statement, which filtered neither backend_type nor
// application_name, cancels the backup.
func TestCancelStepsSpareBackups(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	d := newDB(t, st)
	_, backup, dumpPID := d.dumpWaitingOnU()

	for _, c := range []struct{ runbook, preview, cancel, threshold string }{
		{"db-down", "preview-long-queries", "cancel-long-queries", "now() - query_start > interval '5 minutes'"},
		{"high-resource-usage", "preview-long-queries", "cancel-long-queries", "now() - query_start > interval '5 minutes'"},
		{"job-scheduler-stale", "preview-stuck-job", "cancel-stuck-job", "now() - xact_start > interval '15 minutes'"},
	} {
		name := c.runbook + "/" + c.cancel
		app := d.session("api")
		appPID := d.pid(app)
		appDone := d.background(app, "SELECT pg_sleep(120)")
		d.waitUntil("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active')", appPID)
		// The steps' threshold (minutes) shortened to none: the query and
		// the dump are seconds old.
		now := strings.Replace(c.threshold, "> interval '5 minutes'", "> interval '0 seconds'", 1)
		now = strings.Replace(now, "> interval '15 minutes'", "> interval '0 seconds'", 1)

		preview := run(t, st, replaceOnce(t, step(t, c.runbook, c.preview).Command, c.threshold, now), 0, nil)
		if preview.exit != 0 {
			t.Fatalf("%s preview: %s", name, preview)
		}
		contains(t, name+" preview", preview, strconv.Itoa(appPID), "pg_sleep", "(1 row)")
		lacks(t, name+" preview", preview, strconv.Itoa(dumpPID))

		r := run(t, st, replaceOnce(t, step(t, c.runbook, c.cancel).Command, c.threshold, now), 0, nil)
		if r.exit != 0 {
			t.Fatalf("%s: %s", name, r)
		}
		contains(t, name, r, strconv.Itoa(appPID), "(1 row)")
		select {
		case err := <-appDone:
			if !isCanceled(err) {
				t.Errorf("%s: the application's query ended with %v, want it cancelled", name, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the application's query was not cancelled", name)
		}
		if !d.alive(dumpPID) {
			t.Fatalf("%s cancelled the running pg_dump", name)
		}
	}

	// The statement the pack used to run hits the backup.
	old := `docker compose exec -T db psql -U app -d app -c "SELECT pid, pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND now() - query_start > interval '0 minutes'"`
	if r := run(t, st, old, 0, nil); r.exit != 0 || !strings.Contains(r.out, strconv.Itoa(dumpPID)) {
		t.Errorf("the old statement was expected to cancel pg_dump %d: %s", dumpPID, r)
	}
	if err := backup.wait(t); err == nil {
		t.Error("pg_dump cancelled by the old statement exited 0")
	}
}

// TestTerminateIdleInTransaction: db-down's terminate step ends a session
// idle in a transaction and leaves idle sessions and a running backup
// alone; its preview lists the same sessions.
func TestTerminateIdleInTransaction(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	d := newDB(t, st)
	holder, backup, dumpPID := d.dumpWaitingOnU() // holder is idle in a transaction
	idle := d.session("api")
	d.exec(idle, "SELECT 1")
	holderPID, idlePID := d.pid(holder), d.pid(idle)

	const threshold, now = "now() - state_change > interval '10 minutes'", "now() - state_change > interval '0 seconds'"
	preview := run(t, st, replaceOnce(t, step(t, "db-down", "preview-idle-in-transaction").Command, threshold, now), 0, nil)
	contains(t, "preview", preview, strconv.Itoa(holderPID), "(1 row)")
	lacks(t, "preview", preview, strconv.Itoa(idlePID), strconv.Itoa(dumpPID))

	r := run(t, st, replaceOnce(t, step(t, "db-down", "terminate-idle-in-transaction").Command, threshold, now), 0, nil)
	if r.exit != 0 {
		t.Fatalf("terminate: %s", r)
	}
	contains(t, "terminate", r, strconv.Itoa(holderPID), "(1 row)")
	d.gone(holderPID)
	if !d.alive(idlePID) {
		t.Error("an idle session outside a transaction was terminated")
	}
	// With the holder gone, the backup it blocked finishes untouched.
	if err := backup.wait(t); err != nil {
		t.Errorf("pg_dump: %v", err)
	}
}

// TestReleaseStaleLock: job-scheduler-stale's release step ends an
// advisory-lock holder stuck idle in a transaction and leaves the healthy
// leader, idle between ticks with its session lock, alone. The pack's old
// statement ended the healthy leader.
func TestReleaseStaleLock(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	d := newDB(t, st)
	leader := d.session("scheduler")
	d.exec(leader, "SELECT pg_advisory_lock(42)")
	stuck := d.session("scheduler")
	d.exec(stuck, "BEGIN; SELECT pg_advisory_xact_lock(43)")
	leaderPID, stuckPID := d.pid(leader), d.pid(stuck)

	const threshold, now = "now() - a.state_change > interval '15 minutes'", "now() - a.state_change > interval '0 seconds'"
	preview := run(t, st, replaceOnce(t, step(t, "job-scheduler-stale", "preview-stale-lock").Command, threshold, now), 0, nil)
	contains(t, "preview", preview, strconv.Itoa(stuckPID), "(1 row)")
	lacks(t, "preview", preview, strconv.Itoa(leaderPID))

	r := run(t, st, replaceOnce(t, step(t, "job-scheduler-stale", "release-stale-lock").Command, threshold, now), 0, nil)
	if r.exit != 0 {
		t.Fatalf("release: %s", r)
	}
	d.gone(stuckPID)
	d.waitUntil("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 42 AND pid = $1 AND granted)", leaderPID)

	old := `docker compose exec -T db psql -U app -d app -c "SELECT a.pid, pg_terminate_backend(a.pid) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND a.state LIKE 'idle%' AND now() - a.state_change > interval '0 minutes'"`
	if r := run(t, st, old, 0, nil); r.exit != 0 {
		t.Fatalf("old statement: %s", r)
	}
	d.gone(leaderPID) // the defect: the healthy leader is ended
}

// TestEndBlockersFreesTheMigration: with a migration waiting behind an
// application session idle in a transaction and behind a running backup,
// blocking-locks shows who blocks it, preview-blockers says which blocker
// end-blockers will end, and end-blockers ends the idle session (which
// pg_cancel_backend cannot) but neither the backup nor the migration.
func TestEndBlockersFreesTheMigration(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	d := newDB(t, st)
	holder, backup, dumpPID := d.dumpWaitingOnU() // pg_dump holds t, waits for u
	idle := d.session("api")
	d.exec(idle, "BEGIN; SELECT count(*) FROM t") // holds t, idle in a transaction
	idlePID := d.pid(idle)
	migration := d.session("migrate")
	migrationPID := d.pid(migration)
	migrationDone := d.background(migration, "ALTER TABLE t ADD COLUMN c int")
	d.waitUntil("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock')", migrationPID)

	locks := runStep(t, st, "migrations-not-current", "blocking-locks", nil)
	contains(t, "blocking-locks", locks, strconv.Itoa(migrationPID), "ALTER TABLE t", strconv.Itoa(idlePID), strconv.Itoa(dumpPID))

	preview := runStep(t, st, "migrations-not-current", "preview-blockers", nil)
	if preview.exit != 0 {
		t.Fatalf("preview-blockers: %s", preview)
	}
	for _, line := range strings.Split(preview.out, "\n") {
		fields := strings.Split(line, "|")
		if len(fields) < 6 {
			continue
		}
		pid, wouldEnd := strings.TrimSpace(fields[0]), strings.TrimSpace(fields[len(fields)-1])
		switch pid {
		case strconv.Itoa(idlePID):
			if wouldEnd != "t" {
				t.Errorf("preview: the idle blocker would not be ended: %q", line)
			}
		case strconv.Itoa(dumpPID):
			if wouldEnd != "f" {
				t.Errorf("preview: the backup would be ended: %q", line)
			}
		case strconv.Itoa(migrationPID):
			t.Errorf("preview lists the migration itself: %q", line)
		}
	}
	contains(t, "preview-blockers", preview, strconv.Itoa(idlePID), strconv.Itoa(dumpPID), "(2 rows)")

	// The defect: pg_cancel_backend leaves a session idle in a transaction
	// holding its locks.
	oldCancel := `docker compose exec -T db psql -U app -d app -c "SELECT pg_cancel_backend(` + strconv.Itoa(idlePID) + `)"`
	if r := run(t, st, oldCancel, 0, nil); r.exit != 0 || !d.alive(idlePID) {
		t.Fatalf("pg_cancel_backend of an idle-in-transaction session: %s; alive %v", r, d.alive(idlePID))
	}

	r := runStep(t, st, "migrations-not-current", "end-blockers", nil)
	if r.exit != 0 {
		t.Fatalf("end-blockers: %s", r)
	}
	contains(t, "end-blockers", r, strconv.Itoa(idlePID), "(1 row)")
	d.gone(idlePID)
	if !d.alive(dumpPID) || !d.alive(migrationPID) {
		t.Fatalf("end-blockers ended the backup (%v) or the migration (%v)", !d.alive(dumpPID), !d.alive(migrationPID))
	}

	// The backup's own blocker lets go: the backup, then the migration, finish.
	d.exec(holder, "ROLLBACK")
	if err := backup.wait(t); err != nil {
		t.Errorf("pg_dump: %v", err)
	}
	select {
	case err := <-migrationDone:
		if err != nil {
			t.Errorf("migration: %v", err)
		}
	case <-time.After(time.Minute):
		t.Error("the migration did not finish once the backup had")
	}
}

// TestDBSizeDoesNotWaitOnLocks: disk-full's db-size answers while a
// migration holds a table exclusively, and still lists that table; sizing
// it from its files, as the pack used to, waits behind the lock.
func TestDBSizeDoesNotWaitOnLocks(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	d := newDB(t, st)
	migration := d.session("migrate")
	d.exec(migration, "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")

	r := runStep(t, st, "disk-full", "db-size", nil)
	if r.exit != 0 || r.timedOut {
		t.Fatalf("db-size behind a migration's lock: %s", r)
	}
	contains(t, "db-size", r, "database_size", "public.t", "approx_total_size", "retained_wal")

	old := `docker compose exec -T -e PGOPTIONS='-c lock_timeout=2s' db psql -U app -d app -c "SELECT relname, pg_size_pretty(pg_total_relation_size(relid)) AS total_size FROM pg_statio_user_tables ORDER BY pg_total_relation_size(relid) DESC LIMIT 10"`
	if r := run(t, st, old, 0, nil); r.exit == 0 || !strings.Contains(r.out, "lock timeout") {
		t.Errorf("the old size query was expected to wait on the lock (cut short here by lock_timeout): %s", r)
	}
}
