package main

import (
	"net/url"
	"strings"
	"time"

	"github.com/quench-sh/quench/notify"
)

// PagingConfig is the `paging:` section of quench.yaml: where the on-call
// file is and how to reach each channel. Without an on-call file quench
// pages nobody (and says so at start).
type PagingConfig struct {
	// OnCall is the on-call file (people, schedules, roles, policies).
	OnCall string `yaml:"oncall"`
	// PublicURL is quench's address as people reach it, for incident and
	// one-time ack/resolve links and the inbound SMS signature.
	PublicURL string `yaml:"public_url"`
	// LinkTTL is how long an ack/resolve link works (default 24h).
	LinkTTL time.Duration `yaml:"link_ttl"`
	// RateLimit is how many notifications a person gets per minute before
	// the rest fold into one summary (default 10).
	RateLimit int `yaml:"rate_limit"`
	// Retry is how long a failing notification is retried (default 1h).
	Retry time.Duration `yaml:"retry"`

	Webhook WebhookChannelConfig `yaml:"webhook"`
	Email   EmailChannelConfig   `yaml:"email"`
	Slack   SlackChannelConfig   `yaml:"slack"`
	SMS     SMSChannelConfig     `yaml:"sms"`
}

// WebhookChannelConfig signs webhooks and adds body templates.
type WebhookChannelConfig struct {
	// Secret is the HMAC-SHA256 key of X-Quench-Signature; empty sends
	// unsigned webhooks (and quench warns).
	Secret    string                     `yaml:"secret"`
	Timeout   time.Duration              `yaml:"timeout"`
	Templates map[string]notify.Template `yaml:"templates"`
}

// EmailChannelConfig is an SMTP server.
type EmailChannelConfig struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	From     string `yaml:"from"`
	// TLS is "starttls" (default: required), "tls" (implicit, port 465)
	// or "none" (a local relay or Mailpit only).
	TLS string `yaml:"tls"`
}

// SlackChannelConfig is a Slack app's bot token.
type SlackChannelConfig struct {
	Token   string `yaml:"token"`
	BaseURL string `yaml:"base_url"` // default https://slack.com/api/
}

// SMSChannelConfig is a Twilio account (or anything speaking its REST shape).
type SMSChannelConfig struct {
	BaseURL    string `yaml:"base_url"` // default https://api.twilio.com
	AccountSID string `yaml:"account_sid"`
	AuthToken  string `yaml:"auth_token"`
	From       string `yaml:"from"`
}

// validate checks the paging section; errors name the key.
func (p *PagingConfig) validate() error {
	if p.PublicURL != "" {
		u, err := url.Parse(p.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fieldErrorf("paging.public_url", "%q: want quench's address as people reach it, like https://quench.example.com", p.PublicURL)
		}
	}
	if p.LinkTTL < 0 || p.LinkTTL > 7*24*time.Hour {
		return fieldErrorf("paging.link_ttl", "%s: want up to 168h", p.LinkTTL)
	}
	if p.RateLimit < 0 || p.RateLimit > 1000 {
		return fieldErrorf("paging.rate_limit", "%d: want 1 to 1000 notifications a minute", p.RateLimit)
	}
	if p.Email.Host != "" {
		if p.Email.From == "" {
			return fieldErrorf("paging.email.from", "is required with paging.email.host")
		}
		switch p.Email.TLS {
		case "", "starttls", "tls", "none":
		default:
			return fieldErrorf("paging.email.tls", "%q: want starttls, tls or none", p.Email.TLS)
		}
	}
	if p.SMS.AccountSID != "" && (p.SMS.AuthToken == "" || p.SMS.From == "") {
		return fieldErrorf("paging.sms", "needs account_sid, auth_token and from together")
	}
	for _, f := range []struct{ key, v string }{{"paging.slack.base_url", p.Slack.BaseURL}, {"paging.sms.base_url", p.SMS.BaseURL}} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fieldErrorf(f.key, "%q: want an http:// or https:// URL", f.v)
		}
	}
	if p.Slack.Token != "" && !strings.HasPrefix(p.Slack.Token, "xox") {
		return fieldErrorf("paging.slack.token", "want a Slack bot token (xoxb-…)")
	}
	return nil
}
