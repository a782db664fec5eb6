package sqldb_test

import (
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

// TestCheckStates: a check's state survives a reopen, is replaced by a
// later save and is gone once deleted.
func TestCheckStates(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewCheckStore(db)
		ctx := ctxT(t)
		since := time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
		res := &quench.CheckResult{At: since, OK: false, LatencyMS: 12.5, Message: "status 503, want 200"}
		for _, st := range []*quench.CheckState{
			{Name: "api-readyz", Kind: quench.CheckHTTP, Status: quench.CheckPassing, Since: since},
			{Name: "api-readyz", Kind: quench.CheckHTTP, Status: quench.CheckFailing, Firing: true, Since: since, Last: res},
			{Name: "db", Kind: quench.CheckPostgres, Status: quench.CheckPending},
		} {
			if err := s.SaveCheckState(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.CheckStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("%d states, want 2", len(got))
		}
		a := got[0]
		if a.Name != "api-readyz" || a.Status != quench.CheckFailing || !a.Firing || !a.Since.Equal(since.Truncate(time.Microsecond)) ||
			a.Last == nil || a.Last.Message != res.Message || a.Last.LatencyMS != 12.5 {
			t.Errorf("api-readyz = %+v (last %+v)", a, a.Last)
		}
		if b := got[1]; b.Name != "db" || b.Status != quench.CheckPending || b.Firing || !b.Since.IsZero() || b.Last != nil {
			t.Errorf("db = %+v", b)
		}
		if err := s.DeleteCheckState(ctx, "api-readyz"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCheckState(ctx, "never-was"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.CheckStates(ctx); len(got) != 1 || got[0].Name != "db" {
			t.Errorf("after delete: %v", got)
		}
		if err := s.SaveCheckState(ctx, &quench.CheckState{}); quench.ErrorCode(err) != quench.EINVALID {
			t.Errorf("nameless state: %v", err)
		}
	})
}
