package http

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/markdown"
)

// Sizes of the runbook and audit pages.
const (
	runbookRecent = 10
	auditPage     = 100
	deployDays    = 30
)

// runbooksPage is the data of the runbooks page.
type runbooksPage struct {
	page
	IndexHTML template.HTML
}

// handleRunbooksPage shows the pack's index as its README shows it, each
// runbook linking to its page.
func (s *Server) handleRunbooksPage(w http.ResponseWriter, r *http.Request) {
	src := s.Web.RunbookIndex
	if src == "" {
		// No index was given: list the runbooks in file order.
		rbs, err := s.Runbooks.Runbooks(r.Context())
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		src = "| Runbook | Alert Signal | Severity |\n|---|---|---|\n"
		for _, rb := range rbs {
			src += fmt.Sprintf("| [%s](./%s.md) | %s | **%s** |\n", rb.Title, rb.ID, rb.Signal, rb.Severity.Title())
		}
	}
	h, err := markdown.RenderHTML(src, markdown.HTMLOptions{Link: runbookLink})
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "runbooks", "", runbooksPage{page: s.newPage(r, "Runbooks", "runbooks"), IndexHTML: template.HTML(h)})
}

// runbookPage is the data of one runbook's page.
type runbookPage struct {
	page
	Runbook  *quench.Runbook
	Sections []sectionHTML
	Recent   []rowData
}

// handleRunbookPage renders one runbook with its steps numbered and
// classified, beside its recent incidents.
func (s *Server) handleRunbookPage(w http.ResponseWriter, r *http.Request) {
	rb, err := s.Runbooks.FindRunbook(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	p := runbookPage{page: s.newPage(r, rb.Title, "runbooks"), Runbook: rb}
	if p.Sections, err = s.renderRunbook(rb, func(st quench.Step) stepBlock {
		return stepBlock{State: quench.StepState{Step: st}, Number: st.Index}
	}); err != nil {
		s.uiError(w, r, err)
		return
	}
	incs, err := s.Incidents.FindIncidents(r.Context(), quench.IncidentFilter{RunbookID: rb.ID, Limit: runbookRecent})
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	for _, inc := range incs {
		p.Recent = append(p.Recent, rowData{Incident: inc})
	}
	s.render(w, r, http.StatusOK, "runbook", "", p)
}

// deploysPage is the data of the deploys page.
type deploysPage struct {
	page
	Deploys []*quench.Deploy
}

func (s *Server) handleDeploysPage(w http.ResponseWriter, r *http.Request) {
	to := s.now().UTC().Add(time.Second)
	ds, err := s.Deploys.FindDeploys(r.Context(), to.Add(-deployDays*24*time.Hour), to)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "deploys", "", deploysPage{page: s.newPage(r, "Deploys", "deploys"), Deploys: ds})
}

func (s *Server) handleUIRecordDeploy(w http.ResponseWriter, r *http.Request) {
	_, err := s.recordDeploy(r.Context(), deployRequest{
		Service: r.PostFormValue("service"), SHA: r.PostFormValue("sha"), Note: r.PostFormValue("note"),
	})
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	seeOther(w, r, "/deploys")
}

// auditPageData is the data of the audit page.
type auditPageData struct {
	page
	Checked            int64
	VerifyError        string
	Entries            []*quench.AuditEntry
	NewerURL, OlderURL string
}

// handleAuditPage verifies the whole chain, then shows a page of entries,
// newest first; ?before=SEQ pages back.
func (s *Server) handleAuditPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := auditPageData{page: s.newPage(r, "Audit trail", "audit")}
	checked, err := s.Audit.Verify(ctx)
	p.Checked = checked
	if err != nil {
		if quench.ErrorCode(err) != quench.EINVALID {
			s.uiError(w, r, err)
			return
		}
		p.VerifyError = quench.ErrorMessage(err)
	}
	// Entries are numbered 1…head; the page holds the auditPage before
	// `before` (the newest by default).
	end := checked + 1
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			s.uiError(w, r, quench.Errorf(quench.EINVALID, "before %q is not a sequence number", quench.CutText(v, 64)))
			return
		}
		end = min(n, end)
	}
	after := max(end-1-auditPage, 0)
	es, err := s.Audit.FindAuditEntries(ctx, after, auditPage)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Seq < end {
			p.Entries = append(p.Entries, es[i])
		}
	}
	if after > 0 {
		p.OlderURL = "/audit?before=" + strconv.FormatInt(after+1, 10)
	}
	if end <= checked {
		p.NewerURL = "/audit?before=" + strconv.FormatInt(min(end+auditPage, checked+1), 10)
	}
	s.render(w, r, http.StatusOK, "audit", "", p)
}
