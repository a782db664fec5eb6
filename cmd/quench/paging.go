package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/escalate"
	quenchhttp "github.com/quench-sh/quench/http"
	"github.com/quench-sh/quench/notify"
	"github.com/quench-sh/quench/sqldb"
)

// leaderInterval is how often a server that does not lead escalation asks
// for the lead: a dead leader is replaced within about this long.
const leaderInterval = 2 * time.Second

// openPaging builds the escalation engine and its channels when
// paging.oncall names an on-call file, hands the paging routes to the
// server, and starts the engine on whichever server holds the lead. It
// also reloads the on-call file on SIGHUP.
func (s *ServeCommand) openPaging(ctx context.Context, srv *quenchhttp.Server, reg *prometheus.Registry) error {
	pc := s.Config.Paging
	if pc.OnCall == "" {
		s.Log.Warn("paging is off: no on-call file (set paging.oncall; see oncall.example.yaml); incidents page nobody")
		return nil
	}
	timeout := pc.Webhook.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment,
		MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	if pc.Webhook.Secret == "" {
		s.Log.Warn("paging: webhooks are sent unsigned (set paging.webhook.secret)")
	}
	webhook, err := notify.NewWebhook([]byte(pc.Webhook.Secret), client, s.Now, pc.Webhook.Templates)
	if err != nil {
		return fmt.Errorf("paging: %w", err)
	}
	opts := escalate.LoadOptions{Roles: s.Pack.Roles, Templates: webhook.Names()}
	cfg, err := escalate.LoadFile(pc.OnCall, opts)
	if err != nil {
		return fmt.Errorf("paging: %w", err)
	}
	holder := escalate.NewHolder(cfg)
	holder.Path, holder.Opts = pc.OnCall, opts

	channels := map[quench.ContactKind]quench.Channel{quench.ContactWebhook: webhook}
	if pc.Email.Host != "" {
		channels[quench.ContactEmail] = &notify.Email{Host: pc.Email.Host, Port: pc.Email.Port, Username: pc.Email.Username,
			Password: pc.Email.Password, From: pc.Email.From, TLS: pc.Email.TLS, Timeout: timeout}
	}
	if pc.Slack.Token != "" {
		channels[quench.ContactSlack] = &notify.Slack{Token: pc.Slack.Token, BaseURL: pc.Slack.BaseURL, Client: client}
	}
	if pc.SMS.AccountSID != "" {
		channels[quench.ContactSMS] = &notify.SMS{BaseURL: pc.SMS.BaseURL, AccountSID: pc.SMS.AccountSID, AuthToken: pc.SMS.AuthToken,
			From: pc.SMS.From, Client: client, Now: s.Now}
		if pc.PublicURL != "" {
			srv.SMSVerifier = &notify.TwilioVerifier{AuthToken: pc.SMS.AuthToken, URL: strings.TrimRight(pc.PublicURL, "/") + "/sms/inbound"}
		}
	}
	for _, p := range cfg.People {
		for _, c := range p.Contacts {
			if channels[c.Kind] == nil {
				s.Log.Warn("paging: a contact method has no channel configured; it will fail", "person", p.ID, "contact", c.Name, "kind", c.Kind)
			}
		}
	}

	store := sqldb.NewPagingStore(s.DB)
	eng := &escalate.Engine{
		Store: store, Incidents: srv.Incidents, Runbooks: srv.Runbooks, Overrides: sqldb.NewOverrideService(s.DB),
		Events: s.Events, Channels: channels, Config: holder, Roles: s.Pack.Roles, Log: s.Log, Now: s.Now,
		Metrics: quenchhttp.NewPagingMetrics(reg, s.Log), RateLimit: pc.RateLimit, RetryFor: pc.Retry,
		SendTimeout: timeout, Jitter: rand.Float64,
	}
	if pc.PublicURL != "" {
		eng.BaseURL = pc.PublicURL
		eng.Links = &escalate.Links{BaseURL: pc.PublicURL, TTL: pc.LinkTTL}
	} else {
		s.Log.Warn("paging: no paging.public_url: messages carry no ack/resolve links")
	}
	if s.DB.Dialect() == sqldb.DialectPostgres {
		// Another server may lead escalation: calls that need it are
		// queued for the leader instead of refused.
		eng.Commands = store
	}
	srv.Paging, srv.Overrides, srv.Notifications = eng, eng, store
	s.Paging = eng

	s.stopPaging = runInBackground(ctx, func(ctx context.Context) {
		_ = eng.Reload(ctx) // logs what is wrong, file:line
	}, func(ctx context.Context) {
		eng.RunLeader(ctx, s.DB.TryLeader, leaderInterval)
	})
	if s.DB.Dialect() == sqldb.DialectSQLite {
		// One server per SQLite file: it always leads. Serve only once the
		// engine takes commands, so the first request never sees a 503.
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		defer wcancel()
		if err := eng.WaitRunning(wctx); err != nil {
			return fmt.Errorf("paging: the escalation engine did not start: %w", err)
		}
	}
	s.Log.Info("paging on", "oncall", pc.OnCall, "people", len(cfg.People), "schedules", len(cfg.Schedules), "channels", len(channels))
	return nil
}
