package markdown_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/quench-sh/quench/markdown"
)

// FuzzParseRunbook feeds arbitrary bytes to the parser as a runbook file:
// it must never panic or hang, and whatever it returns must point inside
// the file.
func FuzzParseRunbook(f *testing.F) {
	for _, glob := range []string{"testdata/clean/*.md", "testdata/rules/*.md", "testdata/index/*.md", "testdata/rules/*/*.md"} {
		paths, _ := filepath.Glob(glob)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("---\nid: [\n---\n"))
	f.Add([]byte("---\r\nid: x\r\n...\r\n## Quick diagnosis\r\n~~~sh {\"name\":\"a\"}\r\nls\r\n"))
	f.Add([]byte("Title\n=====\n\nSection\n-------\n```sh\n```\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		rb, ps := markdown.ParseRunbook("fuzz.md", src)
		if rb == nil {
			t.Fatal("nil runbook")
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, p := range ps {
			if p.Line < 0 || p.Line > lines || p.Path != "fuzz.md" || p.Message == "" || p.Rule == "" {
				t.Errorf("problem out of the file (%d lines): %+v", lines, p)
			}
		}
		for i, s := range rb.Steps {
			if s.Line < 1 || s.Line > lines || s.Index != i+1 || s.Name == "" || s.Class == "" {
				t.Errorf("bad step (file has %d lines): %+v", lines, s)
			}
		}
		for _, s := range rb.Sections {
			if s.Line < 1 || s.Line > lines {
				t.Errorf("section out of the file (%d lines): %+v", lines, s)
			}
		}
	})
}
