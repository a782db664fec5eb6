package shell_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench/shell"
)

func validClass(c shell.Class) bool {
	return c == shell.ReadOnly || c == shell.Mutating || c == shell.Unknown
}

// FuzzClassify: on any input Classify returns one of the three classes
// with a reason, agrees with ClassifyEach, and returns at all.
func FuzzClassify(f *testing.F) {
	for _, tt := range classifyCases {
		f.Add(tt.cmd)
	}
	steps, _ := filepath.Glob(filepath.Join("testdata", "steps", "*.sh"))
	for _, s := range steps {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, script string) {
		done := make(chan struct{})
		var (
			class  shell.Class
			reason string
			err    error
			cmds   []shell.Command
			errE   error
		)
		go func() {
			defer close(done)
			class, reason, err = shell.Classify(script)
			cmds, errE = shell.ClassifyEach(script)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Classify(%q) did not return", script)
		}
		if !validClass(class) {
			t.Fatalf("Classify(%q) = %q, not a class", script, class)
		}
		if reason == "" || strings.Contains(reason, "\n") {
			t.Fatalf("Classify(%q) reason %q: want one non-empty line", script, reason)
		}
		if err != nil && class != shell.Unknown {
			t.Fatalf("Classify(%q) = %v with error %v; a script that does not parse is unknown", script, class, err)
		}
		if (err == nil) != (errE == nil) {
			t.Fatalf("Classify(%q) error %v but ClassifyEach error %v", script, err, errE)
		}
		worst := shell.ReadOnly
		for _, c := range cmds {
			if !validClass(c.Class) || c.Reason == "" || c.Line < 0 {
				t.Fatalf("ClassifyEach(%q) gave %+v", script, c)
			}
			worst = worst.Worse(c.Class)
		}
		if err == nil && worst != class {
			t.Fatalf("Classify(%q) = %v but its worst command is %v", script, class, worst)
		}
	})
}
