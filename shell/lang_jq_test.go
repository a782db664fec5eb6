package shell

import "testing"

func FuzzJqFilter(f *testing.F) {
	for _, s := range []string{".", ".a | .b", "$ENV", "env", "def f: 1; f", "import \"x\" as x; .", "[inputs]", "reduce .[] as $x (0; . + $x)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, why := jqFilter(s, []string{"$ARGS"}); c != ReadOnly && c != Unknown || why == "" {
			t.Fatalf("jqFilter(%q) = %q %q", s, c, why)
		}
	})
}
