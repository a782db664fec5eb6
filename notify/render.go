// Package notify holds quench's notification channels: a signed webhook
// (with body templates for ntfy, Gotify, Mattermost and Matrix), email
// over SMTP (wneessen/go-mail), Slack through its Web API (slack-go) and
// SMS in Twilio's REST shape, plus Twilio's inbound replies. Each channel
// turns a quench.Message into one request and says, on failure, whether
// a retry can help (quench.SendError).
package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// Title is the one line every channel leads with.
func Title(m *quench.Message) string {
	switch m.Kind {
	case quench.MessageSummary:
		return "[quench] " + m.Text
	case quench.MessageTest:
		return "[quench] test notification for " + m.Person.ID
	case quench.MessageFailure:
		return "[quench] a contact method fails: " + m.Text
	}
	if m.Incident == nil {
		return "[quench] " + m.Text
	}
	in := m.Incident
	prefix := strings.ToUpper(string(in.Severity))
	switch m.Kind {
	case quench.MessageAck:
		prefix = "ACKNOWLEDGED"
	case quench.MessageResolved:
		prefix = "RESOLVED"
	case quench.MessageNotify:
		prefix = "FYI " + prefix
	}
	return fmt.Sprintf("[%s] #%d %s", prefix, in.ID, oneLine(in.Summary, 160))
}

// Text is the plain-text body: what happened, what to do, the links.
func Text(m *quench.Message) string {
	var b strings.Builder
	b.WriteString(Title(m))
	b.WriteString("\n")
	if m.Text != "" && m.Incident != nil {
		b.WriteString("\n" + m.Text + "\n")
	}
	switch m.Kind {
	case quench.MessageTest:
		b.WriteString("\nThis is a test of contact method " + m.Address.Name + ". Nothing is wrong.\n")
		return b.String()
	case quench.MessageSummary:
		b.WriteString("\nToo many notifications at once: this one stands for them. Open quench to see them all.\n")
		if m.IncidentURL != "" {
			b.WriteString(m.IncidentURL + "\n")
		}
		return b.String()
	case quench.MessageFailure:
		return b.String()
	}
	if in := m.Incident; in != nil {
		fmt.Fprintf(&b, "\nIncident #%d, %s, %s\n", in.ID, in.Severity, in.Status)
		if m.Runbook != "" {
			b.WriteString("Runbook: " + m.Runbook + "\n")
		}
		if m.Role != "" {
			b.WriteString("Paged as: " + m.Role + "\n")
		}
		if m.Diagnosis != "" {
			b.WriteString("Diagnosis: " + verdictOnly(m.Diagnosis) + "\n")
		}
		if m.Summary != "" {
			b.WriteString("\nDiagnosis steps:\n" + m.Summary + "\n")
		}
	}
	if m.AckURL != "" {
		b.WriteString("\nAcknowledge: " + m.AckURL + "\n")
	}
	if m.ResolveURL != "" {
		b.WriteString("Resolve: " + m.ResolveURL + "\n")
	}
	if m.IncidentURL != "" {
		b.WriteString("Open: " + m.IncidentURL + "\n")
	}
	return b.String()
}

// smsMax is the most an SMS text may have: two concatenated segments.
const smsMax = 320

// Short is the SMS text: the title, the diagnosis verdict and the reply
// codes, at most smsMax bytes. The reply codes are never cut; the title
// gives way first, then the verdict.
func Short(m *quench.Message) string {
	reply, verdict := "", ""
	if m.Incident != nil && (m.Kind == quench.MessagePage || m.Kind == quench.MessageManual) {
		reply = fmt.Sprintf(" Reply ACK %d or RES %d", m.Incident.ID, m.Incident.ID)
	}
	if m.Diagnosis != "" {
		verdict = " - " + oneLine(m.Diagnosis, 120)
	}
	title := oneLine(Title(m), smsMax-len(reply)-len(verdict))
	return oneLine(title+verdict+reply, smsMax)
}

// verdictOnly drops the verdict's leading "diagnosis " where a label
// already says it ("Diagnosis: done: 3 steps ok" reads as "Diagnosis:
// 3 steps ok"), keeping running and done apart.
func verdictOnly(v string) string {
	v = strings.TrimPrefix(v, "diagnosis ")
	return strings.TrimPrefix(v, "done: ")
}

// oneLine folds whitespace (newlines included) and cuts to max bytes.
func oneLine(s string, max int) string {
	return quench.CutText(strings.Join(strings.Fields(s), " "), max)
}

// httpError classifies an HTTP answer: 2xx is nil, 5xx and 429 retry
// (with Retry-After), any other status fails for good.
func httpError(resp *http.Response, now time.Time, what string) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &quench.SendError{Status: resp.StatusCode, Message: fmt.Sprintf("%s answered %s", what, resp.Status)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		e.Retry = true
		e.RetryAfter = RetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return e
}

// RetryAfter reads a Retry-After header: seconds or an HTTP date. It is 0
// when absent or unreadable, and capped at an hour.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), time.Hour)
}

// transportError classifies an error from doing a request: timeouts,
// refused connections and resets retry; a bad URL does not.
func transportError(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	var ne net.Error
	var oe *net.OpError
	retry := errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, context.DeadlineExceeded)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		retry = false
	}
	msg := fmt.Sprintf("%s: %v", what, err)
	if errors.Is(err, context.DeadlineExceeded) || (ne != nil && ne.Timeout()) {
		msg = what + ": timed out"
	}
	return &quench.SendError{Retry: retry, Message: msg}
}
