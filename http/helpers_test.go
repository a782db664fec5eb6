package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/route"
	"github.com/quench-sh/quench/sqldb"
	"github.com/quench-sh/quench/sqldb/sqldbtest"
)

// testRunbooks are the runbooks the tests route to. They are data, not a
// store: the server only reads them.
func testRunbooks() []*quench.Runbook {
	return []*quench.Runbook{
		{
			ID: "db-down", Title: "Database Down", Category: "Infrastructure & Services",
			Severity: quench.SeverityCritical, Signal: "`db_connected: false`",
			Match:      []quench.Matcher{{Expr: `labels.alertname == "PostgresDown"`, Line: 7}},
			Escalation: []string{"oncall-ops", "data-db-owner"},
			Sections:   []quench.Section{{Title: quench.SectionDiagnosis, Line: 12, Level: 2, Markdown: "```sh\ndocker compose ps db\n```\n"}},
			Steps: []quench.Step{
				{Name: "quick-diagnosis-1", Section: quench.SectionDiagnosis, Index: 1, Line: 13, Lang: "sh",
					Title: "Is the container up?", Command: "docker compose ps db", Class: quench.ReadOnly},
				{Name: "restart-db", Section: quench.SectionRemediation, Index: 2, Line: 30, Lang: "sh",
					Title: "Restart the database container.", Command: "docker compose restart db", Confirm: true,
					Timeout: 30 * time.Second, Class: quench.Mutating, Reason: "docker compose restart changes state"},
			},
		},
		{
			ID: "api-down", Title: "API Down", Category: "Infrastructure & Services",
			Severity: quench.SeverityHigh, Signal: "health check failing",
			Match: []quench.Matcher{{Expr: `labels.alertname == "ApiDown"`, Line: 7}},
		},
		{
			ID: "payment-webhooks", Title: "Payment Webhooks Failing", Category: "Payments",
			Severity: quench.SeverityHigh, Signal: "Stripe webhook errors",
			Match: []quench.Matcher{{Expr: `source == "pagerduty" && labels.component == "payments"`, Line: 7}},
		},
	}
}

// runbookPack serves a fixed list of runbooks, as the loaded pack does.
type runbookPack []*quench.Runbook

func (p runbookPack) Runbooks(context.Context) ([]*quench.Runbook, error) { return p, nil }

func (p runbookPack) FindRunbook(_ context.Context, id string) (*quench.Runbook, error) {
	for _, rb := range p {
		if rb.ID == id {
			return rb, nil
		}
	}
	return nil, quench.Errorf(quench.ENOTFOUND, "no runbook %q", id)
}

// testEnv is a real server on 127.0.0.1:0 over a real store, with one
// token of every role.
type testEnv struct {
	t       testing.TB
	srv     *Server
	db      *sqldb.DB
	store   *sqldb.IncidentService
	secrets map[quench.TokenRole]string
	client  *http.Client
	seq     atomic.Int64
}

// newEnv opens a store of the dialect and a server over it; opts adjust
// the server before it opens.
func newEnv(t testing.TB, dialect string, opts ...func(*Server)) *testEnv {
	t.Helper()
	return newPagingEnv(t, dialect, &pagingEnv{}, opts...)
}

// newPagingEnv is newEnv with the paging part pe describes.
func newPagingEnv(t testing.TB, dialect string, pe *pagingEnv, opts ...func(*Server)) *testEnv {
	t.Helper()
	events := inmem.NewEventService(0)
	db := sqldbtest.OpenConfig(t, dialect, sqldb.Config{Events: events})
	rbs := testRunbooks()
	router, err := route.New(rbs)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer()
	s.Addr = "127.0.0.1:0"
	incidents := sqldb.NewIncidentService(db)
	s.Incidents = incidents
	s.Alerts = &ingest.AlertService{Store: incidents, Router: router}
	s.Events = events
	s.Tokens = sqldb.NewTokenService(db)
	s.Audit = sqldb.NewAuditService(db)
	s.Deploys = sqldb.NewDeployService(db)
	s.ChangeControl = sqldb.NewChangeControlService(db)
	s.Sessions = sqldb.NewSessionService(db) // the web UI is on in every test server
	s.Runbooks = runbookPack(rbs)
	s.Ready = db.Ping
	withPaging(t, db, pe)(s)
	withSignals(t, db, s)
	if testing.Verbose() {
		s.Logger = testLogger(t)
	}
	for _, o := range opts {
		o(s)
	}
	env := &testEnv{t: t, srv: s, db: db, store: incidents, secrets: map[quench.TokenRole]string{},
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	for _, role := range quench.TokenRoles {
		_, secret, err := s.Tokens.CreateToken(context.Background(), "test-"+string(role), role)
		if err != nil {
			t.Fatalf("create %s token: %v", role, err)
		}
		env.secrets[role] = secret
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
		env.client.CloseIdleConnections()
	})
	return env
}

// forEachDialect runs f against every store sqldbtest offers (SQLite, and
// PostgreSQL when QUENCH_TEST_POSTGRES is set).
func forEachDialect(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range sqldbtest.Dialects(t) {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string {
	return fmt.Sprintf("%d %s", r.status, quench.CutText(string(r.body), 500))
}

// errorMessage returns the {"error": …} message of the response.
func (r response) errorMessage() string {
	var eb errorBody
	_ = json.Unmarshal(r.body, &eb)
	return eb.Error
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r, err)
	}
}

// do sends one request. secret "" sends no Authorization header; a body
// is sent as application/json unless contentType says otherwise.
func (e *testEnv) do(method, path, secret, contentType string, body []byte) response {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL()+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// post sends a JSON body as the role's token.
func (e *testEnv) post(path string, role quench.TokenRole, body []byte) response {
	e.t.Helper()
	return e.do(http.MethodPost, path, e.secrets[role], "", body)
}

// get sends a GET as the role's token.
func (e *testEnv) get(path string, role quench.TokenRole) response {
	e.t.Helper()
	return e.do(http.MethodGet, path, e.secrets[role], "", nil)
}

// apiClient returns the CLI's client with the role's token.
func (e *testEnv) apiClient(role quench.TokenRole) *Client {
	return &Client{URL: e.srv.URL(), Token: e.secrets[role], HTTP: e.client}
}

// openIncident stores a fresh triggering alert straight through the store
// and returns its incident's id, for tests that need something to act on.
func (e *testEnv) openIncident() int64 {
	e.t.Helper()
	n := e.seq.Add(1)
	res, err := e.store.IngestAlerts(context.Background(), []quench.Alert{{
		Source: quench.SourceGeneric, Integration: "test", DedupKey: fmt.Sprintf("fixture-%d", n),
		Action: quench.ActionTrigger, Severity: quench.SeverityMedium, Summary: fmt.Sprintf("fixture incident %d", n),
		Labels: map[string]string{"n": fmt.Sprint(n)}, ReceivedAt: time.Now(),
	}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return res[0].IncidentID
}

// counts returns the store's incident counts.
func (e *testEnv) counts() quench.IncidentCounts {
	e.t.Helper()
	c, err := e.srv.Incidents.CountIncidents(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// allIncidents returns every incident, newest first.
func (e *testEnv) allIncidents() []*quench.Incident {
	e.t.Helper()
	incs, err := e.srv.Incidents.FindIncidents(context.Background(), quench.IncidentFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return incs
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pagerDutyEvent returns the PagerDuty trigger fixture with the routing key
// and the given fields replaced.
func pagerDutyEvent(t testing.TB, routingKey string, set map[string]any) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(readFixture(t, "pagerduty-trigger.json"), &ev); err != nil {
		t.Fatal(err)
	}
	ev["routing_key"] = routingKey
	for k, v := range set {
		if v == nil {
			delete(ev, k)
		} else {
			ev[k] = v
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
