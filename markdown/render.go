package markdown

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/quench-sh/quench/internal/gfmtable"
)

// HTMLOptions adjust RenderHTML.
type HTMLOptions struct {
	// Step renders the n-th step block (from 0, in document order: the
	// blocks the parser takes for steps) in place of its code. Nil renders
	// steps as code like any other block.
	Step func(w io.Writer, n int) error
	// Link rewrites link and image destinations, e.g. a sibling runbook's
	// "./db-down.md" to the web UI's page of it. Nil keeps them.
	Link func(dest string) string
}

// RenderHTML renders runbook Markdown (a section's text, the pack's index)
// for the web UI with goldmark's safe defaults: raw HTML in the source is
// left out and links with dangerous schemes (javascript:, vbscript:, …)
// are emptied. Runbook text is reviewed, but a page must not run script
// because a review missed some.
func RenderHTML(src string, opt HTMLOptions) (string, error) {
	steps := &stepRenderer{step: opt.Step}
	md := goldmark.New(
		goldmark.WithExtensions(gfmtable.Table),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(linkRewriter(opt.Link), 100))),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(steps, 100))),
	)
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("markdown: render: %w", err)
	}
	if steps.err != nil {
		return "", steps.err
	}
	return buf.String(), nil
}

// stepRenderer renders step blocks through HTMLOptions.Step and leaves
// every other code block to goldmark's own renderer.
type stepRenderer struct {
	step func(w io.Writer, n int) error
	n    int
	err  error
}

func (r *stepRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.render)
}

func (r *stepRenderer) render(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.FencedCodeBlock)
	lang := ""
	if n.Info != nil {
		lang, _ = splitInfo(string(n.Info.Segment.Value(src)))
	}
	if r.step == nil || !slices.Contains(stepLangs, lang) {
		return r.plain(w, src, n, entering)
	}
	if entering {
		if err := r.step(w, r.n); err != nil && r.err == nil {
			r.err = err
		}
		r.n++
	}
	return ast.WalkSkipChildren, nil
}

// plain writes a code block as goldmark does: escaped, in pre and code,
// with a language class.
func (r *stepRenderer) plain(w util.BufWriter, src []byte, n *ast.FencedCodeBlock, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("<pre><code")
	if lang := n.Language(src); lang != nil {
		_, _ = w.WriteString(` class="language-`)
		_, _ = w.Write(util.EscapeHTML(lang))
		_, _ = w.WriteString(`"`)
	}
	_, _ = w.WriteString(">")
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(src)))
	}
	_, _ = w.WriteString("</code></pre>\n")
	return ast.WalkSkipChildren, nil
}

// linkRewriter applies HTMLOptions.Link to every link and image.
type linkRewriter func(dest string) string

func (f linkRewriter) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	if f == nil {
		return
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch l := n.(type) {
		case *ast.Link:
			l.Destination = []byte(f(string(l.Destination)))
		case *ast.Image:
			l.Destination = []byte(f(string(l.Destination)))
		}
		return ast.WalkContinue, nil
	})
}
