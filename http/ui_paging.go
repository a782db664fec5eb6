package http

import (
	"fmt"
	"net/http"
	"time"

	"github.com/quench-sh/quench"
)

// onCallPage is the data of the on-call page.
type onCallPage struct {
	page
	At     time.Time
	OnCall []quench.OnCallEntry
}

// handleOnCallPage shows who is on call for each role now, as
// GET /api/v1/oncall does.
func (s *Server) handleOnCallPage(w http.ResponseWriter, r *http.Request) {
	if err := s.pagingUnavailable(); err != nil {
		s.uiError(w, r, err)
		return
	}
	at := s.now().UTC()
	entries, err := s.Paging.OnCall(r.Context(), "", at)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "oncall", "", onCallPage{page: s.newPage(r, "On call", "oncall"), At: at, OnCall: entries})
}

// handleUIEscalate pages the incident's next escalation step now, as the
// signed-in person, with the API's service call.
func (s *Server) handleUIEscalate(w http.ResponseWriter, r *http.Request) {
	if err := s.pagingUnavailable(); err != nil {
		s.uiError(w, r, err)
		return
	}
	id, err := incidentID(r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	if _, err := s.Paging.Escalate(r.Context(), id, 0, actor(r.Context())); err != nil {
		s.uiError(w, r, err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/incidents/%d#timeline-title", id))
}
