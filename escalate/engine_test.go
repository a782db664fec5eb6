package escalate_test

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
	"github.com/quench-sh/quench/escalate"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// clock is a clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sent is one message a test channel took.
type sent struct {
	at      time.Time
	kind    quench.MessageKind
	person  string
	contact string
	inc     int64
	step    int
	title   string
	prev    string
	ackURL  string
	verdict string // the diagnosis verdict
}

func (s sent) String() string {
	return fmt.Sprintf("%s %s/%s #%d s%d", s.kind, s.person, s.contact, s.inc, s.step)
}

// recorder is a channel that records what it is asked to send and answers
// what the test tells it to. Channels are tested against real servers in
// notify; the engine's tests need to see every hand-off.
type recorder struct {
	kind quench.ContactKind
	clk  *clock
	mu   sync.Mutex
	got  []sent
	fail func(m *quench.Message) error
}

func (r *recorder) Kind() quench.ContactKind { return r.kind }

func (r *recorder) Send(_ context.Context, m *quench.Message) (quench.SendResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return quench.SendResult{}, err
		}
	}
	r.got = append(r.got, sent{at: r.clk.Now(), kind: m.Kind, person: m.Person.ID, contact: m.Address.Name, inc: m.IncidentID,
		step: m.Step, title: m.Text, prev: m.ProviderID, ackURL: m.AckURL, verdict: m.Diagnosis})
	return quench.SendResult{ProviderID: fmt.Sprintf("%s-%d", m.Key, len(r.got))}, nil
}

type runbooks map[string]*quench.Runbook

func (rb runbooks) Runbooks(context.Context) ([]*quench.Runbook, error) { return nil, nil }
func (rb runbooks) FindRunbook(_ context.Context, id string) (*quench.Runbook, error) {
	if r, ok := rb[id]; ok {
		return r, nil
	}
	return nil, quench.Errorf(quench.ENOTFOUND, "no runbook %s", id)
}

const testOnCall = `people:
  - id: alice
    time_zone: Europe/Berlin
    contacts:
      - {name: hook, kind: webhook, address: "http://127.0.0.1:1/a"}
      - {name: phone, kind: sms, address: "+4915100000001"}
      - {name: chat, kind: slack, address: U1}
    rules:
      high: [{contact: hook}, {contact: chat}, {contact: phone, after: 2m}]
      low: [{contact: hook}, {contact: phone}]
    admin: erin
  - id: bob
    time_zone: America/New_York
    contacts:
      - {name: hook, kind: webhook, address: "http://127.0.0.1:1/b"}
      - {name: phone, kind: sms, address: "+12125550001"}
    sms_at_night: true
  - id: carol
    time_zone: UTC
    contacts: [{name: hook, kind: webhook, address: "http://127.0.0.1:1/c"}]
  - id: gus
    time_zone: UTC
    contacts: [{name: mail, kind: email, address: gus@example.com}]
  - id: erin
    time_zone: UTC
    contacts: [{name: mail, kind: email, address: erin@example.com}]
schedules:
  - id: ops
    time_zone: UTC
    layers:
      - {rotation: weekly, start: "2026-01-05 00:00", participants: [alice]}
roles:
  ops: {schedule: ops}
  backend: {people: [bob]}
  pair: {people: [alice, carol]}
  support: {people: [gus], notify_only: true}
policies:
  critical: {step_delay: 5m, repeat: 1}
  high: {step_delay: 10m, repeat: 0, multi_ack: true}
  low: {step_delay: 30m, repeat: 0, page_at_night: false}
`

type env struct {
	t       *testing.T
	ctx     context.Context
	clk     *clock
	db      *sqldb.DB
	inc     *sqldb.IncidentService
	store   *sqldb.PagingStore
	events  *inmem.EventService
	eng     *escalate.Engine
	ch      map[quench.ContactKind]*recorder
	stop    func()
	metrics *countingMetrics
}

type countingMetrics struct {
	mu       sync.Mutex
	outcomes map[string]int
	late     []time.Duration
}

func (m *countingMetrics) NotificationDone(ch quench.ContactKind, outcome string) {
	m.mu.Lock()
	m.outcomes[string(ch)+"/"+outcome]++
	m.mu.Unlock()
}

func (m *countingMetrics) StepLateness(d time.Duration) {
	m.mu.Lock()
	m.late = append(m.late, d)
	m.mu.Unlock()
}

// start is Monday 5 January 2026, 10:00 UTC: daytime everywhere that matters.
var start = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, dialect string, opts ...func(*escalate.Engine)) *env {
	t.Helper()
	clk := &clock{t: start}
	events := inmem.NewEventService(0)
	// The store publishes incident events after each commit, as in serve.
	db := sqldbtest.OpenConfig(t, dialect, sqldb.Config{Now: clk.Now, Events: events})
	cfg, err := escalate.Parse("oncall.yaml", []byte(testOnCall), escalate.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clk: clk, db: db, inc: sqldb.NewIncidentService(db), store: sqldb.NewPagingStore(db),
		events: events}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	e.ctx = ctx
	cfg.DefaultRole = "ops"
	e.start(escalate.NewHolder(cfg), opts...)
	return e
}

// newEnvOn starts another engine on prev's store, clock and events, as a
// server that starts later on the same database does.
func newEnvOn(t *testing.T, prev *env, opts ...func(*escalate.Engine)) *env {
	t.Helper()
	e := &env{t: t, clk: prev.clk, db: prev.db, inc: prev.inc, store: prev.store, events: prev.events, ctx: prev.ctx}
	e.start(prev.eng.Config, opts...)
	return e
}

// start runs an engine over the env's store with recording channels.
func (e *env) start(cfg *escalate.Holder, opts ...func(*escalate.Engine)) {
	t := e.t
	e.ch = map[quench.ContactKind]*recorder{}
	e.metrics = &countingMetrics{outcomes: map[string]int{}}
	channels := map[quench.ContactKind]quench.Channel{}
	for _, k := range quench.ContactKinds {
		e.ch[k] = &recorder{kind: k, clk: e.clk}
		channels[k] = e.ch[k]
	}
	e.eng = &escalate.Engine{
		Store: e.store, Incidents: e.inc, Overrides: sqldb.NewOverrideService(e.db), Events: e.events, Channels: channels,
		Config: cfg, Now: e.clk.Now, Metrics: e.metrics,
		Links: &escalate.Links{BaseURL: "http://quench.test"},
		Runbooks: runbooks{"db-down": {ID: "db-down", Title: "Database Down", Escalation: []string{"ops", "backend", "support"}},
			"pair": {ID: "pair", Title: "Pair", Escalation: []string{"pair", "backend"}},
			"diag": {ID: "diag", Title: "Diagnosed", Escalation: []string{"ops"}, Steps: []quench.Step{
				{Name: "ping", Section: quench.SectionDiagnosis}, {Name: "disk", Section: quench.SectionDiagnosis}}}},
	}
	for _, o := range opts {
		o(e.eng)
	}
	done := make(chan struct{})
	runCtx, stopRun := context.WithCancel(e.ctx)
	go func() {
		defer close(done)
		if err := e.eng.Run(runCtx); err != nil {
			t.Errorf("engine: %v", err)
		}
	}()
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			stopRun()
			<-done
		})
	}
	t.Cleanup(e.stop)
	if err := e.eng.WaitRunning(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.settle()
}

// settle lets the engine handle everything due now and everything sent.
func (e *env) settle() {
	e.t.Helper()
	if err := e.eng.Idle(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

// advance moves the clock in steps of at most a minute, settling after each.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	for d > 0 {
		step := min(d, time.Minute)
		e.clk.Add(step)
		d -= step
		e.settle()
	}
}

// open ingests an alert; the store publishes the opened event.
func (e *env) open(key string, sev quench.Severity, runbook string) int64 {
	e.t.Helper()
	res, err := e.inc.IngestAlerts(e.ctx, []quench.Alert{{Source: quench.SourceGeneric, Integration: "test", DedupKey: key,
		Action: quench.ActionTrigger, Severity: sev, Summary: "summary of " + key, RunbookID: runbook}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.settle()
	return res[0].IncidentID
}

func (e *env) ack(id int64, who string) {
	e.t.Helper()
	if _, err := e.inc.Acknowledge(e.ctx, id, who); err != nil {
		e.t.Fatal(err)
	}
	e.settle()
}

func (e *env) resolve(id int64, who string) {
	e.t.Helper()
	if _, err := e.inc.Resolve(e.ctx, id, who); err != nil {
		e.t.Fatal(err)
	}
	e.settle()
}

// sent returns and forgets what every channel took, in time order.
func (e *env) sent() []sent {
	var all []sent
	for _, r := range e.ch {
		r.mu.Lock()
		all = append(all, r.got...)
		r.got = nil
		r.mu.Unlock()
	}
	slices.SortStableFunc(all, func(a, b sent) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.String(), b.String())
	})
	return all
}

// expect checks what was sent since the last call, as "kind person/contact".
func (e *env) expect(what string, want ...string) {
	e.t.Helper()
	var got []string
	for _, s := range e.sent() {
		got = append(got, fmt.Sprintf("%s %s/%s", s.kind, s.person, s.contact))
	}
	slices.Sort(got)
	slices.Sort(want)
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		e.t.Errorf("%s: sent [%s], want [%s]", what, strings.Join(got, ", "), strings.Join(want, ", "))
	}
}

func (e *env) timelineKinds(id int64) string {
	e.t.Helper()
	tl, err := e.inc.Timeline(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range tl {
		out = append(out, ev.Kind+": "+ev.Text)
	}
	return strings.Join(out, "\n")
}

func eachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

// TestEscalationOrder walks a critical incident through its runbook's
// roles: ops, then backend, then the notify-only support lead, then one
// repeat (support is not told twice), then nothing more.
func TestEscalationOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		id := e.open("db", quench.SeverityCritical, "db-down")
		e.expect("step 1 at once", "page alice/hook", "page alice/chat")
		e.advance(2 * time.Minute)
		e.expect("alice's SMS rule after 2 minutes", "page alice/phone")
		e.advance(3*time.Minute - time.Second)
		e.expect("nothing before the step delay")
		e.advance(time.Second)
		e.expect("step 2 after 5 minutes", "page bob/hook", "page bob/phone")
		e.advance(5 * time.Minute)
		e.expect("step 3: support is informed", "notify gus/mail")
		e.advance(5 * time.Minute)
		e.expect("repeat: step 1 again", "page alice/hook", "page alice/chat")
		e.advance(2 * time.Minute)
		e.expect("", "page alice/phone")
		e.advance(3 * time.Minute)
		e.expect("repeat: step 2", "page bob/hook", "page bob/phone")
		e.advance(5 * time.Minute)
		e.expect("support is not informed twice")
		e.advance(time.Hour)
		e.expect("after the last round nothing more")
		tl := e.timelineKinds(id)
		for _, want := range []string{"paged: step 1 (ops): paging alice", "paged: step 2 (backend): paging bob",
			"paged: step 3 (support): informing (notify-only) gus", "notification_sent: page to alice by hook", "paged: escalation ended"} {
			if !strings.Contains(tl, want) {
				t.Errorf("timeline lacks %q:\n%s", want, tl)
			}
		}
		e.ack(id, "bob")
		e.expect("acknowledging after the end updates the Slack message", "ack alice/chat")
	})
}

// TestAckStops: an acknowledgement stops escalation everywhere, including
// alice's SMS that was still two minutes away; Slack's message is updated.
func TestAckStops(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		id := e.open("db", quench.SeverityCritical, "db-down")
		e.expect("step 1", "page alice/hook", "page alice/chat")
		e.advance(time.Minute)
		e.ack(id, "alice")
		got := e.sent()
		if len(got) != 1 || got[0].kind != quench.MessageAck || got[0].contact != "chat" || !strings.HasPrefix(got[0].prev, "i1-r0-s1-alice-chat") {
			t.Errorf("on ack: %v (prev %q), want the Slack message updated", got, got)
		}
		e.advance(time.Hour)
		e.expect("nothing after the ack")
		ns, _ := e.store.FindNotifications(e.ctx, id)
		var cancelled int
		for _, n := range ns {
			if n.Status == quench.NotificationCancelled {
				cancelled++
			}
		}
		if cancelled != 1 {
			t.Errorf("%d cancelled rows, want alice's SMS", cancelled)
		}
		e.resolve(id, "alice")
		e.expect("resolve tells every method that carried a page", "resolved alice/hook", "resolved alice/chat")
	})
}

// TestMultiAck: a step whose policy wants everyone paged to acknowledge
// keeps escalating until both have.
func TestMultiAck(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		id := e.open("pair", quench.SeverityHigh, "pair")
		e.expect("both paged", "page alice/hook", "page alice/chat", "page carol/hook")
		e.ack(id, "alice")
		e.expect("alice's ack does not stop a multi-ack step")
		e.advance(2 * time.Minute)
		e.expect("alice's SMS was cancelled by her ack? no: the step still runs", "page alice/phone")
		if _, err := e.eng.Acknowledge(e.ctx, id, "carol"); err != nil {
			t.Fatal(err)
		}
		e.settle()
		e.advance(time.Hour)
		got := e.sent()
		for _, s := range got {
			if s.kind == quench.MessagePage {
				t.Errorf("paged after everyone acknowledged: %v", s)
			}
		}
		if tl := e.timelineKinds(id); !strings.Contains(tl, "carol acknowledged step 1 (2 of 2)") {
			t.Errorf("timeline:\n%s", tl)
		}
		// Without carol's ack, the next step would have paged bob.
		e2 := newEnv(t, dialect)
		id2 := e2.open("pair", quench.SeverityHigh, "pair")
		e2.ack(id2, "alice")
		e2.sent()
		e2.advance(10 * time.Minute)
		if got := e2.sent(); !slices.ContainsFunc(got, func(s sent) bool { return s.person == "bob" }) {
			t.Errorf("bob was not paged while carol had not acknowledged: %v\n%s", got, e2.timelineKinds(id2))
		}
	})
}

// TestRetries: 5xx and 429 retry with backoff and then deliver once; a 404
// fails at once and the person's admin is told.
func TestRetries(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		var calls int
		e.ch[quench.ContactWebhook].fail = func(m *quench.Message) error {
			if m.Person.ID != "alice" {
				return nil
			}
			calls++
			switch calls {
			case 1:
				return &quench.SendError{Retry: true, Status: 503, Message: "503"}
			case 2:
				return &quench.SendError{Retry: true, Status: 429, RetryAfter: 30 * time.Second, Message: "429"}
			}
			return nil
		}
		e.ch[quench.ContactSlack].fail = func(m *quench.Message) error {
			return &quench.SendError{Status: 404, Message: "slack answered 404: channel_not_found"}
		}
		id := e.open("db", quench.SeverityCritical, "db-down")
		e.expect("slack failed at once; the hook waits to retry", "failure erin/mail")
		e.advance(time.Second) // backoff 1s * (0.5 + 0.5)
		e.expect("first retry also fails (429)")
		e.advance(29 * time.Second)
		e.expect("Retry-After is honoured")
		e.advance(time.Second)
		e.expect("delivered after Retry-After", "page alice/hook")
		e.advance(10 * time.Minute)
		e.sent()
		ns, _ := e.store.FindNotifications(e.ctx, id)
		for _, n := range ns {
			if n.Key == "i1-r0-s1-alice-hook-page" && (n.Status != quench.NotificationSent || n.Attempts != 3) {
				t.Errorf("hook row %+v", n)
			}
			if n.Key == "i1-r0-s1-alice-chat-page" && (n.Status != quench.NotificationFailed || n.Attempts != 1 || !strings.Contains(n.Error, "404")) {
				t.Errorf("slack row %+v", n)
			}
		}
		failed, _ := e.store.FindFailedNotifications(e.ctx, 10)
		if len(failed) != 1 {
			t.Errorf("failed notifications shown to admins: %v", failed)
		}
	})
}

// TestStorm: beyond the rate limit a person gets one summary for the rest.
func TestStorm(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite, func(e *escalate.Engine) { e.RateLimit = 4 })
	for i := range 37 {
		sev := quench.SeverityHigh
		if i%10 == 0 {
			sev = quench.SeverityCritical
		}
		e.open(fmt.Sprintf("k%d", i), sev, "")
	}
	got := e.sent()
	if len(got) != 4 {
		t.Fatalf("%d messages in the first minute, want the limit of 4: %v", len(got), got)
	}
	e.advance(time.Minute)
	got = e.sent()
	var summaries []sent
	for _, s := range got {
		if s.kind == quench.MessageSummary {
			summaries = append(summaries, s)
		}
	}
	if len(summaries) != 1 || !strings.Contains(summaries[0].title, "35 new incidents, 3 critical") {
		t.Fatalf("summary: %v", got)
	}
}

// TestLaggedReloads: events lost to a full buffer are recovered from the
// store, so no page is lost.
func TestLaggedReloads(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	e.stop()
	// A new engine on a tiny buffer, so events are dropped.
	events := inmem.NewEventService(1)
	e.eng.Events = events
	e.events = events
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.eng.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	e.stop = func() {}
	if err := e.eng.WaitRunning(e.ctx); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 5 {
		res, err := e.inc.IngestAlerts(e.ctx, []quench.Alert{{Source: quench.SourceGeneric, Integration: "t", DedupKey: fmt.Sprint(i),
			Action: quench.ActionTrigger, Severity: quench.SeverityCritical, Summary: "x"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res[0].IncidentID)
	}
	evs := make([]quench.IncidentEvent, len(ids))
	for i, id := range ids {
		evs[i] = quench.IncidentEvent{Kind: quench.IncidentOpened, IncidentID: id, At: e.clk.Now()}
	}
	_ = events.Publish(e.ctx, evs...)
	e.settle()
	paged := map[int64]bool{}
	for _, s := range e.sent() {
		paged[s.inc] = true
	}
	if len(paged) != 5 {
		t.Errorf("%d of 5 incidents paged after a lag", len(paged))
		for _, id := range ids {
			t.Logf("incident %d:\n%s", id, e.timelineKinds(id))
		}
	}
}

// TestRestartSendsPending: notifications written but not sent when the
// engine stopped go out when it starts again; none twice.
func TestRestartSendsPending(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	e.open("db", quench.SeverityCritical, "db-down")
	e.expect("step 1", "page alice/hook", "page alice/chat")
	e.stop()
	e.clk.Add(3 * time.Minute) // alice's SMS is now overdue
	e2 := &escalate.Engine{}
	*e2 = escalate.Engine{Store: e.eng.Store, Incidents: e.eng.Incidents, Overrides: e.eng.Overrides, Events: e.events,
		Channels: e.eng.Channels, Config: e.eng.Config, Now: e.clk.Now, Runbooks: e.eng.Runbooks}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e2.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	if err := e2.WaitRunning(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e2.Idle(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.expect("the overdue SMS goes out after the restart", "page alice/phone")
	e.clk.Add(2 * time.Minute)
	if err := e2.Idle(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.expect("step 2 on time", "page bob/hook", "page bob/phone")
}

// TestLowUrgencyAtNight: low urgency waits for the morning when its policy
// does not page at night; SMS is never used at night for it unless the
// person asks.
func TestLowUrgencyAtNight(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	// 23:30 in Berlin (22:30 UTC): alice's night.
	e.clk.Add(12*time.Hour + 30*time.Minute)
	e.open("disk", quench.SeverityLow, "")
	e.expect("nothing at night for low urgency")
	e.advance(7*time.Hour + 29*time.Minute) // 06:59 Berlin
	e.expect("still night")
	e.advance(time.Minute) // 07:00 Berlin
	e.expect("the morning", "page alice/hook", "page alice/phone")
}

// TestManual: escalate by hand to the next or a chosen step, page a role
// or a person, test a person's contact methods.
func TestManual(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		id := e.open("db", quench.SeverityCritical, "db-down")
		e.sent()
		st, err := e.eng.Escalate(e.ctx, id, 0, "alice")
		if err != nil || st.Step != 2 {
			t.Fatalf("escalate next: %+v %v", st, err)
		}
		e.settle()
		e.expect("next step by hand", "manual bob/hook", "manual bob/phone")
		if _, err := e.eng.Escalate(e.ctx, id, 3, "alice"); err != nil {
			t.Fatal(err)
		}
		e.settle()
		e.expect("chosen step", "manual gus/mail")
		_, err = e.eng.Escalate(e.ctx, id, 9, "alice")
		if quench.ErrorCode(err) != quench.EINVALID {
			t.Errorf("step 9: %v", err)
		}
		if tl := e.timelineKinds(id); !strings.Contains(tl, "escalated: alice escalated from step 1 to step 2") {
			t.Errorf("timeline:\n%s", tl)
		}
		res, err := e.eng.Page(e.ctx, quench.PageTarget{Role: "backend"}, "please look at the db", id, "alice")
		if err != nil || len(res.People) != 1 || res.People[0] != "bob" {
			t.Fatalf("page role: %+v %v", res, err)
		}
		e.settle()
		e.expect("manual page", "manual bob/hook", "manual bob/phone")
		res, err = e.eng.Page(e.ctx, quench.PageTarget{Person: "alice"}, "call me", 0, "bob")
		if err != nil || len(res.Notifications) != 3 {
			t.Fatalf("page person: %+v %v", res, err)
		}
		e.settle()
		e.expect("manual page of a person by her rules: at once", "manual alice/hook", "manual alice/chat")
		e.advance(2 * time.Minute)
		// (and step 1's own SMS rule, still due from the start)
		e.expect("manual page of a person by her rules: SMS after 2 minutes", "manual alice/phone", "page alice/phone")
		// A later rule of a page about an incident is dropped once it is resolved.
		if _, err := e.eng.Page(e.ctx, quench.PageTarget{Person: "alice"}, "still there?", id, "bob"); err != nil {
			t.Fatal(err)
		}
		e.settle()
		e.expect("manual page about an incident", "manual alice/hook", "manual alice/chat")
		e.resolve(id, "bob")
		e.sent()
		e.advance(2 * time.Minute)
		e.expect("later rule after resolve")
		e.ch[quench.ContactSMS].fail = func(*quench.Message) error {
			return &quench.SendError{Status: 400, Message: "sms answered 400 Bad Request"}
		}
		results, err := e.eng.NotifyTest(e.ctx, "alice", "alice")
		if err != nil || len(results) != 3 {
			t.Fatalf("notify test: %v %v", results, err)
		}
		for _, n := range results {
			want := quench.NotificationSent
			if n.Contact == "phone" {
				want = quench.NotificationFailed
			}
			if n.Status != want {
				t.Errorf("test on %s: %s (%s), want %s", n.Contact, n.Status, n.Error, want)
			}
		}
		_, err = e.eng.Page(e.ctx, quench.PageTarget{Role: "nope"}, "x", 0, "bob")
		if quench.ErrorCode(err) != quench.ENOTFOUND {
			t.Errorf("page unknown role: %v", err)
		}
	})
}

func TestOnCallWithOverride(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	ovs := sqldb.NewOverrideService(e.db)
	if _, err := ovs.CreateOverride(e.ctx, quench.Override{Schedule: "ops", Person: "carol", Start: start, End: start.Add(time.Hour), Actor: "alice"}); err != nil {
		t.Fatal(err)
	}
	entries, err := e.eng.OnCall(e.ctx, "", start.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range entries {
		got = append(got, en.Role+"="+strings.Join(en.People, "+"))
	}
	if want := "backend=bob ops=carol pair=alice+carol support=gus"; strings.Join(got, " ") != want {
		t.Errorf("on call %v, want %s", got, want)
	}
	// The override pages carol instead of alice.
	e.open("x", quench.SeverityCritical, "")
	e.expect("override", "page carol/hook")
}

// TestPageCarriesDiagnosisVerdict: every page says how the incident's
// diagnosis stands, on every channel: running while the runbook's
// diagnosis steps have no result, then its outcome; an incident whose
// diagnosis is shared says the other incident's.
func TestPageCarriesDiagnosisVerdict(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	id := e.open("diag", quench.SeverityCritical, "diag")
	got := e.sent()
	if len(got) != 2 {
		t.Fatalf("step 1 sent %v", got)
	}
	for _, s := range got {
		if s.verdict != "diagnosis running (0 of 2 steps done)" {
			t.Errorf("%s: verdict %q", s, s.verdict)
		}
	}
	record := func(id int64, kind, step string, data string) {
		t.Helper()
		if _, err := e.inc.RecordStep(e.ctx, quench.StepRecord{Step: step, Event: quench.TimelineEvent{IncidentID: id, Kind: kind,
			Actor: "system", Text: step, Data: []byte(data)}}); err != nil {
			t.Fatal(err)
		}
	}
	record(id, quench.EventStepFinished, "ping", `{"step":"ping","section":"Quick diagnosis","exit_code":0}`)
	// The repeat of step 1 is due at 5:00 and read ahead at 4:55; the
	// last step's result comes in between, and the page says so.
	e.advance(4*time.Minute + 56*time.Second)
	record(id, quench.EventStepFinished, "disk", `{"step":"disk","section":"Quick diagnosis","exit_code":1}`)
	e.advance(4 * time.Second)
	var repeat []sent
	for _, s := range e.sent() {
		if s.at.Equal(start.Add(5 * time.Minute)) {
			repeat = append(repeat, s)
		}
	}
	if len(repeat) != 2 {
		t.Fatalf("the repeat sent %v", repeat)
	}
	for _, s := range repeat {
		if s.verdict != "diagnosis done: 1 of 2 steps failed (disk: exit 1)" {
			t.Errorf("%s: verdict %q after the diagnosis ended", s, s.verdict)
		}
	}
	other := e.open("diag-2", quench.SeverityCritical, "")
	e.sent()
	record(other, quench.EventDiagnosisShared, "", fmt.Sprintf(`{"shared_with":%d,"runbook":"diag"}`, id))
	for _, tt := range []struct {
		id   int64
		want string
	}{
		{id, "diagnosis done: 1 of 2 steps failed (disk: exit 1)"},
		{other, fmt.Sprintf("shared with #%d: diagnosis done: 1 of 2 steps failed (disk: exit 1)", id)},
	} {
		if _, err := e.eng.Escalate(e.ctx, tt.id, 1, "alice"); err != nil {
			t.Fatal(err)
		}
		e.settle()
		got := e.sent()
		if len(got) == 0 {
			t.Fatalf("escalating #%d sent nothing", tt.id)
		}
		for _, s := range got {
			if s.verdict != tt.want {
				t.Errorf("%s: verdict %q, want %q", s, s.verdict, tt.want)
			}
		}
	}
}

// TestCommandsFromAnotherServer: a server that does not lead escalation
// queues the calls that need the leader's loop (page, escalate, a test
// notification, a multi-ack count); the leader runs them as the caller's
// actor and the caller gets the result. With no leader, the caller is
// told its command is queued, and a leader that comes later runs it.
func TestCommandsFromAnotherServer(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect, func(eng *escalate.Engine) {
			eng.Commands = eng.Store.(quench.PagingCommandQueue)
			eng.CommandPoll = 20 * time.Millisecond
		})
		// The other server: same store and on-call file, never leads.
		other := &escalate.Engine{Store: e.store, Incidents: e.inc, Overrides: sqldb.NewOverrideService(e.db), Events: inmem.NewEventService(0),
			Config: e.eng.Config, Now: e.clk.Now, Commands: e.store, CommandPoll: 20 * time.Millisecond, CommandWait: time.Minute,
			Runbooks: e.eng.Runbooks}
		plain := &escalate.Engine{Store: e.store, Incidents: e.inc, Events: inmem.NewEventService(0), Config: e.eng.Config, Now: e.clk.Now}
		if _, err := plain.Page(e.ctx, quench.PageTarget{Role: "backend"}, "x", 0, "dave"); !errors.Is(err, escalate.ErrNotRunning) {
			t.Fatalf("without a command queue, off the leader: %v", err)
		}

		res, err := other.Page(e.ctx, quench.PageTarget{Role: "backend"}, "join the bridge", 0, "dave")
		if err != nil || len(res.People) != 1 || res.People[0] != "bob" || len(res.Notifications) == 0 {
			t.Fatalf("page through the leader: %+v %v", res, err)
		}
		e.settle()
		e.expect("the leader sent the page", "manual bob/hook", "manual bob/phone")
		if _, err := other.Page(e.ctx, quench.PageTarget{Name: "nobody"}, "x", 0, "dave"); quench.ErrorCode(err) != quench.ENOTFOUND {
			t.Errorf("a bad page is refused before it is queued: %v", err)
		}
		if _, err := other.Escalate(e.ctx, 999, 0, "dave"); quench.ErrorCode(err) != quench.ENOTFOUND {
			t.Errorf("the leader's error comes back with its code: %v", err)
		}

		id := e.open("pair", quench.SeverityHigh, "pair")
		e.expect("both paged", "page alice/hook", "page alice/chat", "page carol/hook")
		st, err := other.Escalate(e.ctx, id, 2, "dave")
		if err != nil || st.Step != 2 {
			t.Fatalf("escalate through the leader: %+v %v", st, err)
		}
		e.settle()
		e.expect("step 2 by hand", "manual bob/hook", "manual bob/phone")
		tests, err := other.NotifyTest(e.ctx, "carol", "dave")
		if err != nil || len(tests) != 1 || tests[0].Status != quench.NotificationSent {
			t.Fatalf("notify test through the leader: %+v %v", tests, err)
		}
		e.expect("the test", "test carol/hook")

		// Multi-ack: alice acknowledges; carol's count goes through the leader.
		id = e.open("pair-2", quench.SeverityHigh, "pair")
		e.sent()
		e.ack(id, "alice")
		if _, err := other.Acknowledge(e.ctx, id, "carol"); err != nil {
			t.Fatal(err)
		}
		e.settle()
		if st, err := e.store.FindEscalation(e.ctx, id); err != nil || !st.Stopped {
			t.Fatalf("carol's ack through the leader did not stop the step: %+v %v", st, err)
		}
		entries, _ := sqldb.NewAuditService(e.db).FindAuditEntries(e.ctx, 0, 1000)
		seen := map[string]bool{}
		for _, en := range entries {
			seen[en.Action+" "+en.Actor] = true
		}
		for _, want := range []string{"paging.page dave", "paging.escalate dave", "paging.test dave", "paging.ack carol"} {
			if !seen[want] {
				t.Errorf("audit lacks %q: %v", want, seen)
			}
		}

		// No leader: the caller hears that its command is queued; the next
		// leader runs it.
		e.stop()
		other.CommandWait = 300 * time.Millisecond
		_, err = other.Page(e.ctx, quench.PageTarget{Person: "bob"}, "are you there?", 0, "dave")
		if quench.ErrorCode(err) != quench.EQUEUED || !strings.Contains(quench.ErrorMessage(err), "is queued") {
			t.Fatalf("no leader: %v", err)
		}
		next := newEnvOn(t, e, func(eng *escalate.Engine) {
			eng.Commands = eng.Store.(quench.PagingCommandQueue)
			eng.CommandPoll = 20 * time.Millisecond
		})
		deadline := time.Now().Add(30 * time.Second)
		for {
			next.settle()
			got := next.sent()
			if slices.ContainsFunc(got, func(s sent) bool { return s.kind == quench.MessageManual && s.person == "bob" }) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the queued page never ran on the next leader")
			}
			time.Sleep(20 * time.Millisecond) // the leader claims on its own poll
		}
	})
}
