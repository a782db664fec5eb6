package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/quench-sh/quench"
)

// Webhook signature headers. The signature is
// "v1=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), the timestamp
// Unix seconds: a receiver recomputes it and refuses a timestamp outside
// its replay window (VerifyWebhook).
const (
	HeaderTimestamp = "X-Quench-Timestamp"
	HeaderSignature = "X-Quench-Signature"
	HeaderKey       = "X-Quench-Idempotency-Key"
)

// DefaultReplayWindow is how far a signed timestamp may be from the
// receiver's clock.
const DefaultReplayWindow = 5 * time.Minute

// Sign returns the signature header value for a body sent at ts.
func Sign(secret []byte, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a received webhook: the signature must match and
// the timestamp be within window of now. Receivers written in Go can call
// it; docs/paging.md shows the same check in a few lines of shell.
func VerifyWebhook(secret []byte, h http.Header, body []byte, now time.Time, window time.Duration) error {
	sec, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: missing or bad %s", HeaderTimestamp)
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > window || d < -window {
		return fmt.Errorf("webhook: timestamp %s is outside the replay window of %s", ts.UTC().Format(time.RFC3339), window)
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(h.Get(HeaderSignature))) {
		return fmt.Errorf("webhook: signature does not match")
	}
	return nil
}

// WebhookPayload is quench's own webhook body (docs/paging.md documents
// it field by field).
type WebhookPayload struct {
	Version    int                `json:"version"` // 1
	Key        string             `json:"key"`     // idempotency key: the same for a retry
	Kind       quench.MessageKind `json:"kind"`
	Urgency    quench.Urgency     `json:"urgency"`
	Title      string             `json:"title"`
	Text       string             `json:"text"`
	Person     string             `json:"person"`
	Role       string             `json:"role,omitempty"`
	Step       int                `json:"step,omitempty"`
	Incident   *quench.Incident   `json:"incident,omitempty"`
	Runbook    string             `json:"runbook,omitempty"`
	Diagnosis  string             `json:"diagnosis,omitempty"` // the diagnosis's short verdict (quench.Message.Diagnosis)
	AckURL     string             `json:"ack_url,omitempty"`
	ResolveURL string             `json:"resolve_url,omitempty"`
	URL        string             `json:"url,omitempty"`
	SentAt     time.Time          `json:"sent_at"`
}

// Template shapes a webhook request for a service that takes its own
// format. Body is a text/template over TemplateData with the functions
// json (a JSON string literal) and urlquery.
type Template struct {
	Method      string            `yaml:"method"` // default POST
	ContentType string            `yaml:"content_type"`
	Headers     map[string]string `yaml:"headers"` // values are templates too
	Body        string            `yaml:"body"`
	// AppendKey appends "/" + the idempotency key to the URL (Matrix's
	// transaction id, which makes a retry idempotent).
	AppendKey bool `yaml:"append_key"`
}

// TemplateData is what a template sees.
type TemplateData struct {
	WebhookPayload
	Priority int // 1 (min) to 5 (urgent), for ntfy and Gotify
}

// builtinTemplates make ntfy, Gotify, Mattermost and Matrix hooks work
// without code.
var builtinTemplates = map[string]Template{
	"ntfy": {
		ContentType: "text/plain; charset=utf-8",
		Headers: map[string]string{
			"Title":    "{{.Title}}",
			"Priority": "{{.Priority}}",
			"Tags":     "{{if eq .Kind \"resolved\"}}white_check_mark{{else if eq .Urgency \"high\"}}rotating_light{{else}}bell{{end}}",
			"Click":    "{{.URL}}",
			"Actions":  "{{if .AckURL}}view, Acknowledge, {{.AckURL}}{{end}}{{if .ResolveURL}}; view, Resolve, {{.ResolveURL}}{{end}}",
		},
		Body: "{{.Text}}",
	},
	"gotify": {
		ContentType: "application/json",
		Body:        `{"title": {{json .Title}}, "message": {{json .Text}}, "priority": {{if eq .Urgency "high"}}8{{else}}4{{end}}, "extras": {"client::notification": {"click": {"url": {{json .URL}}}}}}`,
	},
	"mattermost": {
		ContentType: "application/json",
		Body:        `{"username": "quench", "text": {{json (printf "**%s**\n%s" .Title .Text)}}}`,
	},
	"matrix": {
		Method:      "PUT",
		ContentType: "application/json",
		AppendKey:   true,
		Body:        `{"msgtype": "m.text", "body": {{json .Text}}}`,
	},
}

// TemplateNames lists the built-in webhook templates.
func TemplateNames() []string {
	out := make([]string, 0, len(builtinTemplates))
	for n := range builtinTemplates {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Webhook posts signed JSON (or a templated body) to a person's URL.
type Webhook struct {
	Secret    []byte // HMAC key; sent unsigned when empty
	Client    *http.Client
	Now       func() time.Time
	Templates map[string]Template // custom templates, beside the built-in ones

	parsed map[string]*parsedTemplate
}

var _ quench.Channel = (*Webhook)(nil)

type parsedTemplate struct {
	Template
	body    *template.Template
	headers map[string]*template.Template
}

var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"urlquery": url.QueryEscape,
}

// NewWebhook parses the custom templates (a name may shadow a built-in).
func NewWebhook(secret []byte, client *http.Client, now func() time.Time, custom map[string]Template) (*Webhook, error) {
	w := &Webhook{Secret: secret, Client: client, Now: now, Templates: custom, parsed: map[string]*parsedTemplate{}}
	all := map[string]Template{}
	for n, t := range builtinTemplates {
		all[n] = t
	}
	for n, t := range custom {
		all[n] = t
	}
	for name, t := range all {
		pt := &parsedTemplate{Template: t, headers: map[string]*template.Template{}}
		var err error
		if pt.body, err = template.New(name).Funcs(templateFuncs).Option("missingkey=error").Parse(t.Body); err != nil {
			return nil, fmt.Errorf("webhook template %s: %w", name, err)
		}
		for h, v := range t.Headers {
			if pt.headers[h], err = template.New(name + " " + h).Funcs(templateFuncs).Parse(v); err != nil {
				return nil, fmt.Errorf("webhook template %s header %s: %w", name, h, err)
			}
		}
		if pt.Method == "" {
			pt.Method = http.MethodPost
		}
		w.parsed[name] = pt
	}
	return w, nil
}

// Names lists every template the channel knows.
func (w *Webhook) Names() []string {
	out := make([]string, 0, len(w.parsed))
	for n := range w.parsed {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Kind returns webhook.
func (w *Webhook) Kind() quench.ContactKind { return quench.ContactWebhook }

// Payload builds quench's own body for a message.
func Payload(m *quench.Message, now time.Time) WebhookPayload {
	return WebhookPayload{Version: 1, Key: m.Key, Kind: m.Kind, Urgency: m.Urgency, Title: Title(m), Text: Text(m),
		Person: m.Person.ID, Role: m.Role, Step: m.Step, Incident: m.Incident, Runbook: m.Runbook, Diagnosis: m.Diagnosis,
		AckURL: m.AckURL, ResolveURL: m.ResolveURL, URL: m.IncidentURL, SentAt: now.UTC()}
}

// Send delivers one message.
func (w *Webhook) Send(ctx context.Context, m *quench.Message) (quench.SendResult, error) {
	now := w.Now()
	p := Payload(m, now)
	target := m.Address.Address
	method, ctype := http.MethodPost, "application/json"
	var body []byte
	headers := http.Header{}
	if m.Address.Template == "" {
		var err error
		if body, err = json.Marshal(p); err != nil {
			return quench.SendResult{}, &quench.SendError{Message: "webhook: " + err.Error()}
		}
	} else {
		pt, ok := w.parsed[m.Address.Template]
		if !ok {
			return quench.SendResult{}, &quench.SendError{Message: fmt.Sprintf("webhook: unknown template %q", m.Address.Template)}
		}
		data := TemplateData{WebhookPayload: p, Priority: 3}
		if m.Urgency == quench.UrgencyHigh {
			data.Priority = 5
		}
		var buf bytes.Buffer
		if err := pt.body.Execute(&buf, data); err != nil {
			return quench.SendResult{}, &quench.SendError{Message: fmt.Sprintf("webhook template %s: %v", m.Address.Template, err)}
		}
		body = buf.Bytes()
		for h, t := range pt.headers {
			var hb strings.Builder
			if err := t.Execute(&hb, data); err != nil {
				return quench.SendResult{}, &quench.SendError{Message: fmt.Sprintf("webhook template %s header %s: %v", m.Address.Template, h, err)}
			}
			// Header values cannot carry newlines; an empty one is left out.
			if v := strings.Join(strings.Fields(hb.String()), " "); v != "" {
				headers.Set(h, v)
			}
		}
		method = pt.Method
		if pt.ContentType != "" {
			ctype = pt.ContentType
		}
		if pt.AppendKey {
			target = strings.TrimRight(target, "/") + "/" + url.PathEscape(m.Key)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return quench.SendResult{}, &quench.SendError{Message: "webhook: " + err.Error()}
	}
	req.Header = headers
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "quench")
	req.Header.Set(HeaderKey, m.Key)
	if len(w.Secret) > 0 {
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(HeaderSignature, Sign(w.Secret, now, body))
	}
	resp, err := w.Client.Do(req)
	if err != nil {
		return quench.SendResult{}, transportError(ctx, err, "webhook")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return quench.SendResult{}, httpError(resp, w.Now(), "webhook")
}
