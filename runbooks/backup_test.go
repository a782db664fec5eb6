package runbooks_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench/internal/throwaway"
)

// TestRunningBackup: running-backup finds a pg_dump by its process name
// and its database session, and never finds itself. The pack's old
// `ps aux | grep -E '[p]g_dump|[b]ackup'` matched its own shell (whose
// command line holds "backup"), so it always reported a backup running.
func TestRunningBackup(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	d := newDB(t, st)

	idle := runStep(t, st, "backup-stale", "running-backup", nil)
	if idle.exit != 0 {
		t.Fatalf("running-backup: %s", idle)
	}
	contains(t, "running-backup, no backup", idle, "(0 rows)")
	lacks(t, "running-backup, no backup", idle, "bash", "running-backup")

	old := run(t, st, `ps aux | grep -E '[p]g_dump|[b]ackup' || echo 'no backup process running'`, 0, nil)
	if !strings.Contains(old.out, "bash -c ps aux") {
		t.Errorf("the old check was expected to list its own shell as a backup: %s", old)
	}

	_, backup, dumpPID := d.dumpWaitingOnU()
	busy := runStep(t, st, "backup-stale", "running-backup", nil)
	contains(t, "running-backup, pg_dump running", busy, strconv.Itoa(backup.cmd.Process.Pid), strconv.Itoa(dumpPID), "pg_dump", "Lock", "(1 row)")
}

// TestManualBackup: manual-backup writes a dump only when pg_dump succeeds,
// and never leaves a partial file behind; check-backup-readable passes the
// dump and fails it cut in half, which `pg_restore --list` (the pack's old
// check) passes.
func TestManualBackup(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	d := newDB(t, st)
	d.exec(d.obs, "INSERT INTO t SELECT g, repeat(md5(g::text), 8) FROM generate_series(20001, 120000) g")

	st.Stop(t, "db")
	failed := runStep(t, st, "backup-stale", "manual-backup", nil)
	if failed.exit == 0 {
		t.Fatalf("manual-backup with the database stopped: exit 0\n%s", failed)
	}
	contains(t, "manual-backup, database stopped", failed, "pg_dump failed: no backup was written")
	if names := backups(t, st); len(names) != 0 {
		t.Fatalf("a failed backup left files: %v", names)
	}
	st.Start(t, "db")

	ok := runStep(t, st, "backup-stale", "manual-backup", nil)
	names := backups(t, st)
	if ok.exit != 0 || len(names) != 1 || !strings.HasPrefix(names[0], "manual-") || !strings.HasSuffix(names[0], ".dump") {
		t.Fatalf("manual-backup: %s\nfiles %v", ok, names)
	}
	dumpFile := filepath.Join(st.BackupDir, names[0])

	readable := runStep(t, st, "backup-stale", "check-backup-readable", nil)
	if readable.exit != 0 {
		t.Fatalf("check-backup-readable of a good dump: %s", readable)
	}
	contains(t, "check-backup-readable", readable, "readable: "+dumpFile)

	// A dump cut in half, newer than the good one.
	full, err := os.ReadFile(dumpFile)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(st.BackupDir, "nightly-cut.dump")
	if err := os.WriteFile(cut, full[:len(full)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(cut, later, later); err != nil {
		t.Fatal(err)
	}
	bad := runStep(t, st, "backup-stale", "check-backup-readable", nil)
	if bad.exit == 0 {
		t.Errorf("check-backup-readable passed a dump cut in half: %s", bad)
	}
	contains(t, "check-backup-readable, cut dump", bad, "reading "+cut)
	lacks(t, "check-backup-readable, cut dump", bad, "readable: ")

	old := run(t, st, `cd "$APP_DIR" && docker compose exec -T db pg_restore --list < "$BACKUP_DIR/nightly-cut.dump" | tail -n 20`, 0, nil)
	if old.exit != 0 {
		t.Errorf("the old check was expected to pass the cut dump: %s", old)
	}
}

// backups lists the files in the stack's backup directory.
func backups(t *testing.T, st *throwaway.Stack) []string {
	t.Helper()
	entries, err := os.ReadDir(st.BackupDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
