package sqldb_test

import (
	"fmt"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// The SQLite writer remembers open incidents across batches. Every other
// way an incident's status changes must be seen by the next batch: the
// API's acknowledge and resolve, a raw write on the writer connection, and
// a commit by another process on the same file.
func TestIngestSeesStatusChangedElsewhere(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewIncidentService(db)
		open := func(key string) int64 {
			t.Helper()
			r := ingest(t, db, trigger(key, quench.SeverityHigh))[0]
			if r.Outcome != quench.OutcomeOpened {
				t.Fatalf("%s: %+v, want opened", key, r)
			}
			// A repeat fills the cache with the open incident.
			if r2 := ingest(t, db, trigger(key, quench.SeverityHigh))[0]; r2.Outcome != quench.OutcomeDeduplicated || r2.IncidentID != r.IncidentID {
				t.Fatalf("%s repeat: %+v", key, r2)
			}
			return r.IncidentID
		}

		// Resolved through the API: the next trigger opens a new incident.
		id := open("api-resolved")
		must[*quench.Incident](t)(s.Resolve(ctxT(t), id, "alice"))
		if r := ingest(t, db, trigger("api-resolved", quench.SeverityHigh))[0]; r.Outcome != quench.OutcomeOpened || r.IncidentID == id {
			t.Errorf("trigger after API resolve: %+v, want a new incident", r)
		}

		// Acknowledged through the API: an acknowledge from the source
		// changes nothing, a resolve resolves.
		id = open("api-acked")
		must[*quench.Incident](t)(s.Acknowledge(ctxT(t), id, "alice"))
		ackAlert := trigger("api-acked", quench.SeverityHigh)
		ackAlert.Action = quench.ActionAcknowledge
		if r := ingest(t, db, ackAlert)[0]; r.Outcome != quench.OutcomeIgnored || r.IncidentID != id {
			t.Errorf("acknowledge after API acknowledge: %+v, want ignored on %d", r, id)
		}

		// Changed behind the store's back on the writer connection.
		id = open("raw-resolved")
		if _, err := db.ExecRaw(ctxT(t), `UPDATE incidents SET status = 'resolved' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if r := ingest(t, db, trigger("raw-resolved", quench.SeverityHigh))[0]; r.Outcome != quench.OutcomeOpened {
			t.Errorf("trigger after raw resolve: %+v, want a new incident", r)
		}

		if _, err := sqldb.NewAuditService(db).Verify(ctxT(t)); err != nil {
			t.Errorf("audit chain: %v", err)
		}
	})
}

// Batches with resolves and reopens in them, applied with the cache and
// with the cache emptied before every batch (an audit append is a write),
// give the same outcomes, ids and counts.
func TestIngestCacheMatchesDatabase(t *testing.T) {
	var runs [2][][]quench.IngestResult
	var counts [2][]int64
	for n := range runs {
		db := sqldbtest.Open(t, sqldb.DialectSQLite)
		audit := sqldb.NewAuditService(db)
		for round := range 6 {
			var batch []quench.Alert
			for i := range 30 {
				a := trigger(fmt.Sprintf("k%d", (i+round)%7), quench.SeverityMedium)
				if (i+round)%5 == 4 {
					a.Action = quench.ActionResolve
				}
				batch = append(batch, a)
			}
			if n == 1 {
				if _, err := audit.Append(ctxT(t), quench.AuditEntry{Actor: "test", Action: "test.flush"}); err != nil {
					t.Fatal(err)
				}
			}
			runs[n] = append(runs[n], ingest(t, db, batch...))
		}
		for _, in := range must[[]*quench.Incident](t)(sqldb.NewIncidentService(db).FindIncidents(ctxT(t), quench.IncidentFilter{Limit: 500})) {
			counts[n] = append(counts[n], in.AlertCount)
		}
	}
	if fmt.Sprint(runs[0]) != fmt.Sprint(runs[1]) {
		t.Errorf("with the cache:\n%v\nwithout:\n%v", runs[0], runs[1])
	}
	if fmt.Sprint(counts[0]) != fmt.Sprint(counts[1]) {
		t.Errorf("alert counts with the cache %v, without %v", counts[0], counts[1])
	}
}

// Another process writing the same SQLite file: the first store's cache
// must not hide its changes.
func TestIngestCacheSeesOtherProcess(t *testing.T) {
	dsn := "sqlite:" + t.TempDir() + "/quench.db"
	var dbs [2]*sqldb.DB
	for i := range dbs {
		db, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	id := ingest(t, dbs[0], trigger("shared", quench.SeverityHigh))[0].IncidentID
	ingest(t, dbs[0], trigger("shared", quench.SeverityHigh)) // cached
	must[*quench.Incident](t)(sqldb.NewIncidentService(dbs[1]).Resolve(ctxT(t), id, "bob"))
	if r := ingest(t, dbs[0], trigger("shared", quench.SeverityHigh))[0]; r.Outcome != quench.OutcomeOpened || r.IncidentID == id {
		t.Errorf("trigger after another process resolved %d: %+v, want a new incident", id, r)
	}
}
