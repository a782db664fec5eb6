package http

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// confirmPage is the data of a step's confirmation page.
type confirmPage struct {
	page
	IncidentID int64
	Number     int
	State      quench.StepState
	DryRun     *quench.StepRun
}

// findStepState returns one of an incident's steps with its number.
func (s *Server) findStepState(ctx context.Context, id int64, name string) (quench.StepState, int, error) {
	if s.Steps == nil {
		return quench.StepState{}, 0, errNoRunner
	}
	if name == "" || len(name) > maxStepNameBytes {
		return quench.StepState{}, 0, quench.Errorf(quench.EINVALID, "step name must be 1 to %d bytes", maxStepNameBytes)
	}
	states, err := s.Steps.IncidentSteps(ctx, id)
	if err != nil {
		return quench.StepState{}, 0, err
	}
	for i, st := range states {
		if st.Step.Name == name {
			return st, i + 1, nil
		}
	}
	return quench.StepState{}, 0, quench.Errorf(quench.ENOTFOUND, "incident %d has no step %q", id, quench.CutText(name, 64))
}

// handleConfirmPage shows what a step would run, where, with which
// environment, and asks for the confirmation (and, during a freeze, a
// break-glass token; for a destructive step, its typed name).
func (s *Server) handleConfirmPage(w http.ResponseWriter, r *http.Request) {
	s.renderConfirm(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderConfirm(w http.ResponseWriter, r *http.Request, status int, msg string, dry *quench.StepRun) {
	id, err := incidentID(r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	st, n, err := s.findStepState(r.Context(), id, r.PathValue("name"))
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	p := confirmPage{page: s.newPage(r, "Run step "+st.Step.Name, "incidents"), IncidentID: id, Number: n, State: st, DryRun: dry}
	p.Error = msg
	s.render(w, r, status, "confirm", "", p)
}

// handleUIRunStep runs (or dry-runs) a step as the signed-in person. The
// runner decides every refusal as it does for the API (role,
// confirmation, freeze, grant); the web UI adds one check of its own: a
// step the runbook marks destructive runs only when the person typed its
// name. A refusal shows the confirmation page again with the reason.
func (s *Server) handleUIRunStep(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	name := r.PathValue("name")
	st, _, err := s.findStepState(r.Context(), id, name)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	dry := r.PostFormValue("dry_run") == "1"
	confirm := r.PostFormValue("confirm") == "1"
	if st.Step.Destructive && !dry {
		typed := strings.TrimSpace(r.PostFormValue("typed_name"))
		if subtle.ConstantTimeCompare([]byte(typed), []byte(st.Step.Name)) != 1 {
			s.renderConfirm(w, r, http.StatusForbidden, fmt.Sprintf("Step %s is destructive: type its name exactly to run it.", st.Step.Name), nil)
			return
		}
	}
	grant := strings.TrimSpace(r.PostFormValue("break_glass"))
	if len(grant) > maxSecretBytes {
		s.renderConfirm(w, r, http.StatusForbidden, "invalid break-glass grant", nil)
		return
	}
	tok := tokenFrom(r.Context())
	// A started step runs to its end even if the browser goes away; the
	// answer may come after the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	run, err := s.Steps.RunStep(r.Context(), quench.StepRunRequest{
		IncidentID: id, StepName: name, Actor: tok.Name, Role: tok.Role,
		Confirm: confirm, DryRun: dry, BreakGlassSecret: grant,
	})
	if err != nil {
		status, msg := s.errorStatus(r, runError(err))
		s.renderConfirm(w, r, status, msg, nil)
		return
	}
	if dry {
		s.renderConfirm(w, r, http.StatusOK, "", run)
		return
	}
	seeOther(w, r, fmt.Sprintf("/incidents/%d#step-%s", id, name))
}
