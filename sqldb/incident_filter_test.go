package sqldb_test

import (
	"slices"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

// TestFindIncidentsOpenAndText pins the web UI's list filters: open-only,
// text in summary, dedup key or labels (any case, LIKE wildcards taken
// literally), and the open counts by severity.
func TestFindIncidentsOpenAndText(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := ctxT(t)
		s := sqldb.NewIncidentService(db)
		a := trigger("DiskFull", quench.SeverityHigh)
		a.Labels["instance"] = "db-1:9100"
		b := trigger("ApiDown", quench.SeverityCritical)
		b.Summary = "API 5xx at 100%_rate"
		c := trigger("CertExpiry", quench.SeverityLow)
		res := ingest(t, db, a, b, c)
		if _, err := s.Resolve(ctx, res[2].IncidentID, "alice"); err != nil {
			t.Fatal(err)
		}
		ids := func(f quench.IncidentFilter) []int64 {
			t.Helper()
			incs, err := s.FindIncidents(ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			var out []int64
			for _, in := range incs {
				out = append(out, in.ID)
			}
			return out
		}
		a1, b1, c1 := res[0].IncidentID, res[1].IncidentID, res[2].IncidentID
		for _, tt := range []struct {
			f    quench.IncidentFilter
			want []int64
		}{
			{quench.IncidentFilter{Open: true}, []int64{b1, a1}},
			{quench.IncidentFilter{Text: "api 5XX"}, []int64{b1}},
			{quench.IncidentFilter{Text: "100%_"}, []int64{b1}},
			{quench.IncidentFilter{Text: "0%x"}, nil},
			{quench.IncidentFilter{Text: "DB-1:9100"}, []int64{a1}},
			{quench.IncidentFilter{Text: "certexpiry"}, []int64{c1}},
			{quench.IncidentFilter{Text: "certexpiry", Open: true}, nil},
			{quench.IncidentFilter{Text: "summary of", Severity: quench.SeverityHigh}, []int64{a1}},
		} {
			if got := ids(tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("%+v: got %v, want %v", tt.f, got, tt.want)
			}
		}
		_, err := s.FindIncidents(ctx, quench.IncidentFilter{Open: true, Status: quench.StatusResolved})
		wantCode(t, err, quench.EINVALID, "exclude")

		counts, err := s.CountIncidents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[quench.Severity]int64{quench.SeverityCritical: 1, quench.SeverityHigh: 1, quench.SeverityMedium: 0, quench.SeverityLow: 0}
		for sev, n := range want {
			if counts.OpenBySeverity[sev] != n {
				t.Errorf("open %s: %d, want %d (%v)", sev, counts.OpenBySeverity[sev], n, counts.OpenBySeverity)
			}
		}
	})
}
