package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/notify"
)

// need skips a test for a missing tool, unless CI requires it.
func need(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("QUENCH_REQUIRE_INTEGRATION") == "1" {
		t.Fatalf("%s (QUENCH_REQUIRE_INTEGRATION=1; .ci/run installs it)", why)
	}
	t.Skip(why)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// mailpit starts a real Mailpit on free loopback ports and returns its
// SMTP port and API base URL. Only example.com recipients are accepted, so
// a test can provoke a permanent SMTP refusal.
func mailpit(t *testing.T) (smtpPort int, api string) {
	t.Helper()
	bin, err := exec.LookPath("mailpit")
	if err != nil {
		if gb := filepath.Join(os.Getenv("HOME"), "go", "bin", "mailpit"); fileExists(gb) {
			bin = gb
		} else {
			need(t, "mailpit is not installed (go install github.com/axllent/mailpit@v1.33.1)")
		}
	}
	smtpPort, httpPort := freePort(t), freePort(t)
	cmd := exec.Command(bin, "--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check",
		"--smtp-allowed-recipients", `@example\.com$`)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	api = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(api + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", smtpPort)); err == nil {
				c.Close()
				return smtpPort, api
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // waiting for a process to listen, not for a result
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestEmailMailpit sends through a real SMTP server and reads the message
// back through Mailpit's API: subject, both parts, the links.
func TestEmailMailpit(t *testing.T) {
	port, api := mailpit(t)
	e := &notify.Email{Host: "127.0.0.1", Port: port, From: "quench@example.com", TLS: "none", Timeout: 10 * time.Second}
	m := testMessage(quench.ContactMethod{Name: "mail", Kind: quench.ContactEmail, Address: "alice@example.com"})
	m.Summary = "db_connected: false\nlast restart 3 minutes ago"
	if _, err := e.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Messages []struct {
			ID      string
			Subject string
			To      []struct{ Address string }
		} `json:"messages"`
	}
	getJSON(t, api+"/api/v1/messages", &list)
	if len(list.Messages) != 1 || list.Messages[0].Subject != "[CRITICAL] #1 Postgres is down" || list.Messages[0].To[0].Address != "alice@example.com" {
		t.Fatalf("mailpit has %+v", list)
	}
	var msg struct {
		Text, HTML string
		MessageID  string
	}
	getJSON(t, api+"/api/v1/message/"+list.Messages[0].ID, &msg)
	for _, want := range []string{"Runbook: Database Down", "Acknowledge: http://q/a/ack", "db_connected: false", "Resolve: http://q/a/res",
		"Diagnosis: 1 of 3 steps failed (db-ping: exit 2)"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, msg.Text)
		}
	}
	if !strings.Contains(msg.HTML, `<a href="http://q/a/ack"`) || !strings.Contains(msg.HTML, "Database Down") ||
		!strings.Contains(msg.HTML, "<b>Diagnosis:</b> "+testVerdict) {
		t.Errorf("HTML part:\n%s", msg.HTML)
	}
	if msg.MessageID != "i1-s1-alice-hook@quench" {
		t.Errorf("Message-ID %q", msg.MessageID)
	}
	// A recipient the server refuses for good: no retry.
	m.Address.Address = "alice@elsewhere.org"
	_, err := e.Send(context.Background(), m)
	var se *quench.SendError
	if !errors.As(err, &se) || se.Retry || se.Status < 500 {
		t.Errorf("refused recipient: %#v", err)
	}
	// Nothing listening: retry.
	e.Port = freePort(t)
	_, err = e.Send(context.Background(), m)
	if !errors.As(err, &se) || !se.Retry {
		t.Errorf("no server: %#v", err)
	}
}

// slackAPI is a stand-in for Slack's Web API (it cannot run here): it
// answers chat.postMessage and chat.update like Slack does.
type slackAPI struct {
	mu      sync.Mutex
	calls   []url.Values
	methods []string
	answer  func(method string) (int, string)
}

func (s *slackAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	s.mu.Lock()
	s.calls = append(s.calls, r.PostForm)
	token := r.PostForm.Get("token")
	if h := r.Header.Get("Authorization"); h != "" {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	s.methods = append(s.methods, method+" "+token)
	ans := s.answer
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if ans != nil {
		code, body := ans(method)
		if code == 429 {
			w.Header().Set("Retry-After", "12")
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
		return
	}
	_, _ = io.WriteString(w, `{"ok":true,"channel":"D0DM","ts":"1767225600.000100"}`)
}

func TestSlack(t *testing.T) {
	fake := &slackAPI{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s := &notify.Slack{Token: "xoxb-test", BaseURL: srv.URL + "/api/", Client: srv.Client()}
	m := testMessage(quench.ContactMethod{Name: "chat", Kind: quench.ContactSlack, Address: "U0ALICE"})
	res, err := s.Send(context.Background(), m)
	if err != nil || res.ProviderID != "D0DM:1767225600.000100" {
		t.Fatalf("post: %+v %v", res, err)
	}
	if fake.methods[0] != "chat.postMessage xoxb-test" || fake.calls[0].Get("channel") != "U0ALICE" {
		t.Fatalf("post call: %v %v", fake.methods, fake.calls[0])
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(fake.calls[0].Get("blocks")), &blocks); err != nil || len(blocks) != 2 {
		t.Fatalf("blocks %s: %v", fake.calls[0].Get("blocks"), err)
	}
	if !strings.Contains(fake.calls[0].Get("blocks"), `"url":"http://q/a/ack"`) {
		t.Errorf("no signed ack link button: %s", fake.calls[0].Get("blocks"))
	}
	if !strings.Contains(fake.calls[0].Get("blocks"), "Diagnosis: 1 of 3 steps failed (db-ping: exit 2)") {
		t.Errorf("no diagnosis verdict: %s", fake.calls[0].Get("blocks"))
	}
	// The ack follow-up updates the same message.
	m.Kind, m.ProviderID, m.AckURL, m.ResolveURL = quench.MessageAck, res.ProviderID, "", ""
	m.Incident.Status, m.Incident.AcknowledgedBy = quench.StatusAcknowledged, "alice"
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if fake.methods[1] != "chat.update xoxb-test" || fake.calls[1].Get("ts") != "1767225600.000100" || fake.calls[1].Get("channel") != "D0DM" ||
		!strings.Contains(fake.calls[1].Get("blocks"), "ACKNOWLEDGED") || strings.Contains(fake.calls[1].Get("blocks"), "/a/ack") {
		t.Errorf("update call: %v %v", fake.methods[1], fake.calls[1])
	}
	// Failures: rate limit retries after Slack's Retry-After; an API error
	// (unknown channel) fails for good; a 503 retries.
	for _, tt := range []struct {
		code  int
		body  string
		retry bool
		after time.Duration
	}{
		{429, `{"ok":false,"error":"ratelimited"}`, true, 12 * time.Second},
		{200, `{"ok":false,"error":"channel_not_found"}`, false, 0},
		{503, `upstream down`, true, 0},
	} {
		fake.mu.Lock()
		fake.answer = func(string) (int, string) { return tt.code, tt.body }
		fake.mu.Unlock()
		m.Kind, m.ProviderID = quench.MessagePage, ""
		_, err := s.Send(context.Background(), m)
		var se *quench.SendError
		if !errors.As(err, &se) || se.Retry != tt.retry || se.RetryAfter != tt.after {
			t.Errorf("answer %d %s: %#v", tt.code, tt.body, err)
		}
	}
}

// twilioAPI is a stand-in for Twilio's Messages resource.
type twilioAPI struct {
	mu     sync.Mutex
	forms  []url.Values
	auth   []string
	status int
}

func (s *twilioAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	user, pass, _ := r.BasicAuth()
	s.mu.Lock()
	s.forms = append(s.forms, r.PostForm)
	s.auth = append(s.auth, r.URL.Path+" "+user+":"+pass)
	status := s.status
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if status != 0 {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"code":21211,"message":"The 'To' number is not a valid phone number.","status":400}`)
		return
	}
	w.WriteHeader(201)
	_, _ = io.WriteString(w, `{"sid":"SM0123456789abcdef","status":"queued"}`)
}

func TestSMS(t *testing.T) {
	fake := &twilioAPI{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s := &notify.SMS{BaseURL: srv.URL, AccountSID: "AC123", AuthToken: "tok", From: "+15005550006", Client: srv.Client(), Now: time.Now}
	m := testMessage(quench.ContactMethod{Name: "phone", Kind: quench.ContactSMS, Address: "+4915112345678"})
	res, err := s.Send(context.Background(), m)
	if err != nil || res.ProviderID != "SM0123456789abcdef" {
		t.Fatalf("send: %+v %v", res, err)
	}
	f := fake.forms[0]
	if fake.auth[0] != "/2010-04-01/Accounts/AC123/Messages.json AC123:tok" || f.Get("To") != "+4915112345678" || f.Get("From") != "+15005550006" {
		t.Errorf("request %v %v", fake.auth, f)
	}
	if body := f.Get("Body"); !strings.Contains(body, "#1 Postgres is down - "+testVerdict) || !strings.HasSuffix(body, "Reply ACK 1 or RES 1") || len(body) > 320 {
		t.Errorf("body %q", body)
	}
	fake.status = 400
	_, err = s.Send(context.Background(), m)
	var se *quench.SendError
	if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Message, "not a valid phone number. (code 21211)") {
		t.Errorf("400: %#v", err)
	}
}

// TestTwilioSignature checks the example of Twilio's request validation
// documentation (recomputed with openssl: printf URL+params | openssl dgst
// -sha1 -hmac 12345 -binary | base64).
func TestTwilioSignature(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"}}
	got := notify.TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form)
	if want := "0/KCTR6DLpKmkAf8muzZqo1nDgQ="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	v := &notify.TwilioVerifier{AuthToken: "12345", URL: "https://mycompany.com/myapp.php?foo=1&bar=2"}
	r, _ := http.NewRequest("POST", "/", nil)
	r.Header.Set("X-Twilio-Signature", got)
	if err := v.VerifySMS(r, form); err != nil {
		t.Fatal(err)
	}
	form.Set("Digits", "9999")
	if err := v.VerifySMS(r, form); err == nil {
		t.Fatal("a changed form verified")
	}
}

// TestShortFits: an SMS keeps within two segments whatever the summary
// and verdict, and never loses its reply codes or the verdict's start.
func TestShortFits(t *testing.T) {
	long := strings.Repeat("very long summary ", 40)
	for _, tt := range []struct {
		name, summary, verdict, want string
	}{
		{"short", "Postgres is down", "diagnosis running (1 of 3 steps done)", "#1 Postgres is down - diagnosis running (1 of 3 steps done) Reply ACK 1 or RES 1"},
		{"long summary", long, "diagnosis done: 3 steps ok", "- diagnosis done: 3 steps ok Reply ACK 1 or RES 1"},
		{"long both", long, "diagnosis done: " + long, "- diagnosis done: very long"},
		{"no verdict", "Postgres is down", "", "#1 Postgres is down Reply ACK 1 or RES 1"},
	} {
		m := testMessage(quench.ContactMethod{Name: "phone", Kind: quench.ContactSMS, Address: "+4915112345678"})
		m.Incident.Summary, m.Diagnosis = tt.summary, tt.verdict
		got := notify.Short(m)
		if len(got) > 320 || !strings.Contains(got, tt.want) || !strings.HasSuffix(got, "Reply ACK 1 or RES 1") {
			t.Errorf("%s: %d bytes %q", tt.name, len(got), got)
		}
	}
}
