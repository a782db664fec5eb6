package sqldb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

func TestDeploys(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewDeployService(db)
		ctx := ctxT(t)
		t0 := clk.Now()
		var ds []*quench.Deploy
		for i, off := range []time.Duration{-3 * time.Hour, -90 * time.Minute, -30 * time.Minute, -10 * time.Minute} {
			d, err := s.RecordDeploy(ctx, quench.Deploy{Service: "api", SHA: fmt.Sprintf("sha%d", i), Actor: "ci", DeployedAt: t0.Add(off)})
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, d)
		}
		now := must[*quench.Deploy](t)(s.RecordDeploy(ctx, quench.Deploy{Service: " worker ", SHA: "shanow", Actor: "alice", Note: "hotfix"}))
		if !now.DeployedAt.Equal(t0.Truncate(time.Microsecond)) || now.Service != "worker" || now.ID == 0 {
			t.Errorf("deploy without a time: %+v", now)
		}

		ids := func(ds []*quench.Deploy) string {
			var s []string
			for _, d := range ds {
				s = append(s, d.SHA)
			}
			return fmt.Sprint(s)
		}
		for _, tt := range []struct {
			name     string
			from, to time.Time
			want     string
		}{
			{"hour before", t0.Add(-time.Hour), t0, "[sha3 sha2]"},
			{"to is exclusive", t0.Add(-time.Hour), t0.Add(-10 * time.Minute), "[sha2]"},
			{"from is inclusive", t0.Add(-90 * time.Minute), t0.Add(-30 * time.Minute), "[sha1]"},
			{"open ends", time.Time{}, time.Time{}, "[shanow sha3 sha2 sha1 sha0]"},
			{"nothing", t0.Add(time.Hour), t0.Add(2 * time.Hour), "[]"},
		} {
			if got := ids(must[[]*quench.Deploy](t)(s.FindDeploys(ctx, tt.from, tt.to))); got != tt.want {
				t.Errorf("%s: FindDeploys = %s, want %s", tt.name, got, tt.want)
			}
		}

		last := must[*quench.Deploy](t)(s.LastDeployBefore(ctx, t0.Add(-30*time.Minute)))
		if last.SHA != "sha1" || last.Actor != "ci" || !last.DeployedAt.Equal(ds[1].DeployedAt) || last.DeployedAt.Location() != time.UTC {
			t.Errorf("LastDeployBefore (strictly before sha2): %+v", last)
		}
		_, err := s.LastDeployBefore(ctx, t0.Add(-3*time.Hour))
		wantCode(t, err, quench.ENOTFOUND, "no deploy before")

		for _, bad := range []quench.Deploy{{SHA: "x", Actor: "a"}, {Service: "api", Actor: "a"}, {Service: "api", SHA: "x"}} {
			_, err := s.RecordDeploy(ctx, bad)
			wantCode(t, err, quench.EINVALID, "required")
		}
	})
}
