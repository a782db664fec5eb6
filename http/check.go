package http

import (
	"context"
	"net/http"

	"github.com/quench-sh/quench"
)

// CheckList is the answer of GET /api/v1/checks: every configured check
// in config order.
type CheckList struct {
	Checks []*quench.CheckState `json:"checks"`
}

// handleListChecks lists the built-in checks: state, last result,
// latency and recent history.
func (s *Server) handleListChecks(w http.ResponseWriter, r *http.Request) {
	list := CheckList{Checks: []*quench.CheckState{}}
	if s.Checks != nil {
		checks, err := s.Checks.Checks(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		list.Checks = checks
	}
	writeJSON(w, http.StatusOK, list)
}

// FindChecks lists the server's built-in checks.
func (c *Client) FindChecks(ctx context.Context) (*CheckList, error) {
	var out CheckList
	if err := c.do(ctx, http.MethodGet, "/api/v1/checks", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
