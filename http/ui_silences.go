package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// silencesPage is the data of the silences page.
type silencesPage struct {
	page
	At       time.Time
	All      bool // ended silences shown too
	Silences []*quench.Silence
	Held     []*quench.SuppressedAlert
}

// handleSilencesPage lists current silences (all with ?all=1) and the
// alerts held back now, as GET /api/v1/silences and /api/v1/suppressed do;
// responders get a form to add one and a button to end each.
func (s *Server) handleSilencesPage(w http.ResponseWriter, r *http.Request) {
	if s.Silences == nil {
		s.uiError(w, r, errNoSilences)
		return
	}
	p := silencesPage{page: s.newPage(r, "Silences", "silences"), At: s.now().UTC(), All: r.URL.Query().Get("all") != ""}
	var err error
	if p.Silences, err = s.Silences.FindSilences(r.Context(), quench.SilenceFilter{Current: !p.All}); err != nil {
		s.uiError(w, r, err)
		return
	}
	if p.Held, err = s.Silences.SuppressedAlerts(r.Context()); err != nil {
		s.uiError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "silences", "", p)
}

// handleUICreateSilence adds a silence as the signed-in person, with the
// API's checks: matchers one per line, a duration and a comment.
func (s *Server) handleUICreateSilence(w http.ResponseWriter, r *http.Request) {
	if s.Silences == nil {
		s.uiError(w, r, errNoSilences)
		return
	}
	var matchers []string
	for _, line := range strings.Split(r.PostFormValue("matchers"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			matchers = append(matchers, line)
		}
	}
	sl, err := silenceFrom(SilenceRequest{Matchers: matchers, Duration: strings.TrimSpace(r.PostFormValue("duration")), Comment: r.PostFormValue("comment")}, s.now())
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	sl.CreatedBy = actor(r.Context())
	if err := s.Silences.CreateSilence(r.Context(), sl); err != nil {
		s.uiError(w, r, err)
		return
	}
	seeOther(w, r, "/silences#silence-"+strconv.FormatInt(sl.ID, 10))
}

// handleUIExpireSilence ends a silence now, as the signed-in person.
func (s *Server) handleUIExpireSilence(w http.ResponseWriter, r *http.Request) {
	if s.Silences == nil {
		s.uiError(w, r, errNoSilences)
		return
	}
	id, err := silenceID(r)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	if _, err := s.Silences.ExpireSilence(r.Context(), id, actor(r.Context())); err != nil {
		s.uiError(w, r, err)
		return
	}
	seeOther(w, r, "/silences")
}
