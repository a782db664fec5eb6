package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/quench-sh/quench"
)

// maxEventBytes bounds one server-sent event the client reads: a done
// event carries the whole (capped) output, JSON-escaped.
const maxEventBytes = 16 << 20

// RunStepOptions are how a step run is asked for.
type RunStepOptions struct {
	Confirm bool // the person confirmed a mutating or unknown step
	DryRun  bool // say what would run; run nothing
	// BreakGlass is a grant's secret, needed during a change freeze.
	BreakGlass string
}

// Steps lists an incident's steps with their status.
func (c *Client) Steps(ctx context.Context, incidentID int64) ([]StepStateView, error) {
	var out StepList
	if err := c.do(ctx, http.MethodGet, incidentPath(incidentID)+"/steps", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Steps, nil
}

// RunStep runs (or dry-runs) one step and returns when it finished.
// Refusals come back as EFORBIDDEN with the runner's reason.
func (c *Client) RunStep(ctx context.Context, incidentID int64, step string, o RunStepOptions) (*quench.StepRun, error) {
	var out quench.StepRun
	err := c.doHeader(ctx, http.MethodPost, stepRunPath(incidentID, step), nil, breakGlassHeader(o),
		RunStepRequest{Confirm: o.Confirm, DryRun: o.DryRun}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RunStepStream runs one step like RunStep and writes its output to live
// while it runs.
func (c *Client) RunStepStream(ctx context.Context, incidentID int64, step string, o RunStepOptions, live io.Writer) (*quench.StepRun, error) {
	q := url.Values{"stream": {"1"}}
	var run *quench.StepRun
	err := c.events(ctx, http.MethodPost, stepRunPath(incidentID, step), q, breakGlassHeader(o),
		RunStepRequest{Confirm: o.Confirm, DryRun: o.DryRun},
		func(name string, data []byte) error {
			switch name {
			case eventOutput:
				var so quench.StepOutput
				if err := json.Unmarshal(data, &so); err != nil {
					return fmt.Errorf("quench client: decode output event: %w", err)
				}
				if _, err := io.WriteString(live, so.Data); err != nil {
					return err
				}
			case eventDone:
				var so quench.StepOutput
				if err := json.Unmarshal(data, &so); err != nil || so.Run == nil {
					return fmt.Errorf("quench client: decode done event: %v", err)
				}
				run = so.Run
				return errStreamEnd
			case eventError:
				var se streamError
				_ = json.Unmarshal(data, &se)
				return &quench.Error{Code: codeOf(se.Status), Message: se.Error}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if run == nil {
		return nil, quench.Errorf(quench.EUNAVAILABLE, "quench server %s: the stream ended before the step finished; see quench incident %d", c.URL, incidentID)
	}
	return run, nil
}

// Stream follows an incident's step output as it comes, calling f for each
// chunk and each finished step, until ctx ends, the server closes the
// stream, or f returns an error (which Stream returns).
func (c *Client) Stream(ctx context.Context, incidentID int64, f func(quench.StepOutput) error) error {
	return c.events(ctx, http.MethodGet, incidentPath(incidentID)+"/stream", nil, nil, nil,
		func(name string, data []byte) error {
			if name != eventOutput && name != eventDone {
				return nil
			}
			var so quench.StepOutput
			if err := json.Unmarshal(data, &so); err != nil {
				return fmt.Errorf("quench client: decode %s event: %w", name, err)
			}
			return f(so)
		})
}

func stepRunPath(incidentID int64, step string) string {
	return incidentPath(incidentID) + "/steps/" + url.PathEscape(step) + "/run"
}

func breakGlassHeader(o RunStepOptions) http.Header {
	if o.BreakGlass == "" {
		return nil
	}
	return http.Header{BreakGlassHeader: {o.BreakGlass}}
}

// errStreamEnd stops reading a stream that said all it had to say.
var errStreamEnd = fmt.Errorf("end of stream")

// events sends one request and reads its server-sent events, calling f
// with each event's name and data. A non-2xx answer is returned as the
// server's error.
func (c *Client) events(ctx context.Context, method, path string, q url.Values, hdr http.Header, in any,
	f func(name string, data []byte) error) error {
	req, err := c.newRequest(ctx, method, path, q, hdr, in)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return c.unavailable(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxClientBody))
		return responseError(resp.StatusCode, data)
	}
	err = readEvents(resp.Body, f)
	var re eventReadError
	if errors.As(err, &re) {
		return c.unavailable(ctx, re.err)
	}
	return err
}

// eventReadError is a failure reading the stream itself (the connection,
// an event over maxEventBytes), as opposed to an error of the callback.
type eventReadError struct{ err error }

func (e eventReadError) Error() string { return e.err.Error() }
func (e eventReadError) Unwrap() error { return e.err }

// readEvents parses a text/event-stream body, calling f with each event's
// name ("message" when none is given) and data (its data lines joined by
// newlines). Comments and unknown fields are skipped. It stops at the end
// of the body, at an error reading it (returned as eventReadError), or at
// f's first error: errStreamEnd from f ends it with nil.
func readEvents(body io.Reader, f func(name string, data []byte) error) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventBytes)
	var name string
	var data bytes.Buffer
	hasData := false
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if hasData || name != "" {
				if name == "" {
					name = "message"
				}
				if err := f(name, data.Bytes()); err != nil {
					if err == errStreamEnd {
						return nil
					}
					return err
				}
			}
			name, hasData = "", false
			data.Reset()
		case line[0] == ':':
			// A comment: the heartbeat.
		default:
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(field) {
			case "event":
				name = string(value)
			case "data":
				if hasData {
					data.WriteByte('\n')
				}
				data.Write(value)
				hasData = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return eventReadError{err}
	}
	return nil
}

// unavailable reports a failed exchange, or the caller's own cancellation
// as it is.
func (c *Client) unavailable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return quench.Errorf(quench.EUNAVAILABLE, "quench server %s: %v", c.URL, err)
}

// doHeader is do with extra request headers.
func (c *Client) doHeader(ctx context.Context, method, path string, q url.Values, hdr http.Header, in, out any) error {
	req, err := c.newRequest(ctx, method, path, q, hdr, in)
	if err != nil {
		return err
	}
	return c.send(req, out)
}

// newRequest builds a request with the token, a JSON body when in is not
// nil, and the extra headers.
func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, hdr http.Header, in any) (*http.Request, error) {
	u := strings.TrimRight(c.URL, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("quench client: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, quench.Errorf(quench.EINVALID, "quench client: %v", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return req, nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return http.DefaultClient
	}
	return c.HTTP
}
