package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/escalate"
	"github.com/quench-sh/quench/inmem"
	"github.com/quench-sh/quench/notify"
	"github.com/quench-sh/quench/sqldb"
)

const testOnCallFile = `people:
  - id: test-responder
    time_zone: Europe/Berlin
    contacts:
      - {name: hook, kind: webhook, address: "http://127.0.0.1:9/hook"}
      - {name: phone, kind: sms, address: "+4915100000001"}
  - id: bob
    time_zone: UTC
    contacts: [{name: hook, kind: webhook, address: "http://127.0.0.1:9/bob"}]
schedules:
  - id: ops
    time_zone: Europe/Berlin
    layers:
      - {rotation: weekly, start: "2026-01-05 09:00", participants: [test-responder, bob]}
roles:
  oncall-ops: {schedule: ops}
  backend-lead: {people: [bob]}
`

// recordingChannel takes every message: the HTTP tests check routes, not
// delivery (notify's tests do that against real servers).
type recordingChannel struct {
	kind quench.ContactKind
	mu   sync.Mutex
	msgs []*quench.Message
}

func (c *recordingChannel) Kind() quench.ContactKind { return c.kind }
func (c *recordingChannel) Send(_ context.Context, m *quench.Message) (quench.SendResult, error) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
	return quench.SendResult{ProviderID: "p-" + m.Key}, nil
}

func (c *recordingChannel) last() *quench.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.msgs) == 0 {
		return nil
	}
	return c.msgs[len(c.msgs)-1]
}

// pagingEnv is the paging part of a test server.
type pagingEnv struct {
	engine *escalate.Engine
	events *inmem.EventService
	hook   *recordingChannel
}

// smsToken is the auth token test SMS webhooks are signed with.
const smsToken = "twilio-test-token"

// withPaging gives a test server a running escalation engine over its
// store, with the on-call file above and recording channels.
func withPaging(t testing.TB, db *sqldb.DB, pe *pagingEnv) func(*Server) {
	return func(s *Server) {
		cfg, err := escalate.Parse("oncall.yaml", []byte(testOnCallFile), escalate.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.DefaultRole = "oncall-ops"
		pe.events = inmem.NewEventService(0)
		pe.hook = &recordingChannel{kind: quench.ContactWebhook}
		store := sqldb.NewPagingStore(db)
		pe.engine = &escalate.Engine{Store: store, Incidents: s.Incidents, Runbooks: s.Runbooks, Overrides: sqldb.NewOverrideService(db),
			Events: pe.events, Config: escalate.NewHolder(cfg), Links: &escalate.Links{BaseURL: "http://quench.test"},
			Channels: map[quench.ContactKind]quench.Channel{quench.ContactWebhook: pe.hook, quench.ContactSMS: &recordingChannel{kind: quench.ContactSMS}}}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = pe.engine.Run(ctx)
		}()
		t.Cleanup(func() {
			cancel()
			<-done
		})
		if err := pe.engine.WaitRunning(ctx); err != nil {
			t.Fatal(err)
		}
		s.Paging, s.Overrides, s.Notifications = pe.engine, pe.engine, store
		s.SMSVerifier = &notify.TwilioVerifier{AuthToken: smsToken, URL: "http://quench.test/sms/inbound"}
	}
}

// signedSMS returns an inbound SMS form and its signature.
func signedSMS(from, body string) (url.Values, string) {
	form := url.Values{"From": {from}, "Body": {body}, "To": {"+15005550006"}, "MessageSid": {"SM1"}}
	return form, notify.TwilioSignature(smsToken, "http://quench.test/sms/inbound", form)
}

// pagingMatrixRequests are the role-matrix requests of the paging routes.
func pagingMatrixRequests(t *testing.T) map[string]matrixRequest {
	return map[string]matrixRequest{
		"GET /api/v1/oncall":    static("/api/v1/oncall", ""),
		"GET /api/v1/overrides": static("/api/v1/overrides", ""),
		"POST /api/v1/overrides": static("/api/v1/overrides",
			`{"schedule":"ops","person":"bob","start":"2026-06-01T09:00:00Z","end":"2026-06-01T12:00:00Z","reason":"swap"}`),
		"DELETE /api/v1/overrides/{id}": func(e *testEnv, _ string) (string, []byte) {
			o, err := e.srv.Overrides.CreateOverride(context.Background(), quench.Override{Schedule: "ops", Person: "bob",
				Start: time.Now(), End: time.Now().Add(time.Hour), Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/api/v1/overrides/%d", o.ID), nil
		},
		"GET /api/v1/incidents/{id}/notifications": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d/notifications", e.openIncident()), nil
		},
		"POST /api/v1/incidents/{id}/escalate": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d/escalate", e.openIncident()), []byte(`{"step":1}`)
		},
		"POST /api/v1/incidents/{id}/escalation/ack": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d/escalation/ack", e.openIncident()), nil
		},
		"POST /api/v1/page":                static("/api/v1/page", `{"role":"backend-lead","text":"please join the bridge"}`),
		"POST /api/v1/notify/test":         static("/api/v1/notify/test", `{"person":"bob"}`),
		"GET /api/v1/notifications/failed": static("/api/v1/notifications/failed", ""),
		"POST /api/v1/reload":              static("/api/v1/reload", ""),
		"GET /api/v1/calendar/{kind}/{file}": func(e *testEnv, _ string) (string, []byte) {
			// The token travels in the query, whatever the header says.
			return "/api/v1/calendar/schedules/ops.ics?token=" + url.QueryEscape(e.secrets[quench.RoleViewer]), nil
		},
		"GET /a/{token}": func(e *testEnv, _ string) (string, []byte) {
			return linkPath(t, e, escalate.LinkAck), nil
		},
		"POST /a/{token}": func(e *testEnv, _ string) (string, []byte) {
			return linkPath(t, e, escalate.LinkAck), nil
		},
		"POST /sms/inbound": func(e *testEnv, _ string) (string, []byte) {
			form, _ := signedSMS("+4915100000001", fmt.Sprintf("ACK %d", e.openIncident()))
			return "/sms/inbound", []byte(form.Encode())
		},
	}
}

// pagingWantRole is who may call each paging route, from issue 9: who is
// on call for viewers, overrides for responders; paging acts need a
// responder, failures and reload an admin; the token-in-request routes
// need no bearer token.
var pagingWantRole = map[string]quench.TokenRole{
	"GET /api/v1/oncall":                         quench.RoleViewer,
	"GET /api/v1/overrides":                      quench.RoleViewer,
	"POST /api/v1/overrides":                     quench.RoleResponder,
	"DELETE /api/v1/overrides/{id}":              quench.RoleResponder,
	"GET /api/v1/incidents/{id}/notifications":   quench.RoleViewer,
	"POST /api/v1/incidents/{id}/escalate":       quench.RoleResponder,
	"POST /api/v1/incidents/{id}/escalation/ack": quench.RoleResponder,
	"POST /api/v1/page":                          quench.RoleResponder,
	"POST /api/v1/notify/test":                   quench.RoleResponder,
	"GET /api/v1/notifications/failed":           quench.RoleAdmin,
	"POST /api/v1/reload":                        quench.RoleAdmin,
	"GET /api/v1/calendar/{kind}/{file}":         needNone,
	"GET /a/{token}":                             needNone,
	"POST /a/{token}":                            needNone,
	"POST /sms/inbound":                          needNone,
}

func init() {
	// The paging routes' expected roles join the contract's table.
	for k, v := range pagingWantRole {
		wantRole[k] = v
	}
}

// linkPath makes a fresh one-time link for a new incident.
func linkPath(t testing.TB, e *testEnv, action string) string {
	t.Helper()
	id := e.openIncident()
	eng := e.srv.Paging.(*escalate.Engine)
	// Checking any token loads the signing key the server shares.
	if _, err := eng.CheckLink(context.Background(), "x"); quench.ErrorCode(err) != quench.EUNAUTHORIZED {
		t.Fatalf("a bad link: %v", err)
	}
	return strings.TrimPrefix(eng.Links.URL(id, "test-responder", action, time.Now()), "http://quench.test")
}

func TestLinks(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		path := linkPath(t, e, escalate.LinkAck)
		id := int64(1)
		got := e.do("GET", path, "", "", nil)
		if got.status != 200 || !strings.Contains(string(got.body), "Acknowledge incident 1 as test-responder") || !strings.Contains(string(got.body), `method="post"`) {
			t.Fatalf("GET link: %s", got)
		}
		if inc, _ := e.srv.Incidents.FindIncident(context.Background(), id); inc.Status != quench.StatusTriggered {
			t.Fatalf("a GET acted: %s", inc.Status)
		}
		got = e.do("POST", path, "", "", nil)
		if got.status != 200 || !strings.Contains(string(got.body), "acknowledged by test-responder") {
			t.Fatalf("POST link: %s", got)
		}
		inc, _ := e.srv.Incidents.FindIncident(context.Background(), id)
		if inc.Status != quench.StatusAcknowledged || inc.AcknowledgedBy != "test-responder" {
			t.Fatalf("after the link: %s by %s", inc.Status, inc.AcknowledgedBy)
		}
		got = e.do("POST", path, "", "", nil)
		if got.status != 409 || !strings.Contains(string(got.body), "already used") {
			t.Fatalf("second use: %s", got)
		}
		// Expired: sign one that ended an hour ago.
		links := *e.srv.Paging.(*escalate.Engine).Links
		links.TTL = time.Minute
		old := strings.TrimPrefix(links.URL(id, "test-responder", escalate.LinkResolve, time.Now().Add(-time.Hour)), "http://quench.test")
		got = e.do("POST", old, "", "", nil)
		if got.status != 403 || !strings.Contains(string(got.body), "expired") {
			t.Fatalf("expired link: %s", got)
		}
		// Tampered: another incident in the same signature.
		got = e.do("GET", path[:len(path)-3]+"AAA", "", "", nil)
		if got.status != 401 || !strings.Contains(string(got.body), "not valid") {
			t.Fatalf("tampered link: %s", got)
		}
		entries, _ := sqldb.NewAuditService(e.db).FindAuditEntries(context.Background(), 0, 1000)
		var link, ack bool
		for _, en := range entries {
			link = link || (en.Action == "paging.link" && en.Actor == "test-responder")
			ack = ack || (en.Action == "incident.ack" && en.Actor == "test-responder")
		}
		if !link || !ack {
			t.Errorf("audit lacks the link use or the ack as the person: link %v ack %v", link, ack)
		}
	})
}

func TestSMSInbound(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	id := e.openIncident()
	for _, tt := range []struct {
		name, from, body string
		tamper           bool
		status           int
		reply            string
	}{
		{"unsigned", "+4915100000001", "ACK 1", true, 401, ""},
		{"unknown number", "+4900000000", "ACK 1", false, 200, "does not know this number"},
		{"not a command", "+4915100000001", "hello", false, 200, "Reply ACK"},
		{"ack", "+4915100000001", fmt.Sprintf("ack %d", id), false, 200, "acknowledged by test-responder"},
		{"resolve", "+4915100000001", fmt.Sprintf("RES #%d", id), false, 200, "resolved by test-responder"},
		{"resolve again", "+4915100000001", fmt.Sprintf("RES %d", id), false, 200, "already resolved"},
	} {
		form, sig := signedSMS(tt.from, tt.body)
		if tt.tamper {
			sig = "AAAA" + sig[4:]
		}
		req, _ := http.NewRequest("POST", e.srv.URL()+"/sms/inbound", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := string(readAll(resp))
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.reply) {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, body)
		}
	}
}

func TestCalendarAndOnCall(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	got := e.get("/api/v1/oncall?at=2026-01-06T10:00:00Z", quench.RoleViewer)
	if got.status != 200 || !strings.Contains(string(got.body), `"role":"oncall-ops"`) || !strings.Contains(string(got.body), `"people":["test-responder"]`) {
		t.Fatalf("oncall: %s", got)
	}
	if got := e.get("/api/v1/oncall?at=tomorrow", quench.RoleViewer); got.status != 400 || !strings.Contains(string(got.body), "RFC 3339") {
		t.Errorf("bad at: %s", got)
	}
	ics := e.do("GET", "/api/v1/calendar/people/bob.ics?token="+url.QueryEscape(e.secrets[quench.RoleViewer]), "", "", nil)
	if ics.status != 200 || !strings.HasPrefix(string(ics.body), "BEGIN:VCALENDAR\r\n") || !strings.Contains(string(ics.body), "SUMMARY:On call: bob (ops)") {
		t.Fatalf("ics: %s", ics)
	}
	if !regexp.MustCompile(`DTSTART:\d{8}T\d{6}Z`).MatchString(string(ics.body)) {
		t.Errorf("ics times: %s", string(ics.body))
	}
	for _, tok := range []string{"", "nope", e.secrets[quench.RoleIngest]} {
		got := e.do("GET", "/api/v1/calendar/schedules/ops.ics?token="+url.QueryEscape(tok), "", "", nil)
		if got.status != 401 && got.status != 403 {
			t.Errorf("calendar with token %q: %s", tok, got)
		}
	}
	if got := e.do("GET", "/api/v1/calendar/schedules/nope.ics?token="+url.QueryEscape(e.secrets[quench.RoleViewer]), "", "", nil); got.status != 404 {
		t.Errorf("unknown schedule: %s", got)
	}
}

func TestOverridesAPI(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	c := e.apiClient(quench.RoleResponder)
	ctx := context.Background()
	start := time.Date(2026, 1, 6, 9, 0, 0, 0, time.UTC)
	o, err := c.CreateOverride(ctx, OverrideRequest{Schedule: "ops", Person: "bob", Start: start, End: start.Add(3 * time.Hour), Reason: "swap"})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := c.OnCall(ctx, "oncall-ops", start.Add(time.Hour))
	if err != nil || len(entries.OnCall) != 1 || entries.OnCall[0].People[0] != "bob" || entries.OnCall[0].Overrides[0] != o.ID {
		t.Fatalf("on call with override: %+v %v", entries, err)
	}
	list, err := c.Overrides(ctx, "", start, start.Add(24*time.Hour))
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	for _, bad := range []string{
		`{"schedule":"nope","person":"bob","start":"2026-01-06T09:00:00Z","end":"2026-01-06T10:00:00Z"}`,
		`{"schedule":"ops","person":"mallory","start":"2026-01-06T09:00:00Z","end":"2026-01-06T10:00:00Z"}`,
		`{"schedule":"ops","person":"bob","start":"2026-01-06T09:00:00Z","end":"2026-01-06T08:00:00Z"}`,
		`{"schedule":"ops","person":"bob","start":"monday"}`,
	} {
		if got := e.post("/api/v1/overrides", quench.RoleResponder, []byte(bad)); got.status != 400 {
			t.Errorf("override %s: %s", bad, got)
		}
	}
	if err := c.DeleteOverride(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteOverride(ctx, o.ID); quench.ErrorCode(err) != quench.ENOTFOUND {
		t.Errorf("second delete: %v", err)
	}
}

// signedRoutes carry their credential in headers of their own: the role
// matrix signs their requests as the real sender would.
var signedRoutes = map[string]func(body []byte) http.Header{
	"POST /sms/inbound": func(body []byte) http.Header {
		form, _ := url.ParseQuery(string(body))
		h := http.Header{}
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		h.Set("X-Twilio-Signature", notify.TwilioSignature(smsToken, "http://quench.test/sms/inbound", form))
		return h
	},
}

// doSigned sends a request with the headers sign makes for its body.
func (e *testEnv) doSigned(method, path, secret string, body []byte, sign func([]byte) http.Header) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL()+path, strings.NewReader(string(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = sign(body)
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: readAll(resp)}
}

func readAll(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
