package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// IncidentService stores incidents and their timelines and applies alerts
// to them.
type IncidentService struct{ db *DB }

var (
	_ quench.IncidentService = (*IncidentService)(nil)
	_ quench.AlertStore      = (*IncidentService)(nil)
	_ quench.StepLog         = (*IncidentService)(nil)
)

// NewIncidentService returns the incident store of db.
func NewIncidentService(db *DB) *IncidentService { return &IncidentService{db: db} }

// Page sizes of FindIncidents.
const (
	DefaultIncidentLimit = 50
	MaxIncidentLimit     = 500
)

// incidentCols are the columns scanIncident reads, from incidentFrom: the
// incident's row (i) and its repeats (r), counted apart (see
// migration 020).
const (
	incidentCols = `i.id, i.status, i.severity, i.summary, i.runbook_id, i.source, i.integration, i.dedup_key,
	i.alert_count + COALESCE(r.repeats, 0), i.labels, i.annotations, i.opened_at, COALESCE(r.last_seen_at, i.last_seen_at),
	i.acknowledged_at, i.acknowledged_by, i.resolved_at, i.resolved_by`
	incidentFrom = `incidents i LEFT JOIN incident_repeats r ON r.incident_id = i.id`
)

func scanIncident(row interface{ Scan(...any) error }) (*quench.Incident, error) {
	var in quench.Incident
	var runbook, ackBy, resBy sql.NullString
	var labels, annotations string
	var opened, seen, acked, resolved timeCol
	if err := row.Scan(&in.ID, &in.Status, &in.Severity, &in.Summary, &runbook, &in.Source, &in.Integration,
		&in.DedupKey, &in.AlertCount, &labels, &annotations, &opened, &seen, &acked, &ackBy, &resolved, &resBy); err != nil {
		return nil, err
	}
	var err error
	if in.Labels, err = decodeMap(labels); err != nil {
		return nil, err
	}
	if in.Annotations, err = decodeMap(annotations); err != nil {
		return nil, err
	}
	in.RunbookID, in.AcknowledgedBy, in.ResolvedBy = runbook.String, ackBy.String, resBy.String
	in.OpenedAt, in.LastSeenAt = opened.T, seen.T
	in.AcknowledgedAt, in.ResolvedAt = acked.ptr(), resolved.ptr()
	return &in, nil
}

// FindIncident returns ENOTFOUND when no incident has that id.
func (s *IncidentService) FindIncident(ctx context.Context, id int64) (*quench.Incident, error) {
	return findIncident(ctx, s.db.r, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func findIncident(ctx context.Context, q querier, id int64) (*quench.Incident, error) {
	in, err := scanIncident(q.QueryRowContext(ctx, `SELECT `+incidentCols+` FROM `+incidentFrom+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quench.Errorf(quench.ENOTFOUND, "incident %d not found", id)
	}
	if err != nil {
		return nil, readErr(ctx, "find incident", err)
	}
	return in, nil
}

// FindIncidents returns incidents matching f, newest first. Limit defaults
// to 50 and is capped at 500; BeforeID continues a page.
func (s *IncidentService) FindIncidents(ctx context.Context, f quench.IncidentFilter) ([]*quench.Incident, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case f.Open && f.Status != "":
		return nil, quench.Errorf(quench.EINVALID, "a status and open-only exclude each other")
	case f.Open:
		where = append(where, "i.status IN ('triggered', 'acknowledged')")
	case f.Status != "":
		if !f.Status.Valid() {
			return nil, quench.Errorf(quench.EINVALID, "unknown status %q", f.Status)
		}
		where = append(where, "i.status = "+arg(string(f.Status)))
	}
	if f.Text != "" {
		// LOWER on both sides: SQLite's LIKE ignores ASCII case only and
		// PostgreSQL's none. Labels are searched in their stored JSON.
		p := arg("%" + likeEscaper.Replace(strings.ToLower(f.Text)) + "%")
		where = append(where, "(LOWER(i.summary) LIKE "+p+" ESCAPE '\\' OR LOWER(i.dedup_key) LIKE "+p+" ESCAPE '\\' OR LOWER(i.labels) LIKE "+p+" ESCAPE '\\')")
	}
	if f.Severity != "" {
		if !f.Severity.Valid() {
			return nil, quench.Errorf(quench.EINVALID, "unknown severity %q", f.Severity)
		}
		where = append(where, "i.severity = "+arg(string(f.Severity)))
	}
	if f.NoRunbook {
		if f.RunbookID != "" {
			return nil, quench.Errorf(quench.EINVALID, "a runbook id and no-runbook exclude each other")
		}
		where = append(where, "i.runbook_id IS NULL")
	} else if f.RunbookID != "" {
		where = append(where, "i.runbook_id = "+arg(f.RunbookID))
	}
	if f.BeforeID < 0 {
		return nil, quench.Errorf(quench.EINVALID, "before id must not be negative")
	}
	if f.BeforeID > 0 {
		where = append(where, "i.id < "+arg(f.BeforeID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultIncidentLimit
	}
	limit = min(limit, MaxIncidentLimit)
	q := `SELECT ` + incidentCols + ` FROM ` + incidentFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY i.id DESC LIMIT ` + arg(limit)
	return queryAll(ctx, s.db.r, "find incidents", scanIncident, q, args...)
}

// likeEscaper makes text match itself in a LIKE pattern with ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Timeline returns an incident's events, oldest first, or ENOTFOUND.
func (s *IncidentService) Timeline(ctx context.Context, id int64) ([]quench.TimelineEvent, error) {
	out, err := queryAll(ctx, s.db.r, "timeline", scanEvent,
		`SELECT `+eventCols+` FROM timeline_events WHERE incident_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// No events: tell an unknown incident from an empty timeline.
		if _, err := findIncident(ctx, s.db.r, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// eventCols are the columns scanEvent reads, in its order.
const eventCols = `id, incident_id, at, kind, actor, text, data`

func scanEvent(row interface{ Scan(...any) error }) (quench.TimelineEvent, error) {
	var ev quench.TimelineEvent
	var at timeCol
	var data sql.NullString
	if err := row.Scan(&ev.ID, &ev.IncidentID, &at, &ev.Kind, &ev.Actor, &ev.Text, &data); err != nil {
		return ev, err
	}
	ev.At = at.T
	if data.String != "" {
		ev.Data = json.RawMessage(data.String)
	}
	return ev, nil
}

// Acknowledge marks a triggered incident acknowledged by actor. ECONFLICT
// when it is resolved or already acknowledged.
func (s *IncidentService) Acknowledge(ctx context.Context, id int64, actor string) (*quench.Incident, error) {
	return s.act(ctx, id, actor, quench.ActionAcknowledge)
}

// Resolve marks an open incident resolved by actor. ECONFLICT when it is
// already resolved.
func (s *IncidentService) Resolve(ctx context.Context, id int64, actor string) (*quench.Incident, error) {
	return s.act(ctx, id, actor, quench.ActionResolve)
}

// act applies a person's action with the lifecycle (quench.ActionChange)
// and publishes its event once committed.
func (s *IncidentService) act(ctx context.Context, id int64, actor string, action quench.Action) (*quench.Incident, error) {
	actor = quench.CleanText(actor)
	if actor == "" {
		return nil, quench.Errorf(quench.EINVALID, "an actor is required")
	}
	var out *quench.Incident
	err := s.db.write(ctx, func(tx *txn) error {
		in, err := findIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		c, err := quench.ActionChange(in, action, actor)
		if err != nil {
			return err
		}
		now := utc(s.db.now())
		if c.Acknowledged {
			err = tx.acknowledge(ctx, id, now, actor)
		} else {
			err = tx.resolve(ctx, id, now, actor)
		}
		if err != nil {
			return err
		}
		if err := tx.event(ctx, id, now, c.Timeline, actor, c.Text, ""); err != nil {
			return err
		}
		if _, err := tx.audit(ctx, quench.AuditEntry{At: now, Actor: actor, Action: c.Audit,
			Subject: incidentSubject(id), Data: auditData(map[string]string{"from": string(in.Status)})}); err != nil {
			return err
		}
		tx.publish(quench.IncidentEvent{Kind: c.Event, IncidentID: id, Status: c.State.Status, Severity: c.State.Severity,
			RunbookID: in.RunbookID, Actor: actor, At: now})
		out, err = findIncident(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func incidentSubject(id int64) string { return "incident/" + strconv.FormatInt(id, 10) }

func (tx *txn) acknowledge(ctx context.Context, id int64, at time.Time, actor string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE incidents SET status = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2 WHERE id = $3`,
		at, actor, id); err != nil {
		return fmt.Errorf("sqldb: acknowledge incident %d: %w", id, err)
	}
	return nil
}

func (tx *txn) resolve(ctx context.Context, id int64, at time.Time, actor string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE incidents SET status = 'resolved', resolved_at = $1, resolved_by = $2 WHERE id = $3`,
		at, actor, id); err != nil {
		return fmt.Errorf("sqldb: resolve incident %d: %w", id, err)
	}
	return nil
}

// event inserts a timeline event and returns nothing; data is "" or JSON.
func (tx *txn) event(ctx context.Context, id int64, at time.Time, kind, actor, text, data string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO timeline_events (incident_id, at, kind, actor, text, data) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, at, kind, actor, text, nullString(data)); err != nil {
		return fmt.Errorf("sqldb: timeline event: %w", err)
	}
	return nil
}

// AddEvent appends an event (a note, a page, …) to an incident's
// timeline and, once committed, publishes it as an incident event when
// its kind has one (quench.IncidentEventKindOf). Kind and actor are
// required, At defaults to now and Data, when set, must be JSON. ENOTFOUND
// for an unknown incident.
func (s *IncidentService) AddEvent(ctx context.Context, ev quench.TimelineEvent) (*quench.TimelineEvent, error) {
	return s.record(ctx, "", ev, nil)
}

// RecordStep commits what happened to a step: its timeline event and its
// audit entry (when rec.Audit is set) in one transaction, then publishes
// the step's incident event. ENOTFOUND for an unknown incident.
func (s *IncidentService) RecordStep(ctx context.Context, rec quench.StepRecord) (*quench.TimelineEvent, error) {
	return s.record(ctx, rec.Step, rec.Event, rec.Audit)
}

func (s *IncidentService) record(ctx context.Context, step string, ev quench.TimelineEvent, audit *quench.AuditEntry) (*quench.TimelineEvent, error) {
	ev.Kind, ev.Actor, ev.Text = quench.CleanText(ev.Kind), quench.CleanText(ev.Actor), quench.CleanText(ev.Text)
	if ev.Kind == "" || ev.Actor == "" {
		return nil, quench.Errorf(quench.EINVALID, "a timeline event needs a kind and an actor")
	}
	data, err := cleanJSON("timeline event", ev.Data)
	if err != nil {
		return nil, err
	}
	ev.Data = nil
	if data != "" {
		ev.Data = json.RawMessage(data)
	}
	if ev.At.IsZero() {
		ev.At = s.db.now()
	}
	ev.At = utc(ev.At)
	// Through the ingest writer's group commit: a burst of steps shares
	// transactions (and syncs) with each other and with alerts.
	w := &recordWrite{step: quench.CleanText(step), ev: ev, data: data, audit: audit}
	if err := s.db.ingest.submit(ctx, &ingestReq{record: w, done: make(chan error, 1)}); err != nil {
		return nil, err
	}
	ev = w.ev
	return &ev, nil
}

// CountIncidents counts incidents by status, the open ones by severity
// and the open ones no runbook answers. Open incidents are few beside the
// resolved ones, so one query reads only them (through the status index)
// and the resolved ones are the total, which SQLite counts without reading
// rows, less the open ones.
func (s *IncidentService) CountIncidents(ctx context.Context) (quench.IncidentCounts, error) {
	c := quench.IncidentCounts{
		ByStatus:       map[quench.Status]int64{quench.StatusTriggered: 0, quench.StatusAcknowledged: 0, quench.StatusResolved: 0},
		OpenBySeverity: map[quench.Severity]int64{},
	}
	for _, sev := range quench.Severities {
		c.OpenBySeverity[sev] = 0
	}
	var total int64
	// Drill incidents are rehearsals, not incidents: statistics leave them
	// out. They are counted apart through the partial index incidents_drill
	// (the literal lets both databases use it), so the total stays a count
	// of an index rather than a read of every incident's source.
	if err := s.db.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM incidents) -
		(SELECT COUNT(*) FROM incidents WHERE source = 'drill')`).Scan(&total); err != nil {
		return c, readErr(ctx, "count incidents", err)
	}
	rows, err := s.db.r.QueryContext(ctx, `SELECT status, severity, runbook_id IS NULL, COUNT(*) FROM incidents
		WHERE status IN ('triggered', 'acknowledged') AND source <> $1 GROUP BY status, severity, runbook_id IS NULL`, quench.SourceDrill)
	if err != nil {
		return c, readErr(ctx, "count incidents", err)
	}
	defer rows.Close()
	var open int64
	for rows.Next() {
		var st, sev string
		var noRunbook bool
		var n int64
		if err := rows.Scan(&st, &sev, &noRunbook, &n); err != nil {
			return c, readErr(ctx, "count incidents", err)
		}
		c.ByStatus[quench.Status(st)] += n
		c.OpenBySeverity[quench.Severity(sev)] += n
		if noRunbook {
			c.OpenNoRunbook += n
		}
		open += n
	}
	if err := rows.Err(); err != nil {
		return c, readErr(ctx, "count incidents", err)
	}
	c.ByStatus[quench.StatusResolved] = total - open
	return c, nil
}
