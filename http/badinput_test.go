package http

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
)

// TestBadInput sends what a broken or hostile client sends and checks each
// gets the right status, a message that says what is wrong, and that the
// store is unchanged afterwards.
func TestBadInput(t *testing.T) {
	e := newEnv(t, "sqlite")
	incident := e.openIncident()
	am := string(readFixture(t, "alertmanager-firing.json"))
	oversized := `{"summary":"big","details":{"pad":"` + strings.Repeat("x", quench.MaxBodyBytes) + `"}}`
	exact := func() []byte {
		// A body of exactly 1 MiB + 1 byte.
		b := []byte(`{"summary":"big","details":{"pad":"`)
		tail := []byte(`"}}`)
		pad := bytes.Repeat([]byte("x"), quench.MaxBodyBytes+1-len(b)-len(tail))
		return append(append(b, pad...), tail...)
	}()
	if len(exact) != quench.MaxBodyBytes+1 {
		t.Fatalf("oversize fixture is %d bytes", len(exact))
	}
	ingest, viewer, responder := e.secrets[quench.RoleIngest], e.secrets[quench.RoleViewer], e.secrets[quench.RoleResponder]

	for _, tt := range []struct {
		name        string
		method      string
		path        string
		secret      string
		contentType string
		body        string
		status      int
		msg         string // a part of the error message
	}{
		{"invalid JSON", "POST", "/ingest/alertmanager", ingest, "", `{"version":"4","alerts":[`, 400, "byte"},
		{"not JSON at all", "POST", "/ingest/generic", ingest, "", `summary=disk full`, 400, "byte"},
		{"empty body", "POST", "/ingest/generic", ingest, "", ``, 400, ""},
		{"wrong type", "POST", "/ingest/alertmanager", ingest, "",
			strings.Replace(am, `"labels": {"alertname": "PostgresDown", "instance": "db-1:9187", "job": "postgres", "severity": "critical"}`, `"labels": "PostgresDown"`, 1),
			400, "alerts[0].labels"},
		{"missing summary", "POST", "/ingest/generic", ingest, "", `{"severity":"high"}`, 400, "summary"},
		{"unknown version", "POST", "/ingest/alertmanager", ingest, "", strings.Replace(am, `"version": "4"`, `"version": "5"`, 1), 415, "version"},
		{"oversized", "POST", "/ingest/generic", ingest, "", oversized, 413, "limit"},
		{"1 MiB + 1 byte", "POST", "/ingest/generic", ingest, "", string(exact), 413, "limit"},
		{"text/plain", "POST", "/ingest/alertmanager", ingest, "text/plain", am, 415, "application/json"},
		{"form", "POST", "/ingest/generic", ingest, "application/x-www-form-urlencoded", `summary=x`, 415, "application/json"},
		{"latin-1 charset", "POST", "/ingest/generic", ingest, "application/json; charset=iso-8859-1", `{"summary":"x"}`, 415, "charset"},
		{"bad token", "POST", "/ingest/alertmanager", "not-a-token", "", am, 401, "invalid token"},
		{"viewer token on ingest", "POST", "/ingest/alertmanager", viewer, "", am, 403, "ingest token"},
		{"pagerduty missing fields", "POST", "/v2/enqueue", "", "", `{"routing_key":"` + ingest + `","event_action":"trigger"}`, 400, ""},
		{"pagerduty bad action", "POST", "/v2/enqueue", "", "", `{"routing_key":"` + ingest + `","event_action":"explode","dedup_key":"x"}`, 400, ""},
		{"pagerduty invalid JSON", "POST", "/v2/enqueue", "", "", `{"routing_key":`, 400, ""},
		{"pagerduty text/plain", "POST", "/v2/enqueue", "", "text/plain", `{}`, 415, ""},

		{"note invalid JSON", "POST", fmt.Sprintf("/api/v1/incidents/%d/notes", incident), responder, "", `{"text":"x"`, 400, "byte"},
		{"note wrong type", "POST", fmt.Sprintf("/api/v1/incidents/%d/notes", incident), responder, "", `{"text":5}`, 400, "text: expected string, got number"},
		{"note unknown field", "POST", fmt.Sprintf("/api/v1/incidents/%d/notes", incident), responder, "", `{"txt":"x"}`, 400, `unknown field "txt"`},
		{"note blank", "POST", fmt.Sprintf("/api/v1/incidents/%d/notes", incident), responder, "", `{"text":"  "}`, 400, "text is required"},
		{"note trailing data", "POST", fmt.Sprintf("/api/v1/incidents/%d/notes", incident), responder, "", `{"text":"x"} {}`, 400, "after the object"},
		{"note on unknown incident", "POST", "/api/v1/incidents/999999/notes", responder, "", `{"text":"x"}`, 404, ""},
		{"incident id not a number", "GET", "/api/v1/incidents/abc", viewer, "", "", 400, "positive integer"},
		{"unknown incident", "GET", "/api/v1/incidents/999999", viewer, "", "", 404, ""},
		{"bad status filter", "GET", "/api/v1/incidents?status=open", viewer, "", "", 400, "status"},
		{"bad severity filter", "GET", "/api/v1/incidents?severity=urgent", viewer, "", "", 400, "severity"},
		{"bad limit", "GET", "/api/v1/incidents?limit=100000", viewer, "", "", 400, "limit"},
		{"unknown filter", "GET", "/api/v1/incidents?statsu=triggered", viewer, "", "", 400, "unknown query parameter"},
		{"deploy without sha", "POST", "/api/v1/deploys", responder, "", `{"service":"api"}`, 400, "sha is required"},
		{"break-glass without reason", "POST", "/api/v1/break-glass", e.secrets[quench.RoleAdmin], "", `{"ttl_minutes":10}`, 400, "reason is required"},
		{"break-glass TTL too long", "POST", "/api/v1/break-glass", e.secrets[quench.RoleAdmin], "", `{"reason":"x","ttl_minutes":1441}`, 400, "ttl_minutes"},
		{"break-glass TTL zero", "POST", "/api/v1/break-glass", e.secrets[quench.RoleAdmin], "", `{"reason":"x","ttl_minutes":0}`, 400, "ttl_minutes"},
		{"freeze without value", "POST", "/api/v1/freeze", e.secrets[quench.RoleAdmin], "", `{}`, 400, "frozen is required"},
		{"unknown runbook", "GET", "/api/v1/runbooks/nope", viewer, "", "", 404, ""},
		{"unknown route", "GET", "/api/v2/incidents", viewer, "", "", 404, "no such route: GET /api/v2/incidents (the API is under /api/v1/"},
		{"wrong method", "PUT", "/api/v1/incidents", viewer, "", "", 405, "method PUT is not allowed on /api/v1/incidents; allowed: GET, HEAD"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := e.counts()
			beforeAudit, err := e.srv.Audit.FindAuditEntries(t.Context(), 0, 100000)
			if err != nil {
				t.Fatal(err)
			}
			var body []byte
			if tt.method == "POST" || tt.body != "" {
				body = []byte(tt.body)
			}
			got := e.do(tt.method, tt.path, tt.secret, tt.contentType, body)
			if got.status != tt.status {
				t.Fatalf("got %s, want %d", got, tt.status)
			}
			if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			msg := got.errorMessage()
			if tt.path == "/v2/enqueue" {
				var ans pagerDutyAnswer
				got.decode(t, &ans)
				if len(ans.Errors) == 0 || ans.Message == "" {
					t.Fatalf("PagerDuty error without errors: %s", got)
				}
				msg = strings.Join(ans.Errors, "; ")
			}
			if msg == "" || !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not say %q", msg, tt.msg)
			}
			if after := e.counts(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("store changed: %v → %v", before, after)
			}
			afterAudit, err := e.srv.Audit.FindAuditEntries(t.Context(), 0, 100000)
			if err != nil {
				t.Fatal(err)
			}
			if len(afterAudit) != len(beforeAudit) {
				t.Errorf("audit trail grew from %d to %d entries", len(beforeAudit), len(afterAudit))
			}
		})
	}
}

// TestNothingPartialIsStored sends a batch whose last alert is invalid:
// none of its valid alerts may be stored.
func TestNothingPartialIsStored(t *testing.T) {
	e := newEnv(t, "sqlite")
	var alerts []map[string]any
	for i := range 50 {
		alerts = append(alerts, map[string]any{"summary": fmt.Sprintf("alert %d", i), "dedup_key": fmt.Sprint(i)})
	}
	alerts = append(alerts, map[string]any{"severity": "high"}) // no summary
	got := e.post("/ingest/generic", quench.RoleIngest, mustJSON(t, alerts))
	if got.status != http.StatusBadRequest || !strings.Contains(got.errorMessage(), "50") {
		t.Fatalf("got %s, want 400 naming the 51st alert", got)
	}
	if n := len(e.allIncidents()); n != 0 {
		t.Fatalf("%d incidents stored from a refused batch", n)
	}
}

func TestStatusMapping(t *testing.T) {
	for _, tt := range []struct {
		code   string
		status int
	}{
		{quench.EINVALID, 400},
		{quench.EUNAUTHORIZED, 401},
		{quench.EFORBIDDEN, 403},
		{quench.ENOTFOUND, 404},
		{quench.ECONFLICT, 409},
		{quench.ETOOLARGE, 413},
		{quench.EUNSUPPORTED, 415},
		{quench.EUNAVAILABLE, 503},
		{quench.EQUEUED, 202},
		{quench.EINTERNAL, 500},
		{"something new", 500},
	} {
		if got := statusOf(tt.code); got != tt.status {
			t.Errorf("statusOf(%q) = %d, want %d", tt.code, got, tt.status)
		}
		want := tt.code
		if tt.status == 500 {
			want = quench.EINTERNAL
		}
		if got := codeOf(tt.status); got != want {
			t.Errorf("codeOf(%d) = %q, want %q", tt.status, got, want)
		}
	}
}

func TestJSONErrorMessages(t *testing.T) {
	type body struct {
		Text  string `json:"text"`
		Count int    `json:"count"`
		Flag  *bool  `json:"flag"`
	}
	for _, tt := range []struct{ in, want string }{
		{``, "invalid JSON: the body is empty"},
		{`{"text":`, "invalid JSON: unexpected end of input at byte 8"},
		{`{"text" "x"}`, "invalid JSON at byte 9: invalid character '\"' after object key"},
		{`{"text":5}`, "text: expected string, got number"},
		{`{"count":"5"}`, "count: expected integer, got string"},
		{`{"count":1.5}`, "count: expected integer, got number"},
		{`{"flag":"yes"}`, "flag: expected boolean, got string"},
		{`[1]`, "the body: expected object, got array"},
		{`{"extra":1}`, `unknown field "extra"`},
		{`{} []`, "invalid JSON: unexpected data after the object at byte 3"},
	} {
		var b body
		err := unmarshalStrict([]byte(tt.in), &b)
		if quench.ErrorCode(err) != quench.EINVALID || quench.ErrorMessage(err) != tt.want {
			t.Errorf("unmarshalStrict(%q) = %v (%s), want %q", tt.in, err, quench.ErrorCode(err), tt.want)
		}
	}
	var v map[string]any
	if err := unmarshalStrict(mustJSON(t, map[string]any{"a": 1}), &v); err != nil {
		t.Errorf("valid JSON refused: %v", err)
	}
}
