package shell_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

func TestLabelEnv(t *testing.T) {
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   map[string]string
	}{
		{"nil", nil, map[string]string{}},
		{"plain", map[string]string{"instance": "db-1:5432", "alertname": "PostgresDown"},
			map[string]string{"QUENCH_LABEL_INSTANCE": "db-1:5432", "QUENCH_LABEL_ALERTNAME": "PostgresDown"}},
		{"punctuation", map[string]string{"kubernetes.io/pod-name": "api-7"},
			map[string]string{"QUENCH_LABEL_KUBERNETES_IO_POD_NAME": "api-7"}},
		{"leading digit", map[string]string{"1st": "x"}, map[string]string{"QUENCH_LABEL__1ST": "x"}},
		{"non-ascii name", map[string]string{"zoné": "x"}, map[string]string{"QUENCH_LABEL_ZON_": "x"}},
		{"hostile name", map[string]string{"a$(id)`b`": "x"}, map[string]string{"QUENCH_LABEL_A__ID__B_": "x"}},
		{"empty name skipped", map[string]string{"": "x"}, map[string]string{}},
		{"values verbatim", map[string]string{"v": "$(rm -rf ~)\n'\"`;"}, map[string]string{"QUENCH_LABEL_V": "$(rm -rf ~)\n'\"`;"}},
		{"NUL dropped", map[string]string{"v": "a\x00b"}, map[string]string{"QUENCH_LABEL_V": "ab"}},
		{"collision: first name wins", map[string]string{"a_b": "underscore", "a-b": "dash", "A.B": "dot"},
			map[string]string{"QUENCH_LABEL_A_B": "dot"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := shell.LabelEnv(tt.labels); !maps.Equal(got, tt.want) {
				t.Errorf("LabelEnv(%q) = %q, want %q", tt.labels, got, tt.want)
			}
		})
	}
}

func TestEnviron(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"empty gets PATH", nil, []string{"PATH=" + shell.DefaultPath}},
		{"sorted", map[string]string{"B": "2", "A": "1", "QUENCH_RUNBOOK": "db-down"},
			[]string{"A=1", "B=2", "PATH=" + shell.DefaultPath, "QUENCH_RUNBOOK=db-down"}},
		{"own PATH kept", map[string]string{"PATH": "/bin"}, []string{"PATH=/bin"}},
		{"empty value", map[string]string{"E": ""}, []string{"E=", "PATH=" + shell.DefaultPath}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shell.Environ(tt.env)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("Environ(%q) = %q, %v, want %q", tt.env, got, err, tt.want)
			}
		})
	}
	for _, bad := range []map[string]string{{"A=B": "x"}, {"": "x"}, {"9A": "x"}, {"A-B": "x"}, {"A": "x\x00"}} {
		if _, err := shell.Environ(bad); quench.ErrorCode(err) != quench.EINVALID {
			t.Errorf("Environ(%q) error = %v, want %s", bad, err, quench.EINVALID)
		}
	}
}

func TestValidEnvName(t *testing.T) {
	for name, want := range map[string]bool{
		"A": true, "_": true, "a_1": true, "QUENCH_LABEL__1ST": true,
		"": false, "1A": false, "A-B": false, "A=B": false, "A B": false, "É": false,
	} {
		if got := shell.ValidEnvName(name); got != want {
			t.Errorf("ValidEnvName(%q) = %v, want %v", name, got, want)
		}
	}
}

// Label names and values come from alerts: whatever they are, LabelEnv
// yields variables a Spec accepts, and values keep every byte but NUL.
func FuzzLabelEnv(f *testing.F) {
	f.Add("instance", "db-1:5432", "alertname", "x")
	f.Add("kubernetes.io/pod", "$(touch /tmp/x)", "KUBERNETES_IO_POD", "`id`")
	f.Add("9", "\n", "", "\x00")
	f.Add("é", "\xff", "_", "'")
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		env := shell.LabelEnv(map[string]string{n1: v1, n2: v2})
		if _, err := shell.Environ(env); err != nil {
			t.Fatalf("LabelEnv(%q=%q, %q=%q) = %q, which Environ refuses: %v", n1, v1, n2, v2, env, err)
		}
		for name, value := range env {
			if !strings.HasPrefix(name, shell.LabelPrefix) {
				t.Errorf("variable %q lacks the prefix", name)
			}
			if value != strings.ReplaceAll(v1, "\x00", "") && value != strings.ReplaceAll(v2, "\x00", "") {
				t.Errorf("variable %s = %q, not one of the values", name, value)
			}
		}
	})
}
