package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

func TestIngestDedup(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewIncidentService(db)
		first := trigger("disk-full", quench.SeverityHigh)
		first.RunbookID = "disk-full"
		first.Annotations = map[string]string{"description": "disk at 91%"}
		res := ingest(t, db, first)
		if res[0].Outcome != quench.OutcomeOpened || res[0].IncidentID == 0 || res[0].DedupKey != "disk-full" {
			t.Fatalf("first alert: %+v", res[0])
		}
		id := res[0].IncidentID
		clk.Add(90 * time.Second)
		res = ingest(t, db, first, first)
		for _, r := range res {
			if r.Outcome != quench.OutcomeDeduplicated || r.IncidentID != id {
				t.Fatalf("repeat: %+v, want deduplicated onto %d", r, id)
			}
		}
		in := must[*quench.Incident](t)(s.FindIncident(ctxT(t), id))
		if in.AlertCount != 3 || in.Status != quench.StatusTriggered || in.Severity != quench.SeverityHigh {
			t.Errorf("incident: count %d status %s severity %s, want 3 triggered high", in.AlertCount, in.Status, in.Severity)
		}
		if in.RunbookID != "disk-full" || in.Summary != "summary of disk-full" || in.Source != quench.SourceAlertmanager ||
			in.Integration != "am" || in.Labels["alertname"] != "disk-full" || in.Annotations["description"] != "disk at 91%" {
			t.Errorf("incident fields: %+v", in)
		}
		if !in.LastSeenAt.Equal(in.OpenedAt.Add(90*time.Second)) || in.LastSeenAt.Location() != time.UTC {
			t.Errorf("opened %v, last seen %v: want last seen 90s later, UTC", in.OpenedAt, in.LastSeenAt)
		}
		tl := must[[]quench.TimelineEvent](t)(s.Timeline(ctxT(t), id))
		if len(tl) != 1 || tl[0].Kind != quench.EventOpened || tl[0].Actor != quench.SourceAlertmanager {
			t.Errorf("timeline: %+v, want one opened event (no row per repeat)", tl)
		}

		// The same key from another integration is another incident.
		other := first
		other.Integration = "grafana-prod"
		if r := ingest(t, db, other)[0]; r.Outcome != quench.OutcomeOpened || r.IncidentID == id {
			t.Errorf("other integration: %+v, want a new incident", r)
		}
	})
}

func TestIngestSeverityOnlyRises(t *testing.T) {
	eachIngest(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		id := ingest(t, db, trigger("k", quench.SeverityLow))[0].IncidentID
		for _, tt := range []struct {
			sev, want quench.Severity
		}{
			{quench.SeverityMedium, quench.SeverityMedium},
			{quench.SeverityCritical, quench.SeverityCritical},
			{quench.SeverityLow, quench.SeverityCritical},
		} {
			ingest(t, db, trigger("k", tt.sev))
			if in := must[*quench.Incident](t)(s.FindIncident(ctxT(t), id)); in.Severity != tt.want {
				t.Errorf("after a %s repeat: severity %s, want %s", tt.sev, in.Severity, tt.want)
			}
		}
	})
}

func TestIngestResolveAndReopen(t *testing.T) {
	eachIngest(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		a := trigger("api-down", quench.SeverityCritical)
		id := ingest(t, db, a)[0].IncidentID

		r := ingest(t, db, withAction(a, quench.ActionResolve))[0]
		if r.Outcome != quench.OutcomeResolved || r.IncidentID != id {
			t.Fatalf("resolve: %+v", r)
		}
		in := must[*quench.Incident](t)(s.FindIncident(ctxT(t), id))
		if in.Status != quench.StatusResolved || in.ResolvedAt == nil || in.ResolvedBy != quench.SourceAlertmanager {
			t.Errorf("resolved incident: %+v", in)
		}
		tl := must[[]quench.TimelineEvent](t)(s.Timeline(ctxT(t), id))
		last := tl[len(tl)-1]
		if last.Kind != quench.EventResolved || last.Actor != quench.SourceAlertmanager || !strings.Contains(last.Text, "alertmanager") {
			t.Errorf("resolve event: %+v, want kind resolved by the source", last)
		}

		// Resolving again, or acknowledging, finds no open incident.
		if got := outcomes(ingest(t, db, withAction(a, quench.ActionResolve), withAction(a, quench.ActionAcknowledge))); !slices.Equal(got,
			[]quench.IngestOutcome{quench.OutcomeIgnored, quench.OutcomeIgnored}) {
			t.Errorf("after resolve: %v, want ignored twice", got)
		}
		// A firing alert for the key opens a new incident.
		r = ingest(t, db, a)[0]
		if r.Outcome != quench.OutcomeOpened || r.IncidentID == id {
			t.Errorf("after resolve: %+v, want a new incident", r)
		}
	})
}

func TestIngestOneBatchKeepsOrder(t *testing.T) {
	eachIngest(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		a, b := trigger("a", quench.SeverityLow), trigger("b", quench.SeverityLow)
		res := ingest(t, db,
			a, a, b, withAction(a, quench.ActionResolve), a, withAction(b, quench.ActionAcknowledge),
			withAction(b, quench.ActionAcknowledge), b, withAction(quench.Alert(trigger("none", quench.SeverityLow)), quench.ActionResolve))
		want := []quench.IngestOutcome{
			quench.OutcomeOpened, quench.OutcomeDeduplicated, quench.OutcomeOpened, quench.OutcomeResolved, quench.OutcomeOpened,
			quench.OutcomeAcknowledged, quench.OutcomeIgnored, quench.OutcomeDeduplicated, quench.OutcomeIgnored,
		}
		if got := outcomes(res); !slices.Equal(got, want) {
			t.Fatalf("outcomes %v, want %v", got, want)
		}
		if res[0].IncidentID != res[1].IncidentID || res[0].IncidentID != res[3].IncidentID || res[4].IncidentID == res[0].IncidentID {
			t.Errorf("incident ids %+v", res)
		}
		first := must[*quench.Incident](t)(s.FindIncident(ctxT(t), res[0].IncidentID))
		if first.AlertCount != 2 || first.Status != quench.StatusResolved {
			t.Errorf("first a: count %d status %s, want 2 resolved", first.AlertCount, first.Status)
		}
		bIn := must[*quench.Incident](t)(s.FindIncident(ctxT(t), res[2].IncidentID))
		if bIn.AlertCount != 2 || bIn.Status != quench.StatusAcknowledged || bIn.AcknowledgedBy != quench.SourceAlertmanager {
			t.Errorf("b: count %d status %s by %q, want 2 acknowledged by the source", bIn.AlertCount, bIn.Status, bIn.AcknowledgedBy)
		}
		if res[8].IncidentID != 0 {
			t.Errorf("ignored resolve names incident %d", res[8].IncidentID)
		}
	})
}

func TestIngestRejectsBadAlerts(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		good := trigger("ok", quench.SeverityHigh)
		for _, tt := range []struct {
			name string
			edit func(*quench.Alert)
			code string
		}{
			{"empty dedup key", func(a *quench.Alert) { a.DedupKey = "" }, quench.EINVALID},
			{"long dedup key", func(a *quench.Alert) { a.DedupKey = strings.Repeat("k", 256) }, quench.EINVALID},
			{"unknown action", func(a *quench.Alert) { a.Action = "snooze" }, quench.EINVALID},
			{"unknown severity", func(a *quench.Alert) { a.Severity = "urgent" }, quench.EINVALID},
			{"details not an object", func(a *quench.Alert) { a.Details = []byte(`["a"]`) }, quench.EINVALID},
			{"details not JSON", func(a *quench.Alert) { a.Details = []byte(`{"a":`) }, quench.EINVALID},
			{"huge label", func(a *quench.Alert) {
				a.Labels = map[string]string{"x": strings.Repeat("v", quench.MaxLabelBytes+1)}
			}, quench.ETOOLARGE},
		} {
			bad := good
			tt.edit(&bad)
			_, err := s.IngestAlerts(ctxT(t), []quench.Alert{good, bad}, nil)
			wantCode(t, err, tt.code, "alert 1")
		}
		// Nothing partial was stored.
		if got := must[[]*quench.Incident](t)(s.FindIncidents(ctxT(t), quench.IncidentFilter{})); len(got) != 0 {
			t.Errorf("%d incidents stored from rejected calls", len(got))
		}
		// A resolve needs no severity.
		r := good
		r.Action, r.Severity = quench.ActionResolve, ""
		ingest(t, db, r)
		if res, err := s.IngestAlerts(ctxT(t), nil, nil); err != nil || len(res) != 0 {
			t.Errorf("no alerts: %v, %v", res, err)
		}
	})
}

// Many goroutines sending the same keys at once: exactly one open incident
// per key, and every alert counted.
func TestIngestConcurrentSameKeys(t *testing.T) {
	eachIngest(t, func(t *testing.T, db *sqldb.DB) {
		const workers, calls, perCall, keys = 16, 25, 20, 7
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := sqldb.NewIncidentService(db)
				for c := range calls {
					batch := make([]quench.Alert, perCall)
					for i := range batch {
						batch[i] = trigger(fmt.Sprintf("key-%d", (w+c+i)%keys), quench.SeverityMedium)
					}
					if _, err := s.IngestAlerts(context.Background(), batch, nil); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		assertOnePerKey(t, db, keys, workers*calls*perCall)
	})
}

// Two stores on one database stand for two server processes: dedup must
// come from the database, not from either store's memory.
func TestIngestTwoProcesses(t *testing.T) {
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dsn := sqldbtest.DSN(t, d)
			var dbs []*sqldb.DB
			for range 2 {
				db, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs = append(dbs, db)
			}
			const workers, calls, perCall, keys = 8, 20, 25, 5
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := sqldb.NewIncidentService(dbs[w%2])
					for c := range calls {
						batch := make([]quench.Alert, perCall)
						for i := range batch {
							batch[i] = trigger(fmt.Sprintf("key-%d", (w*7+c+i)%keys), quench.SeverityMedium)
						}
						if _, err := s.IngestAlerts(context.Background(), batch, nil); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			assertOnePerKey(t, dbs[0], keys, workers*calls*perCall)
			if _, err := sqldb.NewAuditService(dbs[1]).Verify(ctxT(t)); err != nil {
				t.Errorf("audit chain after two writers: %v", err)
			}
		})
	}
}

func assertOnePerKey(t *testing.T, db *sqldb.DB, keys, sent int) {
	t.Helper()
	all := must[[]*quench.Incident](t)(sqldb.NewIncidentService(db).FindIncidents(ctxT(t), quench.IncidentFilter{Limit: 500}))
	if len(all) != keys {
		t.Fatalf("%d incidents for %d keys", len(all), keys)
	}
	var total int64
	seen := map[string]bool{}
	for _, in := range all {
		if seen[in.DedupKey] {
			t.Errorf("two incidents for %s", in.DedupKey)
		}
		seen[in.DedupKey] = true
		total += in.AlertCount
	}
	if total != int64(sent) {
		t.Errorf("alert counts add up to %d, sent %d", total, sent)
	}
}

// A caller that gives up before the writer takes its alerts gets ctx.Err()
// and its alerts are not stored; the others are unaffected and the loop
// goes on.
func TestIngestCancelledCaller(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		ctx := ctxT(t)

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.IngestAlerts(cancelled, []quench.Alert{trigger("early", quench.SeverityLow)}, nil); !isCtxErr(err) {
			t.Fatalf("already cancelled: %v, want context.Canceled", err)
		}

		release, err := db.HoldWriter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A is taken by the writer, which then waits for the held lock.
		aDone := make(chan error, 1)
		go func() {
			_, err := s.IngestAlerts(ctx, []quench.Alert{trigger("a", quench.SeverityLow)}, nil)
			aDone <- err
		}()
		deadline := time.Now().Add(10 * time.Second)
		time.Sleep(100 * time.Millisecond)
		for db.IngestQueueLen() > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		// B waits in the queue behind the blocked batch; its caller gives up.
		bCtx, bCancel := context.WithCancel(ctx)
		bDone := make(chan error, 1)
		go func() {
			_, err := s.IngestAlerts(bCtx, []quench.Alert{trigger("b", quench.SeverityLow)}, nil)
			bDone <- err
		}()
		for db.IngestQueueLen() == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		bCancel()
		if err := <-bDone; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled caller: %v, want context.Canceled", err)
		}
		release()
		if err := <-aDone; err != nil {
			t.Fatalf("the other caller: %v", err)
		}
		ingest(t, db, trigger("c", quench.SeverityLow))

		var keys []string
		for _, in := range must[[]*quench.Incident](t)(s.FindIncidents(ctx, quench.IncidentFilter{})) {
			keys = append(keys, in.DedupKey)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"a", "c"}) {
			t.Errorf("stored keys %v, want [a c]: cancelled alerts must not be stored", keys)
		}
	})
}

// Close answers every queued caller: whatever returned nil is on disk when
// the file is opened again, and ingest after Close is refused.
func TestCloseFlushesQueuedAlerts(t *testing.T) {
	dsn := sqldbtest.DSN(t, sqldb.DialectSQLite)
	db, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	s := sqldb.NewIncidentService(db)
	var wg sync.WaitGroup
	var mu sync.Mutex
	committed := 0
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := 0; ; c++ {
				_, err := s.IngestAlerts(context.Background(), []quench.Alert{trigger(fmt.Sprintf("w%d-%d", w, c), quench.SeverityLow)}, nil)
				if err != nil {
					if quench.ErrorCode(err) != quench.EUNAVAILABLE {
						t.Errorf("ingest during close: %v", err)
					}
					return
				}
				mu.Lock()
				committed++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	_, err = s.IngestAlerts(context.Background(), []quench.Alert{trigger("late", quench.SeverityLow)}, nil)
	wantCode(t, err, quench.EUNAVAILABLE, "")

	db2, err := sqldb.Open(ctxT(t), sqldb.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	counts := must[quench.IncidentCounts](t)(sqldb.NewIncidentService(db2).CountIncidents(ctxT(t)))
	if counts.ByStatus[quench.StatusTriggered] != int64(committed) || committed == 0 {
		t.Errorf("%d incidents on disk, %d calls returned nil", counts.ByStatus[quench.StatusTriggered], committed)
	}
}

func TestHostileLabelsRoundTrip(t *testing.T) {
	eachIngest(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewIncidentService(db)
		big := strings.Repeat("x$(touch /tmp/pwned)`id`;rm -rf ~\n", 2048)[:quench.MaxLabelBytes]
		a := trigger("hostile", quench.SeverityHigh)
		a.Summary = "nul\x00 bad\xff\xfe utf8 \u202e rtl"
		a.Labels = map[string]string{
			"big":         big,
			"control":     "bell\a esc\x1b[31m tab\t cr\r lf\n del\x7f",
			"invalid":     "caf\xe9",
			"nul":         "a\x00b",
			"key\x00\xff": "v",
			"quotes":      `"'<script>alert(1)</script>`,
			"unicode":     "日本語 🚨",
		}
		a.DedupKey = "key\xff\x00"
		res := ingest(t, db, a, a)
		if res[1].Outcome != quench.OutcomeDeduplicated || res[0].DedupKey != "key\uFFFD\uFFFD" {
			t.Fatalf("hostile dedup key: %+v", res)
		}
		in := must[*quench.Incident](t)(s.FindIncident(ctxT(t), res[0].IncidentID))
		want := map[string]string{
			"big":             big,
			"control":         "bell\a esc\x1b[31m tab\t cr\r lf\n del\x7f",
			"invalid":         "caf\uFFFD",
			"nul":             "a\uFFFDb",
			"key\uFFFD\uFFFD": "v",
			"quotes":          `"'<script>alert(1)</script>`,
			"unicode":         "日本語 🚨",
		}
		for k, v := range want {
			if in.Labels[k] != v {
				t.Errorf("label %q = %q, want %q", k, cutForLog(in.Labels[k]), cutForLog(v))
			}
		}
		if len(in.Labels) != len(want) {
			t.Errorf("%d labels, want %d", len(in.Labels), len(want))
		}
		if in.Summary != "nul\uFFFD bad\uFFFD utf8 \u202e rtl" || in.DedupKey != "key\uFFFD\uFFFD" {
			t.Errorf("summary %q, dedup key %q", in.Summary, in.DedupKey)
		}
	})
}

func cutForLog(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func TestSummaryIsCut(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		a := trigger("long", quench.SeverityLow)
		a.Summary = strings.Repeat("é", quench.MaxSummaryBytes) // 2 bytes each
		in := must[*quench.Incident](t)(sqldb.NewIncidentService(db).FindIncident(ctxT(t), ingest(t, db, a)[0].IncidentID))
		// 1,024 bytes at most, the cut marked: 510 two-byte characters
		// and a three-byte ellipsis; no character is split.
		if want := strings.Repeat("é", 510) + "…"; in.Summary != want {
			t.Errorf("summary of %d bytes stored as %d bytes %q…, want %d bytes", len(a.Summary), len(in.Summary), cutForLog(in.Summary), len(want))
		}
	})
}

// More keys than one lookup statement takes and more incidents than one
// update statement takes: the chunking and padding must lose nothing.
func TestIngestManyKeysInOneBatch(t *testing.T) {
	eachIngest(t, func(t *testing.T, db *sqldb.DB) {
		const keys = 1500
		alerts := make([]quench.Alert, 0, 3*keys)
		for round := range 3 {
			for k := range keys {
				a := trigger(fmt.Sprintf("k%04d", k), quench.SeverityLow)
				if round == 2 && k%3 == 0 {
					a.Severity = quench.SeverityCritical
				}
				alerts = append(alerts, a)
			}
		}
		res := ingest(t, db, alerts...)
		res = append(res, ingest(t, db, alerts[:keys]...)...) // and again, as repeats of stored incidents
		opened := 0
		for _, r := range res {
			if r.Outcome == quench.OutcomeOpened {
				opened++
			}
		}
		if opened != keys {
			t.Fatalf("%d opened, want %d", opened, keys)
		}
		s := sqldb.NewIncidentService(db)
		for _, k := range []int{0, 1, 255, 256, 1023, 1024, 1499} {
			in := must[*quench.Incident](t)(s.FindIncident(ctxT(t), res[k].IncidentID))
			want := quench.SeverityLow
			if k%3 == 0 {
				want = quench.SeverityCritical
			}
			if in.AlertCount != 4 || in.Severity != want || in.DedupKey != fmt.Sprintf("k%04d", k) {
				t.Errorf("k%04d: count %d severity %s, want 4 %s", k, in.AlertCount, in.Severity, want)
			}
		}
	})
}

func TestPadRows(t *testing.T) {
	for _, tt := range []struct{ n, limit, want int }{
		{1, 256, 4}, {4, 256, 4}, {5, 256, 16}, {17, 256, 64}, {65, 256, 256}, {256, 256, 256},
		{257, 1024, 1024}, {1000, 1024, 1024}, {3, 2, 2},
	} {
		if got := sqldb.PadRows(tt.n, tt.limit); got != tt.want {
			t.Errorf("padRows(%d, %d) = %d, want %d", tt.n, tt.limit, got, tt.want)
		}
	}
}
