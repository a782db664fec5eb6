// Package sqldbtest gives tests a fresh quench store on each database:
// SQLite in t.TempDir(), and PostgreSQL, when QUENCH_TEST_POSTGRES names
// one, in a schema of its own that is dropped when the test ends, so test
// packages running in parallel never see each other's rows.
//
//	for _, dialect := range sqldbtest.Dialects(t) {
//		t.Run(dialect, func(t *testing.T) {
//			db := sqldbtest.Open(t, dialect)
//			…
//		})
//	}
//
// Without QUENCH_TEST_POSTGRES the PostgreSQL runs skip, saying so, unless
// QUENCH_REQUIRE_INTEGRATION=1, in which case they fail.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	"github.com/quench-sh/quench/sqldb"
)

// Environment variables that switch the PostgreSQL runs.
const (
	EnvPostgres = "QUENCH_TEST_POSTGRES"       // a DSN, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable
	EnvRequire  = "QUENCH_REQUIRE_INTEGRATION" // "1": a missing database fails instead of skipping
)

// Dialects returns every dialect a storage test should run against. It
// always lists PostgreSQL, so its runs show up as skipped, with the reason,
// when the database is not configured.
func Dialects(t testing.TB) []string {
	t.Helper()
	return []string{sqldb.DialectSQLite, sqldb.DialectPostgres}
}

// Open returns a fresh, migrated store of the dialect, closed (and its
// schema dropped) when the test ends.
func Open(t testing.TB, dialect string) *sqldb.DB {
	t.Helper()
	return OpenConfig(t, dialect, sqldb.Config{})
}

// OpenConfig is Open with a config for the clock and logger; its DSN and
// DataDir are replaced by the fresh database.
func OpenConfig(t testing.TB, dialect string, cfg sqldb.Config) *sqldb.DB {
	t.Helper()
	cfg.DSN, cfg.DataDir = DSN(t, dialect), ""
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sqldb.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("sqldbtest: open %s: %v", dialect, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("sqldbtest: close %s: %v", dialect, err)
		}
	})
	return db
}

// DSN returns the DSN of a fresh, empty database of the dialect, for tests
// that start a server process on it: a file in t.TempDir() for SQLite, a new
// schema for PostgreSQL (dropped at cleanup).
func DSN(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case sqldb.DialectSQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "quench.db")
	case sqldb.DialectPostgres:
		return postgresDSN(t)
	}
	t.Fatalf("sqldbtest: unknown dialect %q", dialect)
	return ""
}

func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("sqldbtest: PostgreSQL is required (%s=1) but %s is not set", EnvRequire, EnvPostgres)
		}
		t.Skipf("sqldbtest: PostgreSQL run skipped: set %s to a DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("sqldbtest: %s must be a postgres:// URL", EnvPostgres)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "q_" + hex.EncodeToString(b)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("sqldbtest: %v", err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("sqldbtest: create schema on %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("sqldbtest: drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	// The shared server allows about a hundred connections, and packages
	// run their PostgreSQL tests side by side: a test's store needs few
	// (leader locks and LISTEN hold connections of their own, outside the
	// pool).
	admin.SetMaxOpenConns(1)
	q := u.Query()
	q.Set("search_path", schema)
	if q.Get("pool_max_conns") == "" {
		q.Set("pool_max_conns", "4")
	}
	u.RawQuery = q.Encode()
	return u.String()
}
