package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/notify"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // Unix 1767225600

// TestSignKnownVector: the signature equals what openssl computes for the
// same input (printf '1767225600.{"a":1}' | openssl dgst -sha256 -hmac topsecret).
func TestSignKnownVector(t *testing.T) {
	got := notify.Sign([]byte("topsecret"), t0, []byte(`{"a":1}`))
	if want := "v1=4fe3c47468405ef2cad64bcbf4ce28b3077d4978f27c8082e5bc2a941bf2e6ac"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerifyWebhook(t *testing.T) {
	secret := []byte("topsecret")
	body := []byte(`{"a":1}`)
	h := http.Header{}
	h.Set(notify.HeaderTimestamp, "1767225600")
	h.Set(notify.HeaderSignature, notify.Sign(secret, t0, body))
	w := notify.DefaultReplayWindow
	for _, tt := range []struct {
		name   string
		secret string
		body   string
		now    time.Time
		ok     bool
	}{
		{"fresh", "topsecret", `{"a":1}`, t0.Add(time.Minute), true},
		{"replayed after the window", "topsecret", `{"a":1}`, t0.Add(w + time.Second), false},
		{"from the future", "topsecret", `{"a":1}`, t0.Add(-w - time.Second), false},
		{"body changed", "topsecret", `{"a":2}`, t0, false},
		{"other secret", "other", `{"a":1}`, t0, false},
	} {
		err := notify.VerifyWebhook([]byte(tt.secret), h, []byte(tt.body), tt.now, w)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v", tt.name, err)
		}
	}
}

// receiver is a real HTTP server that records what it got.
type receiver struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
	status []int // answers, in turn; 200 after they run out
	srv    *httptest.Server
}

func newReceiver(t *testing.T, status ...int) *receiver {
	r := &receiver{status: status}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		r.bodies = append(r.bodies, b)
		code := 200
		if len(r.status) > 0 {
			code, r.status = r.status[0], r.status[1:]
		}
		r.mu.Unlock()
		if code == 429 {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// testVerdict is the diagnosis verdict test messages carry.
const testVerdict = "diagnosis done: 1 of 3 steps failed (db-ping: exit 2)"

func testMessage(addr quench.ContactMethod) *quench.Message {
	return &quench.Message{
		Notification: quench.Notification{Key: "i1-s1-alice-hook", IncidentID: 1, Step: 1, Role: "oncall-ops", Person: "alice",
			Kind: quench.MessagePage, Urgency: quench.UrgencyHigh},
		Person:   quench.Person{ID: "alice"},
		Address:  addr,
		Incident: &quench.Incident{ID: 1, Status: quench.StatusTriggered, Severity: quench.SeverityCritical, Summary: "Postgres is down"},
		Runbook:  "Database Down", AckURL: "http://q/a/ack", ResolveURL: "http://q/a/res", IncidentURL: "http://q/incidents/1",
		Diagnosis: testVerdict,
	}
}

func TestWebhookSend(t *testing.T) {
	rcv := newReceiver(t, 200, 503, 429, 404)
	w, err := notify.NewWebhook([]byte("s3cret"), rcv.srv.Client(), func() time.Time { return t0 }, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage(quench.ContactMethod{Name: "hook", Kind: quench.ContactWebhook, Address: rcv.srv.URL + "/hook"})
	if _, err := w.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	req, body := rcv.reqs[0], rcv.bodies[0]
	if err := notify.VerifyWebhook([]byte("s3cret"), req.Header, body, t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"version": 1.0, "key": "i1-s1-alice-hook", "kind": "page", "urgency": "high",
		"person": "alice", "role": "oncall-ops", "ack_url": "http://q/a/ack", "title": "[CRITICAL] #1 Postgres is down",
		"diagnosis": testVerdict} {
		if p[k] != want {
			t.Errorf("payload %s = %v, want %v", k, p[k], want)
		}
	}
	if req.Header.Get(notify.HeaderKey) != "i1-s1-alice-hook" {
		t.Errorf("idempotency key header %q", req.Header.Get(notify.HeaderKey))
	}
	// 503 and 429 retry (429 with its Retry-After); 404 does not.
	for _, want := range []struct {
		retry bool
		after time.Duration
		code  int
	}{{true, 0, 503}, {true, 7 * time.Second, 429}, {false, 0, 404}} {
		_, err := w.Send(context.Background(), m)
		se, ok := err.(*quench.SendError)
		if !ok || se.Retry != want.retry || se.RetryAfter != want.after || se.Status != want.code {
			t.Errorf("answer %d: %#v", want.code, err)
		}
	}
}

func TestWebhookTemplates(t *testing.T) {
	rcv := newReceiver(t)
	w, err := notify.NewWebhook(nil, rcv.srv.Client(), func() time.Time { return t0 }, map[string]notify.Template{
		"custom": {Body: `{"msg": {{json .Title}}}`, Headers: map[string]string{"X-Sev": "{{.Incident.Severity}}"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		template, method, path string
		check                  func(t *testing.T, r *http.Request, body []byte)
	}{
		{"ntfy", "POST", "/alerts", func(t *testing.T, r *http.Request, body []byte) {
			if r.Header.Get("Title") != "[CRITICAL] #1 Postgres is down" || r.Header.Get("Priority") != "5" {
				t.Errorf("ntfy headers %v", r.Header)
			}
			if !strings.HasPrefix(r.Header.Get("Actions"), "view, Acknowledge, http://q/a/ack") {
				t.Errorf("ntfy actions %q", r.Header.Get("Actions"))
			}
			if !strings.Contains(string(body), "Runbook: Database Down") {
				t.Errorf("ntfy body %q", body)
			}
		}},
		{"gotify", "POST", "/message", func(t *testing.T, r *http.Request, body []byte) {
			var v struct {
				Title    string
				Message  string
				Priority int
			}
			if err := json.Unmarshal(body, &v); err != nil || v.Priority != 8 || v.Title == "" {
				t.Errorf("gotify body %s: %v", body, err)
			}
		}},
		{"mattermost", "POST", "/hooks/x", func(t *testing.T, r *http.Request, body []byte) {
			var v struct{ Text, Username string }
			if err := json.Unmarshal(body, &v); err != nil || !strings.HasPrefix(v.Text, "**[CRITICAL] #1") {
				t.Errorf("mattermost body %s: %v", body, err)
			}
		}},
		{"matrix", "PUT", "/rooms/r/send/m.room.message/i1-s1-alice-hook", func(t *testing.T, r *http.Request, body []byte) {
			var v struct{ Msgtype, Body string }
			if err := json.Unmarshal(body, &v); err != nil || v.Msgtype != "m.text" {
				t.Errorf("matrix body %s: %v", body, err)
			}
		}},
		{"custom", "POST", "/c", func(t *testing.T, r *http.Request, body []byte) {
			if string(body) != `{"msg": "[CRITICAL] #1 Postgres is down"}` || r.Header.Get("X-Sev") != "critical" {
				t.Errorf("custom %s %v", body, r.Header)
			}
		}},
	} {
		t.Run(tt.template, func(t *testing.T) {
			base := tt.path
			if tt.template == "matrix" {
				base = "/rooms/r/send/m.room.message"
			}
			m := testMessage(quench.ContactMethod{Name: "hook", Kind: quench.ContactWebhook, Address: rcv.srv.URL + base, Template: tt.template})
			if _, err := w.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			rcv.mu.Lock()
			r, b := rcv.reqs[len(rcv.reqs)-1], rcv.bodies[len(rcv.bodies)-1]
			rcv.mu.Unlock()
			if r.Method != tt.method || r.URL.Path != tt.path {
				t.Errorf("%s %s, want %s %s", r.Method, r.URL.Path, tt.method, tt.path)
			}
			tt.check(t, r, b)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"30", 30 * time.Second}, {"-5", 0}, {"99999", time.Hour}, {"soon", 0},
		{t0.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
	} {
		if got := notify.RetryAfter(tt.v, t0); got != tt.want {
			t.Errorf("RetryAfter(%q) = %s, want %s", tt.v, got, tt.want)
		}
	}
}
