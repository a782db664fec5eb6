package heartbeat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// Monitor takes heartbeat pings and alerts on late, failed and unfinished
// runs (quench.HeartbeatService). Every server takes pings; the one that
// leads (Leader) watches the deadlines.
type Monitor struct {
	Store     quench.HeartbeatStore
	Alerts    quench.AlertService    // late and failed runs alert here; successes resolve
	Incidents quench.IncidentService // ping bodies go on the incident's timeline
	// Leader, when set, is asked for the lead ("heartbeats") every
	// LeaderInterval until it is granted (sqldb.DB.TryLeader); nil leads
	// at once (one server per SQLite file).
	Leader         quench.LeaderFunc
	LeaderInterval time.Duration
	// Resync is how often the leader rereads every heartbeat's state, to
	// see pings that other servers sharing the database took; 0 never
	// does (SQLite: this server takes every ping).
	Resync time.Duration
	Logger *slog.Logger
	Now    func() time.Time

	mu      sync.Mutex
	beats   map[string]*beat
	leading bool
	due     *dueHeap
	wake    chan struct{} // a deadline moved: reset the timer
	reload  chan struct{} // the config changed: rebuild the heap

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ quench.HeartbeatService = (*Monitor)(nil)

// beat is one configured heartbeat.
type beat struct {
	cfg   Config
	sched *Schedule
}

// retryAfter is how soon a deadline whose alert could not be stored is
// looked at again.
const retryAfter = 5 * time.Second

// Open stores a state (and a secret) for every configured heartbeat not
// seen before and starts watching deadlines.
func (m *Monitor) Open(ctx context.Context, cfgs []Config) error {
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	if m.LeaderInterval <= 0 {
		m.LeaderInterval = 2 * time.Second
	}
	m.due = newDueHeap()
	m.wake = make(chan struct{}, 1)
	m.reload = make(chan struct{}, 1)
	if err := m.Reload(ctx, cfgs); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.wg.Add(1)
	go m.run(runCtx)
	return nil
}

// Close stops watching deadlines; pings are still taken.
func (m *Monitor) Close() {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
}

// Reload replaces the configured heartbeats (SIGHUP). New ones get a
// state and a secret; the leader recomputes every deadline and resolves
// the alerts of heartbeats no longer configured.
func (m *Monitor) Reload(ctx context.Context, cfgs []Config) error {
	beats := make(map[string]*beat, len(cfgs))
	for _, c := range cfgs {
		s, err := NewSchedule(c)
		if err != nil {
			return fmt.Errorf("heartbeat %s: %w", c.Name, err)
		}
		if _, dup := beats[c.Name]; dup {
			return quench.Errorf(quench.EINVALID, "heartbeat %s is configured twice", c.Name)
		}
		beats[c.Name] = &beat{cfg: c, sched: s}
	}
	for name := range beats {
		if _, err := m.Store.EnsureHeartbeat(ctx, name, newSecret(), m.Now()); err != nil {
			return fmt.Errorf("heartbeat %s: %w", name, err)
		}
	}
	m.mu.Lock()
	m.beats = beats
	m.mu.Unlock()
	m.poke()
	return nil
}

// newSecret returns 128 random bits, URL-safe: a ping URL's credential.
func newSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (m *Monitor) beat(name string) *beat {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.beats[name]
}

// poke asks the deadline loop to rebuild its heap.
func (m *Monitor) poke() {
	if m.reload == nil {
		return
	}
	select {
	case m.reload <- struct{}{}:
	default:
	}
}

// Ping records p for the heartbeat whose secret it is. ENOTFOUND, saying
// nothing more, for an unknown secret and for a heartbeat no longer
// configured. A failure triggers its alert and a success resolves one; the
// body goes on that incident's timeline.
func (m *Monitor) Ping(ctx context.Context, secret string, p quench.Ping) error {
	if p.At.IsZero() {
		p.At = m.Now()
	}
	st, err := m.Store.HeartbeatBySecret(ctx, secret)
	if err != nil {
		return err
	}
	b := m.beat(st.Name)
	if b == nil {
		return quench.Errorf(quench.ENOTFOUND, "not found")
	}
	var action quench.Action
	var was quench.HeartbeatState
	for attempt := 0; ; attempt++ {
		was = *st
		action = applyPing(st, p)
		stale, err := m.Store.SaveHeartbeats(ctx, []*quench.HeartbeatState{st})
		if err != nil {
			return err
		}
		if len(stale) == 0 {
			break
		}
		if attempt == 5 {
			return quench.Errorf(quench.ECONFLICT, "heartbeat %s changes too fast; ping again", st.Name)
		}
		if st, err = m.Store.HeartbeatBySecret(ctx, secret); err != nil {
			return err
		}
	}
	if action != "" {
		summary := b.failSummary(st)
		if action == quench.ActionResolve {
			summary = fmt.Sprintf("Heartbeat %s succeeded", b.cfg.Name)
		}
		res, err := m.Alerts.SubmitAlerts(ctx, []quench.Alert{b.alert(st, action, summary, p.At)})
		if err != nil {
			m.restore(st, was.Alerting)
			return err
		}
		m.addPing(ctx, b, st, p, res[0].IncidentID)
	}
	m.reschedule(b, st)
	return nil
}

// restore puts back the alerting mark of a ping whose alert failed, so the
// next ping or deadline tries again.
func (m *Monitor) restore(st *quench.HeartbeatState, alerting bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st.Alerting = alerting
	if _, err := m.Store.SaveHeartbeats(ctx, []*quench.HeartbeatState{st}); err != nil {
		m.Logger.Warn("heartbeat: restore state after a failed alert", "heartbeat", st.Name, "err", err)
	}
}

// addPing puts the ping and the first MaxPingBody bytes of its body on
// the incident it failed or resolved.
func (m *Monitor) addPing(ctx context.Context, b *beat, st *quench.HeartbeatState, p quench.Ping, incident int64) {
	if incident == 0 || m.Incidents == nil {
		return
	}
	head := fmt.Sprintf("%s ping to heartbeat %s", p.Kind, b.cfg.Name)
	if p.ExitCode >= 0 {
		head += fmt.Sprintf(" (exit status %d)", p.ExitCode)
	}
	data := map[string]any{"heartbeat": b.cfg.Name, "ping": p.Kind, "exit_code": p.ExitCode}
	if p.Kind == quench.PingSuccess && st.LastDuration > 0 {
		head += fmt.Sprintf(", run took %s", st.LastDuration.Round(time.Millisecond))
		data["duration"] = st.LastDuration.String()
	}
	text := head
	if p.Body != "" {
		text += "\n\n" + p.Body
	}
	raw, _ := json.Marshal(data) // strings and numbers only
	if _, err := m.Incidents.AddEvent(ctx, quench.TimelineEvent{IncidentID: incident, At: p.At, Kind: quench.EventPing,
		Actor: quench.SourceHeartbeat, Text: text, Data: raw}); err != nil {
		m.Logger.Warn("heartbeat: add ping to the timeline", "heartbeat", b.cfg.Name, "incident", incident, "err", err)
	}
}

// alert is the heartbeat's alert: source heartbeat, check its name, one
// dedup key per heartbeat so a failure and lateness are one incident.
func (b *beat) alert(st *quench.HeartbeatState, action quench.Action, summary string, at time.Time) quench.Alert {
	labels := map[string]string{"heartbeat": b.cfg.Name}
	maps.Copy(labels, b.cfg.Labels)
	if b.cfg.Runbook != "" {
		labels["runbook"] = b.cfg.Runbook
	}
	ann := map[string]string{"schedule": b.sched.String(), "grace": b.cfg.Grace.String()}
	if st.LastSuccessAt != nil {
		ann["last_success"] = st.LastSuccessAt.UTC().Format(time.RFC3339)
	}
	if b.cfg.Summary != "" {
		ann["description"] = summary
		summary = b.cfg.Summary
	}
	return quench.Alert{
		Source: quench.SourceHeartbeat, Integration: quench.SourceHeartbeat, DedupKey: "heartbeat-" + b.cfg.Name,
		Action: action, Severity: b.cfg.Severity, Summary: summary, Labels: labels, Annotations: ann,
		Check: b.cfg.Name, StartsAt: at, ReceivedAt: at,
	}
}

// failSummary says why a heartbeat alerts, from its state.
func (b *beat) failSummary(st *quench.HeartbeatState) string {
	name := b.cfg.Name
	switch {
	case st.Status == quench.HeartbeatFailed && st.LastExitCode > 0:
		return fmt.Sprintf("Heartbeat %s failed: the job exited with status %d", name, st.LastExitCode)
	case st.Status == quench.HeartbeatFailed:
		return fmt.Sprintf("Heartbeat %s failed: the job reported a failure", name)
	case st.StartedAt != nil && !st.StartedAt.After(b.sched.Next(base(st))):
		return fmt.Sprintf("Heartbeat %s: a run started at %s has not finished within its grace of %s",
			name, st.StartedAt.UTC().Format(time.RFC3339), b.cfg.Grace)
	case st.LastSuccessAt == nil:
		return fmt.Sprintf("Heartbeat %s is late: no success since quench began watching it at %s (%s, grace %s)",
			name, st.CreatedAt.UTC().Format(time.RFC3339), b.sched, b.cfg.Grace)
	}
	return fmt.Sprintf("Heartbeat %s is late: last success at %s (%s, grace %s)",
		name, st.LastSuccessAt.UTC().Format(time.RFC3339), b.sched, b.cfg.Grace)
}

func base(st *quench.HeartbeatState) time.Time {
	if st.LastSuccessAt != nil {
		return *st.LastSuccessAt
	}
	return st.CreatedAt
}

// Heartbeats lists the configured heartbeats by name; PingURL holds each
// one's success URL under base.
func (m *Monitor) Heartbeats(ctx context.Context, base string) ([]*quench.Heartbeat, error) {
	states, err := m.Store.HeartbeatStates(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	beats := maps.Clone(m.beats)
	m.mu.Unlock()
	out := []*quench.Heartbeat{}
	for _, st := range states {
		b := beats[st.Name]
		if b == nil {
			continue
		}
		h := &quench.Heartbeat{
			Name: st.Name, Schedule: b.sched.String(), Grace: quench.Duration(b.cfg.Grace), Runbook: b.cfg.Runbook,
			Status: st.Status, Running: st.StartedAt != nil, LastPingAt: st.LastPingAt, LastPing: st.LastPing,
			LastSuccessAt: st.LastSuccessAt, LastFailAt: st.LastFailAt, StartedAt: st.StartedAt,
			LastDuration: quench.Duration(st.LastDuration),
			PingURL:      strings.TrimRight(base, "/") + "/ping/" + url.PathEscape(st.Secret),
		}
		if st.LastExitCode >= 0 {
			code := st.LastExitCode
			h.LastExitCode = &code
		}
		if due := Due(b.sched, b.cfg.Grace, st); !due.IsZero() {
			h.DueAt = &due
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b *quench.Heartbeat) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
