package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quench-sh/quench"
)

// Limits of the drill routes.
const (
	DefaultDrillPage = 50
	MaxDrillPage     = 200
	maxDrillRunbooks = 100
)

var errNoDrills = quench.Errorf(quench.EUNAVAILABLE, "drills are not configured on this server")

// DrillRequest is the body of POST /api/v1/drills: the runbooks to drill,
// or all of them.
type DrillRequest struct {
	Runbooks []string `json:"runbooks,omitempty"`
	All      bool     `json:"all,omitempty"`
}

// DrillList is the answer of GET /api/v1/drills and of POST
// /api/v1/drills; Next is the `before` of the next page, 0 on the last.
type DrillList struct {
	Drills []*quench.Drill `json:"drills"`
	Next   int64           `json:"next,omitempty"`
}

// handleStartDrills queues drills of the named runbooks (or all) as the
// caller, and answers 202 with them, queued: GET /api/v1/drills/{id}
// follows each to its report.
func (s *Server) handleStartDrills(w http.ResponseWriter, r *http.Request) {
	if s.Drills == nil {
		s.writeError(w, r, errNoDrills)
		return
	}
	var req DrillRequest
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ids, err := s.drillRunbooks(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ds, err := s.Drills.StartDrills(r.Context(), ids, actor(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, DrillList{Drills: ds})
}

// drillRunbooks resolves a drill request to runbook ids.
func (s *Server) drillRunbooks(ctx context.Context, req DrillRequest) ([]string, error) {
	switch {
	case req.All && len(req.Runbooks) > 0:
		return nil, quench.Errorf(quench.EINVALID, "give runbooks or all, not both")
	case req.All:
		rbs, err := s.Runbooks.Runbooks(ctx)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(rbs))
		for i, rb := range rbs {
			ids[i] = rb.ID
		}
		return ids, nil
	case len(req.Runbooks) == 0:
		return nil, quench.Errorf(quench.EINVALID, `name the runbooks to drill ("runbooks": ["db-down"]) or ask for all ("all": true)`)
	case len(req.Runbooks) > maxDrillRunbooks:
		return nil, quench.Errorf(quench.EINVALID, "at most %d runbooks in one request", maxDrillRunbooks)
	}
	seen := map[string]bool{}
	var ids []string
	for _, id := range req.Runbooks {
		id = quench.CutText(quench.CleanText(id), 200)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// handleListDrills lists drills newest first; ?runbook=ID filters,
// ?before=ID and ?limit=N page.
func (s *Server) handleListDrills(w http.ResponseWriter, r *http.Request) {
	if s.Drills == nil {
		s.writeError(w, r, errNoDrills)
		return
	}
	q := r.URL.Query()
	for name := range q {
		if name != "runbook" && name != "before" && name != "limit" {
			s.writeError(w, r, quench.Errorf(quench.EINVALID, "unknown query parameter %q (want runbook, before or limit)", quench.CutText(name, 64)))
			return
		}
	}
	f := quench.DrillFilter{RunbookID: q.Get("runbook"), Limit: DefaultDrillPage}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.writeError(w, r, quench.Errorf(quench.EINVALID, "before %q is not a positive drill id", quench.CutText(v, 64)))
			return
		}
		f.BeforeID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			s.writeError(w, r, quench.Errorf(quench.EINVALID, "limit %q is not a positive number", quench.CutText(v, 64)))
			return
		}
		f.Limit = min(n, MaxDrillPage)
	}
	limit := f.Limit
	f.Limit++ // one more tells whether another page exists
	ds, err := s.Drills.FindDrills(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := DrillList{Drills: ds}
	if len(ds) > limit {
		out.Drills, out.Next = ds[:limit], ds[limit-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGetDrill(w http.ResponseWriter, r *http.Request) {
	if s.Drills == nil {
		s.writeError(w, r, errNoDrills)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "drill id %q is not a positive number", quench.CutText(r.PathValue("id"), 64)))
		return
	}
	d, err := s.Drills.FindDrill(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// drillCollector reports each runbook's latest finished drill at scrape
// time, so a runbook that rots shows before the night it is needed.
type drillCollector struct {
	s                                 *Server
	failedSteps, lastRun, toDiagnosis *prometheus.Desc
	works                             *prometheus.Desc
}

func newDrillCollector(s *Server) *drillCollector {
	return &drillCollector{
		s: s,
		failedSteps: prometheus.NewDesc("quench_drill_failed_steps",
			"Diagnosis steps that failed, timed out, printed nothing or were refused in the runbook's latest drill.", []string{"runbook"}, nil),
		works: prometheus.NewDesc("quench_drill_works",
			"1 when the runbook's latest drill found every diagnosis step working, else 0.", []string{"runbook"}, nil),
		lastRun: prometheus.NewDesc("quench_drill_last_finished_timestamp_seconds",
			"When the runbook's latest drill finished, as a Unix time.", []string{"runbook"}, nil),
		toDiagnosis: prometheus.NewDesc("quench_drill_alert_to_diagnosis_seconds",
			"In the runbook's latest drill, the time from the alert to the end of its diagnosis.", []string{"runbook"}, nil),
	}
}

// Describe sends the gauges' descriptions.
func (c *drillCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.failedSteps
	ch <- c.works
	ch <- c.lastRun
	ch <- c.toDiagnosis
}

// Collect reads the latest drills now; a store error fails these series
// only.
func (c *drillCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
	defer cancel()
	_, finished, err := c.s.Drills.LatestDrills(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.failedSteps, err)
		return
	}
	for rb, d := range finished {
		works := 0.0
		if d.Verdict == quench.VerdictWorks {
			works = 1
		}
		ch <- prometheus.MustNewConstMetric(c.failedSteps, prometheus.GaugeValue, float64(d.FailedSteps), rb)
		ch <- prometheus.MustNewConstMetric(c.works, prometheus.GaugeValue, works, rb)
		if d.FinishedAt != nil {
			ch <- prometheus.MustNewConstMetric(c.lastRun, prometheus.GaugeValue, float64(d.FinishedAt.UnixNano())/float64(time.Second), rb)
		}
		ch <- prometheus.MustNewConstMetric(c.toDiagnosis, prometheus.GaugeValue, d.AlertToDiagnosis.Seconds(), rb)
	}
}
