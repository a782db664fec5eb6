package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/quench-sh/quench"
)

var errNoSilences = quench.Errorf(quench.EUNAVAILABLE, "silences are not configured on this server")

// SilenceRequest is the body of POST /api/v1/silences: matchers as
// Alertmanager writes them, a comment, and an end (ends_at, or duration
// from the start); starts_at defaults to now.
type SilenceRequest struct {
	Matchers []string   `json:"matchers"`
	StartsAt *time.Time `json:"starts_at,omitempty"`
	EndsAt   *time.Time `json:"ends_at,omitempty"`
	Duration string     `json:"duration,omitempty"` // e.g. "2h"
	Comment  string     `json:"comment"`
}

// SilenceList is the answer of GET /api/v1/silences.
type SilenceList struct {
	Silences []*quench.Silence `json:"silences"`
}

// SuppressedList is the answer of GET /api/v1/suppressed.
type SuppressedList struct {
	Alerts []*quench.SuppressedAlert `json:"alerts"`
}

// silenceRoutes: reading silences and held alerts needs a viewer,
// creating and expiring a silence a responder.
func (s *Server) silenceRoutes() []endpoint {
	return []endpoint{
		{"GET /api/v1/silences", quench.RoleViewer, s.handleListSilences},
		{"POST /api/v1/silences", quench.RoleResponder, s.handleCreateSilence},
		{"POST /api/v1/silences/{id}/expire", quench.RoleResponder, s.handleExpireSilence},
		{"GET /api/v1/suppressed", quench.RoleViewer, s.handleListSuppressed},
	}
}

// handleListSilences lists current silences (pending and active), or all
// with ?all=true, newest first.
func (s *Server) handleListSilences(w http.ResponseWriter, r *http.Request) {
	if s.Silences == nil {
		s.writeError(w, r, errNoSilences)
		return
	}
	q := r.URL.Query()
	for name := range q {
		if name != "all" {
			s.writeError(w, r, quench.Errorf(quench.EINVALID, "unknown query parameter %q (want all)", quench.CutText(name, 64)))
			return
		}
	}
	all, err := strconv.ParseBool(q.Get("all"))
	if q.Get("all") != "" && err != nil {
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "all %q: want true or false", quench.CutText(q.Get("all"), 64)))
		return
	}
	sls, err := s.Silences.FindSilences(r.Context(), quench.SilenceFilter{Current: !all})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, SilenceList{Silences: sls})
}

// handleCreateSilence creates a silence as the caller (audited).
func (s *Server) handleCreateSilence(w http.ResponseWriter, r *http.Request) {
	if s.Silences == nil {
		s.writeError(w, r, errNoSilences)
		return
	}
	var req SilenceRequest
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	sl, err := silenceFrom(req, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sl.CreatedBy = actor(r.Context())
	if err := s.Silences.CreateSilence(r.Context(), sl); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sl)
}

// silenceFrom checks a request's shape; the silence's own rules are in
// quench.Silence.Validate, applied when it is stored.
func silenceFrom(req SilenceRequest, now time.Time) (*quench.Silence, error) {
	ms, err := quench.ParseLabelMatchers(req.Matchers)
	if err != nil {
		return nil, err
	}
	sl := &quench.Silence{Matchers: ms, Comment: req.Comment, StartsAt: now}
	if req.StartsAt != nil {
		sl.StartsAt = *req.StartsAt
	}
	switch {
	case req.EndsAt != nil && req.Duration != "":
		return nil, quench.Errorf(quench.EINVALID, "give ends_at or duration, not both")
	case req.EndsAt != nil:
		sl.EndsAt = *req.EndsAt
	case req.Duration != "":
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			return nil, quench.Errorf(quench.EINVALID, "duration %q: want a positive duration such as 2h or 30m", quench.CutText(req.Duration, 64))
		}
		sl.EndsAt = sl.StartsAt.Add(d)
	default:
		return nil, quench.Errorf(quench.EINVALID, `a silence needs an end: "duration": "2h" or "ends_at"`)
	}
	return sl, sl.Validate(now)
}

// silenceID reads the {id} of a silence's route.
func silenceID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, quench.Errorf(quench.EINVALID, "silence id %q is not a positive number", quench.CutText(r.PathValue("id"), 64))
	}
	return id, nil
}

func (s *Server) handleExpireSilence(w http.ResponseWriter, r *http.Request) {
	if s.Silences == nil {
		s.writeError(w, r, errNoSilences)
		return
	}
	id, err := silenceID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sl, err := s.Silences.ExpireSilence(r.Context(), id, actor(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sl)
}

// handleListSuppressed lists the alerts held back now: silenced, in a
// maintenance window, or symptoms of an open incident.
func (s *Server) handleListSuppressed(w http.ResponseWriter, r *http.Request) {
	if s.Silences == nil {
		s.writeError(w, r, errNoSilences)
		return
	}
	held, err := s.Silences.SuppressedAlerts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, SuppressedList{Alerts: held})
}
