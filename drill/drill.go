// Package drill runs drills: for a runbook, a synthetic alert marked as a
// drill goes through the whole pipeline (AlertService, routing, an
// incident, the automatic diagnosis), and the drill reports, per diagnosis
// step, its exit status, duration and output size, and whether it failed,
// timed out or printed nothing; the time from the alert to the end of the
// diagnosis; and the verdict: the runbook works here, or which steps
// drifted. Drills run one at a time, on request or on the config's
// schedule.
package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// Defaults for fields left zero.
const (
	// DefaultStepTimeout is a step's timeout when it sets none; set
	// StepTimeout to the runner's (diagnosis.timeout).
	DefaultStepTimeout = 30 * time.Second
	// queueSize bounds the drills waiting for their turn.
	queueSize = 256
	// waitSlack is how much longer than its steps' timeouts together a
	// drill waits for its diagnosis: the diagnosis may queue behind real
	// incidents, which go first.
	waitSlack = 2 * time.Minute
	// pollEvery is how often a drill reads its incident's steps from the
	// store besides listening to events, so a lost event costs seconds.
	pollEvery = 5 * time.Second
)

// Service runs drills. Set the exported fields, call Open, and Close when
// done.
type Service struct {
	Store     quench.DrillStore
	Alerts    quench.AlertService
	Events    quench.EventService
	Incidents quench.IncidentService
	Steps     quench.StepService
	Runbooks  quench.RunbookService
	// FirstSteps run for every incident before a runbook's diagnosis; a
	// drill reports them too.
	FirstSteps []quench.Step
	// AutoDiagnosis is whether the runner diagnoses incidents as they
	// open; without it a drill has nothing to test.
	AutoDiagnosis bool
	// StepTimeout is the timeout of steps that set none.
	StepTimeout time.Duration
	// Schedule lists the drills to run periodically (see Schedule).
	Schedule []Schedule
	// Leader, when set, is asked before each scheduling round, so that of
	// several servers sharing a database one schedules (sqldb.DB.TryLeader).
	Leader quench.LeaderFunc
	Logger *slog.Logger
	Now    func() time.Time

	queue  chan *quench.Drill
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	open   bool
}

var _ quench.DrillService = (*Service)(nil)

// Open starts the worker that runs queued drills and, when a schedule is
// configured, the scheduler. Drills left queued or running by a server
// that stopped are marked as errors.
func (s *Service) Open(ctx context.Context) error {
	if s.Store == nil || s.Alerts == nil || s.Events == nil || s.Incidents == nil || s.Steps == nil || s.Runbooks == nil {
		return fmt.Errorf("drill: Store, Alerts, Events, Incidents, Steps and Runbooks are required")
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.StepTimeout <= 0 {
		s.StepTimeout = DefaultStepTimeout
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open {
		return fmt.Errorf("drill: already open")
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.queue = make(chan *quench.Drill, queueSize)
	s.abandonLeftovers()
	s.wg.Add(1)
	go s.worker()
	if len(s.Schedule) > 0 {
		s.wg.Add(1)
		go s.scheduler()
	}
	s.open = true
	return nil
}

// Close stops the scheduler and the worker: a drill in progress is
// recorded as stopped. Queued drills stay queued and are marked as errors
// by the next Open.
func (s *Service) Close() error {
	s.mu.Lock()
	if !s.open {
		s.mu.Unlock()
		return nil
	}
	s.open = false
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// abandonLeftovers marks the drills a previous server left unfinished.
func (s *Service) abandonLeftovers() {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	latest, _, err := s.Store.LatestDrills(ctx)
	if err != nil {
		s.Logger.Warn("drill: cannot read unfinished drills", "err", err)
		return
	}
	for _, d := range latest {
		if d.Status == quench.DrillQueued || d.Status == quench.DrillRunning {
			s.fail(ctx, d, "quench stopped before the drill finished")
		}
	}
}

// StartDrills queues a drill of each runbook; see quench.DrillService.
func (s *Service) StartDrills(ctx context.Context, runbookIDs []string, actor string) ([]*quench.Drill, error) {
	return s.start(ctx, runbookIDs, actor, false)
}

func (s *Service) start(ctx context.Context, runbookIDs []string, actor string, scheduled bool) ([]*quench.Drill, error) {
	if !s.AutoDiagnosis {
		return nil, quench.Errorf(quench.EUNAVAILABLE, "automatic diagnosis is off (diagnosis.auto: false): a drill tests it; turn it on to drill")
	}
	if len(runbookIDs) == 0 {
		return nil, quench.Errorf(quench.EINVALID, "name at least one runbook to drill")
	}
	for _, id := range runbookIDs {
		if _, err := s.Runbooks.FindRunbook(ctx, id); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	open := s.open
	s.mu.Unlock()
	if !open {
		return nil, quench.Errorf(quench.EUNAVAILABLE, "drills are stopping")
	}
	if len(s.queue)+len(runbookIDs) > cap(s.queue) {
		return nil, quench.Errorf(quench.EUNAVAILABLE, "%d drills are already waiting; try again when they are done", len(s.queue))
	}
	var out []*quench.Drill
	for _, id := range runbookIDs {
		d := &quench.Drill{RunbookID: id, Actor: actor, Scheduled: scheduled}
		if err := s.Store.CreateDrill(ctx, d); err != nil {
			return out, err
		}
		// The worker owns d once it is queued: answer with a copy.
		cp := *d
		select {
		case s.queue <- d:
		default:
			s.fail(ctx, d, "too many drills waiting")
			return out, quench.Errorf(quench.EUNAVAILABLE, "too many drills waiting; try again when they are done")
		}
		out = append(out, &cp)
	}
	return out, nil
}

// FindDrill returns ENOTFOUND when no drill has that id.
func (s *Service) FindDrill(ctx context.Context, id int64) (*quench.Drill, error) {
	return s.Store.FindDrill(ctx, id)
}

// FindDrills returns drills newest first.
func (s *Service) FindDrills(ctx context.Context, f quench.DrillFilter) ([]*quench.Drill, error) {
	return s.Store.FindDrills(ctx, f)
}

// LatestDrills returns the newest drill and the newest finished drill of
// each runbook.
func (s *Service) LatestDrills(ctx context.Context) (latest, finished map[string]*quench.Drill, err error) {
	return s.Store.LatestDrills(ctx)
}

// worker runs queued drills one after the other until the service closes.
func (s *Service) worker() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case d := <-s.queue:
			s.run(d)
		}
	}
}

// fail records a drill that could not run, with why.
func (s *Service) fail(ctx context.Context, d *quench.Drill, why string) {
	now := s.Now()
	d.Status, d.Error, d.FinishedAt = quench.DrillError, why, &now
	if err := s.Store.UpdateDrill(context.WithoutCancel(ctx), d); err != nil {
		s.Logger.Error("drill: record failure", "drill", d.ID, "err", err)
	}
	s.Logger.Warn("drill could not run", "drill", d.ID, "runbook", d.RunbookID, "why", why)
}

// expected is one diagnosis step a drill waits for.
type expected struct {
	section, name string
}

// run runs one drill: submits its alert, waits for the incident's
// diagnosis, and records the report.
func (s *Service) run(d *quench.Drill) {
	ctx := s.ctx
	rb, err := s.Runbooks.FindRunbook(ctx, d.RunbookID)
	if err != nil {
		s.fail(ctx, d, err.Error())
		return
	}
	steps := append(slices.Clone(s.FirstSteps), rb.StepsIn(quench.SectionDiagnosis)...)
	wait := waitSlack
	for _, st := range steps {
		wait += max(st.Timeout, s.StepTimeout)
	}

	// Subscribed before the alert goes in: no step event is missed.
	sub, err := s.Events.Subscribe(ctx)
	if err != nil {
		s.fail(ctx, d, "subscribe to incident events: "+err.Error())
		return
	}
	defer sub.Close()

	started := s.Now()
	alert := s.alert(d, rb, started)
	res, err := s.Alerts.SubmitAlerts(ctx, []quench.Alert{alert})
	if err != nil {
		s.fail(ctx, d, "submit the drill's alert: "+quench.ErrorMessage(err))
		return
	}
	d.Status, d.StartedAt, d.IncidentID = quench.DrillRunning, &started, res[0].IncidentID
	if err := s.Store.UpdateDrill(ctx, d); err != nil {
		s.Logger.Error("drill: record start", "drill", d.ID, "err", err)
	}
	switch {
	case res[0].Outcome != quench.OutcomeOpened:
		s.fail(ctx, d, fmt.Sprintf("the drill's alert did not open an incident (%s)", res[0].Outcome))
		return
	case res[0].RunbookID != d.RunbookID:
		s.resolve(d)
		s.fail(ctx, d, fmt.Sprintf("the drill's alert was routed to runbook %q, not %q", res[0].RunbookID, d.RunbookID))
		return
	}
	s.Logger.Info("drill started", "drill", d.ID, "runbook", d.RunbookID, "incident", d.IncidentID, "actor", d.Actor)

	states, err := s.waitDiagnosis(ctx, sub, d.IncidentID, steps, wait)
	if err != nil {
		s.resolve(d)
		if ctx.Err() != nil {
			s.fail(ctx, d, "quench stopped during the drill")
		} else {
			s.fail(ctx, d, "read the drill's steps: "+quench.ErrorMessage(err))
		}
		return
	}
	s.report(d, steps, states, started)
	s.resolve(d)
	now := s.Now()
	d.Status, d.FinishedAt = quench.DrillDone, &now
	if err := s.Store.UpdateDrill(context.WithoutCancel(ctx), d); err != nil {
		s.Logger.Error("drill: record report", "drill", d.ID, "err", err)
	}
	s.Logger.Info("drill finished", "drill", d.ID, "runbook", d.RunbookID, "verdict", d.Verdict,
		"failed_steps", d.FailedSteps, "alert_to_diagnosis", d.AlertToDiagnosis)
}

// alert is the drill's synthetic alert: it names its runbook (the runbook
// label routes it there) and carries the drill's marks.
func (s *Service) alert(d *quench.Drill, rb *quench.Runbook, at time.Time) quench.Alert {
	id := strconv.FormatInt(d.ID, 10)
	return quench.Alert{
		Source:      quench.SourceDrill,
		Integration: quench.SourceDrill,
		DedupKey:    "drill-" + id,
		Action:      quench.ActionTrigger,
		Severity:    rb.Severity,
		Summary:     fmt.Sprintf("Drill #%s of %s, started by %s: not an incident", id, rb.Title, d.Actor),
		Labels: map[string]string{
			"alertname":         "QuenchDrill",
			"runbook":           rb.ID,
			quench.LabelDrill:   id,
			quench.LabelDrillBy: d.Actor,
		},
		Annotations: map[string]string{"description": "A drill: a synthetic alert that tests the runbook's diagnosis where quench runs. Nothing is wrong; nobody is paged."},
		StartsAt:    at,
		ReceivedAt:  at,
	}
}

// resolve resolves the drill's incident, so it does not stay open.
func (s *Service) resolve(d *quench.Drill) {
	if d.IncidentID == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 10*time.Second)
	defer cancel()
	if _, err := s.Incidents.Resolve(ctx, d.IncidentID, "drill"); err != nil && quench.ErrorCode(err) != quench.ECONFLICT {
		s.Logger.Warn("drill: resolve incident", "drill", d.ID, "incident", d.IncidentID, "err", err)
	}
}

// waitDiagnosis waits until every diagnosis step of the incident finished
// or was refused, or wait passed, and returns the incident's steps.
func (s *Service) waitDiagnosis(ctx context.Context, sub quench.Subscription, incident int64, steps []quench.Step, wait time.Duration) ([]quench.StepState, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	for {
		states, err := s.Steps.IncidentSteps(ctx, incident)
		if err != nil || diagnosed(states, steps) {
			return states, err
		}
		// Read the steps again when one of this incident's steps ends,
		// when events were lost, or at the next poll.
	wait:
		for {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-deadline.C:
				return s.Steps.IncidentSteps(ctx, incident)
			case <-poll.C:
				break wait
			case <-sub.Lagged():
				break wait
			case ev, ok := <-sub.Events():
				if !ok {
					return nil, fmt.Errorf("incident events ended")
				}
				if ev.IncidentID == incident && (ev.Kind == quench.IncidentStepFinished || ev.Kind == quench.IncidentStepRefused) {
					break wait
				}
			}
		}
	}
}

// diagnosed reports whether every diagnosis step has ended.
func diagnosed(states []quench.StepState, steps []quench.Step) bool {
	for _, st := range steps {
		s := find(states, st)
		if s == nil {
			return false
		}
		switch s.Status {
		case quench.StepSucceeded, quench.StepFailed, quench.StepRefused:
		default:
			return false
		}
	}
	return true
}

func find(states []quench.StepState, st quench.Step) *quench.StepState {
	for i := range states {
		if states[i].Step.Section == st.Section && states[i].Step.Name == st.Name {
			return &states[i]
		}
	}
	return nil
}

// report fills the drill's report from the incident's steps.
func (s *Service) report(d *quench.Drill, steps []quench.Step, states []quench.StepState, alertAt time.Time) {
	var reasons map[string]string // refusal reasons, read once if needed
	var last time.Time
	d.Steps, d.FailedSteps = nil, 0
	for _, st := range steps {
		r := quench.DrillStep{Name: st.Name, Section: st.Section, Title: st.Title, Outcome: quench.DrillStepNotRun,
			Reason: "had not finished when the drill gave up waiting"}
		if state := find(states, st); state != nil {
			switch state.Status {
			case quench.StepRefused:
				if reasons == nil {
					reasons = s.refusals(d.IncidentID)
				}
				r.Outcome, r.Reason = quench.DrillStepRefused, reasons[st.Section+"\x00"+st.Name]
				if r.Reason == "" {
					r.Reason = fmt.Sprintf("refused: %s (%s)", state.Step.Class, state.Step.Reason)
				}
			case quench.StepSucceeded, quench.StepFailed:
				if run := state.LastRun; run != nil {
					r = outcome(r, run)
					if end := run.StartedAt.Add(run.Duration); end.After(last) {
						last = end
					}
				}
			}
		}
		if r.Outcome != quench.DrillStepOK {
			d.FailedSteps++
		}
		d.Steps = append(d.Steps, r)
	}
	d.Verdict = quench.VerdictWorks
	if d.FailedSteps > 0 {
		d.Verdict = quench.VerdictDrifted
	}
	if !last.IsZero() && last.After(alertAt) {
		d.AlertToDiagnosis = last.Sub(alertAt)
	}
}

// outcome judges one finished run.
func outcome(r quench.DrillStep, run *quench.StepRun) quench.DrillStep {
	r.ExitCode, r.Duration, r.OutputBytes, r.Reason = run.ExitCode, run.Duration, len(run.Output), ""
	switch {
	case run.TimedOut:
		r.Outcome, r.Reason = quench.DrillStepTimedOut, fmt.Sprintf("killed at its timeout after %s", run.Duration.Round(time.Millisecond))
	case run.ExitCode != 0:
		r.Outcome, r.Reason = quench.DrillStepFailed, lastLine(run.Output)
	case strings.TrimSpace(run.Output) == "":
		r.Outcome, r.Reason = quench.DrillStepEmpty, "printed nothing"
	default:
		r.Outcome = quench.DrillStepOK
	}
	return r
}

// lastLine returns the last non-blank line of a step's output, cut to a
// line of a report.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, " \t\r\n"), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if l == "" {
		return "printed nothing"
	}
	return quench.CutText(quench.CleanText(l), 200)
}

// refusals reads why the incident's steps were refused, by section and
// name, from its timeline.
func (s *Service) refusals(incident int64) map[string]string {
	out := map[string]string{}
	events, err := s.Incidents.Timeline(s.ctx, incident)
	if err != nil {
		return out
	}
	for _, ev := range events {
		if ev.Kind != quench.EventStepRefused {
			continue
		}
		var data struct {
			Step    string `json:"step"`
			Section string `json:"section"`
		}
		if json.Unmarshal(ev.Data, &data) == nil {
			out[data.Section+"\x00"+data.Step] = ev.Text
		}
	}
	return out
}
