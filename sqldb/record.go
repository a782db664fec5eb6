package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/quench-sh/quench"
)

// recordWrite is a timeline event, with its audit entry when set, that
// the ingest writer commits in its next batch: a step's start or result, a
// refusal, a note. Its fields are cleaned by the caller.
type recordWrite struct {
	step  string // the step's name, for the incident event
	ev    quench.TimelineEvent
	data  string // ev.Data as stored: JSON or ""
	audit *quench.AuditEntry
}

// record writes one timeline event and its audit entry in the batch's
// transaction and queues its incident event for after the commit. It sets
// the event's id. ENOTFOUND for an unknown incident: the batch then
// fails, and each request is retried alone.
func (b *batchTx) record(ctx context.Context, w *recordWrite) error {
	ev := &w.ev
	var status, severity, runbook string
	err := b.stmt(ctx, stIncidentState).QueryRowContext(ctx, ev.IncidentID).Scan(&status, &severity, &runbook)
	if errors.Is(err, sql.ErrNoRows) {
		return quench.Errorf(quench.ENOTFOUND, "incident %d not found", ev.IncidentID)
	}
	if err != nil {
		return fmt.Errorf("sqldb: add event: %w", err)
	}
	if err := b.stmt(ctx, stInsertEventID).QueryRowContext(ctx, ev.IncidentID, ev.At, ev.Kind, ev.Actor, ev.Text,
		nullString(w.data)).Scan(&ev.ID); err != nil {
		return fmt.Errorf("sqldb: add event: %w", err)
	}
	if w.audit != nil {
		e, data, err := b.txn.chain(*w.audit)
		if err != nil {
			return err
		}
		if _, err := b.stmt(ctx, stInsertAudit).ExecContext(ctx, e.Seq, e.At, e.Actor, e.Action, e.Subject, e.Outcome,
			data, e.PrevHash, e.Hash); err != nil {
			return fmt.Errorf("sqldb: append audit entry: %w", err)
		}
	}
	if kind := quench.IncidentEventKindOf(ev.Kind); kind != "" {
		b.txn.publish(quench.IncidentEvent{Kind: kind, IncidentID: ev.IncidentID, Status: quench.Status(status),
			Severity: quench.Severity(severity), RunbookID: runbook, Actor: ev.Actor, At: ev.At, Step: w.step})
	}
	return nil
}
