package markdown

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPackFile feeds arbitrary bytes to the pack.yaml decoder: it must
// never panic or hang, and every problem must point inside the file.
func FuzzPackFile(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/pack.yaml")
	more, _ := filepath.Glob("testdata/rules/*/pack.yaml")
	for _, p := range append(paths, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("roles: &r [{id: a}]\nx: *r\n"))
	f.Add([]byte("first_steps: [{name: a, command: !!binary aGk=}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		data, ps := parsePackFile("pack.yaml", src)
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, p := range ps {
			if p.Line < 0 || p.Line > lines || p.Message == "" {
				t.Errorf("problem out of the file (%d lines): %+v", lines, p)
			}
		}
		for i, s := range data.firstSteps {
			if s.Index != i+1 || s.Class == "" {
				t.Errorf("bad first step: %+v", s)
			}
		}
	})
}
