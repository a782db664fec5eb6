package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/quench-sh/quench"
)

// Slack posts pages through Slack's Web API (slack-go) and, on ack and
// resolve, updates the same message in place. Its buttons are link
// buttons carrying quench's signed one-time links, so no Slack app
// callback has to reach quench.
type Slack struct {
	Token   string
	BaseURL string // default https://slack.com/api/
	Client  *http.Client
}

var _ quench.Channel = (*Slack)(nil)

// Kind returns slack.
func (s *Slack) Kind() quench.ContactKind { return quench.ContactSlack }

func (s *Slack) api() *slack.Client {
	opts := []slack.Option{slack.OptionHTTPClient(s.Client)}
	if s.BaseURL != "" {
		opts = append(opts, slack.OptionAPIURL(strings.TrimRight(s.BaseURL, "/")+"/"))
	}
	return slack.New(s.Token, opts...)
}

// Send posts the message, or updates the page it follows up when the
// message carries that page's "channel:ts".
func (s *Slack) Send(ctx context.Context, m *quench.Message) (quench.SendResult, error) {
	api := s.api()
	blocks := slack.MsgOptionBlocks(Blocks(m)...)
	text := slack.MsgOptionText(Title(m), false)
	if ch, ts, ok := strings.Cut(m.ProviderID, ":"); ok && (m.Kind == quench.MessageAck || m.Kind == quench.MessageResolved) {
		_, _, _, err := api.UpdateMessageContext(ctx, ch, ts, text, blocks)
		if err != nil {
			return quench.SendResult{}, slackError(ctx, err)
		}
		return quench.SendResult{ProviderID: ch + ":" + ts}, nil
	}
	ch, ts, err := api.PostMessageContext(ctx, m.Address.Address, text, blocks)
	if err != nil {
		return quench.SendResult{}, slackError(ctx, err)
	}
	return quench.SendResult{ProviderID: ch + ":" + ts}, nil
}

// Blocks renders a message as Block Kit: the text, then Acknowledge and
// Resolve link buttons while they apply.
func Blocks(m *quench.Message) []slack.Block {
	body := Text(m)
	if m.Kind == quench.MessageAck || m.Kind == quench.MessageResolved {
		body = Title(m)
		if m.Incident != nil {
			who := m.Incident.AcknowledgedBy
			if m.Kind == quench.MessageResolved {
				who = m.Incident.ResolvedBy
			}
			if who != "" {
				body += " by " + who
			}
		}
	}
	out := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, cutBlock(body), false, false), nil, nil)}
	var buttons []slack.BlockElement
	if m.AckURL != "" {
		b := slack.NewButtonBlockElement("ack", "ack", slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false)).WithURL(m.AckURL)
		b.Style = slack.StylePrimary
		buttons = append(buttons, b)
	}
	if m.ResolveURL != "" {
		buttons = append(buttons, slack.NewButtonBlockElement("resolve", "resolve",
			slack.NewTextBlockObject(slack.PlainTextType, "Resolve", false, false)).WithURL(m.ResolveURL))
	}
	if m.IncidentURL != "" {
		buttons = append(buttons, slack.NewButtonBlockElement("open", "open",
			slack.NewTextBlockObject(slack.PlainTextType, "Open", false, false)).WithURL(m.IncidentURL))
	}
	if len(buttons) > 0 {
		out = append(out, slack.NewActionBlock("quench-actions", buttons...))
	}
	return out
}

// cutBlock keeps a section's text under Slack's 3000-character limit.
func cutBlock(s string) string { return quench.CutText(s, 2900) }

// slackError classifies a Web API failure: rate limits and 5xx retry
// (with Slack's Retry-After), an API error such as channel_not_found or
// invalid_auth fails for good.
func slackError(ctx context.Context, err error) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &quench.SendError{Retry: true, Status: http.StatusTooManyRequests, RetryAfter: rl.RetryAfter, Message: "slack: " + err.Error()}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return &quench.SendError{Retry: sc.Retryable(), Status: sc.Code, Message: "slack: " + err.Error()}
	}
	var api slack.SlackErrorResponse
	if errors.As(err, &api) {
		return &quench.SendError{Message: fmt.Sprintf("slack: %s", api.Err)}
	}
	return transportError(ctx, err, "slack")
}
