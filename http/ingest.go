package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
)

// ingestResponse is the answer to a webhook: what became of its alerts.
// It is sent only after the store committed them.
type ingestResponse struct {
	Alerts    int                  `json:"alerts"`
	Opened    int                  `json:"opened"`
	Incidents []int64              `json:"incidents"` // distinct, in order of first mention
	Results   []ingestResultOutput `json:"results"`   // one per alert, in payload order
}

type ingestResultOutput struct {
	Incident int64                `json:"incident,omitempty"` // absent when ignored
	Outcome  quench.IngestOutcome `json:"outcome"`
	DedupKey string               `json:"dedup_key"`
}

// ingestHandler serves one webhook source: read and parse the whole body,
// so nothing partial is stored, then ingest every alert in one call.
func (s *Server) ingestHandler(source string, parse func([]byte) ([]quench.Alert, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		body, err := readBody(w, r, s.maxBody())
		if err != nil {
			s.metrics.rejected(source)
			s.writeError(w, r, err)
			return
		}
		alerts, err := parse(body)
		if err != nil {
			s.metrics.rejected(source)
			s.writeError(w, r, fmt.Errorf("%s: %w", source, err))
			return
		}
		results, err := s.ingest(r.Context(), source, alerts)
		s.metrics.ingestDuration.WithLabelValues(source).Observe(time.Since(start).Seconds())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeIngestResponse(w, summarize(results))
	}
}

// writeIngestResponse writes what writeJSON writes for out, appending the
// JSON by hand: a webhook's answer lists every alert, and encoding it by
// reflection cost more than storing a repeat.
func writeIngestResponse(w http.ResponseWriter, out ingestResponse) {
	buf := make([]byte, 0, 64+len(out.Incidents)*8+len(out.Results)*64)
	buf = append(buf, `{"alerts":`...)
	buf = strconv.AppendInt(buf, int64(out.Alerts), 10)
	buf = append(buf, `,"opened":`...)
	buf = strconv.AppendInt(buf, int64(out.Opened), 10)
	buf = append(buf, `,"incidents":[`...)
	for i, id := range out.Incidents {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, id, 10)
	}
	buf = append(buf, `],"results":[`...)
	for i, r := range out.Results {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '{')
		if r.Incident != 0 {
			buf = append(buf, `"incident":`...)
			buf = strconv.AppendInt(buf, r.Incident, 10)
			buf = append(buf, ',')
		}
		buf = append(buf, `"outcome":`...)
		buf = appendJSONString(buf, string(r.Outcome))
		buf = append(buf, `,"dedup_key":`...)
		buf = appendJSONString(buf, r.DedupKey)
		buf = append(buf, '}')
	}
	buf = append(buf, "]}\n"...)
	writeRawJSON(w, http.StatusOK, buf)
}

// appendJSONString appends s as encoding/json writes a string.
func appendJSONString(buf []byte, s string) []byte {
	if isPlainJSON(s) {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	b, _ := json.Marshal(s) // a string always encodes
	return append(buf, b...)
}

// writeRawJSON writes an encoded JSON body with writeJSON's headers.
func writeRawJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func summarize(results []quench.IngestResult) ingestResponse {
	out := ingestResponse{Alerts: len(results), Incidents: []int64{}, Results: make([]ingestResultOutput, len(results))}
	seen := make(map[int64]bool, len(results))
	for i, res := range results {
		out.Results[i] = ingestResultOutput{Incident: res.IncidentID, Outcome: res.Outcome, DedupKey: res.DedupKey}
		if res.Outcome == quench.OutcomeOpened {
			out.Opened++
		}
		if res.IncidentID != 0 && !seen[res.IncidentID] {
			seen[res.IncidentID] = true
			out.Incidents = append(out.Incidents, res.IncidentID)
		}
	}
	return out
}

// ingest submits parsed alerts as the calling integration. Once the
// request is accepted it no longer depends on the client: a client that
// hangs up while the group commit runs gets nothing, but its alerts are
// either all stored or none.
func (s *Server) ingest(ctx context.Context, source string, alerts []quench.Alert) ([]quench.IngestResult, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	integration := actor(ctx)
	for i := range alerts {
		alerts[i].Integration = integration
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ingestTimeout)
	defer cancel()
	results, err := s.Alerts.SubmitAlerts(ctx, alerts)
	if err != nil {
		s.metrics.alertsReceived.WithLabelValues(source, "failed").Add(float64(len(alerts)))
		return nil, fmt.Errorf("ingest %s: %w", source, err)
	}
	s.metrics.ingested(source, results)
	return results, nil
}

// pagerDutyAnswer is the Events API v2 response body, success or error.
type pagerDutyAnswer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// handleEnqueue is PagerDuty's POST /v2/enqueue. The routing key in the
// body is the credential, and every answer has PagerDuty's shape, so any
// Events API v2 client works unchanged. An unknown routing key, or a
// token that is not an ingest token, is a 400 "Invalid routing key", as
// PagerDuty answers it.
func (s *Server) handleEnqueue(w http.ResponseWriter, r *http.Request) {
	const source = quench.SourcePagerDuty
	start := time.Now()
	body, err := readBody(w, r, s.maxBody())
	if err != nil {
		s.metrics.rejected(source)
		s.writePagerDutyError(w, r, err, nil)
		return
	}
	ev, err := ingest.ParsePagerDuty(body)
	if err != nil {
		s.metrics.rejected(source)
		s.writePagerDutyError(w, r, err, ingest.FieldErrors(err))
		return
	}
	tok, err := s.lookupToken(r.Context(), ev.RoutingKey)
	if err == nil && tok.Role != quench.RoleIngest {
		err = quench.Errorf(quench.EUNAUTHORIZED, "not an ingest token")
	}
	if err != nil {
		s.metrics.rejected(source)
		if quench.ErrorCode(err) == quench.EUNAUTHORIZED {
			writeJSON(w, http.StatusBadRequest, pagerDutyAnswer{
				Status: "invalid event", Message: "Event object is invalid", Errors: []string{"Invalid routing key"},
			})
			return
		}
		s.writePagerDutyError(w, r, err, nil)
		return
	}
	ctx := context.WithValue(r.Context(), tokenKey{}, tok)
	results, err := s.ingest(ctx, source, []quench.Alert{ev.Alert})
	s.metrics.ingestDuration.WithLabelValues(source).Observe(time.Since(start).Seconds())
	if err != nil {
		s.writePagerDutyError(w, r, err, nil)
		return
	}
	key := ev.Alert.DedupKey
	if len(results) == 1 && results[0].DedupKey != "" {
		key = results[0].DedupKey
	}
	writeAccepted(w, key)
}

// writeAccepted writes PagerDuty's 202 answer, the same bytes writeJSON
// would, without an encoder per event.
func writeAccepted(w http.ResponseWriter, dedupKey string) {
	buf := make([]byte, 0, 96+len(dedupKey))
	buf = append(buf, `{"status":"success","message":"Event processed"`...)
	if dedupKey != "" { // omitempty
		buf = append(buf, `,"dedup_key":`...)
		buf = appendJSONString(buf, dedupKey)
	}
	buf = append(buf, "}\n"...)
	writeRawJSON(w, http.StatusAccepted, buf)
}

// isPlainJSON reports whether s needs no escaping in a JSON string as
// encoding/json writes it: printable ASCII other than the quote, the
// backslash and the HTML characters it escapes.
func isPlainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// writePagerDutyError answers in PagerDuty's error shape with the status
// the error's code maps to.
func (s *Server) writePagerDutyError(w http.ResponseWriter, r *http.Request, err error, fieldErrors []string) {
	status, msg := s.errorStatus(r, err)
	if status == http.StatusBadRequest {
		if len(fieldErrors) == 0 {
			fieldErrors = []string{msg}
		}
		writeJSON(w, status, pagerDutyAnswer{Status: "invalid event", Message: "Event object is invalid", Errors: fieldErrors})
		return
	}
	writeJSON(w, status, pagerDutyAnswer{Status: "error", Message: msg, Errors: []string{msg}})
}
