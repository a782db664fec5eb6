package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/quench-sh/quench"
)

// Web UI list filters: status "open" (the default) is triggered and
// acknowledged together, "all" is every status.
const (
	statusOpen = "open"
	statusAll  = "all"
	maxQuery   = 200
	// recentResolved is how many resolved incidents the default view
	// shows below the open ones.
	recentResolved = 10
)

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// listFilter is the list page's query, parsed.
type listFilter struct {
	status, severity, runbook, query string
	noRunbook                        bool
	before                           int64
}

// parseListFilter reads the list page's query; a value outside the
// choices is a 400 saying which.
func parseListFilter(q url.Values) (listFilter, error) {
	f := listFilter{status: statusOpen, severity: q.Get("severity"), runbook: q.Get("runbook"), query: strings.TrimSpace(q.Get("q"))}
	if v := q.Get("status"); v != "" {
		f.status = v
	}
	switch f.status {
	case statusOpen, statusAll:
	default:
		if !quench.Status(f.status).Valid() {
			return f, quench.Errorf(quench.EINVALID, "status %q is not one of open, triggered, acknowledged, resolved, all", quench.CutText(f.status, 64))
		}
	}
	if f.severity != "" && !quench.Severity(f.severity).Valid() {
		return f, quench.Errorf(quench.EINVALID, "severity %q is not one of critical, high, medium, low", quench.CutText(f.severity, 64))
	}
	if len(f.query) > maxQuery || len(f.runbook) > maxNameBytes {
		return f, quench.Errorf(quench.EINVALID, "the search text is longer than %d bytes", maxQuery)
	}
	f.query = quench.CleanText(f.query)
	f.noRunbook = q.Get("no_runbook") == "1"
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, quench.Errorf(quench.EINVALID, "before %q is not a positive incident id", quench.CutText(v, 64))
		}
		f.before = n
	}
	return f, nil
}

// store returns the store's filter for one page of the list.
func (f listFilter) store() quench.IncidentFilter {
	sf := quench.IncidentFilter{Severity: quench.Severity(f.severity), RunbookID: f.runbook, NoRunbook: f.noRunbook,
		Text: f.query, BeforeID: f.before, Limit: DefaultPageSize + 1}
	switch f.status {
	case statusOpen:
		sf.Open = true
	case statusAll:
	default:
		sf.Status = quench.Status(f.status)
	}
	if sf.NoRunbook {
		sf.RunbookID = ""
	}
	return sf
}

// values returns the filter as a query string, with extra pairs.
func (f listFilter) values(extra ...string) string {
	v := url.Values{}
	if f.status != statusOpen {
		v.Set("status", f.status)
	}
	for k, val := range map[string]string{"severity": f.severity, "runbook": f.runbook, "q": f.query} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if f.noRunbook {
		v.Set("no_runbook", "1")
	}
	if f.before > 0 {
		v.Set("before", strconv.FormatInt(f.before, 10))
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

// isDefault reports whether the filter is the landing view: open
// incidents, nothing else narrowed, first page.
func (f listFilter) isDefault() bool {
	return f.status == statusOpen && f.severity == "" && f.runbook == "" && f.query == "" && !f.noRunbook && f.before == 0
}

// listCounts are the counts above the list.
type listCounts struct {
	Open, Triggered, NoRunbook int64
	BySeverity                 []severityCount
}

type severityCount struct {
	Severity quench.Severity
	N        int64
}

// rowData is one incident row: the incident and what the person may do.
type rowData struct {
	Incident   *quench.Incident
	CanRespond bool
	CSRF       string
	Back       string // where a row's form returns to
}

// listPage is the data of the incidents page.
type listPage struct {
	page
	StatusOptions, SeverityOptions, RunbookOptions []option
	Query                                          string
	FragmentURL                                    string
	Counts                                         listCounts
	Rows, Recent                                   []rowData
	ListLabel, EmptyText                           string
	NextURL                                        string
}

// handleIncidentsPage shows the incident list: open incidents first (the
// default view adds the latest resolved below them), counts by severity,
// filters, and live updates. With ?part=list it answers only the list,
// which the live update fetches.
func (s *Server) handleIncidentsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	part := q.Get("part")
	q.Del("part")
	f, err := parseListFilter(q)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	p := listPage{page: s.newPage(r, "Incidents", "incidents"), Query: f.query}
	if err := s.fillList(r, &p, f); err != nil {
		s.uiError(w, r, err)
		return
	}
	if part == "list" {
		s.render(w, r, http.StatusOK, "incidents", "list", p)
		return
	}
	p.StatusOptions = []option{{statusOpen, "open", false}, {"triggered", "triggered", false}, {"acknowledged", "acknowledged", false},
		{"resolved", "resolved", false}, {statusAll, "all", false}}
	for i := range p.StatusOptions {
		p.StatusOptions[i].Selected = p.StatusOptions[i].Value == f.status
	}
	for _, sev := range quench.Severities {
		p.SeverityOptions = append(p.SeverityOptions, option{string(sev), string(sev), string(sev) == f.severity})
	}
	rbs, err := s.Runbooks.Runbooks(r.Context())
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	for _, rb := range rbs {
		p.RunbookOptions = append(p.RunbookOptions, option{rb.ID, rb.ID, rb.ID == f.runbook})
	}
	s.render(w, r, http.StatusOK, "incidents", "", p)
}

// fillList reads the counts and one page of incidents into p.
func (s *Server) fillList(r *http.Request, p *listPage, f listFilter) error {
	ctx := r.Context()
	c, err := s.Incidents.CountIncidents(ctx)
	if err != nil {
		return err
	}
	p.Counts = listCounts{Open: c.ByStatus[quench.StatusTriggered] + c.ByStatus[quench.StatusAcknowledged],
		Triggered: c.ByStatus[quench.StatusTriggered], NoRunbook: c.OpenNoRunbook}
	for _, sev := range quench.Severities {
		if n := c.OpenBySeverity[sev]; n > 0 {
			p.Counts.BySeverity = append(p.Counts.BySeverity, severityCount{sev, n})
		}
	}
	incs, err := s.Incidents.FindIncidents(ctx, f.store())
	if err != nil {
		return err
	}
	back := "/incidents"
	if qs := f.values(); qs != "" {
		back += "?" + qs
	}
	row := func(inc *quench.Incident) rowData {
		return rowData{Incident: inc, CanRespond: p.CanRespond(), CSRF: p.CSRF, Back: back}
	}
	for i, inc := range incs {
		if i == DefaultPageSize {
			next := f
			next.before = incs[i-1].ID
			p.NextURL = "/incidents?" + next.values()
			break
		}
		p.Rows = append(p.Rows, row(inc))
	}
	p.FragmentURL = "/incidents?" + f.values("part", "list")
	p.ListLabel = "Incidents, newest first"
	p.EmptyText = "No incidents match."
	if f.isDefault() {
		p.ListLabel = "Open incidents, newest first"
		p.EmptyText = "No open incidents. All quiet."
		resolved, err := s.Incidents.FindIncidents(ctx, quench.IncidentFilter{Status: quench.StatusResolved, Limit: recentResolved})
		if err != nil {
			return err
		}
		for _, inc := range resolved {
			p.Recent = append(p.Recent, row(inc))
		}
	}
	return nil
}

// handleIncidentsLive streams every committed incident change as an
// `incident` event and lost events as `lagged` (the API's event stream,
// handleEvents), and the list page fetches its list again on either.
// Without an event service it answers 204, which tells the browser not to
// reconnect.
func (s *Server) handleIncidentsLive(w http.ResponseWriter, r *http.Request) {
	if s.Events == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	sub, err := s.Events.Subscribe(ctx)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	defer sub.Close()
	s.stream(ctx, w, 0, nil, sub)
}
