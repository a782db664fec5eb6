package escalate

import (
	"context"
	"time"

	"github.com/quench-sh/quench"
)

var _ quench.OverrideService = (*Engine)(nil)

// CreateOverride checks the override against the on-call file (its
// schedule and people must exist) and stores it.
func (e *Engine) CreateOverride(ctx context.Context, o quench.Override) (*quench.Override, error) {
	e.init()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	cfg := e.Config.Load()
	if _, ok := cfg.FindSchedule(o.Schedule); !ok {
		return nil, quench.Errorf(quench.EINVALID, "override: schedule %q is not in the on-call file", o.Schedule)
	}
	for _, p := range []string{o.Person, o.Replaces} {
		if _, ok := cfg.FindPerson(p); p != "" && !ok {
			return nil, quench.Errorf(quench.EINVALID, "override: %q is not a person in the on-call file", p)
		}
	}
	return e.Overrides.CreateOverride(ctx, o)
}

// FindOverrides lists overrides overlapping [from, to).
func (e *Engine) FindOverrides(ctx context.Context, schedule string, from, to time.Time) ([]*quench.Override, error) {
	return e.Overrides.FindOverrides(ctx, schedule, from, to)
}

// DeleteOverride removes an override.
func (e *Engine) DeleteOverride(ctx context.Context, id int64, actor string) error {
	return e.Overrides.DeleteOverride(ctx, id, actor)
}
