package shell_test

import (
	"testing"

	"github.com/quench-sh/quench/shell"
)

// FuzzCorpusAfterHarmful mutates the adversarial corpus (every line of
// testdata/corpus, harmful and ordinary, is a seed) and checks, two
// classifications per input:
//
//   - the mutant gets one of the three classes, as FuzzClassify checks for
//     any input;
//
//   - a harmful corpus command (picked by pick) followed by the mutant is
//     never read-only: nothing written after a command can make it
//     harmless, so a read-only verdict there means the mutant hid the
//     command before it from the classifier. (FuzzCorpus checks the
//     other order, a harmful statement after a mutant.)
//
//     go test -run='^$' -fuzz=FuzzCorpusAfterHarmful -fuzztime=60s ./shell
func FuzzCorpusAfterHarmful(f *testing.F) {
	cases := corpusFiles(f)
	var harmful []string
	for i, tt := range cases {
		f.Add(tt.cmd, uint16(i))
		if tt.want != shell.ReadOnly {
			harmful = append(harmful, tt.cmd)
		}
	}
	f.Fuzz(func(t *testing.T, mutant string, pick uint16) {
		class, _, _ := shell.Classify(mutant)
		if !validClass(class) {
			t.Fatalf("Classify(%q) = %q, not a class", mutant, class)
		}
		h := harmful[int(pick)%len(harmful)]
		script := h + "\n" + mutant
		if got, reason, _ := shell.Classify(script); got == shell.ReadOnly {
			t.Fatalf("Classify(%q) = read-only (%s), but its first command %q alone is harmful", script, reason, h)
		}
	})
}
