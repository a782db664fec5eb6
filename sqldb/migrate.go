package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migration
var migrationFS embed.FS

// migration is one embedded SQL file, migration/DIALECT/NNN_name.sql.
type migration struct {
	version int64
	name    string
	sql     string
}

// schemaMigrations records applied migrations. It is created before any
// migration runs, so it cannot be one; its time column is the only
// dialect-specific bit.
var schemaMigrations = map[string]string{
	DialectSQLite:   `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`,
	DialectPostgres: `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
}

// migrations returns the dialect's migrations in version order.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migration", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations: %w", err)
	}
	var out []migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqldb: migration %s: name must be NNN_name.sql", e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqldb: migrations %s and %s share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqldb: migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies pending migrations in order, each in its own transaction
// together with its schema_migrations row, so a migration is applied
// entirely or not at all.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return unavailable("migrate", err)
	}
	defer conn.Close()
	if db.dialect == DialectPostgres {
		// Servers sharing one database may start together; one migrates,
		// the others wait and then find nothing to do.
		key := lockKey("migrate")
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
			return unavailable("migrate lock", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
	}
	if _, err := conn.ExecContext(ctx, schemaMigrations[db.dialect]); err != nil {
		return fmt.Errorf("sqldb: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := db.apply(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) apply(ctx context.Context, conn *sql.Conn, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return unavailable("migrate", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return fmt.Errorf("sqldb: migration %03d_%s: %w", m.version, m.name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqldb: migration %03d_%s: %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, utc(db.now())); err != nil {
		return fmt.Errorf("sqldb: record migration %03d_%s: %w", m.version, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return unavailable("migrate commit", err)
	}
	db.log.Info("sqldb: applied migration", "version", m.version, "name", m.name, "dialect", db.dialect)
	return nil
}
