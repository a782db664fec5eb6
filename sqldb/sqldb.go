// Package sqldb is quench's store. It wraps database/sql with two drivers,
// embedded SQLite (modernc.org/sqlite, pure Go) and PostgreSQL
// (jackc/pgx/v5 through its database/sql driver), behind one code path:
// every query uses $N placeholders and the dialects differ only in their
// migrations and in the settings applied when the database is opened.
//
// Writes are durable when they return: SQLite runs in WAL mode with
// synchronous=FULL. Alert ingest reaches high rates through group commit,
// many callers sharing one transaction and one sync, not through weaker
// durability.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	_ "modernc.org/sqlite"             // registers driver "sqlite"

	"github.com/quench-sh/quench"
)

// Dialects.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Config says which database to open and what the store needs from its
// surroundings.
type Config struct {
	// DSN is "" or "sqlite:PATH" for SQLite, "postgres://…" (or
	// "postgresql://…") for PostgreSQL.
	DSN string
	// DataDir holds the SQLite file DataDir/quench.db when DSN is "".
	DataDir string
	// Logger gets the store's few log lines; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// KeepAcknowledgedOpen keeps an incident a person has acknowledged open
	// when its source reports the alert resolved: the responder who took
	// it over decides when it is over. The timeline says the source
	// resolved. False (the default) resolves it, as PagerDuty does.
	KeepAcknowledgedOpen bool
	// MustExist refuses to create a store: Open fails with ENOTFOUND when
	// the SQLite file is missing or the PostgreSQL database has no quench
	// schema. Commands other than serve set it, so one run in the wrong
	// directory does not leave an empty database behind.
	MustExist bool
	// QueueDiagnoses queues an automatic diagnosis (DiagnosisQueue) for
	// every incident that opens, in the same transaction. serve sets it
	// when diagnosis is on.
	QueueDiagnoses bool
	// ShareDiagnosesWithin: an incident opened within this long of a
	// queued diagnosis with the same runbook shares it; 0 never shares.
	ShareDiagnosesWithin time.Duration
	// Events receives the incident events of every change the store
	// commits, once it committed; nil publishes nothing.
	Events quench.EventService
}

// DB is an open store. It is safe for concurrent use.
type DB struct {
	dialect string
	// path is the SQLite file; "" on PostgreSQL.
	path string
	// dsn is the PostgreSQL URL (without pool_max_conns), for connections
	// outside the pool (EventService's listener); "" on SQLite. It may
	// hold a password: never log it.
	dsn string
	// w takes every write. On SQLite it is a single connection (SQLite
	// allows one writer; queuing in Go is cheaper than SQLITE_BUSY retries);
	// on PostgreSQL it is the same pool as r.
	w *sql.DB
	// r serves reads: a pool of SQLite connections that WAL lets read while
	// the writer writes, or the PostgreSQL pool.
	r   *sql.DB
	log *slog.Logger
	now func() time.Time
	// policy is the lifecycle's policy (Config.KeepAcknowledgedOpen).
	policy quench.Policy
	// events publishes what commits; nil for none.
	events quench.EventService
	// queueDiagnoses: Config.QueueDiagnoses.
	queueDiagnoses bool
	shareWithin    time.Duration
	// multiRow: each statement is a network round trip (PostgreSQL), so
	// ingest looks up and updates many incidents per statement. On SQLite a
	// prepared statement per incident is cheaper than parsing a large one.
	// Both ways are correct on both databases; this is tuning only.
	multiRow bool

	ingest *ingester
	// lockHead and writeHead are begin's and commit's statements on the
	// audit head, prepared once on SQLite, where parsing them costs more
	// than running them. nil on PostgreSQL, whose driver caches them.
	lockHead, writeHead *sql.Stmt

	// leaderMu guards standby: TryLeader's sessions kept between asks,
	// by job name; nil once the store closed.
	leaderMu sync.Mutex
	standby  map[string]*leaderSession

	closeOnce sync.Once
	closeErr  error
}

// Open opens the database, applies pending migrations, recording each, and
// starts the group-commit loop that Close stops.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db := &DB{standby: map[string]*leaderSession{}, log: cfg.Logger, now: cfg.Now, events: cfg.Events, queueDiagnoses: cfg.QueueDiagnoses, shareWithin: cfg.ShareDiagnosesWithin,
		policy: quench.Policy{KeepAcknowledgedOpen: cfg.KeepAcknowledgedOpen}}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.now == nil {
		db.now = time.Now
	}
	var err error
	switch {
	case cfg.DSN == "" || strings.HasPrefix(cfg.DSN, "sqlite:"):
		path := strings.TrimPrefix(cfg.DSN, "sqlite:")
		if cfg.DSN == "" {
			if cfg.DataDir == "" {
				return nil, quench.Errorf(quench.EINVALID, "sqldb: no DSN and no data directory")
			}
			path = filepath.Join(cfg.DataDir, "quench.db")
			if !cfg.MustExist {
				if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
					return nil, quench.Errorf(quench.EUNAVAILABLE, "cannot create the data directory %s: %v; create it yourself or pass another --data", cfg.DataDir, errors.Unwrap(err))
				}
			}
		}
		if path == "" {
			return nil, quench.Errorf(quench.EINVALID, "sqldb: DSN %q names no file", cfg.DSN)
		}
		if cfg.MustExist {
			if err := checkSQLiteExists(path); err != nil {
				return nil, err
			}
		}
		if err := checkSQLiteWritable(path); err != nil {
			return nil, err
		}
		err = db.openSQLite(ctx, path)
	case strings.HasPrefix(cfg.DSN, "postgres://") || strings.HasPrefix(cfg.DSN, "postgresql://"):
		err = db.openPostgres(ctx, cfg.DSN)
		if err == nil && cfg.MustExist {
			if err = checkPostgresInitialised(ctx, db.w); err != nil {
				db.closeDBs()
			}
		}
	default:
		return nil, quench.Errorf(quench.EINVALID, "sqldb: DSN must be empty, sqlite:PATH or postgres://…")
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.closeDBs()
		return nil, err
	}
	if db.dialect == DialectSQLite {
		if db.lockHead, err = db.w.PrepareContext(ctx, sqlLockHead); err == nil {
			db.writeHead, err = db.w.PrepareContext(ctx, sqlWriteHead)
		}
		if err != nil {
			db.closeDBs()
			return nil, fmt.Errorf("sqldb: prepare audit head: %w", err)
		}
	}
	db.ingest, err = newIngester(ctx, db)
	if err != nil {
		db.closeDBs()
		return nil, err
	}
	return db, nil
}

// walCheckpointPages is the WAL size, in 4 KiB pages (40 MB), at which the
// SQLite writer checkpoints.
const walCheckpointPages = 10000

func (db *DB) openSQLite(ctx context.Context, path string) error {
	db.dialect = DialectSQLite
	db.path = path
	// Times bind as integer microseconds and TIMESTAMP columns read back as
	// time.Time; busy_timeout covers other processes (the CLI creating a
	// token while the server runs).
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_time_integer_format=unix_micro&_inttotime=1"
	// synchronous=FULL: a commit that returned is on disk, so a 2xx means
	// durable. BEGIN IMMEDIATE takes the write lock up front instead of
	// failing on upgrade. The writer checkpoints the WAL into the database
	// when it reaches walCheckpointPages rather than SQLite's 1,000: an
	// ingest storm rewrites the same incident pages in every batch, and a
	// checkpoint copies each page once however often the WAL holds it, so
	// checkpoints ten times rarer cost the one writer far less.
	w, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"+
		"&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint("+strconv.Itoa(walCheckpointPages)+")&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("sqldb: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The writer connects first so WAL mode is set before a reader opens.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return unavailable("open sqlite "+path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("sqldb: open sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	db.w, db.r = w, r
	return nil
}

// DefaultPostgresConns bounds the PostgreSQL connections one store opens,
// unless its DSN says pool_max_conns=N.
const DefaultPostgresConns = 32

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	db.dialect = DialectPostgres
	db.multiRow = true
	dsn, conns, err := poolMaxConns(dsn)
	if err != nil {
		return err
	}
	db.dsn = dsn
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return quench.Errorf(quench.EINVALID, "sqldb: postgres DSN: %v", err)
	}
	p.SetMaxOpenConns(conns)
	p.SetMaxIdleConns(conns)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return unavailable("open postgres", err)
	}
	db.w, db.r = p, p
	return nil
}

// poolMaxConns takes pgxpool's pool_max_conns parameter out of a
// PostgreSQL URL (the server would refuse it as an unknown setting) and
// returns the URL without it and the bound it sets.
func poolMaxConns(dsn string) (string, int, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", 0, quench.Errorf(quench.EINVALID, "sqldb: postgres DSN: %v", redactedErr(err))
	}
	q := u.Query()
	v := q.Get("pool_max_conns")
	if v == "" {
		return dsn, DefaultPostgresConns, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return "", 0, quench.Errorf(quench.EINVALID, "sqldb: postgres DSN: pool_max_conns %q: want a number from 1 to 1000", v)
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}

// redactedErr drops the URL (and any password in it) from a parse error.
func redactedErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Close flushes what the group-commit loop holds, stops it and closes the
// database. Ingest after Close fails with EUNAVAILABLE.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if db.ingest != nil {
			db.ingest.close()
		}
		db.closeLeaderSessions()
		db.closeErr = db.closeDBs()
	})
	return db.closeErr
}

func (db *DB) closeDBs() error {
	for _, s := range []*sql.Stmt{db.lockHead, db.writeHead} {
		if s != nil {
			s.Close()
		}
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks that the database answers, for readiness.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.r.PingContext(ctx); err != nil {
		return unavailable("ping", err)
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// unavailable wraps a driver error as EUNAVAILABLE, keeping the cause in the
// chain for logs; the message shown to clients stays generic.
func unavailable(what string, err error) error {
	return &wrapped{code: quench.EUNAVAILABLE, msg: "database unavailable", err: fmt.Errorf("sqldb: %s: %w", what, err)}
}

// wrapped is a quench.Error that also carries the lower error, so
// quench.ErrorCode sees the code and logs see the cause.
type wrapped struct {
	code, msg string
	err       error
}

func (w *wrapped) Error() string { return w.err.Error() }
func (w *wrapped) Unwrap() []error {
	return []error{&quench.Error{Code: w.code, Message: w.msg}, w.err}
}

// txn is a write transaction. Every write transaction locks the audit
// chain's head first, so appends are serialised and, on PostgreSQL, every
// writer takes its locks in the same order (head, then rows): no deadlocks
// between servers.
type txn struct {
	*sql.Tx
	db       *DB
	headSeq  int64
	headHash string
	dirty    bool // the head moved; write it back before commit
	// events are published once the transaction committed, never before:
	// a subscriber that reads the store on an event finds the change.
	events []quench.IncidentEvent
}

// publish queues incident events until the transaction commits.
func (tx *txn) publish(events ...quench.IncidentEvent) {
	tx.events = append(tx.events, events...)
}

// write runs fn in a write transaction and commits it.
func (db *DB) write(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	if db.ingest != nil {
		// Any write may change an incident's status. The transaction holds
		// the writer, so the ingester cannot refill the cache before this
		// commits.
		db.ingest.cache.invalidate()
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.commit(ctx)
}

// The audit head's statements: begin locks the row (and reads it), commit
// writes the moved head back.
const (
	sqlLockHead  = `UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash`
	sqlWriteHead = `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`
)

func (db *DB) begin(ctx context.Context) (*txn, error) {
	sqltx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, unavailable("begin", err)
	}
	tx := &txn{Tx: sqltx, db: db}
	var row *sql.Row
	if db.lockHead != nil {
		row = sqltx.StmtContext(ctx, db.lockHead).QueryRowContext(ctx)
	} else {
		row = sqltx.QueryRowContext(ctx, sqlLockHead)
	}
	err = row.Scan(&tx.headSeq, &tx.headHash)
	if err != nil {
		sqltx.Rollback()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("sqldb: lock audit head: %w", err)
	}
	return tx, nil
}

func (tx *txn) commit(ctx context.Context) error {
	if tx.dirty {
		var err error
		if tx.db.writeHead != nil {
			_, err = tx.StmtContext(ctx, tx.db.writeHead).ExecContext(ctx, tx.headSeq, tx.headHash)
		} else {
			_, err = tx.ExecContext(ctx, sqlWriteHead, tx.headSeq, tx.headHash)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("sqldb: write audit head: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return unavailable("commit", err)
	}
	tx.db.publish(tx.events)
	return nil
}

// publish hands committed events to the event service. Publishing never
// waits for a subscriber; a failure (PostgreSQL's notification channel
// down) is logged, since the change itself committed.
func (db *DB) publish(events []quench.IncidentEvent) {
	if db.events == nil || len(events) == 0 {
		return
	}
	if err := db.events.Publish(context.Background(), events...); err != nil {
		db.log.Warn("sqldb: publish incident events", "events", len(events), "err", err)
	}
}
