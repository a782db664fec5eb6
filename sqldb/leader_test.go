package sqldb_test

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

func TestTryLeader(t *testing.T) {
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dsn := sqldbtest.DSN(t, d)
			a := must[*sqldb.DB](t)(sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn}))
			defer a.Close()
			b := must[*sqldb.DB](t)(sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn}))
			defer b.Close()
			name := "escalation-" + filepath.Base(t.TempDir())

			leaseA := must[*quench.Lease](t)(a.TryLeader(ctxT(t), name))
			if leaseA == nil {
				t.Fatal("first TryLeader: not granted")
			}
			leaseB := must[*quench.Lease](t)(b.TryLeader(ctxT(t), name))
			if d == sqldb.DialectSQLite {
				if leaseB == nil {
					t.Error("SQLite: TryLeader must always lead")
				}
				return
			}
			if leaseB != nil {
				t.Fatal("two leaders at once")
			}
			// b asks again while a leads (its parked session is reused).
			if again := must[*quench.Lease](t)(b.TryLeader(ctxT(t), name)); again != nil {
				t.Fatal("two leaders at once, on the second ask")
			}
			// Another installation in its own schema of the same
			// database has a leader of its own.
			other := must[*sqldb.DB](t)(sqldb.Open(ctxT(t), sqldb.Config{DSN: sqldbtest.DSN(t, d)}))
			defer other.Close()
			leaseOther := must[*quench.Lease](t)(other.TryLeader(ctxT(t), name))
			if leaseOther == nil {
				t.Fatal("another schema's TryLeader while this one leads: not granted")
			}
			leaseOther.Release()
			leaseA.Release()
			leaseA.Release() // twice is harmless
			leaseB = must[*quench.Lease](t)(b.TryLeader(ctxT(t), name))
			if leaseB == nil {
				t.Fatal("after release: not granted")
			}
			leaseB.Release()
		})
	}
}

// Leader locks hold connections of their own: a server that leads every
// job still has its whole pool, even a pool of one, for its queries.
func TestLeadersOutsidePool(t *testing.T) {
	u, err := url.Parse(sqldbtest.DSN(t, sqldb.DialectPostgres))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "1")
	u.RawQuery = q.Encode()
	db := must[*sqldb.DB](t)(sqldb.Open(ctxT(t), sqldb.Config{DSN: u.String()}))
	defer db.Close()
	for _, job := range []string{"escalation", "checks", "heartbeats", "suppress"} {
		lease := must[*quench.Lease](t)(db.TryLeader(ctxT(t), job))
		if lease == nil {
			t.Fatalf("%s: not granted", job)
		}
		defer lease.Release()
	}
	ctx, cancel := context.WithTimeout(ctxT(t), 5*time.Second)
	defer cancel()
	if _, err := db.QueryStrings(ctx, `SELECT 1`); err != nil {
		t.Fatalf("a query while leading four jobs with pool_max_conns=1: %v", err)
	}
}

// When the session holding a lead dies (here: terminated by the database,
// as after a failover or a network cut), the lease says so within a few
// seconds, so the job stops before another server takes over.
func TestLeaseLostWithItsSession(t *testing.T) {
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	db := must[*sqldb.DB](t)(sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn}))
	defer db.Close()
	admin := must[*sqldb.DB](t)(sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn}))
	defer admin.Close()
	name := "escalation-" + filepath.Base(t.TempDir())
	lease := must[*quench.Lease](t)(db.TryLeader(ctxT(t), name))
	if lease == nil {
		t.Fatal("not granted")
	}
	defer lease.Release()
	select {
	case <-lease.Lost:
		t.Fatal("lost before its session failed")
	default:
	}
	n, err := admin.TerminateLeaderSession(ctxT(t), name)
	if err != nil || n == 0 {
		t.Fatalf("terminated %d sessions: %v", n, err)
	}
	select {
	case <-lease.Lost:
	case <-time.After(15 * time.Second):
		t.Fatal("the lease was not lost 15 s after its session was terminated")
	}
	// The lock went with the session: another server can lead now.
	other := must[*sqldb.DB](t)(sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn}))
	defer other.Close()
	if l := must[*quench.Lease](t)(other.TryLeader(ctxT(t), name)); l == nil {
		t.Fatal("no one can lead after the leader's session died")
	} else {
		l.Release()
	}
}
