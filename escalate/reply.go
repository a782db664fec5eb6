package escalate

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/quench-sh/quench"
)

// Reload re-reads the on-call file named by the holder; on any error the
// configuration in force stays and the error says file:line.
func (e *Engine) Reload(ctx context.Context) error {
	e.init()
	cfg, err := e.Config.Reload()
	if err != nil {
		e.Log.Error("escalate: on-call file not reloaded; the previous one stays in force", "err", err)
		return quench.Errorf(quench.EINVALID, "%v", err)
	}
	e.Log.Info("escalate: on-call file reloaded", "path", e.Config.Path, "people", len(cfg.People), "schedules", len(cfg.Schedules))
	return nil
}

// CheckLink says what a one-time link would do, without doing it.
func (e *Engine) CheckLink(ctx context.Context, token string) (*quench.LinkAction, error) {
	e.init()
	l, err := e.links(ctx)
	if err != nil {
		return nil, err
	}
	link, err := l.Check(token, e.Now())
	if err != nil {
		return nil, err
	}
	return &quench.LinkAction{Incident: link.Incident, Person: link.Person, Action: link.Action, Expires: link.Expires}, nil
}

// FollowLink uses a one-time link (recorded and audited as its person) and
// acknowledges or resolves its incident as that person.
func (e *Engine) FollowLink(ctx context.Context, token string) (*quench.LinkAction, error) {
	e.init()
	l, err := e.links(ctx)
	if err != nil {
		return nil, err
	}
	link, err := l.Check(token, e.Now())
	if err != nil {
		return nil, err
	}
	a := &quench.LinkAction{Incident: link.Incident, Person: link.Person, Action: link.Action, Expires: link.Expires}
	if err := e.Store.UseLink(ctx, link.Nonce, link.Incident, link.Person, link.Action); err != nil {
		return nil, err
	}
	a.Result, err = e.act(ctx, link.Incident, link.Person, link.Action)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// act acknowledges or resolves an incident as a person and says what
// happened.
func (e *Engine) act(ctx context.Context, id int64, person, action string) (string, error) {
	switch action {
	case LinkAck:
		st, err := e.Acknowledge(ctx, id, person)
		if err != nil {
			return "", err
		}
		if missing := missingAcks(*st); !st.Stopped && len(missing) > 0 {
			return fmt.Sprintf("incident %d: your acknowledgement is counted; waiting for %s", id, strings.Join(missing, ", ")), nil
		}
		return fmt.Sprintf("incident %d acknowledged by %s: paging stopped", id, person), nil
	case LinkResolve:
		if _, err := e.Incidents.Resolve(ctx, id, person); err != nil {
			return "", err
		}
		return fmt.Sprintf("incident %d resolved by %s", id, person), nil
	}
	return "", quench.Errorf(quench.EINVALID, "unknown action %q", action)
}

// links returns the link signer with its key loaded.
func (e *Engine) links(ctx context.Context) (*Links, error) {
	if e.Links == nil {
		return nil, quench.Errorf(quench.ENOTFOUND, "one-time links are not configured (paging.public_url)")
	}
	e.linkMu.Lock()
	defer e.linkMu.Unlock()
	if len(e.Links.Key) == 0 {
		key, err := e.Store.LinkKey(ctx)
		if err != nil {
			return nil, err
		}
		e.Links.Key = key
	}
	return e.Links, nil
}

var smsCommand = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*(ack|res|resolve|acknowledge)\s*#?\s*([0-9]{1,18})\s*$`)
})

// SMSReply handles a text: "ACK 123" acknowledges incident 123 and
// "RES 123" resolves it, as the person whose SMS contact is the sender.
func (e *Engine) SMSReply(ctx context.Context, from, body string) (string, error) {
	e.init()
	cfg := e.Config.Load()
	var person string
	for _, p := range cfg.People {
		for _, c := range p.Contacts {
			if c.Kind == quench.ContactSMS && c.Address == from {
				person = p.ID
			}
		}
	}
	if person == "" {
		return "quench does not know this number.", quench.Errorf(quench.EFORBIDDEN, "no person has SMS number %s", from)
	}
	m := smsCommand().FindStringSubmatch(body)
	if m == nil {
		return "Reply ACK <incident> or RES <incident>, e.g. ACK 123.", quench.Errorf(quench.EINVALID, "not a command: %q", body)
	}
	id, _ := strconv.ParseInt(m[2], 10, 64)
	action := LinkAck
	if strings.HasPrefix(strings.ToLower(m[1]), "res") {
		action = LinkResolve
	}
	res, err := e.act(ctx, id, person, action)
	if err != nil {
		return quench.ErrorMessage(err), err
	}
	return res, nil
}
