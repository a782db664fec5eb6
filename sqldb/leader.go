package sqldb

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/quench-sh/quench"
)

// leaseCheck is how often a held lead's session is checked, and the
// longest one check may take: a leader whose session failed stops within
// about twice this, well inside the 10 s in which another takes over.
const leaseCheck = 2 * time.Second

// leaderSession is a connection of its own, outside the pool, that asks
// for one job's advisory lock: a lock held on a pooled connection would
// take that connection from the pool for as long as the server leads, and
// a small pool_max_conns would starve the server's own queries.
type leaderSession struct {
	conn *pgx.Conn
	key  int64
}

// TryLeader tries to become the one process, among those sharing the
// database, that runs a named singleton job (checks, escalation): a lease
// when granted, nil when another process leads. On PostgreSQL the lease is
// a session advisory lock on a connection of its own, which the database
// drops when the process dies, so another takes over; the session is
// checked every couple of seconds and the lease's Lost closes when it
// fails. On SQLite there is one server per file and the answer is always
// yes.
//
// Advisory locks are per database, so the key names the schema too: two
// quench installations in separate schemas of one database (as the test
// suite's are) each have their own leader.
func (db *DB) TryLeader(ctx context.Context, name string) (*quench.Lease, error) {
	if db.dialect != DialectPostgres {
		return &quench.Lease{Release: func() {}}, nil
	}
	s, err := db.leaderSession(ctx, name)
	if err != nil {
		return nil, err
	}
	var ok bool
	if err := s.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, s.key).Scan(&ok); err != nil {
		s.conn.Close(context.Background())
		return nil, unavailable("leader", err)
	}
	if !ok {
		db.parkLeaderSession(name, s)
		return nil, nil
	}
	return db.watchLease(name, s), nil
}

// leaderSession returns the session parked by the last unsuccessful ask
// for name, or a new one: a server that follows asks every couple of
// seconds, and a new connection each time would cost the database more
// than the lock does.
func (db *DB) leaderSession(ctx context.Context, name string) (*leaderSession, error) {
	db.leaderMu.Lock()
	s := db.standby[name]
	delete(db.standby, name)
	db.leaderMu.Unlock()
	if s != nil {
		if err := s.conn.Ping(ctx); err == nil {
			return s, nil
		}
		s.conn.Close(context.Background())
	}
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return nil, unavailable("leader", err)
	}
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		conn.Close(context.Background())
		return nil, unavailable("leader", err)
	}
	return &leaderSession{conn: conn, key: lockKey(schema + "/leader:" + name)}, nil
}

// parkLeaderSession keeps s for the next ask, unless the store closed.
func (db *DB) parkLeaderSession(name string, s *leaderSession) {
	db.leaderMu.Lock()
	defer db.leaderMu.Unlock()
	if db.standby == nil {
		s.conn.Close(context.Background())
		return
	}
	if old := db.standby[name]; old != nil {
		old.conn.Close(context.Background())
	}
	db.standby[name] = s
}

// closeLeaderSessions closes the parked sessions; held leases close
// their own when released.
func (db *DB) closeLeaderSessions() {
	db.leaderMu.Lock()
	defer db.leaderMu.Unlock()
	for _, s := range db.standby {
		s.conn.Close(context.Background())
	}
	db.standby = nil
}

// watchLease checks s every leaseCheck while the lease is held.
func (db *DB) watchLease(name string, s *leaderSession) *quench.Lease {
	lost := make(chan struct{})
	stop := make(chan struct{})
	var mu sync.Mutex // a pgx.Conn serves one caller at a time
	go func() {
		t := time.NewTicker(leaseCheck)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			mu.Lock()
			ctx, cancel := context.WithTimeout(context.Background(), leaseCheck)
			err := s.conn.Ping(ctx)
			cancel()
			mu.Unlock()
			if err != nil {
				db.log.Warn("sqldb: the session holding a leader lock failed", "name", name, "err", err)
				close(lost)
				return
			}
		}
	}()
	var once sync.Once
	release := func() {
		once.Do(func() {
			close(stop)
			mu.Lock()
			defer mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			select {
			case <-lost: // the session is gone, and the lock with it
			default:
				if _, err := s.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, s.key); err != nil {
					db.log.Warn("sqldb: release leader lock", "name", name, "err", err)
				}
			}
			s.conn.Close(ctx)
		})
	}
	return &quench.Lease{Lost: lost, Release: release}
}

// lockKey maps a name to a PostgreSQL advisory lock key.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("quench:" + name))
	return int64(h.Sum64())
}
