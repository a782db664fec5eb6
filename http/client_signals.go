package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

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

// CreateSilence creates a silence as the token's person.
func (c *Client) CreateSilence(ctx context.Context, req SilenceRequest) (*quench.Silence, error) {
	var out quench.Silence
	if err := c.do(ctx, http.MethodPost, "/api/v1/silences", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Silences lists current silences, or all of them.
func (c *Client) Silences(ctx context.Context, all bool) ([]*quench.Silence, error) {
	q := url.Values{}
	if all {
		q.Set("all", "true")
	}
	var out SilenceList
	if err := c.do(ctx, http.MethodGet, "/api/v1/silences", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Silences, nil
}

// ExpireSilence ends a silence now.
func (c *Client) ExpireSilence(ctx context.Context, id int64) (*quench.Silence, error) {
	var out quench.Silence
	if err := c.do(ctx, http.MethodPost, "/api/v1/silences/"+strconv.FormatInt(id, 10)+"/expire", nil, struct{}{}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Suppressed lists the alerts held back now.
func (c *Client) Suppressed(ctx context.Context) ([]*quench.SuppressedAlert, error) {
	var out SuppressedList
	if err := c.do(ctx, http.MethodGet, "/api/v1/suppressed", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Alerts, nil
}
