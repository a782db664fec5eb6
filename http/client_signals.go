package http

import (
	"context"
	"net/http"

	"github.com/quench-sh/quench"
)

// Heartbeats lists the configured heartbeats; their ping URLs only for a
// responder's token or better.
func (c *Client) Heartbeats(ctx context.Context) ([]*quench.Heartbeat, error) {
	var out HeartbeatList
	if err := c.do(ctx, http.MethodGet, "/api/v1/heartbeats", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Heartbeats, nil
}
