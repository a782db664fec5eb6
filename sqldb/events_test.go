package sqldb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// instance is one quench process's store and event service.
type instance struct {
	db     *sqldb.DB
	events *sqldb.EventService
	local  *inmem.EventService
}

func openInstance(t *testing.T, dsn string, buffer int) *instance {
	t.Helper()
	local := inmem.NewEventService(buffer)
	es := sqldb.NewEventService(local, nil)
	db, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn, Events: es})
	if err != nil {
		t.Fatal(err)
	}
	if err := es.Open(ctxT(t), db); err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		es.Close()
		db.Close()
	})
	return &instance{db: db, events: es, local: local}
}

func subscribe(t *testing.T, es quench.EventService) quench.Subscription {
	t.Helper()
	sub, err := es.Subscribe(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	return sub
}

func nextEvent(t *testing.T, sub quench.Subscription) quench.IncidentEvent {
	t.Helper()
	select {
	case ev := <-sub.Events():
		return ev
	case <-sub.Lagged():
		t.Fatal("lagged, want an event")
	case <-time.After(30 * time.Second):
		t.Fatal("no event within 30s")
	}
	return quench.IncidentEvent{}
}

// Three stores on one PostgreSQL schema stand for three servers: an
// incident opened on one reaches every subscriber of every one, once, with
// its state read back from the store; a store on another schema hears
// nothing.
func TestEventServiceSharesEventsAcrossInstances(t *testing.T) {
	t.Parallel()
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	a, b, c := openInstance(t, dsn, 0), openInstance(t, dsn, 0), openInstance(t, dsn, 0)
	other := openInstance(t, sqldbtest.DSN(t, sqldb.DialectPostgres), 0)
	subs := []quench.Subscription{subscribe(t, a.events), subscribe(t, b.events), subscribe(t, c.events)}
	otherSub := subscribe(t, other.events)

	al := trigger("disk-full", quench.SeverityHigh)
	al.RunbookID = "disk-full"
	res := ingest(t, a.db, al)
	for i, sub := range subs {
		ev := nextEvent(t, sub)
		if ev.Kind != quench.IncidentOpened || ev.IncidentID != res[0].IncidentID || ev.Severity != quench.SeverityHigh ||
			ev.RunbookID != "disk-full" || ev.Status != quench.StatusTriggered || ev.Remote != (i != 0) || ev.At.IsZero() {
			t.Errorf("instance %d got %+v, want opened incident %d (remote %v)", i, ev, res[0].IncidentID, i != 0)
		}
	}
	// A change on b reaches a and c; nobody gets a second copy of anything.
	if _, err := sqldb.NewIncidentService(b.db).Acknowledge(ctxT(t), res[0].IncidentID, "alice"); err != nil {
		t.Fatal(err)
	}
	for i, sub := range subs {
		ev := nextEvent(t, sub)
		if ev.Kind != quench.IncidentAcknowledged || ev.Actor != "alice" || ev.Status != quench.StatusAcknowledged || ev.Remote != (i != 1) {
			t.Errorf("instance %d got %+v, want acknowledged by alice (remote %v)", i, ev, i != 1)
		}
	}
	// Events of many incidents, more than one notification holds.
	var batch []quench.Alert
	for i := range 300 {
		batch = append(batch, trigger(fmt.Sprintf("k%d", i), quench.SeverityLow))
	}
	ingest(t, c.db, batch...)
	for i, sub := range subs {
		for n := range 300 {
			if ev := nextEvent(t, sub); ev.Kind != quench.IncidentOpened {
				t.Fatalf("instance %d event %d: %+v", i, n, ev)
			}
		}
		select {
		case ev := <-sub.Events():
			t.Errorf("instance %d: an extra event %+v", i, ev)
		case <-time.After(200 * time.Millisecond):
		}
	}
	select {
	case ev := <-otherSub.Events():
		t.Errorf("a store on another schema got %+v", ev)
	default:
	}
}

// A gap in another instance's notifications (its queue overflowed, or a
// send failed) tells the subscribers they lagged.
func TestEventServiceGapLags(t *testing.T) {
	t.Parallel()
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	a := openInstance(t, dsn, 0)
	sub := subscribe(t, a.events)
	res := ingest(t, a.db, trigger("x", quench.SeverityLow))
	nextEvent(t, sub)
	send := func(seq int) {
		t.Helper()
		payload := fmt.Sprintf(`{"o":"elsewhere","q":%d,"e":[{"i":%d,"k":"note_added","a":"bob","t":1}]}`, seq, res[0].IncidentID)
		if _, err := a.db.ExecRaw(ctxT(t), `SELECT pg_notify($1, $2)`, a.events.Channel(), payload); err != nil {
			t.Fatal(err)
		}
	}
	send(1)
	if ev := nextEvent(t, sub); ev.Kind != quench.IncidentNoteAdded || ev.Actor != "bob" || !ev.Remote {
		t.Fatalf("got %+v", ev)
	}
	send(3) // 2 was lost
	select {
	case <-sub.Lagged():
	case <-time.After(30 * time.Second):
		t.Fatal("a gap in the sequence did not lag the subscriber")
	}
	if ev := nextEvent(t, sub); ev.Kind != quench.IncidentNoteAdded {
		t.Fatalf("the event after the gap: %+v", ev)
	}
}

// A slow subscriber on a receiving instance loses events and is told;
// the writers never wait for it.
func TestEventServiceSlowRemoteSubscriberLags(t *testing.T) {
	t.Parallel()
	dsn := sqldbtest.DSN(t, sqldb.DialectPostgres)
	a, b := openInstance(t, dsn, 0), openInstance(t, dsn, 4)
	sub := subscribe(t, b.events)
	var batch []quench.Alert
	for i := range 50 {
		batch = append(batch, trigger(fmt.Sprintf("k%d", i), quench.SeverityLow))
	}
	ingest(t, a.db, batch...)
	select {
	case <-sub.Lagged():
	case <-time.After(30 * time.Second):
		t.Fatal("the slow subscriber was not told it lagged")
	}
}

// On SQLite there is one instance per file: nothing to share.
func TestEventServiceNeedsPostgres(t *testing.T) {
	db := sqldbtest.Open(t, sqldb.DialectSQLite)
	es := sqldb.NewEventService(inmem.NewEventService(0), nil)
	if err := es.Open(context.Background(), db); quench.ErrorCode(err) != quench.EINVALID {
		t.Fatalf("Open on SQLite: %v, want EINVALID", err)
	}
	if err := es.Close(); err != nil {
		t.Fatal(err)
	}
}
