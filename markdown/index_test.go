package markdown_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/markdown"
)

// TestIndexGolden regenerates testdata/index/README.md: rows grouped by
// category in pack order, ordered by `order` then id, pipes and brackets
// escaped, empty categories left out, and every byte outside the markers
// (trailing spaces, no final newline) kept.
func TestIndexGolden(t *testing.T) {
	p, ps, err := markdown.Load("testdata/index")
	if err != nil {
		t.Fatal(err)
	}
	if blockers := markdown.IndexProblems(ps); len(blockers) > 0 {
		t.Fatalf("fixture has problems: %v", blockers)
	}
	readme := readFile(t, "testdata/index/README.md")
	got, err := markdown.ReplaceIndex(readme, markdown.Index(p))
	if err != nil {
		t.Fatal(err)
	}
	want := readFile(t, "testdata/index/README.md.golden")
	if string(got) != string(want) {
		t.Errorf("generated README differs from README.md.golden:\n%s", markdown.Diff("README.md", want, got))
	}

	again, err := markdown.ReplaceIndex(got, markdown.Index(p))
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(got) {
		t.Errorf("regenerating a current README changed it:\n%s", markdown.Diff("README.md", got, again))
	}
}

func TestLintReportsStaleIndexUntilRegenerated(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "testdata/index", dir)
	os.Remove(filepath.Join(dir, "README.md.golden"))

	ps, err := markdown.Lint(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "README.md") + ":9: the runbook index is stale: run quench index " + dir
	if len(ps) != 1 || ps[0].String() != want || ps[0].Rule != markdown.RuleIndex {
		t.Fatalf("Lint = %v, want [%s]", ps, want)
	}

	copyFile(t, "testdata/index/README.md.golden", filepath.Join(dir, "README.md"))
	if ps, err := markdown.Lint(dir); err != nil || len(ps) != 0 {
		t.Fatalf("Lint after regenerating = %v, %v; want no problems", ps, err)
	}
}

func TestReplaceIndexMarkers(t *testing.T) {
	for _, tt := range []struct {
		name, readme, want string
	}{
		{"none", "# Runbooks\n", "no index markers: add a line <!-- quench:index:begin --> and a line <!-- quench:index:end --> where the runbook index belongs, then run quench index"},
		{"begin only", "<!-- quench:index:begin -->\n", "no index markers: add a line <!-- quench:index:begin --> and a line <!-- quench:index:end --> where the runbook index belongs, then run quench index"},
		{"twice", "<!-- quench:index:begin -->\n<!-- quench:index:end -->\n<!-- quench:index:begin -->\n<!-- quench:index:end -->\n", "more than one index marker: keep one <!-- quench:index:begin --> and one <!-- quench:index:end -->"},
		{"reversed", "<!-- quench:index:end -->\n<!-- quench:index:begin -->\n", "<!-- quench:index:end --> comes before <!-- quench:index:begin -->"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := markdown.ReplaceIndex([]byte(tt.readme), "### X\n")
			if err == nil || err.Error() != tt.want || quench.ErrorCode(err) != quench.EINVALID {
				t.Errorf("ReplaceIndex(%q) error = %v, want %q", tt.readme, err, tt.want)
			}
		})
	}
}

func TestIndexWithoutRunbooks(t *testing.T) {
	got := markdown.Index(&markdown.Pack{Categories: []string{"Infrastructure & Services"}})
	if want := "_No runbooks yet._\n"; got != want {
		t.Errorf("Index(empty pack) = %q, want %q", got, want)
	}
}

func TestDiff(t *testing.T) {
	got := markdown.Diff("runbooks/README.md", []byte("a\nb\nc\n"), []byte("a\nB\nc\n"))
	want := strings.Join([]string{
		"--- runbooks/README.md\tcurrent",
		"+++ runbooks/README.md\tgenerated",
		"@@ -1,3 +1,3 @@",
		" a",
		"-b",
		"+B",
		" c",
		"",
	}, "\n")
	if got != want {
		t.Errorf("Diff = %q, want %q", got, want)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
