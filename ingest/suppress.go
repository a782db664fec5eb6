package ingest

import (
	"context"

	"github.com/quench-sh/quench"
)

// submitUnsuppressed asks the Suppressor which alerts it holds back and
// stores the others; results stay in the order of alerts, a held-back
// alert's saying OutcomeSuppressed.
func (s *AlertService) submitUnsuppressed(ctx context.Context, alerts []quench.Alert) ([]quench.IngestResult, error) {
	held, err := s.Suppressor.Suppress(ctx, alerts)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, h := range held {
		if h != nil {
			n++
		}
	}
	if n == 0 {
		return s.Store.IngestAlerts(ctx, alerts, s.router())
	}
	out := make([]quench.IngestResult, len(alerts))
	pass := make([]quench.Alert, 0, len(alerts)-n)
	idx := make([]int, 0, len(alerts)-n) // pass[j] is alerts[idx[j]]
	for i, h := range held {
		if h != nil {
			out[i] = *h
		} else {
			pass, idx = append(pass, alerts[i]), append(idx, i)
		}
	}
	if len(pass) == 0 {
		return out, nil
	}
	res, err := s.Store.IngestAlerts(ctx, pass, s.router())
	if err != nil {
		return nil, err
	}
	for j, r := range res {
		out[idx[j]] = r
	}
	return out, nil
}
