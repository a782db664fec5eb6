package http

import (
	"net/http"

	"github.com/quench-sh/quench"
)

// RunbookView is a runbook as the API shows it. The list leaves out
// sections and steps; the single-runbook route has them.
type RunbookView struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Category   string          `json:"category"`
	Severity   quench.Severity `json:"severity"`
	Signal     string          `json:"signal"`
	Escalation []string        `json:"escalation"`
	StepCount  int             `json:"step_count"`
	Sections   []SectionView   `json:"sections,omitzero"`
	Steps      []StepView      `json:"steps,omitzero"`
}

// SectionView is one level-2 section of a runbook, as Markdown.
type SectionView struct {
	Title    string `json:"title"`
	Markdown string `json:"markdown"`
}

// StepView is one command step with its safety class.
type StepView struct {
	Name              string       `json:"name"`
	Section           string       `json:"section"`
	Index             int          `json:"index"`
	Title             string       `json:"title"`
	Command           string       `json:"command"`
	Class             quench.Class `json:"class"`
	Reason            string       `json:"reason,omitempty"`
	Confirm           bool         `json:"confirm"`
	Destructive       bool         `json:"destructive,omitempty"`
	NeedsConfirmation bool         `json:"needs_confirmation"`
	Target            string       `json:"target,omitempty"`
	Timeout           string       `json:"timeout,omitempty"` // a Go duration; empty for the default
}

// NewRunbookView returns the API view of a runbook; full adds sections and
// steps.
func NewRunbookView(rb *quench.Runbook, full bool) *RunbookView {
	v := &RunbookView{
		ID: rb.ID, Title: rb.Title, Category: rb.Category, Severity: rb.Severity, Signal: rb.Signal,
		Escalation: rb.Escalation, StepCount: len(rb.Steps),
	}
	if v.Escalation == nil {
		v.Escalation = []string{}
	}
	if !full {
		return v
	}
	v.Sections = make([]SectionView, 0, len(rb.Sections))
	for _, sec := range rb.Sections {
		v.Sections = append(v.Sections, SectionView{Title: sec.Title, Markdown: sec.Markdown})
	}
	v.Steps = make([]StepView, 0, len(rb.Steps))
	for _, st := range rb.Steps {
		sv := StepView{
			Name: st.Name, Section: st.Section, Index: st.Index, Title: st.Title, Command: st.Command,
			Class: st.Class, Reason: st.Reason, Confirm: st.Confirm, Destructive: st.Destructive, NeedsConfirmation: st.NeedsConfirmation(),
			Target: st.Target,
		}
		if st.Timeout > 0 {
			sv.Timeout = st.Timeout.String()
		}
		v.Steps = append(v.Steps, sv)
	}
	return v
}

// runbookList is the answer of GET /api/v1/runbooks, in file order.
type runbookList struct {
	Runbooks []*RunbookView `json:"runbooks"`
}

func (s *Server) handleListRunbooks(w http.ResponseWriter, r *http.Request) {
	rbs, err := s.Runbooks.Runbooks(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := runbookList{Runbooks: make([]*RunbookView, 0, len(rbs))}
	for _, rb := range rbs {
		out.Runbooks = append(out.Runbooks, NewRunbookView(rb, false))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGetRunbook(w http.ResponseWriter, r *http.Request) {
	rb, err := s.Runbooks.FindRunbook(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NewRunbookView(rb, true))
}
