package markdown_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/quench-sh/quench/markdown"
)

func TestRenderHTML(t *testing.T) {
	src := "Check [the db runbook](./db-down.md) and [docs](https://example.com/x).\n\n" +
		"1. Look first:\n   ```sh\n   docker compose ps db\n   ```\n" +
		"2. Then restart.\n   ```sh {\"confirm\": true}\n   docker compose restart db\n   ```\n\n" +
		"```text\n<not a step>\n```\n\n" +
		"<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n" +
		"[bad](javascript:alert(3)) and ![pic](javascript:alert(4))\n"
	got, err := markdown.RenderHTML(src, markdown.HTMLOptions{
		Step: func(w io.Writer, n int) error {
			_, err := fmt.Fprintf(w, "<div class=step>%d</div>", n)
			return err
		},
		Link: func(dest string) string {
			if name, ok := strings.CutSuffix(strings.TrimPrefix(dest, "./"), ".md"); ok {
				return "/runbooks/" + name
			}
			return dest
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<a href="/runbooks/db-down">the db runbook</a>`,
		`<a href="https://example.com/x">docs</a>`,
		"<div class=step>0</div>",
		"<div class=step>1</div>",
		`<pre><code class="language-text">&lt;not a step&gt;`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, bad := range []string{"<script", "onerror", "javascript:", "docker compose"} {
		if strings.Contains(got, bad) {
			t.Errorf("output holds %q:\n%s", bad, got)
		}
	}

	// Without a step renderer, steps are code like any other block.
	plain, err := markdown.RenderHTML("```sh\necho <hi>\n```\n", markdown.HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<pre><code class="language-sh">echo &lt;hi&gt;`; !strings.Contains(plain, want) {
		t.Errorf("got %q, want %q", plain, want)
	}
}

// TestRenderHTMLStepError passes the step renderer's first error on.
func TestRenderHTMLStepError(t *testing.T) {
	_, err := markdown.RenderHTML("```sh\nls\n```\n", markdown.HTMLOptions{Step: func(io.Writer, int) error { return io.ErrShortWrite }})
	if err == nil || !strings.Contains(err.Error(), "short write") {
		t.Fatalf("got %v", err)
	}
}
