package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// DeployService records deploys, for an incident's "what changed" and its
// last-good pointer.
type DeployService struct{ db *DB }

var _ quench.DeployService = (*DeployService)(nil)

// NewDeployService returns the deploy history of db.
func NewDeployService(db *DB) *DeployService { return &DeployService{db: db} }

// RecordDeploy stores a deploy and audits it. Service, SHA and Actor are
// required; DeployedAt defaults to now.
func (s *DeployService) RecordDeploy(ctx context.Context, d quench.Deploy) (*quench.Deploy, error) {
	d.Service, d.SHA, d.Actor, d.Note = quench.CleanText(strings.TrimSpace(d.Service)), quench.CleanText(strings.TrimSpace(d.SHA)), quench.CleanText(d.Actor), quench.CleanText(d.Note)
	switch {
	case d.Service == "":
		return nil, quench.Errorf(quench.EINVALID, "deploy: service is required")
	case d.SHA == "":
		return nil, quench.Errorf(quench.EINVALID, "deploy: sha is required")
	case d.Actor == "":
		return nil, quench.Errorf(quench.EINVALID, "deploy: actor is required")
	}
	if d.DeployedAt.IsZero() {
		d.DeployedAt = s.db.now()
	}
	d.DeployedAt = utc(d.DeployedAt)
	err := s.db.write(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO deploys (service, sha, actor, note, deployed_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			d.Service, d.SHA, d.Actor, d.Note, d.DeployedAt).Scan(&d.ID); err != nil {
			return fmt.Errorf("sqldb: record deploy: %w", err)
		}
		_, err := tx.audit(ctx, quench.AuditEntry{Actor: d.Actor, Action: quench.AuditDeployRecord, Subject: "deploy/" + strconv.FormatInt(d.ID, 10),
			Data: auditData(map[string]string{"service": d.Service, "sha": d.SHA, "deployed_at": d.DeployedAt.Format(time.RFC3339Nano)})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

const deployCols = `id, service, sha, actor, note, deployed_at`

func scanDeploy(row interface{ Scan(...any) error }) (*quench.Deploy, error) {
	var d quench.Deploy
	var at timeCol
	if err := row.Scan(&d.ID, &d.Service, &d.SHA, &d.Actor, &d.Note, &at); err != nil {
		return nil, err
	}
	d.DeployedAt = at.T
	return &d, nil
}

// FindDeploys returns deploys in [from, to), newest first. A zero from or to
// leaves that end open.
func (s *DeployService) FindDeploys(ctx context.Context, from, to time.Time) ([]*quench.Deploy, error) {
	q := `SELECT ` + deployCols + ` FROM deploys WHERE deployed_at >= $1`
	args := []any{utc(from)}
	if from.IsZero() {
		args[0] = time.Unix(0, 0).UTC().AddDate(-100, 0, 0)
	}
	if !to.IsZero() {
		q += ` AND deployed_at < $2`
		args = append(args, utc(to))
	}
	return queryAll(ctx, s.db.r, "find deploys", scanDeploy, q+` ORDER BY deployed_at DESC, id DESC`, args...)
}

// LastDeployBefore returns the newest deploy strictly before t, or
// ENOTFOUND.
func (s *DeployService) LastDeployBefore(ctx context.Context, t time.Time) (*quench.Deploy, error) {
	d, err := scanDeploy(s.db.r.QueryRowContext(ctx,
		`SELECT `+deployCols+` FROM deploys WHERE deployed_at < $1 ORDER BY deployed_at DESC, id DESC LIMIT 1`, utc(t)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, quench.Errorf(quench.ENOTFOUND, "no deploy before %s", t.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return nil, readErr(ctx, "last deploy", err)
	}
	return d, nil
}
