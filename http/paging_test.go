package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
	// oncall replaces testOnCallFile; shared makes the engine follow the
	// store's incident events (opened incidents page at once), which the
	// other tests keep apart.
	oncall string
	shared bool
}

// smsToken is the auth token test SMS webhooks are signed with.
const smsToken = "twilio-test-token"

// withPaging gives a test server a running escalation engine over its
// store, with the on-call file above and recording channels.
func withPaging(t testing.TB, db *sqldb.DB, pe *pagingEnv) func(*Server) {
	return func(s *Server) {
		file := testOnCallFile
		if pe.oncall != "" {
			file = pe.oncall
		}
		cfg, err := escalate.Parse("oncall.yaml", []byte(file), escalate.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cfg.DefaultRole = "oncall-ops"
		pe.events = inmem.NewEventService(0)
		var events quench.EventService = pe.events
		if pe.shared {
			events = s.Events
		}
		pe.hook = &recordingChannel{kind: quench.ContactWebhook}
		store := sqldb.NewPagingStore(db)
		pe.engine = &escalate.Engine{Store: store, Incidents: s.Incidents, Runbooks: s.Runbooks, Overrides: sqldb.NewOverrideService(db),
			Events: events, Config: escalate.NewHolder(cfg), Links: &escalate.Links{BaseURL: "http://quench.test"},
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

// multiAckOnCallFile pages two people at once, and the step waits for
// both of them.
const multiAckOnCallFile = `people:
  - id: test-responder
    time_zone: UTC
    contacts: [{name: hook, kind: webhook, address: "http://127.0.0.1:9/responder"}]
  - id: test-admin
    time_zone: UTC
    contacts: [{name: hook, kind: webhook, address: "http://127.0.0.1:9/admin"}]
roles:
  oncall-ops: {people: [test-responder, test-admin]}
policies:
  medium: {step_delay: 10m, repeat: 0, multi_ack: true, page_at_night: true}
`

// TestMultiAckThroughPlainAck: in a multi-ack step, a second person's
// ordinary acknowledge (the API, the CLI's client, the web UI button)
// counts them, as an ack link does, instead of answering 409; once
// everyone acknowledged, escalation stops and a further ack is a 409.
func TestMultiAckThroughPlainAck(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		pe := &pagingEnv{oncall: multiAckOnCallFile, shared: true}
		e := newPagingEnv(t, dialect, pe)
		ctx := context.Background()
		paged := func(id int64) {
			t.Helper()
			if err := pe.engine.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			st, err := pe.engine.Store.FindEscalation(ctx, id)
			if err != nil || len(st.Paged) != 2 {
				t.Fatalf("step 1 should page both: %+v %v", st, err)
			}
		}
		ack := func(id int64, role quench.TokenRole) response {
			t.Helper()
			got := e.post(fmt.Sprintf("/api/v1/incidents/%d/ack", id), role, nil)
			if err := pe.engine.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			return got
		}
		stopped := func(id int64) bool {
			t.Helper()
			st, err := pe.engine.Store.FindEscalation(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return st.Stopped
		}

		id := e.openIncident()
		paged(id)
		if got := ack(id, quench.RoleResponder); got.status != 200 || !strings.Contains(string(got.body), `"acknowledged_by":"test-responder"`) {
			t.Fatalf("first ack: %s", got)
		}
		if stopped(id) {
			t.Fatal("one of two acks stopped a multi-ack step")
		}
		// The same person again, through the CLI's client: refused, and
		// told who is still missing.
		_, err := e.apiClient(quench.RoleResponder).Acknowledge(ctx, id)
		if quench.ErrorCode(err) != quench.ECONFLICT || !strings.Contains(quench.ErrorMessage(err), "waits for test-admin") {
			t.Fatalf("the same person twice: %v", err)
		}
		b := e.browser(t)
		b.signIn(quench.RoleAdmin)
		page := string(b.get(fmt.Sprintf("/incidents/%d", id)).body)
		if !strings.Contains(page, "Acknowledge too") || !strings.Contains(page, "waiting for test-admin") {
			t.Fatalf("the incident page offers no ack to the person still missing:\n%s", page)
		}
		got := ack(id, quench.RoleAdmin)
		if got.status != 200 || !strings.Contains(string(got.body), `"status":"acknowledged"`) {
			t.Fatalf("second person's ack: %s", got)
		}
		if !stopped(id) {
			t.Fatal("escalation goes on after everyone acknowledged")
		}
		if got := ack(id, quench.RoleAdmin); got.status != 409 || !strings.Contains(got.errorMessage(), "already acknowledged by test-responder") {
			t.Fatalf("an ack after everyone's: %s", got)
		}
		if page := string(b.get(fmt.Sprintf("/incidents/%d", id)).body); strings.Contains(page, `id="ack-form"`) {
			t.Error("the incident page still offers an ack after everyone acknowledged")
		}
		tl, err := e.srv.Incidents.Timeline(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var counted bool
		for _, ev := range tl {
			counted = counted || (ev.Actor == "test-admin" && strings.Contains(ev.Text, "test-admin acknowledged step 1 (2 of 2)"))
		}
		if !counted {
			t.Errorf("the timeline does not count the second ack: %+v", tl)
		}
		entries, _ := sqldb.NewAuditService(e.db).FindAuditEntries(ctx, 0, 1000)
		var audited bool
		for _, en := range entries {
			audited = audited || (en.Action == "paging.ack" && en.Actor == "test-admin" && en.Subject == fmt.Sprintf("incident/%d", id))
		}
		if !audited {
			t.Error("the second ack is not audited as test-admin")
		}

		// The web UI button counts the second person too.
		id2 := e.openIncident()
		paged(id2)
		if got := ack(id2, quench.RoleResponder); got.status != 200 {
			t.Fatalf("first ack: %s", got)
		}
		b.get(fmt.Sprintf("/incidents/%d", id2))
		if got := b.post(fmt.Sprintf("/incidents/%d/ack", id2), nil); got.status != http.StatusSeeOther {
			t.Fatalf("the web UI's ack: %s", got)
		}
		if err := pe.engine.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if !stopped(id2) {
			t.Fatal("the web UI's ack did not count the second person")
		}
	})
}

// TestClientQueuedAnswer: a 202 whose body is {"error": …} is a paging
// command still queued for the escalation leader, and the client says so
// with EQUEUED; any other 202 (a started drill) is a result.
func TestClientQueuedAnswer(t *testing.T) {
	body := `{"error":"paging command 7 (page) is queued"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	c := &Client{URL: srv.URL, Token: "t", HTTP: srv.Client()}
	_, err := c.Page(context.Background(), PageRequest{Role: "ops", Text: "x"})
	if quench.ErrorCode(err) != quench.EQUEUED || quench.ErrorMessage(err) != "paging command 7 (page) is queued" {
		t.Fatalf("queued: %v", err)
	}
	body = `{"people":["bob"],"notifications":[]}`
	res, err := c.Page(context.Background(), PageRequest{Role: "ops", Text: "x"})
	if err != nil || len(res.People) != 1 {
		t.Fatalf("a 202 with a result: %+v %v", res, err)
	}
}
