package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/quench-sh/quench"
)

// checkSQLiteWritable says, in words a person can act on, why quench could
// not write the SQLite database at path: SQLite itself would open a
// read-only file read-only and fail only at the first write, and reports an
// unwritable directory as "unable to open database file (14)". It returns
// nil when the directory and every file of the database are writable.
func checkSQLiteWritable(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return quench.Errorf(quench.EUNAVAILABLE, "data directory %s does not exist: create it, or pass --data with the server's directory", dir)
	case err != nil:
		return quench.Errorf(quench.EUNAVAILABLE, "data directory %s: %v", dir, errors.Unwrap(err))
	case !st.IsDir():
		return quench.Errorf(quench.EUNAVAILABLE, "data directory %s is not a directory", dir)
	}
	// SQLite creates quench.db-wal and quench.db-shm beside the database,
	// so the directory must be writable too, not only the file.
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return quench.Errorf(quench.EUNAVAILABLE,
			"data directory %s is not writable by this user (uid %d): %v; quench writes quench.db, quench.db-wal and quench.db-shm there: fix the directory's owner or mode, or pass another --data",
			dir, os.Getuid(), err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		err := unix.Access(f, unix.W_OK)
		if err == nil || errors.Is(err, unix.ENOENT) {
			continue
		}
		return quench.Errorf(quench.EUNAVAILABLE,
			"database file %s is not writable by this user (uid %d): %v; fix its owner or mode (every alert would fail to store)",
			f, os.Getuid(), err)
	}
	return nil
}

// errNoStore is what a command that must not create a store says when
// there is none where it looked.
func errNoStore(where string) error {
	return quench.Errorf(quench.ENOTFOUND,
		"no quench database at %s: pass the server's --config or --data (or --db); to create one there, start `quench serve` or name the place explicitly with --data/--db", where)
}

// checkSQLiteExists refuses to go on when the database file is missing, so
// a command run in the wrong directory does not create an empty store.
func checkSQLiteExists(path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return errNoStore(path)
	} else if err != nil {
		return fmt.Errorf("sqldb: %w", err)
	}
	return nil
}

// checkPostgresInitialised refuses an empty PostgreSQL database the same
// way: a store is one that quench serve has migrated.
func checkPostgresInitialised(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx,
		`SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`).Scan(&n)
	if err != nil {
		return unavailable("check schema", err)
	}
	if n == 0 {
		return errNoStore("this PostgreSQL database (no quench schema)")
	}
	return nil
}

// Ready reports whether the store can take writes, for /readyz: the
// database answers and, on SQLite, its directory and files are writable.
// A server whose database became read-only must not look ready while every
// alert it is sent fails.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	if db.path == "" {
		return nil
	}
	if err := checkSQLiteWritable(db.path); err != nil {
		// /readyz is public: it says what is wrong, the log says where.
		return &wrapped{code: quench.EUNAVAILABLE, msg: "database is not writable (the server log says which file)", err: err}
	}
	return nil
}
