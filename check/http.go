package check

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// maxHTTPBody is how much of a response a check reads; the rest is
// discarded so the connection can be reused.
const maxHTTPBody = 256 << 10

type httpProbe struct {
	spec        HTTPSpec
	method      string
	wantHeaders bool // a condition reads headers
	// condStatus: a condition judges the status (status < 500), so
	// without a status list no code is rejected before the conditions.
	condStatus bool
}

// statusVar finds the variable status in a condition (not body.status).
var statusVar = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|[^.\w])status\b`) })

func newHTTPProbe(s HTTPSpec, conds []string) (*httpProbe, error) {
	method := strings.ToUpper(s.Method)
	if method == "" {
		method = http.MethodGet
	}
	if method != http.MethodGet && method != http.MethodHead {
		return nil, fieldErr("http.method", "%q: want GET or HEAD (a check only reads)", s.Method)
	}
	if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
		return nil, fieldErr("http.url", "%q: want an http:// or https:// URL", s.URL)
	}
	if _, err := http.NewRequest(method, s.URL, nil); err != nil {
		return nil, fieldErr("http.url", "%s", firstLine(err.Error()))
	}
	for _, code := range s.Status {
		if code < 100 || code > 599 {
			return nil, fieldErr("http.status", "%d: want HTTP status codes (100 to 599)", code)
		}
	}
	p := &httpProbe{spec: s, method: method}
	for _, c := range conds {
		p.wantHeaders = p.wantHeaders || strings.Contains(c, "headers")
		p.condStatus = p.condStatus || statusVar().MatchString(c)
	}
	return p, nil
}

func (p *httpProbe) probe(ctx context.Context, d *deps, o *observation) error {
	req, err := http.NewRequestWithContext(ctx, p.method, p.spec.URL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "quench-check")
	for k, v := range p.spec.Headers {
		req.Header.Set(k, v)
	}
	client := d.http
	if p.spec.InsecureSkipVerify {
		client = d.httpInsecure
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	o.raw, err = io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody))
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxHTTPBody))
	o.vars["status"] = resp.StatusCode
	if p.wantHeaders {
		h := make(map[string]string, len(resp.Header))
		for k, v := range resp.Header {
			h[strings.ToLower(k)] = strings.Join(v, ", ")
		}
		o.vars["headers"] = h
	}
	if len(p.spec.Status) > 0 && !slices.Contains(p.spec.Status, resp.StatusCode) {
		o.fail = fmt.Sprintf("status %d, want %v", resp.StatusCode, p.spec.Status)
	} else if len(p.spec.Status) == 0 && !p.condStatus && resp.StatusCode/100 != 2 {
		o.fail = fmt.Sprintf("status %d, want 2xx", resp.StatusCode)
	}
	return nil
}
