package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/quench-sh/quench"
)

// Page sizes of the drill list.
const (
	DefaultDrillLimit = 50
	MaxDrillLimit     = 500
)

// DrillService stores drills and their reports.
type DrillService struct{ db *DB }

var _ quench.DrillStore = (*DrillService)(nil)

// NewDrillService returns the drills of db.
func NewDrillService(db *DB) *DrillService { return &DrillService{db: db} }

// CreateDrill stores a queued drill and audits who asked for it.
func (s *DrillService) CreateDrill(ctx context.Context, d *quench.Drill) error {
	d.RunbookID, d.Actor = quench.CleanText(d.RunbookID), quench.CleanText(d.Actor)
	if d.RunbookID == "" || d.Actor == "" {
		return quench.Errorf(quench.EINVALID, "drill: runbook and actor are required")
	}
	d.Status = quench.DrillQueued
	d.CreatedAt = utc(s.db.now())
	return s.db.write(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO drills (runbook_id, actor, scheduled, status, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			d.RunbookID, d.Actor, d.Scheduled, d.Status, d.CreatedAt).Scan(&d.ID); err != nil {
			return fmt.Errorf("sqldb: create drill: %w", err)
		}
		_, err := tx.audit(ctx, quench.AuditEntry{Actor: d.Actor, Action: quench.AuditDrillStart, Subject: "drill/" + strconv.FormatInt(d.ID, 10),
			Data: auditData(map[string]any{"runbook": d.RunbookID, "scheduled": d.Scheduled})})
		return err
	})
}

// UpdateDrill stores a drill's progress or report.
func (s *DrillService) UpdateDrill(ctx context.Context, d *quench.Drill) error {
	report, err := json.Marshal(d.Steps)
	if err != nil {
		return fmt.Errorf("sqldb: drill report: %w", err)
	}
	if d.Steps == nil {
		report = []byte("[]")
	}
	var incident any
	if d.IncidentID != 0 {
		incident = d.IncidentID
	}
	return s.db.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE drills SET incident_id = $1, status = $2, verdict = $3, error = $4, started_at = $5,
			finished_at = $6, alert_to_diagnosis_ns = $7, failed_steps = $8, report = $9 WHERE id = $10`,
			incident, d.Status, d.Verdict, quench.CleanText(d.Error), nullTime(d.StartedAt), nullTime(d.FinishedAt),
			int64(d.AlertToDiagnosis), d.FailedSteps, string(report), d.ID)
		if err != nil {
			return fmt.Errorf("sqldb: update drill: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return quench.Errorf(quench.ENOTFOUND, "no drill #%d", d.ID)
		}
		return nil
	})
}

const drillCols = `id, runbook_id, incident_id, actor, scheduled, status, verdict, error, created_at, started_at, finished_at,
	alert_to_diagnosis_ns, failed_steps, report`

func scanDrill(row interface{ Scan(...any) error }) (*quench.Drill, error) {
	var d quench.Drill
	var incident sql.NullInt64
	var created, started, finished timeCol
	var took int64
	var report string
	if err := row.Scan(&d.ID, &d.RunbookID, &incident, &d.Actor, &d.Scheduled, &d.Status, &d.Verdict, &d.Error,
		&created, &started, &finished, &took, &d.FailedSteps, &report); err != nil {
		return nil, err
	}
	d.IncidentID = incident.Int64
	d.CreatedAt, d.StartedAt, d.FinishedAt = created.T, started.ptr(), finished.ptr()
	d.AlertToDiagnosis = time.Duration(took)
	if err := json.Unmarshal([]byte(report), &d.Steps); err != nil {
		return nil, fmt.Errorf("drill #%d report: %w", d.ID, err)
	}
	return &d, nil
}

// FindDrill returns ENOTFOUND when no drill has that id.
func (s *DrillService) FindDrill(ctx context.Context, id int64) (*quench.Drill, error) {
	d, err := scanDrill(s.db.r.QueryRowContext(ctx, `SELECT `+drillCols+` FROM drills WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quench.Errorf(quench.ENOTFOUND, "no drill #%d", id)
	}
	if err != nil {
		return nil, readErr(ctx, "find drill", err)
	}
	return d, nil
}

// FindDrills returns drills newest first. Limit defaults to
// DefaultDrillLimit and is capped at MaxDrillLimit.
func (s *DrillService) FindDrills(ctx context.Context, f quench.DrillFilter) ([]*quench.Drill, error) {
	q := `SELECT ` + drillCols + ` FROM drills WHERE 1 = 1`
	var args []any
	if f.RunbookID != "" {
		args = append(args, f.RunbookID)
		q += ` AND runbook_id = $` + strconv.Itoa(len(args))
	}
	if f.BeforeID > 0 {
		args = append(args, f.BeforeID)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultDrillLimit
	}
	args = append(args, min(limit, MaxDrillLimit))
	q += ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	return s.queryDrills(ctx, q, args...)
}

// LatestDrills returns the newest drill of each runbook, and the newest
// finished (done) one.
func (s *DrillService) LatestDrills(ctx context.Context) (latest, finished map[string]*quench.Drill, err error) {
	all, err := s.queryDrills(ctx, `SELECT `+drillCols+` FROM drills WHERE id IN (SELECT MAX(id) FROM drills GROUP BY runbook_id)
		OR id IN (SELECT MAX(id) FROM drills WHERE status = 'done' GROUP BY runbook_id) ORDER BY id DESC`)
	if err != nil {
		return nil, nil, err
	}
	latest, finished = map[string]*quench.Drill{}, map[string]*quench.Drill{}
	for _, d := range all { // newest first: the first seen of each kind wins
		if _, ok := latest[d.RunbookID]; !ok {
			latest[d.RunbookID] = d
		}
		if _, ok := finished[d.RunbookID]; !ok && d.Status == quench.DrillDone {
			finished[d.RunbookID] = d
		}
	}
	return latest, finished, nil
}

func (s *DrillService) queryDrills(ctx context.Context, q string, args ...any) ([]*quench.Drill, error) {
	return queryAll(ctx, s.db.r, "find drills", scanDrill, q, args...)
}
