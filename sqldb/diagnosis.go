package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// DiagnosisQueue is the durable queue of automatic diagnoses (table
// diagnoses, filled by the ingest writer when Config.QueueDiagnoses is
// set). On PostgreSQL several instances claim from it at once: FOR UPDATE
// SKIP LOCKED hands each row to one of them.
type DiagnosisQueue struct{ db *DB }

var _ quench.DiagnosisQueue = (*DiagnosisQueue)(nil)

// NewDiagnosisQueue returns the diagnosis queue of db.
func NewDiagnosisQueue(db *DB) *DiagnosisQueue { return &DiagnosisQueue{db: db} }

// ClaimDiagnoses takes up to n diagnoses, oldest incident first: queued
// ones, and running ones whose lease ran out. On SQLite, where one server
// owns the file, a running row of any other owner is taken too: its owner
// was this file's server before a restart.
func (q *DiagnosisQueue) ClaimDiagnoses(ctx context.Context, owner string, n int, lease time.Duration) ([]quench.DiagnosisClaim, error) {
	if n <= 0 {
		return nil, nil
	}
	now := utc(q.db.now())
	stale := `lease_until < $3`
	lock := ` FOR UPDATE SKIP LOCKED`
	if q.db.dialect == DialectSQLite {
		stale, lock = `(lease_until < $3 OR owner <> $1)`, ""
	}
	tx, err := q.db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, unavailable("claim diagnoses", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `UPDATE diagnoses SET status = 'running', owner = $1, lease_until = $2, attempts = attempts + 1
		WHERE incident_id IN (SELECT incident_id FROM diagnoses
			WHERE status = 'queued' OR (status = 'running' AND `+stale+`)
			ORDER BY incident_id LIMIT $4`+lock+`)
		RETURNING incident_id, attempts`, owner, now.Add(lease), now, n)
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim diagnoses: %w", err)
	}
	var claims []quench.DiagnosisClaim
	for rows.Next() {
		var c quench.DiagnosisClaim
		var attempts int
		if err := rows.Scan(&c.IncidentID, &attempts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqldb: claim diagnoses: %w", err)
		}
		c.Retaken = attempts > 1
		claims = append(claims, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqldb: claim diagnoses: %w", err)
	}
	if len(claims) == 0 {
		return nil, nil
	}
	ids := make([]string, len(claims))
	at := make(map[int64]int, len(claims))
	for i, c := range claims {
		ids[i] = strconv.FormatInt(c.IncidentID, 10)
		at[c.IncidentID] = i
	}
	// The ids are integers this function formatted: safe to inline.
	sevs, err := tx.QueryContext(ctx, `SELECT id, severity FROM incidents WHERE id IN (`+strings.Join(ids, ",")+`)`)
	if err != nil {
		return nil, fmt.Errorf("sqldb: claim diagnoses: %w", err)
	}
	for sevs.Next() {
		var id int64
		var sev string
		if err := sevs.Scan(&id, &sev); err != nil {
			sevs.Close()
			return nil, fmt.Errorf("sqldb: claim diagnoses: %w", err)
		}
		claims[at[id]].Severity = quench.Severity(sev)
	}
	sevs.Close()
	if err := tx.Commit(); err != nil {
		return nil, unavailable("claim diagnoses", err)
	}
	return claims, nil
}

// RenewDiagnoses extends the lease of every diagnosis owner holds.
func (q *DiagnosisQueue) RenewDiagnoses(ctx context.Context, owner string, lease time.Duration) error {
	if _, err := q.db.w.ExecContext(ctx, `UPDATE diagnoses SET lease_until = $1 WHERE owner = $2 AND status = 'running'`,
		utc(q.db.now()).Add(lease), owner); err != nil {
		return unavailable("renew diagnoses", err)
	}
	return nil
}

// FinishDiagnosis marks a diagnosis done, if owner still holds it.
func (q *DiagnosisQueue) FinishDiagnosis(ctx context.Context, incidentID int64, owner string) error {
	if _, err := q.db.w.ExecContext(ctx, `UPDATE diagnoses SET status = 'done', finished_at = $1, lease_until = NULL
		WHERE incident_id = $2 AND owner = $3`, utc(q.db.now()), incidentID, owner); err != nil {
		return unavailable("finish diagnosis", err)
	}
	return nil
}

// queueDiagnoses queues the diagnosis of every incident the batch opens,
// in the batch's transaction. An incident whose runbook already has a
// diagnosis queued within Config.ShareDiagnosesWithin shares it: its row
// is done at once, linked, and its timeline says whose diagnosis it
// shares. Drill incidents neither share nor are shared.
func (b *batchTx) queueDiagnoses(ctx context.Context) error {
	if !b.db.queueDiagnoses || len(b.created) == 0 {
		return nil
	}
	leaders := map[string]int64{}
	for _, st := range b.created {
		key := st.runbook
		if st.opener.a.Source == quench.SourceDrill || b.db.shareWithin <= 0 {
			key = ""
		}
		var shared int64
		if key != "" {
			id, ok := leaders[key]
			if !ok {
				var found []int64
				rows, err := b.QueryContext(ctx, `SELECT incident_id FROM diagnoses
					WHERE runbook_id = $1 AND shared_with IS NULL AND queued_at > $2 ORDER BY queued_at DESC LIMIT 1`,
					key, b.now.Add(-b.db.shareWithin))
				if err != nil {
					return fmt.Errorf("sqldb: queue diagnoses: %w", err)
				}
				for rows.Next() {
					var v int64
					if err := rows.Scan(&v); err != nil {
						rows.Close()
						return fmt.Errorf("sqldb: queue diagnoses: %w", err)
					}
					found = append(found, v)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return fmt.Errorf("sqldb: queue diagnoses: %w", err)
				}
				id = st.id
				if len(found) > 0 {
					id = found[0]
				}
				leaders[key] = id
			}
			if id != st.id {
				shared = id
			}
		}
		var err error
		if shared == 0 {
			_, err = b.ExecContext(ctx, `INSERT INTO diagnoses (incident_id, runbook_id, status, queued_at) VALUES ($1, $2, 'queued', $3)`,
				st.id, key, b.now)
		} else {
			_, err = b.ExecContext(ctx, `INSERT INTO diagnoses (incident_id, runbook_id, status, queued_at, finished_at, shared_with)
				VALUES ($1, $2, 'done', $3, $3, $4)`, st.id, key, b.now, shared)
			if err == nil {
				b.event(st, b.now, quench.EventDiagnosisShared, quench.SystemActor,
					fmt.Sprintf("diagnosis shared with incident #%d: same runbook %s, opened within %s; see its timeline", shared, key, b.db.shareWithin),
					string(auditData(quench.DiagnosisSharedData{SharedWith: shared, Runbook: key})))
			}
		}
		if err != nil {
			return fmt.Errorf("sqldb: queue diagnosis: %w", err)
		}
	}
	return nil
}
