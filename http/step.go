package http

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// BreakGlassHeader carries a break-glass grant's secret on a step run
// during a change freeze. It is never logged.
const BreakGlassHeader = "X-Break-Glass-Token"

// maxStepNameBytes bounds a step name in a path.
const maxStepNameBytes = 200

// StepStateView is one step of an incident as the API shows it: what it
// runs, where, how safe it is, and what happened to it in this incident.
type StepStateView struct {
	// Number is the step's 1-based position in the incident's list; the
	// CLI accepts it in place of the name.
	Number            int             `json:"number"`
	Name              string          `json:"name"`
	Section           string          `json:"section"`
	Title             string          `json:"title"`
	Command           string          `json:"command"`
	Class             quench.Class    `json:"class"`
	Reason            string          `json:"reason"`
	Target            string          `json:"target"` // "" is the default target
	Confirm           bool            `json:"confirm"`
	Destructive       bool            `json:"destructive,omitempty"`
	NeedsConfirmation bool            `json:"needs_confirmation"`
	Timeout           string          `json:"timeout,omitempty"` // a Go duration; empty for the default
	Status            string          `json:"status"`
	LastRun           *quench.StepRun `json:"last_run"`
}

// StepList is the answer of GET /api/v1/incidents/{id}/steps: the pack's
// first steps, then the runbook's, in order.
type StepList struct {
	Steps []StepStateView `json:"steps"`
}

// newStepList returns the API view of an incident's steps.
func newStepList(states []quench.StepState) StepList {
	out := StepList{Steps: make([]StepStateView, 0, len(states))}
	for i, st := range states {
		v := StepStateView{
			Number: i + 1, Name: st.Step.Name, Section: st.Step.Section, Title: st.Step.Title,
			Command: st.Step.Command, Class: st.Step.Class, Reason: st.Step.Reason, Target: st.Step.Target,
			Confirm: st.Step.Confirm, Destructive: st.Step.Destructive, NeedsConfirmation: st.Step.NeedsConfirmation(),
			Status: st.Status, LastRun: st.LastRun,
		}
		if st.Step.Timeout > 0 {
			v.Timeout = st.Step.Timeout.String()
		}
		out.Steps = append(out.Steps, v)
	}
	return out
}

// RunStepRequest is the body of POST /api/v1/incidents/{id}/steps/{name}/run.
// An empty body means both false: a read-only step runs as asked.
type RunStepRequest struct {
	Confirm bool `json:"confirm"`
	DryRun  bool `json:"dry_run"`
}

// errNoRunner answers the step routes of a server built without a runner.
var errNoRunner = quench.Errorf(quench.EUNAVAILABLE, "step runner not configured")

// stepIncident is the start of every step route: it answers 503 when the
// server has no runner and 400 for a bad incident id, else returns the id.
func (s *Server) stepIncident(w http.ResponseWriter, r *http.Request) (int64, bool) {
	if s.Steps == nil {
		s.writeError(w, r, errNoRunner)
		return 0, false
	}
	id, err := incidentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return 0, false
	}
	return id, true
}

func (s *Server) handleListSteps(w http.ResponseWriter, r *http.Request) {
	id, ok := s.stepIncident(w, r)
	if !ok {
		return
	}
	states, err := s.Steps.IncidentSteps(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newStepList(states))
}

// wantsStream reports whether a run request asked for its output as
// server-sent events, by ?stream=1 or by Accept.
func wantsStream(r *http.Request) (bool, error) {
	if v := r.URL.Query().Get("stream"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, quench.Errorf(quench.EINVALID, "stream %q is not a boolean", quench.CutText(v, 64))
		}
		return b, nil
	}
	for _, a := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(a, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "text/event-stream") {
				return true, nil
			}
		}
	}
	return false, nil
}

// readRunRequest decodes the run body strictly; no body at all is the
// zero request.
func (s *Server) readRunRequest(w http.ResponseWriter, r *http.Request) (RunStepRequest, error) {
	var req RunStepRequest
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return req, nil
	}
	err := decodeJSON(w, r, s.maxBody(), &req)
	return req, err
}

// handleRunStep runs (or dry-runs) one step as the calling token. The
// runner decides every refusal (role, confirmation, freeze, grant); this
// handler only carries the request. The request's context goes to the
// runner: a client that hangs up while its run waits for a process slot
// gives up its place, but a step that has started runs to its end (the
// runner's rule: killing a half-done remediation is worse than letting it
// finish, and its result lands on the timeline either way). With ?stream=1 or Accept: text/event-stream the output
// comes as server-sent events (output…, then done or error); a refusal
// before any output is still a plain JSON error with its status.
func (s *Server) handleRunStep(w http.ResponseWriter, r *http.Request) {
	id, ok := s.stepIncident(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if name == "" || len(name) > maxStepNameBytes {
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "step name must be 1 to %d bytes", maxStepNameBytes))
		return
	}
	stream, err := wantsStream(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := s.readRunRequest(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tok := tokenFrom(r.Context())
	req := quench.StepRunRequest{
		IncidentID: id, StepName: name, Actor: tok.Name, Role: tok.Role,
		Confirm: body.Confirm, DryRun: body.DryRun,
		BreakGlassSecret: strings.TrimSpace(r.Header.Get(BreakGlassHeader)),
	}
	if len(req.BreakGlassSecret) > maxSecretBytes {
		s.writeError(w, r, quench.Errorf(quench.EFORBIDDEN, "invalid break-glass grant"))
		return
	}
	ctx := r.Context()
	if !stream {
		// The answer may come long after the server's write timeout.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		run, err := s.Steps.RunStep(ctx, req)
		if err != nil {
			s.writeError(w, r, runError(err))
			return
		}
		writeJSON(w, http.StatusOK, run)
		return
	}
	s.runStepStreaming(w, r, ctx, req)
}

// runError keeps a refused grant a 403: the bearer token did authenticate,
// so a 401 would send the client after the wrong credential.
func runError(err error) error {
	if quench.ErrorCode(err) == quench.EUNAUTHORIZED {
		return quench.Errorf(quench.EFORBIDDEN, "%s", quench.ErrorMessage(err))
	}
	return err
}

// runStepStreaming runs a step with its output sent as events. The stream
// starts with the first output, or with the first heartbeat if the step
// is quiet, so a refusal (decided before anything runs) keeps its status.
func (s *Server) runStepStreaming(w http.ResponseWriter, r *http.Request, ctx context.Context, req quench.StepRunRequest) {
	sse := newSSEStream(w)
	live := newLiveOutput(sse, req.IncidentID, req.StepName)
	req.Live = live

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		// Nothing goes out before the runner accepted the step, so a
		// refusal is still an ordinary error status, however slowly the
		// runner decided it.
		select {
		case <-stop:
			return
		case <-live.accepted:
			sse.start()
		}
		t := time.NewTicker(s.heartbeat())
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sse.heartbeat()
			}
		}
	})
	run, err := s.Steps.RunStep(ctx, req)
	live.finish()
	close(stop)
	wg.Wait()

	if err != nil {
		if !sse.isStarted() {
			s.writeError(w, r, runError(err))
			return
		}
		status, msg := s.errorStatus(r, runError(err))
		sse.event(eventError, streamError{Error: msg, Status: status})
		return
	}
	sse.event(eventDone, quench.StepOutput{IncidentID: req.IncidentID, Step: req.StepName, Done: true, Run: run})
}

// streamError is the data of an error event: what the status would have
// been had the stream not begun.
type streamError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// handleStream sends what happens to one incident as server-sent events
// until the client goes away or the server closes: its steps' output
// (output, done) and its incident events (incident, and lagged when some
// were lost: reload the incident), with a heartbeat comment while nothing
// happens. The headers go out at once: once the client has them, the
// subscriptions are in place.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	if s.Steps == nil && s.Events == nil {
		s.writeError(w, r, errNoRunner)
		return
	}
	id, err := incidentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.Incidents.FindIncident(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var out <-chan quench.StepOutput
	if s.Steps != nil {
		var unsubscribe func()
		out, unsubscribe = s.Steps.Subscribe(ctx, id)
		defer unsubscribe()
	}
	var sub quench.Subscription
	if s.Events != nil {
		if sub, err = s.Events.Subscribe(ctx); err != nil {
			s.writeError(w, r, err)
			return
		}
		defer sub.Close()
	}
	s.stream(ctx, w, id, out, sub)
}

func (s *Server) heartbeat() time.Duration {
	if s.Heartbeat <= 0 {
		return DefaultHeartbeat
	}
	return s.Heartbeat
}
