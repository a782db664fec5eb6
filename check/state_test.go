package check

import (
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

// TestAdvance: only transitions alert, at the thresholds.
func TestAdvance(t *testing.T) {
	for _, tt := range []struct {
		name       string
		runs       string // p = pass, f = fail
		fail, succ int
		want       string // the action of each run: . none, T trigger, R resolve
		firing     bool
	}{
		{"fires at once", "f", 1, 1, "T", true},
		{"fires once only", "fff", 1, 1, "T..", true},
		{"threshold three", "fffff", 3, 1, "..T..", true},
		{"a pass restarts the count", "ffpfff", 3, 1, "......"[:3] + "..T", true},
		{"resolves", "fp", 1, 1, "TR", false},
		{"resolve threshold", "fpppp", 1, 3, "T..R.", false},
		{"a failure restarts the success count", "fppfppp", 1, 3, "T.....R", false},
		{"passing never alerts", "ppp", 1, 1, "...", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var st quench.CheckState
			got := ""
			at := time.Unix(0, 0)
			for _, r := range tt.runs {
				at = at.Add(time.Second)
				switch advance(&st, quench.CheckResult{At: at, OK: r == 'p'}, tt.fail, tt.succ) {
				case quench.ActionTrigger:
					got += "T"
				case quench.ActionResolve:
					got += "R"
				default:
					got += "."
				}
			}
			if got != tt.want || st.Firing != tt.firing {
				t.Errorf("runs %s: actions %s firing %v, want %s firing %v", tt.runs, got, st.Firing, tt.want, tt.firing)
			}
		})
	}
}

// TestAdvanceSince: Since moves only when the outcome changes.
func TestAdvanceSince(t *testing.T) {
	var st quench.CheckState
	t0 := time.Unix(100, 0)
	advance(&st, quench.CheckResult{At: t0, OK: false}, 2, 1)
	advance(&st, quench.CheckResult{At: t0.Add(time.Second), OK: false}, 2, 1)
	if !st.Since.Equal(t0) || st.Status != quench.CheckFailing || st.Failures != 2 {
		t.Errorf("state %+v", st)
	}
}

func TestHistory(t *testing.T) {
	var h history
	for i := range HistorySize + 5 {
		h.add(quench.CheckResult{LatencyMS: float64(i)})
	}
	l := h.list()
	if len(l) != HistorySize || l[0].LatencyMS != 5 || l[len(l)-1].LatencyMS != HistorySize+4 {
		t.Errorf("history %v", l)
	}
}
