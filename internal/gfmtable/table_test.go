package gfmtable_test

import (
	"bytes"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/quench-sh/quench/internal/gfmtable"
)

// tables are inputs that exercise every branch of the extension: the
// alignments, missing and extra cells, escaped pipes inside and outside
// code spans, a paragraph before the table, indented delimiter rows, and
// rows that are not tables.
var tables = []string{
	"| a | b |\n|---|---|\n| 1 | 2 |\n",
	"a | b\n--- | ---\n1 | 2\n",
	"| left | right | center | none |\n|:-----|------:|:------:|------|\n| l | r | c | n |\n",
	"| a | b |\n|---|---|\n| 1 |\n| 1 | 2 | 3 |\n",
	"text before\n| a | b |\n|---|---|\n| `x \\| y` | z \\| w |\n",
	"| a |\n|---|\n| `a\\|b` and `c\\|d` |\n| `e\\|f` |\n",
	"| a | b |\n    |---|---|\n",
	"| a | b |\n| - | : |\n",
	"| a | b | c |\n|---|---|\n",
	"|---|\n",
	"- item\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n",
	"> | q |\n> |---|\n> | *em* [link](x.md) |\n",
	"| <b>raw</b> | b |\n|---|---|\n",
	"| a | b |\n|---|---|\n\n| c |\n|:-:|\n| d |\n",
}

// render converts src with goldmark and the given table extension, with
// and without raw HTML and XHTML output (renderer options reach the
// table's own renderer).
func render(t testing.TB, ext goldmark.Extender, src string, opts ...renderer.Option) string {
	var buf bytes.Buffer
	md := goldmark.New(goldmark.WithExtensions(ext), goldmark.WithRendererOptions(opts...))
	if err := md.Convert([]byte(src), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestSameAsGoldmark(t *testing.T) {
	for _, src := range tables {
		for _, opts := range [][]renderer.Option{nil, {html.WithUnsafe()}, {html.WithXHTML()}} {
			want := render(t, extension.Table, src, opts...)
			if got := render(t, gfmtable.Table, src, opts...); got != want {
				t.Errorf("%q:\n got %q\nwant %q", src, got, want)
			}
		}
	}
}

// FuzzSameAsGoldmark checks the copy against goldmark's own extension on
// arbitrary Markdown.
func FuzzSameAsGoldmark(f *testing.F) {
	for _, src := range tables {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		want := render(t, extension.Table, src)
		if got := render(t, gfmtable.Table, src); got != want {
			t.Errorf("%q:\n got %q\nwant %q", src, got, want)
		}
	})
}
