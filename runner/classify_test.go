package runner

import (
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// The runner classifies each step with the operator's variables: a
// configured name the naming rule does not cover (lower case) is the
// operator's at run time, an unconfigured one is not.
func TestCheckStepTrustsConfiguredVariables(t *testing.T) {
	// init builds classify from Env and Secrets, as here.
	r := &Runner{classify: shell.EnvOptions(map[string]string{"log_dir": "/var/log"}, map[string]string{"api_token": "x"})}
	for _, tt := range []struct {
		cmd  string
		want quench.Class
	}{
		{`find "$log_dir" -name '*.log'`, quench.ReadOnly},
		{`curl -fsS -H "Authorization: Bearer $api_token" https://example.com/healthz`, quench.ReadOnly},
		{`find "$other_dir" -name '*.log'`, quench.Unknown},
		{`find "$QUENCH_LABEL_DIR" -name '*.log'`, quench.Unknown},
		{`$log_dir/bin/tool`, quench.Unknown},
	} {
		if got := r.checkStep(quench.Step{Name: "s", Command: tt.cmd}); got.class != tt.want {
			t.Errorf("checkStep(%q) = %v (%s), want %v", tt.cmd, got.class, got.reason, tt.want)
		}
	}
}
