package http

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/inmem"
)

// TestEventsStream: a dashboard on /api/v1/events sees what ingest and a
// person change, after it committed, with nothing from repeats; a lost
// event becomes a "lagged" event telling it to reload.
func TestEventsStream(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st := e.openStream(ctx, "GET", "/api/v1/events", quench.RoleViewer, nil)
		if got := st.resp.Header.Get("Content-Type"); got != "text/event-stream; charset=utf-8" {
			t.Errorf("Content-Type %q", got)
		}
		firing := readFixture(t, "alertmanager-firing.json")
		var ans ingestResponse
		e.post("/ingest/alertmanager", quench.RoleIngest, firing).decode(t, &ans)
		e.post("/ingest/alertmanager", quench.RoleIngest, firing) // repeats: no events
		if got := e.post(fmt.Sprintf("/api/v1/incidents/%d/ack", ans.Incidents[0]), quench.RoleResponder, nil); got.status != 200 {
			t.Fatalf("ack: %s", got)
		}
		want := []quench.IncidentEvent{
			{Kind: quench.IncidentOpened, IncidentID: ans.Incidents[0], Status: quench.StatusTriggered, RunbookID: "db-down", Actor: "test-ingest"},
			{Kind: quench.IncidentOpened, IncidentID: ans.Incidents[1], Status: quench.StatusTriggered, RunbookID: "api-down", Actor: "test-ingest"},
			{Kind: quench.IncidentOpened, IncidentID: ans.Incidents[2], Status: quench.StatusTriggered, Actor: "test-ingest"},
			{Kind: quench.IncidentAcknowledged, IncidentID: ans.Incidents[0], Status: quench.StatusAcknowledged, RunbookID: "db-down", Actor: "test-responder"},
		}
		for i, w := range want {
			ev, ok := st.next()
			for ok && ev.comment != "" {
				ev, ok = st.next()
			}
			if !ok || ev.name != "incident" {
				t.Fatalf("event %d: %+v (stream open %v), want an incident event", i, ev, ok)
			}
			var got quench.IncidentEvent
			if err := json.Unmarshal([]byte(ev.data), &got); err != nil {
				t.Fatal(err)
			}
			if got.Kind != w.Kind || got.IncidentID != w.IncidentID || got.Status != w.Status || got.RunbookID != w.RunbookID ||
				got.Actor != w.Actor || got.At.IsZero() || !got.Severity.Valid() {
				t.Errorf("event %d = %+v, want %+v", i, got, w)
			}
		}
	})
}

// TestEventsStreamLagged: a client that cannot keep up is told to reload
// instead of holding the writers.
func TestEventsStreamLagged(t *testing.T) {
	e := newEnv(t, "sqlite", func(s *Server) { s.Events = inmem.NewEventService(1) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub, err := e.srv.Events.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A subscription nobody reads stands for the stalled client; the
	// server's own stream of the same bus shows what it is told.
	defer sub.Close()
	st := e.openStream(ctx, "GET", "/api/v1/events", quench.RoleViewer, nil)
	// One slot per subscriber: the stream, which writes each event to the
	// network, cannot drain 3,000 while one Publish sends them.
	events := make([]quench.IncidentEvent, 3000)
	for i := range events {
		events[i] = quench.IncidentEvent{Kind: quench.IncidentNoteAdded, IncidentID: int64(i + 1)}
	}
	if err := e.srv.Events.Publish(ctx, events...); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.Lagged():
	default:
		t.Fatal("the unread subscription was not told it lagged")
	}
	for {
		ev, ok := st.next()
		if !ok {
			t.Fatal("stream ended without a lagged event")
		}
		if ev.name == "lagged" {
			if ev.data != `{"reload":true}` {
				t.Errorf("lagged data %q", ev.data)
			}
			return
		}
	}
}
