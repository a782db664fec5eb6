package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/quench-sh/quench"
)

// RecordDeploy records a deploy of a service as the client's token.
func (c *Client) RecordDeploy(ctx context.Context, service, sha, note string) (*quench.Deploy, error) {
	var out quench.Deploy
	if err := c.do(ctx, http.MethodPost, "/api/v1/deploys", nil, deployRequest{Service: service, SHA: sha, Note: note}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindDeploys lists deploys in [from, to), newest first; a zero from or to
// leaves the server's default (the 30 days up to now).
func (c *Client) FindDeploys(ctx context.Context, from, to time.Time) ([]*quench.Deploy, error) {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.UTC().Format(time.RFC3339))
	}
	if !to.IsZero() {
		q.Set("to", to.UTC().Format(time.RFC3339))
	}
	var out deployList
	if err := c.do(ctx, http.MethodGet, "/api/v1/deploys", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Deploys, nil
}

// Frozen reports whether a change freeze is on.
func (c *Client) Frozen(ctx context.Context) (bool, error) {
	var out freezeState
	if err := c.do(ctx, http.MethodGet, "/api/v1/freeze", nil, nil, &out); err != nil {
		return false, err
	}
	return out.Frozen != nil && *out.Frozen, nil
}

// SetFrozen turns the change freeze on or off; it needs an admin token.
func (c *Client) SetFrozen(ctx context.Context, frozen bool) error {
	return c.do(ctx, http.MethodPost, "/api/v1/freeze", nil, freezeState{Frozen: &frozen}, nil)
}

// CreateGrant opens a break-glass grant and returns it with its secret,
// which the server shows this once. The TTL is rounded up to minutes.
func (c *Client) CreateGrant(ctx context.Context, reason string, ttl time.Duration) (*quench.BreakGlassGrant, string, error) {
	minutes := int((ttl + time.Minute - 1) / time.Minute)
	var out grantCreated
	if err := c.do(ctx, http.MethodPost, "/api/v1/break-glass", nil, grantRequest{Reason: reason, TTLMinutes: &minutes}, &out); err != nil {
		return nil, "", err
	}
	return out.BreakGlassGrant, out.Secret, nil
}

// FindGrants lists break-glass grants, newest first.
func (c *Client) FindGrants(ctx context.Context) ([]*quench.BreakGlassGrant, error) {
	var out grantList
	if err := c.do(ctx, http.MethodGet, "/api/v1/break-glass", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Grants, nil
}

// RevokeGrant revokes a break-glass grant by id.
func (c *Client) RevokeGrant(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/break-glass/"+strconv.FormatInt(id, 10), nil, nil, nil)
}

// AuditPage is one page of the audit trail, oldest first: the answer of
// GET /api/v1/audit. Next, when not
// zero, is the `after` value of the following page.
type AuditPage struct {
	Entries []*quench.AuditEntry `json:"entries"`
	Next    int64                `json:"next,omitempty"`
}

// FindAuditEntries returns up to limit entries after the sequence number
// after; limit 0 means the server's default.
func (c *Client) FindAuditEntries(ctx context.Context, after int64, limit int) (*AuditPage, error) {
	q := url.Values{}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out AuditPage
	if err := c.do(ctx, http.MethodGet, "/api/v1/audit", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// VerifyAudit asks the server to walk the audit chain.
func (c *Client) VerifyAudit(ctx context.Context) (*AuditVerification, error) {
	var out AuditVerification
	if err := c.do(ctx, http.MethodGet, "/api/v1/audit/verify", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
