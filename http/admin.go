package http

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// Limits on admin and deploy request fields.
const (
	maxNameBytes   = 200
	maxReasonBytes = 2000
	maxAuditPage   = 1000
)

// deployRequest is the body of POST /api/v1/deploys.
type deployRequest struct {
	Service string `json:"service"`
	SHA     string `json:"sha"`
	Note    string `json:"note"`
}

func (s *Server) handleRecordDeploy(w http.ResponseWriter, r *http.Request) {
	var req deployRequest
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.recordDeploy(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// recordDeploy checks a deploy and records it as the calling person; the
// API and the web UI both record deploys through it.
func (s *Server) recordDeploy(ctx context.Context, req deployRequest) (*quench.Deploy, error) {
	d := quench.Deploy{
		Service:    strings.TrimSpace(quench.CleanText(req.Service)),
		SHA:        strings.TrimSpace(quench.CleanText(req.SHA)),
		Note:       quench.CleanText(req.Note),
		Actor:      actor(ctx),
		DeployedAt: s.now().UTC(),
	}
	switch {
	case d.Service == "":
		return nil, quench.Errorf(quench.EINVALID, "service is required")
	case d.SHA == "":
		return nil, quench.Errorf(quench.EINVALID, "sha is required")
	case len(d.Service) > maxNameBytes || len(d.SHA) > maxNameBytes:
		return nil, quench.Errorf(quench.EINVALID, "service and sha must be at most %d bytes", maxNameBytes)
	case len(d.Note) > maxNoteBytes:
		return nil, quench.Errorf(quench.EINVALID, "note is %d bytes, over the limit of %d", len(d.Note), maxNoteBytes)
	}
	return s.Deploys.RecordDeploy(ctx, d)
}

// deployList is the answer of GET /api/v1/deploys.
type deployList struct {
	Deploys []*quench.Deploy `json:"deploys"`
}

// handleListDeploys lists deploys in [from, to), newest first; from
// defaults to 30 days before to, to to now. Both are RFC 3339.
func (s *Server) handleListDeploys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to := s.now().UTC().Add(time.Second)
	if v := q.Get("to"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			s.writeError(w, r, quench.Errorf(quench.EINVALID, "to %q is not an RFC 3339 time", quench.CutText(v, 64)))
			return
		}
		to = t
	}
	from := to.Add(-30 * 24 * time.Hour)
	if v := q.Get("from"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			s.writeError(w, r, quench.Errorf(quench.EINVALID, "from %q is not an RFC 3339 time", quench.CutText(v, 64)))
			return
		}
		from = t
	}
	ds, err := s.Deploys.FindDeploys(r.Context(), from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ds == nil {
		ds = []*quench.Deploy{}
	}
	writeJSON(w, http.StatusOK, deployList{Deploys: ds})
}

// tokenList is the answer of GET /api/v1/tokens; tokens carry no secret.
type tokenList struct {
	Tokens []*quench.Token `json:"tokens"`
}

func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Tokens.FindTokens(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ts == nil {
		ts = []*quench.Token{}
	}
	writeJSON(w, http.StatusOK, tokenList{Tokens: ts})
}

// handleRevokeToken revokes an active token by name. An admin cannot revoke
// an owner's token: a role never removes a stronger one.
func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ts, err := s.Tokens.FindTokens(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := tokenFrom(r.Context())
	for _, t := range ts {
		if t.Name == name && t.RevokedAt == nil && t.Role.Level() > caller.Role.Level() {
			s.writeError(w, r, quench.Errorf(quench.EFORBIDDEN, "a %s token cannot revoke the %s token %q", caller.Role, t.Role, name))
			return
		}
	}
	if err := s.Tokens.RevokeToken(r.Context(), name, caller.Name); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.tokens.clear()
	w.WriteHeader(http.StatusNoContent)
}

// handleListAudit pages through the audit trail oldest first, from the
// entry after `after`, at most `limit` (default 100) entries.
func (s *Server) handleListAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.writeError(w, r, quench.Errorf(quench.EINVALID, "after %q is not a sequence number", quench.CutText(v, 64)))
			return
		}
		after = n
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditPage {
			s.writeError(w, r, quench.Errorf(quench.EINVALID, "limit %q is not between 1 and %d", quench.CutText(v, 64), maxAuditPage))
			return
		}
		limit = n
	}
	es, err := s.Audit.FindAuditEntries(r.Context(), after, limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := AuditPage{Entries: es}
	if len(es) > limit {
		out.Entries = es[:limit]
		out.Next = es[limit-1].Seq
	}
	if out.Entries == nil {
		out.Entries = []*quench.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, out)
}

// AuditVerification is the answer of GET /api/v1/audit/verify. Error names
// the first entry that was edited, removed or inserted when OK is false.
type AuditVerification struct {
	OK      bool   `json:"ok"`
	Checked int64  `json:"checked"`
	Error   string `json:"error,omitempty"`
}

// handleVerifyAudit walks the whole chain. A broken chain is a finding,
// not a failed request: it answers 200 with ok false.
func (s *Server) handleVerifyAudit(w http.ResponseWriter, r *http.Request) {
	checked, err := s.Audit.Verify(r.Context())
	if err != nil && quench.ErrorCode(err) != quench.EINVALID {
		s.writeError(w, r, err)
		return
	}
	out := AuditVerification{OK: err == nil, Checked: checked}
	if err != nil {
		out.Error = quench.ErrorMessage(err)
		s.logger().WarnContext(r.Context(), "audit chain broken", "checked", checked, "err", err)
	}
	writeJSON(w, http.StatusOK, out)
}

// freezeState is the body and answer of the freeze routes.
type freezeState struct {
	Frozen *bool `json:"frozen"`
}

func (s *Server) handleGetFreeze(w http.ResponseWriter, r *http.Request) {
	frozen, err := s.ChangeControl.Frozen(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, freezeState{Frozen: &frozen})
}

func (s *Server) handleSetFreeze(w http.ResponseWriter, r *http.Request) {
	var req freezeState
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Frozen == nil {
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "frozen is required (true or false)"))
		return
	}
	if err := s.ChangeControl.SetFrozen(r.Context(), *req.Frozen, actor(r.Context())); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// grantRequest is the body of POST /api/v1/break-glass.
type grantRequest struct {
	Reason     string `json:"reason"`
	TTLMinutes *int   `json:"ttl_minutes"`
}

// grantCreated is a new grant with its secret, shown this once.
type grantCreated struct {
	*quench.BreakGlassGrant
	Secret string `json:"secret"`
}

// grantList is the answer of GET /api/v1/break-glass.
type grantList struct {
	Grants []*quench.BreakGlassGrant `json:"grants"`
}

func (s *Server) handleCreateGrant(w http.ResponseWriter, r *http.Request) {
	var req grantRequest
	if err := decodeJSON(w, r, s.maxBody(), &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	reason := strings.TrimSpace(quench.CleanText(req.Reason))
	maxMinutes := int(quench.MaxBreakGlassTTL / time.Minute)
	switch {
	case reason == "":
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "reason is required"))
		return
	case len(reason) > maxReasonBytes:
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "reason is %d bytes, over the limit of %d", len(reason), maxReasonBytes))
		return
	case req.TTLMinutes == nil:
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "ttl_minutes is required (1 to %d)", maxMinutes))
		return
	case *req.TTLMinutes < 1 || *req.TTLMinutes > maxMinutes:
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "ttl_minutes %d is not between 1 and %d", *req.TTLMinutes, maxMinutes))
		return
	}
	g, secret, err := s.ChangeControl.CreateGrant(r.Context(), reason, time.Duration(*req.TTLMinutes)*time.Minute, actor(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, grantCreated{BreakGlassGrant: g, Secret: secret})
}

func (s *Server) handleListGrants(w http.ResponseWriter, r *http.Request) {
	gs, err := s.ChangeControl.FindGrants(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if gs == nil {
		gs = []*quench.BreakGlassGrant{}
	}
	writeJSON(w, http.StatusOK, grantList{Grants: gs})
}

func (s *Server) handleRevokeGrant(w http.ResponseWriter, r *http.Request) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, quench.Errorf(quench.EINVALID, "grant id %q is not a positive integer", quench.CutText(v, 64)))
		return
	}
	if err := s.ChangeControl.RevokeGrant(r.Context(), id, actor(r.Context())); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
