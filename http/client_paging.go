package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/quench-sh/quench"
)

// OnCall says who is on call for every role, or one, at a time (zero: now).
func (c *Client) OnCall(ctx context.Context, role string, at time.Time) (*OnCallView, error) {
	q := url.Values{}
	if role != "" {
		q.Set("role", role)
	}
	if !at.IsZero() {
		q.Set("at", at.Format(time.RFC3339))
	}
	var out OnCallView
	if err := c.do(ctx, http.MethodGet, "/api/v1/oncall", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Overrides lists overrides overlapping [from, to), for one schedule or all.
func (c *Client) Overrides(ctx context.Context, schedule string, from, to time.Time) ([]*quench.Override, error) {
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
	if schedule != "" {
		q.Set("schedule", schedule)
	}
	var out OverrideList
	if err := c.do(ctx, http.MethodGet, "/api/v1/overrides", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Overrides, nil
}

// CreateOverride stores an override as the client's token.
func (c *Client) CreateOverride(ctx context.Context, req OverrideRequest) (*quench.Override, error) {
	var out quench.Override
	if err := c.do(ctx, http.MethodPost, "/api/v1/overrides", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteOverride removes an override.
func (c *Client) DeleteOverride(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/overrides/"+strconv.FormatInt(id, 10), nil, nil, nil)
}

// Escalate pages the next step of an incident, or step when > 0.
func (c *Client) Escalate(ctx context.Context, id int64, step int) (*quench.EscalationState, error) {
	var out quench.EscalationState
	if err := c.do(ctx, http.MethodPost, incidentPath(id)+"/escalate", nil, EscalateRequest{Step: step}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Page sends a manual page to a role or a person.
func (c *Client) Page(ctx context.Context, req PageRequest) (*quench.PageResult, error) {
	var out quench.PageResult
	if err := c.do(ctx, http.MethodPost, "/api/v1/page", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// NotifyTest sends a test on every contact method of a person and returns
// each result.
func (c *Client) NotifyTest(ctx context.Context, person string) ([]*quench.Notification, error) {
	var out NotificationList
	if err := c.do(ctx, http.MethodPost, "/api/v1/notify/test", nil, NotifyTestRequest{Person: person}, &out); err != nil {
		return nil, err
	}
	return out.Notifications, nil
}

// Notifications lists an incident's notifications.
func (c *Client) Notifications(ctx context.Context, id int64) ([]*quench.Notification, error) {
	var out NotificationList
	if err := c.do(ctx, http.MethodGet, incidentPath(id)+"/notifications", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Notifications, nil
}
