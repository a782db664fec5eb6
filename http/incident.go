package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// Page sizes of the incident list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
	maxNoteBytes    = 16 << 10
)

// IncidentView is an incident as the API shows it: DESIGN.md's incident
// JSON, with the runbook id or null, and the timeline on the
// single-incident route.
type IncidentView struct {
	ID             int64             `json:"id"`
	Status         quench.Status     `json:"status"`
	Severity       quench.Severity   `json:"severity"`
	Summary        string            `json:"summary"`
	Runbook        *string           `json:"runbook"`
	Source         string            `json:"source"`
	Integration    string            `json:"integration"`
	DedupKey       string            `json:"dedup_key"`
	AlertCount     int64             `json:"alert_count"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations,omitempty"`
	OpenedAt       time.Time         `json:"opened_at"`
	LastSeenAt     time.Time         `json:"last_seen_at"`
	AcknowledgedAt *time.Time        `json:"acknowledged_at"`
	AcknowledgedBy string            `json:"acknowledged_by,omitempty"`
	ResolvedAt     *time.Time        `json:"resolved_at"`
	ResolvedBy     string            `json:"resolved_by,omitempty"`
	// Drill marks an incident a drill opened (quench drill): a rehearsal,
	// paged to no one and left out of the statistics.
	Drill bool `json:"drill,omitempty"`

	// Details is the source-specific data of the alert that opened the
	// incident (a generic alert's details, PagerDuty's custom_details…),
	// a JSON object; set on GET /api/v1/incidents/{id} only, absent when
	// the alert had none.
	Details json.RawMessage `json:"details,omitempty"`
	// Timeline is set on GET /api/v1/incidents/{id} only, oldest first.
	Timeline []quench.TimelineEvent `json:"timeline,omitzero"`
	// Deploys are those of the quench.DeployLookback before the incident
	// opened, newest first; set on GET /api/v1/incidents/{id} only.
	Deploys []*quench.Deploy `json:"deploys,omitzero"`
	// LastGood is the newest deploy before that window: what a rollback
	// goes back to. Set (possibly null) on GET /api/v1/incidents/{id} only.
	LastGood LastGood `json:"last_good,omitzero"`
}

// LastGood is an incident's last-good pointer: the deploy, or JSON null
// when none was recorded before the window. Known says the route looked it
// up; when false the key is left out, as on the incident list.
type LastGood struct {
	Deploy *quench.Deploy
	Known  bool
}

// IsZero reports whether the pointer was not looked up, for omitzero.
func (l LastGood) IsZero() bool { return !l.Known }

// MarshalJSON encodes the deploy or null.
func (l LastGood) MarshalJSON() ([]byte, error) { return json.Marshal(l.Deploy) }

// UnmarshalJSON decodes the deploy or null; either way it was looked up.
func (l *LastGood) UnmarshalJSON(b []byte) error {
	l.Known = true
	l.Deploy = nil
	return json.Unmarshal(b, &l.Deploy)
}

// NewIncidentView returns the API view of an incident.
func NewIncidentView(inc *quench.Incident) *IncidentView {
	v := &IncidentView{
		ID: inc.ID, Status: inc.Status, Severity: inc.Severity, Summary: inc.Summary,
		Source: inc.Source, Integration: inc.Integration, DedupKey: inc.DedupKey,
		AlertCount: inc.AlertCount, Labels: inc.Labels, Annotations: inc.Annotations,
		OpenedAt: inc.OpenedAt, LastSeenAt: inc.LastSeenAt,
		AcknowledgedAt: inc.AcknowledgedAt, AcknowledgedBy: inc.AcknowledgedBy,
		ResolvedAt: inc.ResolvedAt, ResolvedBy: inc.ResolvedBy, Drill: inc.IsDrill(),
	}
	if inc.RunbookID != "" {
		id := inc.RunbookID
		v.Runbook = &id
	}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	return v
}

// Incident returns the domain incident the view shows.
func (v *IncidentView) Incident() *quench.Incident {
	inc := &quench.Incident{
		ID: v.ID, Status: v.Status, Severity: v.Severity, Summary: v.Summary,
		Source: v.Source, Integration: v.Integration, DedupKey: v.DedupKey,
		AlertCount: v.AlertCount, Labels: v.Labels, Annotations: v.Annotations,
		OpenedAt: v.OpenedAt, LastSeenAt: v.LastSeenAt,
		AcknowledgedAt: v.AcknowledgedAt, AcknowledgedBy: v.AcknowledgedBy,
		ResolvedAt: v.ResolvedAt, ResolvedBy: v.ResolvedBy,
	}
	if v.Runbook != nil {
		inc.RunbookID = *v.Runbook
	}
	return inc
}

// IncidentList is one page of incidents, newest first. Next, when not
// zero, is the `before` value that fetches the following page.
type IncidentList struct {
	Incidents []*IncidentView `json:"incidents"`
	Next      int64           `json:"next,omitempty"`
}

// incidentQueryParams are the filters GET /api/v1/incidents takes; any
// other parameter is refused so a typo does not silently list everything.
var incidentQueryParams = map[string]bool{
	"status": true, "severity": true, "runbook": true, "no_runbook": true, "before": true, "limit": true,
}

// parseIncidentFilter reads the list filters from a query string.
func parseIncidentFilter(q url.Values) (quench.IncidentFilter, error) {
	f := quench.IncidentFilter{Limit: DefaultPageSize}
	for name, vals := range q {
		if !incidentQueryParams[name] {
			return f, quench.Errorf(quench.EINVALID, "unknown query parameter %q (want status, severity, runbook, no_runbook, before or limit)", quench.CutText(name, 64))
		}
		if len(vals) > 1 {
			return f, quench.Errorf(quench.EINVALID, "query parameter %q is given %d times", name, len(vals))
		}
	}
	if v := q.Get("status"); v != "" {
		f.Status = quench.Status(v)
		if !f.Status.Valid() {
			return f, quench.Errorf(quench.EINVALID, "status %q is not one of triggered, acknowledged, resolved", quench.CutText(v, 64))
		}
	}
	if v := q.Get("severity"); v != "" {
		f.Severity = quench.Severity(v)
		if !f.Severity.Valid() {
			return f, quench.Errorf(quench.EINVALID, "severity %q is not one of critical, high, medium, low", quench.CutText(v, 64))
		}
	}
	f.RunbookID = q.Get("runbook")
	if v := q.Get("no_runbook"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, quench.Errorf(quench.EINVALID, "no_runbook %q is not a boolean", quench.CutText(v, 64))
		}
		f.NoRunbook = b
	}
	if f.NoRunbook && f.RunbookID != "" {
		return f, quench.Errorf(quench.EINVALID, "runbook and no_runbook=true exclude each other")
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, quench.Errorf(quench.EINVALID, "before %q is not a positive incident id", quench.CutText(v, 64))
		}
		f.BeforeID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return f, quench.Errorf(quench.EINVALID, "limit %q is not between 1 and %d", quench.CutText(v, 64), MaxPageSize)
		}
		f.Limit = n
	}
	return f, nil
}

func (s *Server) handleListIncidents(w http.ResponseWriter, r *http.Request) {
	f, err := parseIncidentFilter(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit := f.Limit
	f.Limit = limit + 1 // one more tells whether another page exists
	incs, err := s.Incidents.FindIncidents(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := IncidentList{Incidents: make([]*IncidentView, 0, min(len(incs), limit))}
	for i, inc := range incs {
		if i == limit {
			out.Next = incs[limit-1].ID
			break
		}
		out.Incidents = append(out.Incidents, NewIncidentView(inc))
	}
	writeJSON(w, http.StatusOK, out)
}

// incidentID reads the {id} path value.
func incidentID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, quench.Errorf(quench.EINVALID, "incident id %q is not a positive integer", quench.CutText(v, 64))
	}
	return id, nil
}

func (s *Server) handleGetIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	inc, err := s.Incidents.FindIncident(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tl, err := s.Incidents.Timeline(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := NewIncidentView(inc)
	v.Timeline = tl
	v.Details = quench.OpeningDetails(tl)
	if v.Timeline == nil {
		v.Timeline = []quench.TimelineEvent{}
	}
	if v.Deploys, v.LastGood, err = s.incidentDeploys(r.Context(), inc.OpenedAt); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// incidentDeploys returns the deploys of the window before an incident
// opened and the last-good pointer before that window.
func (s *Server) incidentDeploys(ctx context.Context, openedAt time.Time) ([]*quench.Deploy, LastGood, error) {
	from, to := quench.DeployWindow(openedAt)
	ds, err := s.Deploys.FindDeploys(ctx, from, to)
	if err != nil {
		return nil, LastGood{}, err
	}
	if ds == nil {
		ds = []*quench.Deploy{}
	}
	good, err := s.Deploys.LastDeployBefore(ctx, from)
	switch {
	case quench.ErrorCode(err) == quench.ENOTFOUND:
		return ds, LastGood{Known: true}, nil
	case err != nil:
		return nil, LastGood{}, err
	}
	return ds, LastGood{Deploy: good, Known: true}, nil
}

func (s *Server) handleAck(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, s.acknowledge)
}

// acknowledge acknowledges an incident as actor; the API (and so the CLI)
// and the web UI all come here. With paging on, an incident that is
// already acknowledged but whose multi-ack step still waits for people
// counts actor as one of them, as an ack link or an SMS reply does,
// instead of answering "already acknowledged".
func (s *Server) acknowledge(ctx context.Context, id int64, actor string) (*quench.Incident, error) {
	inc, err := s.Incidents.Acknowledge(ctx, id, actor)
	if quench.ErrorCode(err) != quench.ECONFLICT || s.Paging == nil {
		return inc, err
	}
	if _, perr := s.Paging.Acknowledge(ctx, id, actor); perr != nil {
		if quench.ErrorCode(perr) == quench.ECONFLICT && !strings.Contains(quench.ErrorMessage(perr), "waits for") {
			return nil, err // resolved, or acknowledged with nobody left to count: the store's own answer
		}
		return nil, perr
	}
	return s.Incidents.FindIncident(ctx, id)
}

func (s *Server) handleResolve(w http.ResponseWriter, r *http.Request) {
	s.changeIncident(w, r, s.Incidents.Resolve)
}

// changeIncident runs ack or resolve as the calling token and answers with
// the incident afterwards. The request body, if any, is not read.
func (s *Server) changeIncident(w http.ResponseWriter, r *http.Request,
	change func(ctx context.Context, id int64, actor string) (*quench.Incident, error)) {
	id, err := incidentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	inc, err := change(r.Context(), id, actor(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, NewIncidentView(inc))
}

// noteRequest is the body of POST /api/v1/incidents/{id}/notes.
type noteRequest struct {
	Text string `json:"text"`
}

func (s *Server) handleAddNote(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req noteRequest
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ev, err := s.addNote(r.Context(), id, req.Text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ev)
}

// addNote checks a note's text and adds it to the incident's timeline as
// the calling person; the API and the web UI both add notes through it.
func (s *Server) addNote(ctx context.Context, id int64, text string) (*quench.TimelineEvent, error) {
	text = quench.CleanText(text)
	if strings.TrimSpace(text) == "" {
		return nil, quench.Errorf(quench.EINVALID, "text is required")
	}
	if len(text) > maxNoteBytes {
		return nil, quench.Errorf(quench.EINVALID, "text is %d bytes, over the limit of %d", len(text), maxNoteBytes)
	}
	return s.Incidents.AddEvent(ctx, quench.TimelineEvent{
		IncidentID: id, At: s.now().UTC(), Kind: quench.EventNote, Actor: actor(ctx), Text: text,
	})
}
