package escalate

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/quench-sh/quench"
)

// Defaults of the paging command queue (Engine.Commands).
const (
	defaultCommandWait   = 20 * time.Second
	defaultCommandPoll   = 200 * time.Millisecond
	defaultCommandExpiry = 10 * time.Minute
	// commandClaim bounds the commands one claim takes.
	commandClaim = 16
)

// The arguments of each queued command, as JSON.
type (
	escalateArgs struct {
		Incident int64 `json:"incident"`
		Step     int   `json:"step"`
	}
	pageArgs struct {
		Target   quench.PageTarget `json:"target"`
		Text     string            `json:"text"`
		Incident int64             `json:"incident"`
	}
	notifyTestArgs struct {
		Person string `json:"person"`
	}
	countAckArgs struct {
		Incident int64 `json:"incident"`
	}
)

// routed reports whether a call that failed because this server does not
// run escalation goes to the leader through the command queue instead.
func (e *Engine) routed(err error) bool {
	return e.Commands != nil && errors.Is(err, ErrNotRunning)
}

// remote queues a command for the server leading escalation and waits for
// its result (decoded into out, unless nil) up to CommandWait. When the
// wait ends first the command stays queued and the answer, EQUEUED, says
// so: it runs when a leader takes it, or expires.
func (e *Engine) remote(ctx context.Context, kind quench.PagingCommandKind, actor string, args, out any) error {
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("escalate: encode %s command: %w", kind, err)
	}
	id, err := e.Commands.QueueCommand(ctx, quench.PagingCommand{Kind: kind, Actor: actor, Args: b})
	if err != nil {
		return err
	}
	e.Log.Debug("escalate: queued for the escalation leader", "command", id, "kind", kind, "actor", actor)
	wait := time.NewTimer(e.CommandWait)
	defer wait.Stop()
	poll := time.NewTicker(e.CommandPoll / 2)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return quench.Errorf(quench.EQUEUED, "paging command %d (%s) is queued; the request ended before the escalation leader ran it", id, kind)
		case <-wait.C:
			return quench.Errorf(quench.EQUEUED, "paging command %d (%s) is queued: the server leading escalation has not run it within %s. "+
				"It runs when a leader takes it (within %s, or it expires); see the incident's timeline before asking again", id, kind, e.CommandWait, e.CommandExpiry)
		case <-poll.C:
		}
		res, err := e.Commands.CommandResult(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				continue // answered as queued above
			}
			return err
		}
		if !res.Done {
			continue
		}
		if res.ErrorCode != "" {
			return quench.Errorf(res.ErrorCode, "%s", res.ErrorMessage)
		}
		if out != nil && len(res.Result) > 0 {
			if err := json.Unmarshal(res.Result, out); err != nil {
				return fmt.Errorf("escalate: decode %s command result: %w", kind, err)
			}
		}
		return nil
	}
}

// serveCommands claims queued commands while this server leads escalation
// and runs each, until ctx ends; it returns once every command it started
// has finished.
func (e *Engine) serveCommands(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(e.CommandPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cmds, err := e.Commands.ClaimCommands(ctx, e.owner, commandClaim, e.CommandExpiry)
		if err != nil {
			if ctx.Err() == nil {
				e.Log.Error("escalate: claim paging commands", "err", err)
			}
			continue
		}
		for _, c := range cmds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.runCommand(ctx, c)
			}()
		}
	}
}

// runCommand runs one claimed command as its actor and records how it
// ended. A command the loop never took (the lead was lost) goes back to
// the queue for the next leader; one cut off while it ran is recorded as
// such, not run again, so nobody is paged twice.
func (e *Engine) runCommand(ctx context.Context, c quench.PagingCommand) {
	result, err := e.execute(ctx, c)
	bg := context.WithoutCancel(ctx)
	if errors.Is(err, ErrNotRunning) {
		if err := e.Commands.ReleaseCommand(bg, c.ID); err != nil {
			e.Log.Error("escalate: release paging command", "command", c.ID, "err", err)
		}
		return
	}
	var r quench.PagingCommandResult
	switch {
	case err != nil && ctx.Err() != nil && quench.ErrorCode(err) == quench.EINTERNAL:
		r.ErrorCode, r.ErrorMessage = quench.EUNAVAILABLE, fmt.Sprintf("the server leading escalation stopped while it ran paging command %d: it may have run in part; see the incident's timeline", c.ID)
	case err != nil:
		r.ErrorCode, r.ErrorMessage = quench.ErrorCode(err), quench.ErrorMessage(err)
		if r.ErrorCode == quench.EINTERNAL {
			e.Log.Error("escalate: paging command failed", "command", c.ID, "kind", c.Kind, "err", err)
		}
	default:
		if r.Result, err = json.Marshal(result); err != nil {
			r.ErrorCode, r.ErrorMessage = quench.EINTERNAL, "internal error"
			e.Log.Error("escalate: encode paging command result", "command", c.ID, "err", err)
		}
	}
	if err := e.Commands.FinishCommand(bg, c.ID, r); err != nil {
		e.Log.Error("escalate: record paging command result", "command", c.ID, "err", err)
	}
	e.Log.Info("escalate: ran a paging command for another server", "command", c.ID, "kind", c.Kind, "actor", c.Actor,
		"outcome", cmp.Or(r.ErrorCode, "ok"))
}

// execute runs a command on this server's loop, without routing it again.
func (e *Engine) execute(ctx context.Context, c quench.PagingCommand) (any, error) {
	decode := func(v any) error {
		if err := json.Unmarshal(c.Args, v); err != nil {
			return quench.Errorf(quench.EINVALID, "paging command %d: bad arguments: %v", c.ID, err)
		}
		return nil
	}
	switch c.Kind {
	case quench.CommandEscalate:
		var a escalateArgs
		if err := decode(&a); err != nil {
			return nil, err
		}
		return e.escalate(ctx, a.Incident, a.Step, c.Actor)
	case quench.CommandPage:
		var a pageArgs
		if err := decode(&a); err != nil {
			return nil, err
		}
		return e.page(ctx, a.Target, a.Text, a.Incident, c.Actor)
	case quench.CommandNotifyTest:
		var a notifyTestArgs
		if err := decode(&a); err != nil {
			return nil, err
		}
		return e.notifyTest(ctx, a.Person, c.Actor)
	case quench.CommandCountAck:
		var a countAckArgs
		if err := decode(&a); err != nil {
			return nil, err
		}
		return nil, e.countAckNow(ctx, a.Incident, c.Actor)
	}
	return nil, quench.Errorf(quench.EINVALID, "paging command %d: unknown kind %q", c.ID, c.Kind)
}
