package runbooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/quench-sh/quench/internal/throwaway"
)

// TestProbesShowStatusAndBody: every step that probes /readyz shows the
// status and the body that names the failed dependency, and fails when the
// probe fails; the pack's old `curl -fsS …/readyz | jq` dropped the body and
// exited 0.
func TestProbesShowStatusAndBody(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	const down = `{"ok":false,"db_connected":false,"redis_connected":true,"migrations_current":true}`
	probes := []struct{ runbook, step string }{
		{"", "health"},
		{"api-down", "verify-api"},
		{"db-down", "verify-db"},
		{"disk-full", "verify-space"},
		{"migrations-not-current", "verify-migrations"},
		{"redis-down", "verify-redis"},
	}
	for _, p := range probes {
		name := p.runbook + "/" + p.step
		st.SetReadyz(http.StatusOK, throwaway.HealthyReadyz)
		r := runStep(t, st, p.runbook, p.step, nil)
		if r.exit != 0 {
			t.Errorf("%s with a healthy API: %s", name, r)
		}
		contains(t, name, r, "readyz: HTTP 200", `"db_connected":true`)

		st.SetReadyz(http.StatusServiceUnavailable, down)
		r = runStep(t, st, p.runbook, p.step, nil)
		if r.exit == 0 {
			t.Errorf("%s with /readyz answering 503: exit 0, want a failure:\n%s", name, r)
		}
		contains(t, name, r, "readyz: HTTP 503", `"db_connected":false`)
	}

	// The defect: piping the probe into jq drops the 503's body and exits 0.
	st.SetReadyz(http.StatusServiceUnavailable, down)
	old := run(t, st, `curl -fsS --max-time 10 "$API_URL/readyz" | jq`, 0, nil)
	if old.exit != 0 || strings.Contains(old.out, "db_connected") {
		t.Errorf("the old probe was expected to hide the failure (exit 0, no body): %s", old)
	}
}
