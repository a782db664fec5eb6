package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/markdown"
)

// stepBlock is one step as a page shows it: in an incident (with its
// state, output and run button) or in a runbook alone.
type stepBlock struct {
	State       quench.StepState
	Number      int // the incident's step number (quench run ID N), or the runbook's index
	HasIncident bool
	IncidentID  int64
	CanRespond  bool
	CSRF        string
	Live        bool // the page receives the incident's event stream
}

// sectionHTML is one runbook section, rendered.
type sectionHTML struct {
	Title, Slug string
	HTML        template.HTML
}

// timelineItem is one timeline event as the page shows it.
type timelineItem struct {
	quench.TimelineEvent
	Output string // a finished step's output
}

// incidentPage is the data of the incident page.
type incidentPage struct {
	page
	Incident         *quench.Incident
	Runbook          *quench.Runbook
	Sections         []sectionHTML
	FirstSteps       []stepBlock
	OtherSteps       []stepBlock // runbook steps outside its rendered sections
	StepsUnavailable bool
	Deploys          []*quench.Deploy
	LastGood         *quench.Deploy
	Timeline         []timelineItem
	CanEscalate      bool // paging is configured and the person may escalate
	// AwaitingAcks are the people a multi-ack step of an acknowledged
	// incident still waits for: the Acknowledge button stays for them.
	AwaitingAcks []string
}

// handleIncidentPage shows one incident. ?part=head and ?part=timeline
// answer only that part, which the live updates fetch.
func (s *Server) handleIncidentPage(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	ctx := r.Context()
	inc, err := s.Incidents.FindIncident(ctx, id)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	p := incidentPage{page: s.newPage(r, fmt.Sprintf("#%d %s", inc.ID, quench.CutText(inc.Summary, 80)), "incidents"), Incident: inc}
	p.CanEscalate = p.CanRespond() && s.pagingUnavailable() == nil
	if p.CanEscalate && inc.Status == quench.StatusAcknowledged {
		if p.AwaitingAcks, err = s.Paging.AwaitingAcks(ctx, id); err != nil {
			s.logger().WarnContext(ctx, "web UI: who a multi-ack step waits for", "incident", id, "err", err)
		}
	}
	part := r.URL.Query().Get("part")
	if part == "" || part == "timeline" {
		if p.Timeline, err = s.timeline(ctx, id); err != nil {
			s.uiError(w, r, err)
			return
		}
	}
	switch part {
	case "head":
		s.render(w, r, http.StatusOK, "incident", "head", p)
		return
	case "timeline":
		s.render(w, r, http.StatusOK, "incident", "timeline", p)
		return
	case "":
	default:
		s.uiError(w, r, quench.Errorf(quench.EINVALID, "part %q is not head or timeline", quench.CutText(part, 64)))
		return
	}
	var lg LastGood
	if p.Deploys, lg, err = s.incidentDeploys(ctx, inc.OpenedAt); err != nil {
		s.uiError(w, r, err)
		return
	}
	p.LastGood = lg.Deploy
	if err := s.fillSteps(ctx, &p); err != nil {
		s.uiError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "incident", "", p)
}

// timeline returns the incident's events newest first, with each finished
// step's output lifted out of its data.
func (s *Server) timeline(ctx context.Context, id int64) ([]timelineItem, error) {
	evs, err := s.Incidents.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]timelineItem, 0, len(evs))
	for _, ev := range slices.Backward(evs) {
		it := timelineItem{TimelineEvent: ev}
		if ev.Kind == quench.EventStepFinished && len(ev.Data) > 0 {
			var d struct {
				Output string `json:"output"`
			}
			if json.Unmarshal(ev.Data, &d) == nil {
				it.Output = d.Output
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// fillSteps renders the incident's runbook with its steps in place, and
// lists the pack's first steps.
func (s *Server) fillSteps(ctx context.Context, p *incidentPage) error {
	inc := p.Incident
	if inc.RunbookID != "" {
		rb, err := s.Runbooks.FindRunbook(ctx, inc.RunbookID)
		switch {
		case quench.ErrorCode(err) == quench.ENOTFOUND:
			// The pack no longer has it: show the incident without it.
		case err != nil:
			return err
		default:
			p.Runbook = rb
		}
	}
	var states []quench.StepState
	if s.Steps == nil {
		p.StepsUnavailable = true
	} else {
		var err error
		if states, err = s.Steps.IncidentSteps(ctx, inc.ID); err != nil {
			return err
		}
	}
	block := func(i int, st quench.StepState) stepBlock {
		return stepBlock{State: st, Number: i + 1, HasIncident: true, IncidentID: inc.ID,
			CanRespond: p.CanRespond() && s.Steps != nil, CSRF: p.CSRF, Live: true}
	}
	// The runner lists the pack's first steps, then the runbook's; a
	// step is the runbook's when its section and name are.
	inRunbook := map[[2]string]stepBlock{}
	if p.Runbook != nil {
		for _, st := range p.Runbook.Steps {
			inRunbook[[2]string{st.Section, st.Name}] = stepBlock{}
		}
	}
	for i, st := range states {
		key := [2]string{st.Step.Section, st.Step.Name}
		if _, ok := inRunbook[key]; ok {
			inRunbook[key] = block(i, st)
			continue
		}
		p.FirstSteps = append(p.FirstSteps, block(i, st))
	}
	if p.Runbook == nil {
		return nil
	}
	shown := map[[2]string]bool{}
	secs, err := s.renderRunbook(p.Runbook, func(st quench.Step) stepBlock {
		shown[[2]string{st.Section, st.Name}] = true
		b, ok := inRunbook[[2]string{st.Section, st.Name}]
		if !ok || !b.HasIncident {
			// No runner, or the runner does not know the step (yet):
			// show it as the runbook has it.
			return stepBlock{State: quench.StepState{Step: st}, Number: st.Index}
		}
		return b
	})
	p.Sections = secs
	// A step outside the sections the page renders must still be seen.
	for _, st := range p.Runbook.Steps {
		if key := [2]string{st.Section, st.Name}; !shown[key] && inRunbook[key].HasIncident {
			p.OtherSteps = append(p.OtherSteps, inRunbook[key])
		}
	}
	return err
}

// renderRunbook renders a runbook's sections with each step block drawn by
// the "step" template from what blockOf returns.
func (s *Server) renderRunbook(rb *quench.Runbook, blockOf func(quench.Step) stepBlock) ([]sectionHTML, error) {
	t := s.ui.pages["incident"]
	out := make([]sectionHTML, 0, len(rb.Sections))
	for _, sec := range rb.Sections {
		steps := rb.StepsIn(sec.Title)
		h, err := markdown.RenderHTML(sec.Markdown, markdown.HTMLOptions{
			Step: func(w io.Writer, n int) error {
				if n >= len(steps) {
					return nil // the parser took it for no step; nothing to run
				}
				return t.ExecuteTemplate(w, "step", blockOf(steps[n]))
			},
			Link: runbookLink,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, sectionHTML{Title: sec.Title, Slug: slug(sec.Title), HTML: template.HTML(h)})
	}
	return out, nil
}

// runbookLink points a link to a sibling runbook ("./db-down.md") at its
// page; other links are kept.
func runbookLink(dest string) string {
	name, ok := strings.CutSuffix(strings.TrimPrefix(dest, "./"), ".md")
	if !ok || name == "" || strings.ContainsAny(name, "/:?#\\") {
		return dest
	}
	if name == "README" {
		return "/runbooks"
	}
	return "/runbooks/" + name
}

// slug turns a title into an HTML id part.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// incidentBack returns where an incident form goes back to: the form's
// local "back" path, or the incident.
func incidentBack(r *http.Request, id int64) string {
	if b := r.PostFormValue("back"); b != "" {
		return localPath(b)
	}
	return "/incidents/" + strconv.FormatInt(id, 10)
}

func (s *Server) handleUIAck(w http.ResponseWriter, r *http.Request) {
	s.uiChangeIncident(w, r, s.acknowledge)
}

func (s *Server) handleUIResolve(w http.ResponseWriter, r *http.Request) {
	s.uiChangeIncident(w, r, s.Incidents.Resolve)
}

// uiChangeIncident acknowledges or resolves as the signed-in person, with
// the same service call as the API, and goes back.
func (s *Server) uiChangeIncident(w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, id int64, actor string) (*quench.Incident, error)) {
	id, err := incidentID(r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	if _, err := change(r.Context(), id, actor(r.Context())); err != nil {
		s.uiError(w, r, err)
		return
	}
	seeOther(w, r, incidentBack(r, id))
}

func (s *Server) handleUINote(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	if _, err := s.addNote(r.Context(), id, r.PostFormValue("text")); err != nil {
		s.uiError(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/incidents/%d#timeline-title", id))
}

// handleIncidentLive streams what changes on an incident page: `incident`
// when the incident changed (the page fetches its head and timeline
// again), `step-NAME` with a step's block when it starts or ends, and
// `out-NAME` with each chunk of its output as escaped HTML, appended as it
// comes.
func (s *Server) handleIncidentLive(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if _, err := s.Incidents.FindIncident(ctx, id); err != nil {
		s.uiError(w, r, err)
		return
	}
	var events <-chan quench.IncidentEvent
	var lagged <-chan struct{}
	if s.Events != nil {
		sub, err := s.Events.Subscribe(ctx)
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		defer sub.Close()
		events, lagged = sub.Events(), sub.Lagged()
	}
	var output <-chan quench.StepOutput
	if s.Steps != nil {
		out, unsubscribe := s.Steps.Subscribe(ctx, id)
		defer unsubscribe()
		output = out
	}
	live := &incidentStream{s: s, r: r, id: id, sse: newSSEStream(w), running: map[string]bool{}}
	if !live.sse.start() || !live.catchUp() {
		return
	}
	t := time.NewTicker(s.heartbeat())
	defer t.Stop()
	for {
		ok := true
		select {
		case <-ctx.Done():
			return
		case <-s.stopping():
			return
		case <-t.C:
			ok = live.sse.heartbeat()
		case <-lagged:
			ok = live.sse.event(eventLagged, laggedData{Reload: true})
		case ev, open := <-events:
			if !open {
				return
			}
			ok = live.incidentEvent(ev)
		case o, open := <-output:
			if !open {
				return
			}
			ok = live.output(o)
		}
		if !ok {
			return
		}
	}
}

// incidentStream is one incident page's live connection.
type incidentStream struct {
	s       *Server
	r       *http.Request
	id      int64
	sse     *sseStream
	running map[string]bool // steps whose output this page is being sent
}

// catchUp sends the block of every step that is not pending, which may
// have changed between the page's render and the subscriptions (the page
// fetches its other parts again itself when the stream opens). Anything
// later arrives through the subscriptions, which are in place before this
// reads.
func (l *incidentStream) catchUp() bool {
	if l.s.Steps == nil {
		return true
	}
	states, err := l.s.Steps.IncidentSteps(l.r.Context(), l.id)
	if err != nil {
		l.s.logger().WarnContext(l.r.Context(), "live catch-up", "incident", l.id, "err", err)
		return true
	}
	for i, st := range states {
		if st.Status == quench.StepPending {
			continue
		}
		if st.Status == quench.StepRunning {
			l.running[st.Step.Name] = true
		}
		if !l.sendBlock(i+1, st) {
			return false
		}
	}
	return true
}

func (l *incidentStream) incidentEvent(ev quench.IncidentEvent) bool {
	if ev.IncidentID != l.id {
		return true
	}
	switch {
	case ev.Step == "":
	case ev.Kind == quench.IncidentStepStarted && !l.running[ev.Step]:
		l.running[ev.Step] = true
		if !l.stepBlock(ev.Step, nil, true) {
			return false
		}
	case ev.Kind == quench.IncidentStepFinished:
		// The step's end is committed: draw it as stored, whichever of
		// this event and the runner's last chunk comes first.
		delete(l.running, ev.Step)
		if !l.stepBlock(ev.Step, nil, false) {
			return false
		}
	}
	return l.sse.event(eventIncident, ev)
}

// output forwards a chunk of a step's output. The first chunk of a run
// first replaces the step's block (running, empty output), so a rerun
// does not append to the previous run's output; the last replaces it with
// the finished run.
func (l *incidentStream) output(o quench.StepOutput) bool {
	if o.Done {
		delete(l.running, o.Step)
		return l.stepBlock(o.Step, o.Run, false) && l.sse.event(eventIncident, quench.IncidentEvent{Kind: quench.IncidentStepFinished, IncidentID: l.id, Step: o.Step})
	}
	if !l.running[o.Step] {
		l.running[o.Step] = true
		if !l.stepBlock(o.Step, nil, true) {
			return false
		}
	}
	return l.sseHTML("out-"+o.Step, html.EscapeString(o.Data))
}

// stepBlock sends the step's block: running (with no output yet), or
// showing run, or as the store has it when run is nil.
func (l *incidentStream) stepBlock(name string, run *quench.StepRun, running bool) bool {
	states, err := l.s.Steps.IncidentSteps(l.r.Context(), l.id)
	if err != nil {
		l.s.logger().WarnContext(l.r.Context(), "live step block", "incident", l.id, "step", name, "err", err)
		return true
	}
	for i, st := range states {
		if st.Step.Name != name {
			continue
		}
		switch {
		case running:
			st.Status, st.LastRun = quench.StepRunning, nil
		case run != nil:
			st.LastRun = run
			st.Status = runStatus(run)
		case st.Status == quench.StepRunning && st.LastRun != nil:
			// Committed as finished; the runner may not have let go of it
			// yet.
			st.Status = runStatus(st.LastRun)
		}
		return l.sendBlock(i+1, st)
	}
	return true
}

// runStatus is a finished run's step status.
func runStatus(run *quench.StepRun) string {
	if run.ExitCode == 0 && !run.TimedOut {
		return quench.StepSucceeded
	}
	return quench.StepFailed
}

// sendBlock sends a step's block, drawn as the page draws it.
func (l *incidentStream) sendBlock(number int, st quench.StepState) bool {
	id := browserFrom(l.r.Context())
	b := stepBlock{State: st, Number: number, HasIncident: true, IncidentID: l.id, Live: true,
		CanRespond: id != nil && checkRole(id.token.Role, quench.RoleResponder) == nil}
	if id != nil {
		b.CSRF = id.csrf
	}
	var buf bytes.Buffer
	if err := l.s.ui.pages["incident"].ExecuteTemplate(&buf, "step", b); err != nil {
		l.s.logger().ErrorContext(l.r.Context(), "render step block", "err", err)
		return true
	}
	return l.sseHTML("step-"+st.Step.Name, buf.String())
}

// sseHTML sends an event whose data is HTML, one data line per line (any
// CR, LF or CRLF), as the event-stream format requires.
func (l *incidentStream) sseHTML(name, h string) bool {
	h = strings.ReplaceAll(h, "\r\n", "\n")
	h = strings.ReplaceAll(h, "\r", "\n")
	var b strings.Builder
	b.Grow(len(h) + len(name) + 32)
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteByte('\n')
	for line := range strings.SplitSeq(h, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return l.sse.write([]byte(b.String()))
}
