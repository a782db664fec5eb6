package sqldb_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

func TestOpenMigratesOnceAndRecords(t *testing.T) {
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dsn := sqldbtest.DSN(t, d)
			for range 2 {
				db, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn})
				if err != nil {
					t.Fatal(err)
				}
				if db.Dialect() != d {
					t.Errorf("Dialect() = %q, want %q", db.Dialect(), d)
				}
				if err := db.Ping(ctxT(t)); err != nil {
					t.Errorf("Ping: %v", err)
				}
				names := must[[]string](t)(db.QueryStrings(ctxT(t), `SELECT name FROM schema_migrations ORDER BY version`))
				if len(names) == 0 || names[0] != "init" {
					t.Errorf("schema_migrations: %v", names)
				}
				files, _ := filepath.Glob(filepath.Join("migration", d, "*.sql"))
				if len(names) != len(files) {
					t.Errorf("%d migrations recorded, %d files", len(names), len(files))
				}
				db.Close()
			}
		})
	}
}

func TestOpenSQLiteDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	db, err := sqldb.Open(ctxT(t), sqldb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(filepath.Join(dir, "quench.db")); err != nil {
		t.Errorf("no database file in the data directory: %v", err)
	}
	// A commit that returned must be on disk: WAL with synchronous=FULL (2).
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"} {
		if got := must[string](t)(db.WriterPragma(ctxT(t), pragma)); got != want {
			t.Errorf("writer %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	for _, cfg := range []sqldb.Config{{}, {DSN: "mysql://x"}, {DSN: "sqlite:"}} {
		_, err := sqldb.Open(ctxT(t), cfg)
		wantCode(t, err, quench.EINVALID, "")
	}
	_, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"})
	wantCode(t, err, quench.EUNAVAILABLE, "")
}
