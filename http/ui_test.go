package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/check"
	"github.com/quench-sh/quench/sqldb"
)

// browser is a cookie-keeping HTTP client that does not follow redirects,
// standing in for a person's browser.
type browser struct {
	t    *testing.T
	e    *testEnv
	c    *http.Client
	csrf string
}

func (e *testEnv) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// req sends a request with headers; a form body is sent as a browser
// posts one.
func (b *browser) req(method, path string, form url.Values, hdr map[string]string) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.srv.URL()+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(raw); m != nil {
		b.csrf = string(m[1])
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

func (b *browser) get(path string) response { b.t.Helper(); return b.req("GET", path, nil, nil) }

// post sends a form with the page's form token.
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	return b.req("POST", path, form, nil)
}

// signIn exchanges the role's token for a session.
func (b *browser) signIn(role quench.TokenRole) {
	b.t.Helper()
	got := b.req("POST", "/login", url.Values{"token": {b.e.secrets[role]}, "next": {"/incidents"}}, nil)
	if got.status != http.StatusSeeOther || got.header.Get("Location") != "/incidents" {
		b.t.Fatalf("sign in as %s: %s", role, got)
	}
	if got := b.get("/incidents"); got.status != 200 {
		b.t.Fatalf("after sign-in: %s", got)
	}
}

// TestUIRoleMatrix walks every web UI route as a signed-out browser and as
// each person role, checking the answer against the role the route needs,
// which is the API's role for the same action (written down here, not read
// from the table).
func TestUIRoleMatrix(t *testing.T) {
	e := newStepEnv(t, "sqlite").testEnv
	need := map[string]quench.TokenRole{
		"GET /{$}": quench.RoleViewer, "GET /login": needSignedOut, "POST /login": needSignedOut, "POST /logout": quench.RoleViewer,
		"GET /incidents": quench.RoleViewer, "GET /incidents/live": quench.RoleViewer,
		"GET /incidents/{id}": quench.RoleViewer, "GET /incidents/{id}/live": quench.RoleViewer,
		"POST /incidents/{id}/ack": quench.RoleResponder, "POST /incidents/{id}/resolve": quench.RoleResponder,
		"POST /incidents/{id}/notes":               quench.RoleResponder,
		"GET /incidents/{id}/steps/{name}/confirm": quench.RoleResponder, "POST /incidents/{id}/steps/{name}/run": quench.RoleResponder,
		"GET /runbooks": quench.RoleViewer, "GET /runbooks/{id}": quench.RoleViewer,
		"GET /deploys": quench.RoleViewer, "POST /deploys": quench.RoleResponder,
		"GET /audit":                    quench.RoleAdmin,
		"POST /incidents/{id}/escalate": quench.RoleResponder, "GET /oncall": quench.RoleViewer,
		"GET /signals":  quench.RoleViewer,
		"GET /silences": quench.RoleViewer, "POST /silences": quench.RoleResponder, "POST /silences/{id}/expire": quench.RoleResponder,
	}
	e.srv.Handler()
	for _, rt := range e.srv.uiRoutes {
		want, ok := need[rt.pattern]
		if !ok {
			t.Errorf("web UI route %q has no expected role here", rt.pattern)
			continue
		}
		if rt.need != want {
			t.Errorf("%s needs %q, want %q", rt.pattern, rt.need, want)
		}
	}
	if len(e.srv.uiRoutes) != len(need) {
		t.Errorf("%d web UI routes, %d expected", len(e.srv.uiRoutes), len(need))
	}
	paths := func() map[string]func() (string, url.Values) {
		id := e.openRunbookIncident()
		return map[string]func() (string, url.Values){
			"GET /incidents":      func() (string, url.Values) { return "/incidents", nil },
			"GET /incidents/{id}": func() (string, url.Values) { return fmt.Sprintf("/incidents/%d", id), nil },
			"POST /incidents/{id}/ack": func() (string, url.Values) {
				return fmt.Sprintf("/incidents/%d/ack", e.openRunbookIncident()), url.Values{}
			},
			"POST /incidents/{id}/resolve": func() (string, url.Values) {
				return fmt.Sprintf("/incidents/%d/resolve", e.openRunbookIncident()), url.Values{}
			},
			"POST /incidents/{id}/notes": func() (string, url.Values) {
				return fmt.Sprintf("/incidents/%d/notes", id), url.Values{"text": {"checked the disk"}}
			},
			"GET /incidents/{id}/steps/{name}/confirm": func() (string, url.Values) {
				return fmt.Sprintf("/incidents/%d/steps/clean-tmp/confirm", id), nil
			},
			"POST /incidents/{id}/steps/{name}/run": func() (string, url.Values) {
				return fmt.Sprintf("/incidents/%d/steps/usage/run", id), url.Values{}
			},
			"GET /runbooks":      func() (string, url.Values) { return "/runbooks", nil },
			"GET /runbooks/{id}": func() (string, url.Values) { return "/runbooks/db-down", nil },
			"GET /deploys":       func() (string, url.Values) { return "/deploys", nil },
			"POST /deploys": func() (string, url.Values) {
				return "/deploys", url.Values{"service": {"api"}, "sha": {"0a1b2c3"}}
			},
			"GET /audit":    func() (string, url.Values) { return "/audit", nil },
			"GET /oncall":   func() (string, url.Values) { return "/oncall", nil },
			"GET /signals":  func() (string, url.Values) { return "/signals", nil },
			"GET /silences": func() (string, url.Values) { return "/silences", nil },
			"POST /silences": func() (string, url.Values) {
				return "/silences", url.Values{"matchers": {"alertname=UIMatrix"}, "duration": {"1h"}, "comment": {"role matrix"}}
			},
			"POST /silences/{id}/expire": func() (string, url.Values) {
				return fmt.Sprintf("/silences/%d/expire", e.silence()), url.Values{}
			},
			"POST /incidents/{id}/escalate": func() (string, url.Values) {
				return fmt.Sprintf("/incidents/%d/escalate", e.openIncident()), url.Values{}
			},
		}
	}()
	for _, role := range []quench.TokenRole{"", quench.RoleViewer, quench.RoleResponder, quench.RoleAdmin, quench.RoleOwner} {
		b := e.browser(t)
		if role != "" {
			b.signIn(role)
		}
		for pattern, build := range paths {
			path, form := build()
			var got response
			if form != nil {
				got = b.post(path, form)
			} else {
				got = b.get(path)
			}
			allowed := role != "" && role.Allows(need[pattern])
			switch {
			case allowed && (got.status == 200 || got.status == 303):
			case !allowed && role == "" && form == nil && got.status == 303 && strings.HasPrefix(got.header.Get("Location"), "/login?next="):
			case !allowed && role == "" && form != nil && got.status == 401:
			case !allowed && role != "" && got.status == 403:
			default:
				t.Errorf("%s as %q: %s", pattern, role, got)
			}
		}
	}
}

// TestUISecurityHeaders checks every page forbids inline script, framing
// and sniffing, and the session cookie is HttpOnly, SameSite and expiring.
func TestUISecurityHeaders(t *testing.T) {
	e := newEnv(t, "sqlite")
	b := e.browser(t)
	login := b.req("POST", "/login", url.Values{"token": {e.secrets[quench.RoleViewer]}}, nil)
	cookie := login.header.Get("Set-Cookie")
	for _, want := range []string{"quench_session=qs_", "HttpOnly", "SameSite=Lax", "Max-Age=", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("plain-HTTP cookie marked Secure: %q", cookie)
	}
	for _, path := range []string{"/login", "/incidents", "/runbooks"} {
		got := b.get(path)
		csp := got.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if got.header.Get("X-Frame-Options") != "DENY" || got.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: frame %q sniff %q", path, got.header.Get("X-Frame-Options"), got.header.Get("X-Content-Type-Options"))
		}
		if strings.Contains(string(got.body), "<script>") || regexp.MustCompile(`\son[a-z]+=`).Match(got.body) {
			t.Errorf("%s has inline script or an inline handler", path)
		}
	}
	// Behind TLS (a trusted proxy saying so) the cookie is Secure and __Host-.
	e.srv.Web.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tls := e.browser(t).req("POST", "/login", url.Values{"token": {e.secrets[quench.RoleViewer]}}, map[string]string{"X-Forwarded-Proto": "https"})
	if c := tls.header.Get("Set-Cookie"); !strings.HasPrefix(c, "__Host-quench_session=") || !strings.Contains(c, "Secure") {
		t.Errorf("cookie behind TLS: %q", c)
	}
}

// TestUIForms checks the form token, the cross-origin check, sign-out and
// that revoking the token ends the session.
func TestUIForms(t *testing.T) {
	e := newEnv(t, "sqlite")
	id := e.openIncident()
	_, secret, err := e.srv.Tokens.CreateToken(context.Background(), "carol", quench.RoleResponder)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	if got := b.req("POST", "/login", url.Values{"token": {secret}}, nil); got.status != 303 {
		t.Fatalf("sign in: %s", got)
	}
	b.get(fmt.Sprintf("/incidents/%d", id))
	ack := fmt.Sprintf("/incidents/%d/ack", id)
	if got := b.post(ack, url.Values{"csrf": {"forged"}}); got.status != 403 || !contains(string(got.body), "out of date") {
		t.Errorf("wrong form token: %s", got)
	}
	if got := b.req("POST", ack, url.Values{"csrf": {b.csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); got.status != 403 {
		t.Errorf("cross-site post: %s", got)
	}
	if inc, _ := e.srv.Incidents.FindIncident(context.Background(), id); inc.Status != quench.StatusTriggered {
		t.Fatalf("a refused post changed the incident: %s", inc.Status)
	}
	if got := b.post(ack, nil); got.status != 303 {
		t.Fatalf("ack with the form token: %s", got)
	}
	if inc, _ := e.srv.Incidents.FindIncident(context.Background(), id); inc.AcknowledgedBy != "carol" {
		t.Errorf("acknowledged by %q, want the signed-in person", inc.AcknowledgedBy)
	}
	// An ingest token cannot sign in.
	if got := e.browser(t).req("POST", "/login", url.Values{"token": {e.secrets[quench.RoleIngest]}}, nil); got.status != 403 {
		t.Errorf("ingest sign-in: %s", got)
	}
	// A redirect target off the site is ignored.
	if got := e.browser(t).req("POST", "/login", url.Values{"token": {secret}, "next": {"//evil.example/x"}}, nil); got.header.Get("Location") != "/incidents" {
		t.Errorf("next=//evil.example went to %q", got.header.Get("Location"))
	}
	// Revoking the token ends its sessions at once.
	if err := e.srv.Tokens.RevokeToken(context.Background(), "carol", "test-admin"); err != nil {
		t.Fatal(err)
	}
	if got := b.get("/incidents"); got.status != 303 {
		t.Errorf("after revoking the token: %s", got)
	}
	// Sign-out ends the session.
	v := e.browser(t)
	v.signIn(quench.RoleViewer)
	if got := v.post("/logout", nil); got.status != 303 {
		t.Fatalf("sign out: %s", got)
	}
	if got := v.get("/incidents"); got.status != 303 {
		t.Errorf("after sign-out: %s", got)
	}
}

// TestUIProxyAuth signs people in from a reverse proxy's header only when
// the request comes from a trusted address.
func TestUIProxyAuth(t *testing.T) {
	e := newEnv(t, "sqlite", func(s *Server) {
		s.Web.Proxy = ProxyAuth{UserHeader: "Remote-User", GroupsHeader: "Remote-Groups",
			Users:  map[string]quench.TokenRole{"alice": quench.RoleAdmin},
			Groups: map[string]quench.TokenRole{"oncall": quench.RoleResponder}}
	})
	hdr := func(user, groups string) map[string]string {
		return map[string]string{"Remote-User": user, "Remote-Groups": groups}
	}
	// Untrusted peer: the header is ignored.
	if got := e.browser(t).req("GET", "/incidents", nil, hdr("alice", "")); got.status != 303 {
		t.Fatalf("header from an untrusted address: %s", got)
	}
	e.srv.Web.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	for _, tt := range []struct {
		user, groups string
		status       int
		role         string
	}{
		{"alice", "", 200, "admin"},
		{"bob", "dev, oncall", 200, "responder"},
		{"mallory", "dev", 403, ""},
	} {
		got := e.browser(t).req("GET", "/incidents", nil, hdr(tt.user, tt.groups))
		if got.status != tt.status || (tt.role != "" && !contains(string(got.body), `<span class="role">`+tt.role+`</span>`)) {
			t.Errorf("%s (%s): %s", tt.user, tt.groups, got)
		}
	}
	// A proxy user's actions carry their name.
	id := e.openIncident()
	b := e.browser(t)
	b.req("GET", fmt.Sprintf("/incidents/%d", id), nil, hdr("bob", "oncall"))
	got := b.req("POST", fmt.Sprintf("/incidents/%d/ack", id), url.Values{"csrf": {b.csrf}}, hdr("bob", "oncall"))
	if inc, _ := e.srv.Incidents.FindIncident(context.Background(), id); got.status != 303 || inc.AcknowledgedBy != "bob" {
		t.Errorf("proxy ack: %s, by %q", got, inc.AcknowledgedBy)
	}
}

// TestUINotFound gives a browser a page for a path quench does not have,
// and API clients their JSON as before.
func TestUINotFound(t *testing.T) {
	e := newEnv(t, "sqlite")
	page := e.browser(t).req("GET", "/no/such/page", nil, map[string]string{"Accept": "text/html,application/xhtml+xml"})
	if page.status != 404 || !strings.Contains(page.header.Get("Content-Type"), "text/html") || !contains(string(page.body), "no page at /no/such/page") {
		t.Errorf("browser: %s", page)
	}
	if page.header.Get("Content-Security-Policy") == "" {
		t.Error("the not-found page has no CSP")
	}
	api := e.browser(t).req("GET", "/api/v1/nope", nil, map[string]string{"Accept": "text/html"})
	if api.status != 404 || !strings.Contains(api.header.Get("Content-Type"), "application/json") {
		t.Errorf("API path: %s", api)
	}
}

// TestUIPaging shows who is on call and lets a responder escalate, through
// the paging engine the API uses.
func TestUIPaging(t *testing.T) {
	e := newEnv(t, "sqlite")
	id := e.openIncident()
	b := e.browser(t)
	b.signIn(quench.RoleResponder)
	oncall := b.get("/oncall")
	if oncall.status != 200 || !contains(string(oncall.body), "<code>oncall-ops</code>") || !contains(string(oncall.body), "<code>backend-lead</code>") {
		t.Fatalf("on-call page: %s", oncall)
	}
	page := b.get(fmt.Sprintf("/incidents/%d", id))
	if !contains(string(page.body), `id="escalate-form"`) {
		t.Fatalf("a responder is not offered Escalate")
	}
	if got := b.post(fmt.Sprintf("/incidents/%d/escalate", id), nil); got.status != 303 {
		t.Fatalf("escalate: %s", got)
	}
	tl, err := e.srv.Incidents.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range tl {
		kinds = append(kinds, ev.Kind+" by "+ev.Actor)
	}
	if !slices.Contains(kinds, "escalated by test-responder") {
		t.Errorf("after Escalate the timeline is %q, want it escalated by the signed-in person", kinds)
	}
	v := e.browser(t)
	v.signIn(quench.RoleViewer)
	if contains(string(v.get(fmt.Sprintf("/incidents/%d", id)).body), "escalate-form") {
		t.Error("a viewer is offered Escalate")
	}
}

// A drill incident says so on the list and on its page; a real one does not.
func TestUIDrillBadge(t *testing.T) {
	e := newEnv(t, "sqlite")
	res, err := e.store.IngestAlerts(context.Background(), []quench.Alert{
		{Source: quench.SourceDrill, Integration: "drill", DedupKey: "drill-1", Action: quench.ActionTrigger,
			Severity: quench.SeverityHigh, Summary: "rehearsal of db-down", ReceivedAt: time.Now()},
		{Source: quench.SourceGeneric, Integration: "test", DedupKey: "real-1", Action: quench.ActionTrigger,
			Severity: quench.SeverityHigh, Summary: "the real thing", ReceivedAt: time.Now()},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	drill, real := res[0].IncidentID, res[1].IncidentID
	b := e.browser(t)
	b.signIn(quench.RoleViewer)
	badge := regexp.MustCompile(`<span class="status drill"[^>]*>drill</span>`)
	list := b.get("/incidents")
	rows := regexp.MustCompile(`(?s)<li class="inc [^"]*" id="inc-(\d+)".*?</li>`).FindAllSubmatch(list.body, -1)
	seen := map[string]bool{}
	for _, row := range rows {
		seen[string(row[1])] = badge.Match(row[0])
	}
	if !seen[fmt.Sprint(drill)] || seen[fmt.Sprint(real)] {
		t.Errorf("list badges by incident %v: want only #%d marked as a drill", seen, drill)
	}
	if page := b.get(fmt.Sprintf("/incidents/%d", drill)); !badge.Match(page.body) {
		t.Errorf("the drill incident's page does not say it is a drill")
	}
	if page := b.get(fmt.Sprintf("/incidents/%d", real)); badge.Match(page.body) {
		t.Errorf("a real incident's page is marked as a drill")
	}
}

// TestUISignals shows each real check's and heartbeat's state, failing
// checks first; the ping URL, a credential, only to responders and better.
func TestUISignals(t *testing.T) {
	e := newEnv(t, "sqlite")
	secret := e.pingSecret()
	if got := e.do("POST", "/ping/"+secret+"/fail", "", "text/plain", []byte("backup: disk full")); got.status != 200 {
		t.Fatalf("ping: %s", got)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "db down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	checks, err := check.CompileAll([]check.Spec{
		{Name: "api-up", Interval: time.Second, HTTP: &check.HTTPSpec{URL: up.URL}},
		{Name: "api-readyz", Interval: time.Second, HTTP: &check.HTTPSpec{URL: down.URL}, Runbook: "db-down"},
	}, check.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	engine := &check.Engine{Alerts: e.srv.Alerts, Store: sqldb.NewCheckStore(e.db)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	engine.SetChecks(ctx, checks)
	done := make(chan error, 1)
	go func() { done <- engine.Run(ctx) }()
	defer func() { cancel(); <-done }()
	e.srv.Checks = engine
	deadline := time.Now().Add(time.Minute)
	for ran := 0; ran < 2; {
		if time.Now().After(deadline) {
			t.Fatal("checks did not run within a minute")
		}
		time.Sleep(20 * time.Millisecond)
		states, _ := engine.Checks(ctx)
		ran = 0
		for _, st := range states {
			if st.Last != nil {
				ran++
			}
		}
	}

	r := e.browser(t)
	r.signIn(quench.RoleResponder)
	got := r.get("/signals")
	body := string(got.body)
	if got.status != 200 || !contains(body, "<strong>nightly</strong>") || !contains(body, `class="status status-hb-failed"`) || !contains(body, "/ping/"+secret) {
		t.Fatalf("signals page for a responder: %s", got)
	}
	failing, passing := strings.Index(body, "<strong>api-readyz</strong>"), strings.Index(body, "<strong>api-up</strong>")
	if failing < 0 || passing < 0 || failing > passing {
		t.Errorf("checks not listed failing first (api-readyz at %d, api-up at %d)", failing, passing)
	}
	if !contains(body, `class="status status-check-failing"`) || !contains(body, "503") || !contains(body, `href="/runbooks/db-down"`) {
		t.Errorf("the failing check's state, message or runbook is missing:\n%s", body)
	}
	if !contains(body, `href="/signals"`) {
		t.Error("no nav entry for the signals page")
	}
	v := e.browser(t)
	v.signIn(quench.RoleViewer)
	got = v.get("/signals")
	if got.status != 200 || !contains(string(got.body), "<strong>nightly</strong>") || contains(string(got.body), secret) {
		t.Errorf("a viewer's signals page must list the heartbeat without its secret: %s", got)
	}
}

// TestUISilences: a responder adds a silence from the form, sees the alert
// it holds back, and ends it; a hostile comment renders as text; a viewer
// gets neither the form nor the button, and a bad form says what is wrong.
func TestUISilences(t *testing.T) {
	e := newEnv(t, "sqlite")
	r := e.browser(t)
	r.signIn(quench.RoleResponder)
	got := r.post("/silences", url.Values{"matchers": {"alertname=DiskFull\n instance=db:5432 \n"}, "duration": {"2h"}, "comment": {"<script>alert(1)</script> resize"}})
	if got.status != 303 {
		t.Fatalf("add silence: %s", got)
	}
	sls, err := e.srv.Silences.FindSilences(context.Background(), quench.SilenceFilter{Current: true})
	if err != nil || len(sls) != 1 || len(sls[0].Matchers) != 2 || sls[0].CreatedBy != "test-responder" {
		t.Fatalf("silences after the form: %+v, %v", sls, err)
	}
	id := sls[0].ID
	alert := `{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"DiskFull","instance":"db:5432"},"annotations":{"summary":"disk 95% on db"}}]}`
	if res := e.post("/ingest/alertmanager", quench.RoleIngest, []byte(alert)); res.status >= 300 {
		t.Fatalf("alert: %s", res)
	}
	page := r.get("/silences")
	body := string(page.body)
	if page.status != 200 || !contains(body, fmt.Sprintf(`id="silence-%d"`, id)) || !contains(body, "disk 95% on db") || !contains(body, `class="status status-silence-active"`) {
		t.Fatalf("silences page: %s", page)
	}
	if contains(body, "<script>alert(1)</script>") || !contains(body, "&lt;script&gt;") {
		t.Error("the comment was not escaped")
	}
	if bad := r.post("/silences", url.Values{"matchers": {"alertname=X"}, "duration": {"soon"}, "comment": {"x"}}); bad.status != 400 || !contains(string(bad.body), "duration") {
		t.Errorf("a bad duration: %s", bad)
	}
	v := e.browser(t)
	v.signIn(quench.RoleViewer)
	vb := string(v.get("/silences").body)
	if contains(vb, `action="/silences"`) || contains(vb, "/expire") || !contains(vb, "disk 95% on db") {
		t.Error("a viewer is offered the silence form or End, or does not see the held alert")
	}
	if got := r.post(fmt.Sprintf("/silences/%d/expire", id), url.Values{}); got.status != 303 {
		t.Fatalf("end silence: %s", got)
	}
	if sls, _ := e.srv.Silences.FindSilences(context.Background(), quench.SilenceFilter{Current: true}); len(sls) != 0 {
		t.Errorf("still current after End: %+v", sls)
	}
	if !contains(string(r.get("/silences?all=1").body), `class="status status-silence-expired"`) {
		t.Error("the ended silence is not listed with ?all=1")
	}
}
