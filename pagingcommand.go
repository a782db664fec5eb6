package quench

import (
	"context"
	"encoding/json"
	"time"
)

// PagingCommandKind names a paging call that needs the escalation leader.
type PagingCommandKind string

// The calls a server that does not lead escalation queues for the leader.
const (
	CommandEscalate   PagingCommandKind = "escalate"    // PagingService.Escalate
	CommandPage       PagingCommandKind = "page"        // PagingService.Page
	CommandNotifyTest PagingCommandKind = "notify_test" // PagingService.NotifyTest
	CommandCountAck   PagingCommandKind = "count_ack"   // a multi-ack step counts a person
)

// PagingCommand is one queued call: written by any server, claimed and run
// by the one leading escalation, which records its result.
type PagingCommand struct {
	ID        int64             `json:"id"`
	Kind      PagingCommandKind `json:"kind"`
	Actor     string            `json:"actor"` // who asked: the leader acts and audits as them
	Args      json.RawMessage   `json:"args"`
	CreatedAt time.Time         `json:"created_at"`
}

// PagingCommandResult is how a queued command ended: its JSON result, or
// its error's code and message. Done is false while it waits or runs.
type PagingCommandResult struct {
	Done         bool
	Result       json.RawMessage
	ErrorCode    string
	ErrorMessage string
}

// PagingCommandQueue is the durable queue of paging commands shared by
// every server of one database.
type PagingCommandQueue interface {
	// QueueCommand stores a command and returns its id.
	QueueCommand(ctx context.Context, c PagingCommand) (int64, error)
	// ClaimCommands takes up to n waiting commands for owner, oldest
	// first, each for one claimer only. Commands older than expire that
	// were never finished end as expired first.
	ClaimCommands(ctx context.Context, owner string, n int, expire time.Duration) ([]PagingCommand, error)
	// ReleaseCommand puts a claimed command back for another claimer
	// (the claimer lost the lead before running it).
	ReleaseCommand(ctx context.Context, id int64) error
	// FinishCommand records a command's result.
	FinishCommand(ctx context.Context, id int64, r PagingCommandResult) error
	// CommandResult reads a command's result; ENOTFOUND for no such command.
	CommandResult(ctx context.Context, id int64) (*PagingCommandResult, error)
}
