package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/quench-sh/quench"
)

// maxClientBody bounds a response the client reads.
const maxClientBody = 32 << 20

// Client talks to a quench server's API for the CLI. Errors the server
// reports come back as *quench.Error with the code its status maps to.
type Client struct {
	URL   string // base URL, e.g. http://127.0.0.1:8080
	Token string // a viewer token or better
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
}

// FindIncidents lists one page of incidents, newest first.
func (c *Client) FindIncidents(ctx context.Context, f quench.IncidentFilter) (*IncidentList, error) {
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	if f.Severity != "" {
		q.Set("severity", string(f.Severity))
	}
	if f.RunbookID != "" {
		q.Set("runbook", f.RunbookID)
	}
	if f.NoRunbook {
		q.Set("no_runbook", "true")
	}
	if f.BeforeID > 0 {
		q.Set("before", strconv.FormatInt(f.BeforeID, 10))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out IncidentList
	if err := c.do(ctx, http.MethodGet, "/api/v1/incidents", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindIncident returns one incident with its timeline.
func (c *Client) FindIncident(ctx context.Context, id int64) (*IncidentView, error) {
	var out IncidentView
	if err := c.do(ctx, http.MethodGet, incidentPath(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Acknowledge acknowledges an incident as the client's token.
func (c *Client) Acknowledge(ctx context.Context, id int64) (*IncidentView, error) {
	var out IncidentView
	if err := c.do(ctx, http.MethodPost, incidentPath(id)+"/ack", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Resolve resolves an incident as the client's token.
func (c *Client) Resolve(ctx context.Context, id int64) (*IncidentView, error) {
	var out IncidentView
	if err := c.do(ctx, http.MethodPost, incidentPath(id)+"/resolve", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddNote adds a note to an incident's timeline.
func (c *Client) AddNote(ctx context.Context, id int64, text string) (*quench.TimelineEvent, error) {
	var out quench.TimelineEvent
	if err := c.do(ctx, http.MethodPost, incidentPath(id)+"/notes", nil, noteRequest{Text: text}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func incidentPath(id int64) string {
	return "/api/v1/incidents/" + strconv.FormatInt(id, 10)
}

// do sends one request and decodes a 2xx JSON answer into out, or the
// {"error": …} body of any other answer into a *quench.Error.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	return c.doHeader(ctx, method, path, q, nil, in, out)
}

// send does one request and decodes its answer as do describes.
func (c *Client) send(req *http.Request, out any) error {
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return c.unavailable(req.Context(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxClientBody))
	if err != nil {
		return quench.Errorf(quench.EUNAVAILABLE, "quench server %s: reading answer: %v", c.URL, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.wrongURL(req, resp.StatusCode, data, responseError(resp.StatusCode, data))
	}
	if resp.StatusCode == http.StatusAccepted && queuedAnswer(data) {
		// Taken but not done (a paging command waiting for the
		// escalation leader): the body says so instead of a result.
		return responseError(resp.StatusCode, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("quench client: decode %s %s answer: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// wrongURL says that the base URL is wrong when the answer shows the
// request never reached a quench route: a 404 for the route itself, or a
// 404 from something that is not quench at all. A missing incident is a
// 404 too, but says so in quench's own words and passes unchanged.
func (c *Client) wrongURL(req *http.Request, status int, body []byte, err error) error {
	if status != http.StatusNotFound {
		return err
	}
	var eb errorBody
	isQuench := json.Unmarshal(body, &eb) == nil && eb.Error != ""
	if isQuench && !strings.HasPrefix(eb.Error, noRoutePrefix) {
		return err // quench's own "incident 9 not found"
	}
	what := "has no route for " + req.URL.Path
	if !isQuench {
		what = "answered 404 for " + req.URL.Path + " and does not look like a quench server"
	}
	return quench.Errorf(quench.ENOTFOUND, "%s %s: set QUENCH_URL (or --url) to the quench server's base URL, such as http://127.0.0.1:8080, without a path", c.URL, what)
}

// queuedAnswer reports whether a 202 answer is {"error": …}: quench's
// "queued, not done" (quench.EQUEUED), rather than a result.
func queuedAnswer(data []byte) bool {
	var eb map[string]json.RawMessage
	if json.Unmarshal(data, &eb) != nil || len(eb) != 1 {
		return false
	}
	_, ok := eb["error"]
	return ok
}

// responseError rebuilds the server's error from its status and body.
func responseError(status int, data []byte) error {
	var eb errorBody
	msg := ""
	if json.Unmarshal(data, &eb) == nil {
		msg = eb.Error
	}
	if msg == "" {
		msg = strings.TrimSpace(quench.CutText(string(data), 200))
	}
	if msg == "" {
		msg = strings.ToLower(http.StatusText(status))
	}
	return &quench.Error{Code: codeOf(status), Message: msg}
}
