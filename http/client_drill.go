package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/quench-sh/quench"
)

// StartDrills asks the server to drill the runbooks (or all of them) as
// the token's person; the drills come back queued.
func (c *Client) StartDrills(ctx context.Context, runbooks []string, all bool) ([]*quench.Drill, error) {
	var out DrillList
	if err := c.do(ctx, http.MethodPost, "/api/v1/drills", nil, DrillRequest{Runbooks: runbooks, All: all}, &out); err != nil {
		return nil, err
	}
	return out.Drills, nil
}

// FindDrill returns one drill with its report.
func (c *Client) FindDrill(ctx context.Context, id int64) (*quench.Drill, error) {
	var out quench.Drill
	if err := c.do(ctx, http.MethodGet, "/api/v1/drills/"+strconv.FormatInt(id, 10), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindDrills lists drills newest first.
func (c *Client) FindDrills(ctx context.Context, f quench.DrillFilter) (*DrillList, error) {
	q := url.Values{}
	if f.RunbookID != "" {
		q.Set("runbook", f.RunbookID)
	}
	if f.BeforeID > 0 {
		q.Set("before", strconv.FormatInt(f.BeforeID, 10))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out DrillList
	if err := c.do(ctx, http.MethodGet, "/api/v1/drills", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
