package shell_test

import (
	"path/filepath"
	"testing"

	"github.com/quench-sh/quench/shell"
)

// TestLangCorpusHeaders keeps the embedded-language corpus files apart as
// harmful.txt and benign.txt are: the behavioural oracle runs the benign
// one as it is.
func TestLangCorpusHeaders(t *testing.T) {
	for _, tt := range readCorpus(t, filepath.Join("testdata", "corpus", "langs-harmful.txt")) {
		if tt.want == shell.ReadOnly {
			t.Errorf("langs-harmful.txt:%d: a read-only command", tt.line)
		}
	}
	for _, tt := range readCorpus(t, filepath.Join("testdata", "corpus", "langs-benign.txt")) {
		if tt.want != shell.ReadOnly {
			t.Errorf("langs-benign.txt:%d: a %s command", tt.line, tt.want)
		}
	}
}

// FuzzLangCorpus mutates the corpus commands: whatever comes out,
// Classify answers with a class and a one-line reason.
func FuzzLangCorpus(f *testing.F) {
	for _, name := range []string{"langs-harmful.txt", "langs-benign.txt"} {
		for _, c := range readCorpus(f, filepath.Join("testdata", "corpus", name)) {
			f.Add(c.cmd)
		}
	}
	f.Fuzz(func(t *testing.T, cmd string) {
		c, why, _ := shell.Classify(cmd)
		if c != shell.ReadOnly && c != shell.Mutating && c != shell.Unknown || why == "" {
			t.Fatalf("Classify(%q) = %q %q", cmd, c, why)
		}
	})
}
