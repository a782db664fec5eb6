package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// PagingStore is the escalation engine's durable state: the notification
// outbox, escalation states and used one-time links.
type PagingStore struct{ db *DB }

var _ quench.EscalationStore = (*PagingStore)(nil)

// NewPagingStore returns the paging store of db.
func NewPagingStore(db *DB) *PagingStore { return &PagingStore{db: db} }

const notificationCols = `id, key, incident_id, step, role, person, contact, channel, kind, urgency, text, status,
	due_at, attempts, error, provider_id, created_at, sent_at`

func scanNotification(row interface{ Scan(...any) error }) (*quench.Notification, error) {
	var n quench.Notification
	var incident sql.NullInt64
	var due, created, sent timeCol
	if err := row.Scan(&n.ID, &n.Key, &incident, &n.Step, &n.Role, &n.Person, &n.Contact, &n.Channel, &n.Kind, &n.Urgency,
		&n.Text, &n.Status, &due, &n.Attempts, &n.Error, &n.ProviderID, &created, &sent); err != nil {
		return nil, err
	}
	n.IncidentID, n.DueAt, n.CreatedAt, n.SentAt = incident.Int64, due.T, created.T, sent.ptr()
	return &n, nil
}

func (s *PagingStore) queryNotifications(ctx context.Context, what, where string, args ...any) ([]*quench.Notification, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+notificationCols+` FROM notifications `+where, args...)
	if err != nil {
		return nil, readErr(ctx, what, err)
	}
	defer rows.Close()
	out := []*quench.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, readErr(ctx, what, err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, readErr(ctx, what, err)
	}
	return out, nil
}

// FindNotifications lists an incident's notifications, oldest first;
// ENOTFOUND for an unknown incident.
func (s *PagingStore) FindNotifications(ctx context.Context, incidentID int64) ([]*quench.Notification, error) {
	out, err := s.queryNotifications(ctx, "find notifications", `WHERE incident_id = $1 ORDER BY id`, incidentID)
	if err == nil && len(out) == 0 {
		if _, err := findIncident(ctx, s.db.r, incidentID); err != nil {
			return nil, err
		}
	}
	return out, err
}

// FindFailedNotifications lists notifications given up on, newest first.
func (s *PagingStore) FindFailedNotifications(ctx context.Context, limit int) ([]*quench.Notification, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.queryNotifications(ctx, "find failed notifications", `WHERE status = 'failed' ORDER BY id DESC LIMIT $1`, limit)
}

// PendingNotifications returns every pending notification, due first.
func (s *PagingStore) PendingNotifications(ctx context.Context) ([]*quench.Notification, error) {
	return s.queryNotifications(ctx, "pending notifications", `WHERE status = 'pending' ORDER BY due_at, id`)
}

// insertChunk bounds the rows of one multi-row insert (16 parameters each;
// SQLite allows 32766 per statement).
const insertChunk = 200

// ApplyEscalations writes every change in one transaction: state upserts,
// cancellations, new outbox rows (a key that exists inserts nothing),
// timeline events and audit entries. It returns the rows it inserted.
func (s *PagingStore) ApplyEscalations(ctx context.Context, changes []quench.EscalationChange) ([]quench.Notification, error) {
	now := utc(s.db.now())
	var inserted []quench.Notification
	err := s.db.write(ctx, func(tx *txn) error {
		inserted = inserted[:0]
		var rows []quench.Notification
		var states [][]any
		seen := map[int64]int{} // a state written twice in one batch: the last wins
		for _, c := range changes {
			if c.CancelPending != 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'cancelled'
					WHERE incident_id = $1 AND status = 'pending' AND kind IN ('page', 'notify')`, c.CancelPending); err != nil {
					return fmt.Errorf("sqldb: cancel notifications: %w", err)
				}
			}
			if c.State != nil {
				if i, ok := seen[c.State.IncidentID]; ok {
					states[i] = escalationRow(c.State, now)
				} else {
					seen[c.State.IncidentID] = len(states)
					states = append(states, escalationRow(c.State, now))
				}
			}
			rows = append(rows, c.Notifications...)
		}
		if err := tx.insertRowsThen(ctx, `INSERT INTO escalations (incident_id, steps, step, round, next_at, stopped, paged, acked, updated_at) VALUES `,
			states, ` ON CONFLICT (incident_id) DO UPDATE SET steps = excluded.steps, step = excluded.step, round = excluded.round,
			next_at = excluded.next_at, stopped = excluded.stopped, paged = excluded.paged, acked = excluded.acked,
			updated_at = excluded.updated_at`); err != nil {
			return fmt.Errorf("sqldb: escalations: %w", err)
		}
		for i := 0; i < len(rows); i += insertChunk {
			got, err := tx.insertNotifications(ctx, rows[i:min(i+insertChunk, len(rows))], now)
			if err != nil {
				return err
			}
			inserted = append(inserted, got...)
		}
		for _, c := range changes {
			if err := tx.record(ctx, c.Events, c.Audit); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return inserted, nil
}

// record appends timeline events and audit entries, many rows to a
// statement: on PostgreSQL each statement is a round trip, and a step or
// a batch of sends records thousands.
func (tx *txn) record(ctx context.Context, events []quench.TimelineEvent, audit []quench.AuditEntry) error {
	var ev [][]any
	for _, e := range events {
		data, err := cleanJSON("timeline event", e.Data)
		if err != nil {
			return err
		}
		at := e.At
		if at.IsZero() {
			at = tx.db.now()
		}
		ev = append(ev, []any{e.IncidentID, utc(at), quench.CleanText(e.Kind), quench.CleanText(e.Actor), quench.CleanText(e.Text), nullString(data)})
	}
	if err := tx.insertRows(ctx, `INSERT INTO timeline_events (incident_id, at, kind, actor, text, data) VALUES `, ev); err != nil {
		return fmt.Errorf("sqldb: timeline events: %w", err)
	}
	var au [][]any
	for _, a := range audit {
		e, data, err := tx.chain(a)
		if err != nil {
			return err
		}
		au = append(au, []any{e.Seq, e.At, e.Actor, e.Action, e.Subject, e.Outcome, data, e.PrevHash, e.Hash})
	}
	if err := tx.insertRows(ctx, `INSERT INTO audit_log (seq, at, actor, action, subject, outcome, data, prev_hash, hash) VALUES `, au); err != nil {
		return fmt.Errorf("sqldb: audit entries: %w", err)
	}
	return nil
}

// param is the nth parameter of a long statement: "$n" on PostgreSQL,
// an anonymous "?" on SQLite, which looks every named parameter up in a
// list as long as the statement (quadratic in the rows of a multi-row
// insert).
func (db *DB) param(n int) string {
	if db.dialect == DialectPostgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// maxParams bounds the parameters of one statement (SQLite allows 32766,
// PostgreSQL 65535).
const maxParams = 30000

// insertRows runs prefix followed by as many "($1, …)" rows as fit a
// statement, until every row is inserted.
func (tx *txn) insertRows(ctx context.Context, prefix string, rows [][]any) error {
	return tx.insertRowsThen(ctx, prefix, rows, "")
}

// insertRowsThen is insertRows with a suffix after the rows (ON CONFLICT …).
func (tx *txn) insertRowsThen(ctx context.Context, prefix string, rows [][]any, suffix string) error {
	for len(rows) > 0 {
		n := min(len(rows), maxParams/len(rows[0]))
		var q strings.Builder
		q.WriteString(prefix)
		args := make([]any, 0, n*len(rows[0]))
		for i, r := range rows[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for j := range r {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString(tx.db.param(len(args) + j + 1))
			}
			q.WriteString(")")
			args = append(args, r...)
		}
		q.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// escalationRow is the escalations row of a state.
func escalationRow(st *quench.EscalationState, now time.Time) []any {
	steps, _ := json.Marshal(nonNil(st.Steps))
	paged, _ := json.Marshal(nonNil(st.Paged))
	acked, _ := json.Marshal(nonNil(st.AckedBy))
	var next any
	if !st.NextAt.IsZero() {
		next = utc(st.NextAt)
	}
	return []any{st.IncidentID, string(steps), st.Step, st.Round, next, st.Stopped, string(paged), string(acked), now}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// insertNotifications inserts rows with one statement and returns those
// that were new.
func (tx *txn) insertNotifications(ctx context.Context, rows []quench.Notification, now time.Time) ([]quench.Notification, error) {
	var q strings.Builder
	q.WriteString(`INSERT INTO notifications (key, incident_id, step, role, person, contact, channel, kind, urgency, text,
		status, due_at, attempts, error, provider_id, created_at) VALUES `)
	args := make([]any, 0, len(rows)*16)
	byKey := make(map[string]int, len(rows))
	for i, n := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(")
		for j := range 16 {
			if j > 0 {
				q.WriteString(", ")
			}
			q.WriteString(tx.db.param(len(args) + j + 1))
		}
		q.WriteString(")")
		var incident any
		if n.IncidentID != 0 {
			incident = n.IncidentID
		}
		status := n.Status
		if status == "" {
			status = quench.NotificationPending
		}
		args = append(args, quench.CleanText(n.Key), incident, n.Step, quench.CleanText(n.Role), quench.CleanText(n.Person), quench.CleanText(n.Contact), string(n.Channel),
			string(n.Kind), string(n.Urgency), quench.CleanText(n.Text), string(status), utc(n.DueAt), n.Attempts, quench.CleanText(n.Error), quench.CleanText(n.ProviderID), now)
		byKey[n.Key] = i
	}
	q.WriteString(` ON CONFLICT (key) DO NOTHING RETURNING id, key`)
	res, err := tx.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("sqldb: insert notifications: %w", err)
	}
	defer res.Close()
	var out []quench.Notification
	for res.Next() {
		var id int64
		var key string
		if err := res.Scan(&id, &key); err != nil {
			return nil, fmt.Errorf("sqldb: insert notifications: %w", err)
		}
		n := rows[byKey[key]]
		n.ID, n.CreatedAt, n.DueAt = id, now, utc(n.DueAt)
		if n.Status == "" {
			n.Status = quench.NotificationPending
		}
		out = append(out, n)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: insert notifications: %w", err)
	}
	return out, nil
}

// FinishNotifications records send outcomes, with their timeline events
// and audit entries, in one transaction.
func (s *PagingStore) FinishNotifications(ctx context.Context, outcomes []quench.NotificationOutcome) error {
	return s.db.write(ctx, func(tx *txn) error {
		var events []quench.TimelineEvent
		var audit []quench.AuditEntry
		for _, o := range outcomes {
			if o.Event != nil {
				events = append(events, *o.Event)
			}
			if o.Audit != nil {
				audit = append(audit, *o.Audit)
			}
		}
		if err := tx.finish(ctx, outcomes); err != nil {
			return err
		}
		return tx.record(ctx, events, audit)
	})
}

// finish updates the outbox rows of outcomes: on PostgreSQL in one
// statement per thousand rows, on SQLite one prepared statement per row
// (cheap there, and its timestamps bind as integers a VALUES list would
// lose).
func (tx *txn) finish(ctx context.Context, outcomes []quench.NotificationOutcome) error {
	row := func(o quench.NotificationOutcome) []any {
		var sent, due any
		if o.Status == quench.NotificationSent {
			sent = utc(o.At)
		}
		if !o.DueAt.IsZero() {
			due = utc(o.DueAt)
		}
		return []any{o.Key, string(o.Status), o.Attempts, quench.CleanText(o.Error), quench.CleanText(o.ProviderID), due, sent}
	}
	if tx.db.dialect != DialectPostgres {
		stmt, err := tx.PrepareContext(ctx, `UPDATE notifications SET status = $2, attempts = $3, error = $4,
			provider_id = CASE WHEN $5 = '' THEN provider_id ELSE $5 END,
			due_at = COALESCE($6, due_at), sent_at = COALESCE($7, sent_at) WHERE key = $1`)
		if err != nil {
			return fmt.Errorf("sqldb: finish notifications: %w", err)
		}
		defer stmt.Close()
		for _, o := range outcomes {
			if _, err := stmt.ExecContext(ctx, row(o)...); err != nil {
				return fmt.Errorf("sqldb: finish notification: %w", err)
			}
		}
		return nil
	}
	for len(outcomes) > 0 {
		n := min(len(outcomes), 1000)
		var q strings.Builder
		q.WriteString(`UPDATE notifications AS n SET status = v.status, attempts = v.attempts, error = v.error,
			provider_id = CASE WHEN v.provider_id = '' THEN n.provider_id ELSE v.provider_id END,
			due_at = COALESCE(v.due_at, n.due_at), sent_at = COALESCE(v.sent_at, n.sent_at)
			FROM (VALUES `)
		var args []any
		for i, o := range outcomes[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			b := len(args)
			fmt.Fprintf(&q, "($%d::text, $%d::text, $%d::integer, $%d::text, $%d::text, $%d::timestamptz, $%d::timestamptz)",
				b+1, b+2, b+3, b+4, b+5, b+6, b+7)
			args = append(args, row(o)...)
		}
		q.WriteString(`) AS v(key, status, attempts, error, provider_id, due_at, sent_at) WHERE n.key = v.key`)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("sqldb: finish notifications: %w", err)
		}
		outcomes = outcomes[n:]
	}
	return nil
}

const escalationCols = `incident_id, steps, step, round, next_at, stopped, paged, acked`

func scanEscalation(row interface{ Scan(...any) error }) (*quench.EscalationState, error) {
	var st quench.EscalationState
	var steps, paged, acked string
	var next timeCol
	if err := row.Scan(&st.IncidentID, &steps, &st.Step, &st.Round, &next, &st.Stopped, &paged, &acked); err != nil {
		return nil, err
	}
	st.NextAt = next.T
	for _, f := range []struct {
		src string
		dst *[]string
	}{{steps, &st.Steps}, {paged, &st.Paged}, {acked, &st.AckedBy}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, fmt.Errorf("sqldb: escalation %d: %w", st.IncidentID, err)
		}
	}
	return &st, nil
}

// FindEscalation returns an incident's escalation state, or ENOTFOUND.
func (s *PagingStore) FindEscalation(ctx context.Context, incidentID int64) (*quench.EscalationState, error) {
	st, err := scanEscalation(s.db.r.QueryRowContext(ctx, `SELECT `+escalationCols+` FROM escalations WHERE incident_id = $1`, incidentID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quench.Errorf(quench.ENOTFOUND, "incident %d has no escalation", incidentID)
	}
	if err != nil {
		return nil, readErr(ctx, "find escalation", err)
	}
	return st, nil
}

// OpenEscalations returns open incidents whose escalation has not stopped,
// oldest first, each with its state (nil when it never started).
func (s *PagingStore) OpenEscalations(ctx context.Context) ([]quench.OpenEscalation, error) {
	rows, err := s.db.r.QueryContext(ctx, `SELECT `+incidentCols+`, e.incident_id
		FROM `+incidentFrom+` LEFT JOIN escalations e ON e.incident_id = i.id
		WHERE i.status <> 'resolved' AND (e.incident_id IS NULL OR NOT e.stopped) ORDER BY i.id`)
	if err != nil {
		return nil, readErr(ctx, "open escalations", err)
	}
	var out []quench.OpenEscalation
	var withState []int
	for rows.Next() {
		var esc sql.NullInt64
		in, err := scanIncident(scanWithExtra{rows, &esc})
		if err != nil {
			rows.Close()
			return nil, readErr(ctx, "open escalations", err)
		}
		if esc.Valid {
			withState = append(withState, len(out))
		}
		out = append(out, quench.OpenEscalation{Incident: in})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, readErr(ctx, "open escalations", err)
	}
	if len(withState) == 0 {
		return out, nil
	}
	states := map[int64]*quench.EscalationState{}
	srows, err := s.db.r.QueryContext(ctx, `SELECT `+escalationCols+` FROM escalations WHERE NOT stopped`)
	if err != nil {
		return nil, readErr(ctx, "open escalations", err)
	}
	defer srows.Close()
	for srows.Next() {
		st, err := scanEscalation(srows)
		if err != nil {
			return nil, readErr(ctx, "open escalations", err)
		}
		states[st.IncidentID] = st
	}
	if err := srows.Err(); err != nil {
		return nil, readErr(ctx, "open escalations", err)
	}
	for _, i := range withState {
		out[i].State = states[out[i].Incident.ID]
	}
	return out, nil
}

// scanWithExtra scans an incident row that has one more column at the end.
type scanWithExtra struct {
	rows  *sql.Rows
	extra any
}

func (s scanWithExtra) Scan(dst ...any) error { return s.rows.Scan(append(dst, s.extra)...) }

// UseLink records a one-time link as followed, and audits it as the
// person it was sent to; ECONFLICT when it was followed before.
func (s *PagingStore) UseLink(ctx context.Context, nonce string, incidentID int64, person, action string) error {
	now := utc(s.db.now())
	return s.db.write(ctx, func(tx *txn) error {
		var usedAt timeCol
		err := tx.QueryRowContext(ctx, `SELECT used_at FROM used_links WHERE nonce = $1`, nonce).Scan(&usedAt)
		if err == nil {
			return quench.Errorf(quench.ECONFLICT, "this link was already used at %s", usedAt.T.Format(time.RFC3339))
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqldb: use link: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO used_links (nonce, incident_id, person, action, used_at) VALUES ($1, $2, $3, $4, $5)`,
			nonce, incidentID, quench.CleanText(person), quench.CleanText(action), now); err != nil {
			return fmt.Errorf("sqldb: use link: %w", err)
		}
		_, err = tx.audit(ctx, quench.AuditEntry{At: now, Actor: person, Action: "paging.link", Subject: incidentSubject(incidentID),
			Data: auditData(map[string]string{"action": action})})
		return err
	})
}

const settingLinkKey = "paging.link_key"

// LinkKey returns the key that signs one-time links: made once, stored in
// settings, shared by every server of the database.
func (s *PagingStore) LinkKey(ctx context.Context) ([]byte, error) {
	b := make([]byte, 32)
	rand.Read(b)
	err := s.db.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
			settingLinkKey, hex.EncodeToString(b), utc(s.db.now()))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqldb: link key: %w", err)
	}
	var v string
	if err := s.db.w.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingLinkKey).Scan(&v); err != nil {
		return nil, readErr(ctx, "link key", err)
	}
	return hex.DecodeString(v)
}

// DiagnosisEvents returns the step and diagnosis_shared events of
// incidents, oldest first: what a page's diagnosis verdict reads, for a
// whole chunk of steps in one query instead of a timeline each.
func (s *PagingStore) DiagnosisEvents(ctx context.Context, incidentIDs []int64) (map[int64][]quench.TimelineEvent, error) {
	out := make(map[int64][]quench.TimelineEvent, len(incidentIDs))
	for len(incidentIDs) > 0 {
		chunk := incidentIDs[:min(len(incidentIDs), 1000)]
		incidentIDs = incidentIDs[len(chunk):]
		ids := make([]string, len(chunk))
		for i, id := range chunk {
			ids[i] = strconv.FormatInt(id, 10)
		}
		// The ids are integers formatted here: safe to inline.
		evs, err := queryAll(ctx, s.db.r, "diagnosis events", scanEvent, `SELECT `+eventCols+` FROM timeline_events
			WHERE incident_id IN (`+strings.Join(ids, ",")+`) AND kind IN ($1, $2, $3, $4) ORDER BY incident_id, id`,
			quench.EventStepStarted, quench.EventStepFinished, quench.EventStepRefused, quench.EventDiagnosisShared)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			out[ev.IncidentID] = append(out[ev.IncidentID], ev)
		}
	}
	return out, nil
}
