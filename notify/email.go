package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/quench-sh/quench"
)

// Email sends messages over SMTP with wneessen/go-mail: a text part and
// an HTML part with the incident, its runbook, the diagnosis summary and
// the ack/resolve links.
type Email struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// TLS is "starttls" (required; the default), "tls" (implicit) or
	// "none" (only for a local relay such as Mailpit).
	TLS     string
	Timeout time.Duration
}

var _ quench.Channel = (*Email)(nil)

// Kind returns email.
func (e *Email) Kind() quench.ContactKind { return quench.ContactEmail }

var emailHTML = template.Must(template.New("email").Parse(`<!doctype html>
<html><body style="font-family: system-ui, sans-serif">
<h2>{{.Title}}</h2>
{{with .M.Incident}}<p><b>Incident #{{.ID}}</b>, {{.Severity}}, {{.Status}}</p>{{end}}
{{with .M.Runbook}}<p>Runbook: {{.}}</p>{{end}}
{{with .M.Role}}<p>Paged as: {{.}}</p>{{end}}
{{with .M.Diagnosis}}<p><b>Diagnosis:</b> {{.}}</p>{{end}}
{{with .M.Summary}}<h3>Diagnosis steps</h3><pre>{{.}}</pre>{{end}}
{{if .M.AckURL}}<p><a href="{{.M.AckURL}}" style="font-size:1.2em">Acknowledge</a></p>{{end}}
{{if .M.ResolveURL}}<p><a href="{{.M.ResolveURL}}">Resolve</a></p>{{end}}
{{if .M.IncidentURL}}<p><a href="{{.M.IncidentURL}}">Open in quench</a></p>{{end}}
<pre style="color:#555">{{.Text}}</pre>
</body></html>`))

// Send delivers one message as one email.
func (e *Email) Send(ctx context.Context, m *quench.Message) (quench.SendResult, error) {
	msg := mail.NewMsg()
	if err := msg.From(e.From); err != nil {
		return quench.SendResult{}, &quench.SendError{Message: "email: from address: " + err.Error()}
	}
	if err := msg.To(m.Address.Address); err != nil {
		return quench.SendResult{}, &quench.SendError{Message: "email: to address: " + err.Error()}
	}
	msg.Subject(Title(m))
	// One Message-ID per outbox row: a duplicate after a crash is
	// recognisable as the same message.
	msg.SetMessageIDWithValue(strings.NewReplacer("/", "-", " ", "-").Replace(m.Key) + "@quench")
	msg.SetDate()
	text := Text(m)
	msg.SetBodyString(mail.TypeTextPlain, text)
	var html bytes.Buffer
	if err := emailHTML.Execute(&html, struct {
		Title, Text string
		M           *quench.Message
	}{Title(m), text, m}); err != nil {
		return quench.SendResult{}, &quench.SendError{Message: "email: render: " + err.Error()}
	}
	msg.AddAlternativeString(mail.TypeTextHTML, html.String())

	opts := []mail.Option{mail.WithTimeout(e.timeout())}
	if e.Port != 0 {
		opts = append(opts, mail.WithPort(e.Port))
	}
	switch e.TLS {
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case "tls":
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(e.Username), mail.WithPassword(e.Password))
	}
	c, err := mail.NewClient(e.Host, opts...)
	if err != nil {
		return quench.SendResult{}, &quench.SendError{Message: "email: " + err.Error()}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return quench.SendResult{}, smtpError(err)
	}
	return quench.SendResult{ProviderID: m.Key + "@quench"}, nil
}

func (e *Email) timeout() time.Duration {
	if e.Timeout <= 0 {
		return 15 * time.Second
	}
	return e.Timeout
}

// smtpError classifies an SMTP failure: a 5xx reply to a recipient or the
// message fails for good, anything temporary (4xx, connection trouble)
// retries.
func smtpError(err error) error {
	se := &quench.SendError{Retry: true, Message: "email: " + err.Error()}
	var me *mail.SendError
	if errors.As(err, &me) {
		se.Status = me.ErrorCode()
		se.Retry = me.IsTemp() || se.Status == 0 || se.Status < 500
		if se.Status != 0 {
			se.Message = fmt.Sprintf("email: SMTP %d: %v", se.Status, err)
		}
	}
	return se
}
