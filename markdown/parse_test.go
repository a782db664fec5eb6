package markdown_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/markdown"
)

func parseFixture(t *testing.T, path string) *quench.Runbook {
	t.Helper()
	rb, ps := markdown.ParseRunbook(path, readFile(t, path))
	if len(ps) > 0 {
		t.Fatalf("ParseRunbook(%s) problems: %v", path, ps)
	}
	return rb
}

func TestParseFrontMatter(t *testing.T) {
	rb := parseFixture(t, "testdata/clean/db-down.md")
	if rb.ID != "db-down" || rb.Title != "Database Down" || rb.Category != "Infrastructure & Services" ||
		rb.Severity != quench.SeverityCritical || rb.Signal != "`db_connected: false`, Postgres health failing" || rb.Order != 2 {
		t.Errorf("front matter = %+v", rb)
	}
	wantMatch := []quench.Matcher{
		{Expr: `labels.alertname == "PostgresDown"`, Line: 9},
		{Expr: `source == "check" && check == "api-readyz" && body.db_connected == false`, Line: 10},
	}
	if !equal(rb.Match, wantMatch) {
		t.Errorf("Match = %+v, want %+v", rb.Match, wantMatch)
	}
	if want := []string{"oncall-ops", "data-db-owner", "backend-lead"}; !equal(rb.Escalation, want) {
		t.Errorf("Escalation = %v, want %v", rb.Escalation, want)
	}
	if rb.Path != "testdata/clean/db-down.md" {
		t.Errorf("Path = %q", rb.Path)
	}
}

func TestParseSteps(t *testing.T) {
	rb := parseFixture(t, "testdata/clean/db-down.md")
	want := []quench.Step{
		{Name: "diagnosis-1", Section: "Quick diagnosis", Index: 1, Line: 21, Lang: "sh",
			Command: "docker compose ps db\ndocker compose logs --tail=200 db"},
		{Name: "connections", Section: "Quick diagnosis", Index: 2, Line: 28, Lang: "bash", Title: "Check connections",
			Command: `PGCONNECT_TIMEOUT=5 PGOPTIONS='-c statement_timeout=10s' psql -U app -c "SELECT count(*) FROM pg_stat_activity"`, Timeout: 20 * time.Second},
		{Name: "restart-db", Section: "Safe remediation steps", Index: 3, Line: 40, Lang: "sh", Title: "Restart the database container.",
			Command: "docker compose restart db", Confirm: true},
		{Name: "remediation-2", Section: "Safe remediation steps", Index: 4, Line: 44, Lang: "sh", Title: "Check it answers",
			Command: "pg_isready -h 127.0.0.1"},
		{Name: "rollback-1", Section: "Rollback/restore pointers", Index: 5, Line: 52, Lang: "sh", Title: "Restore from the last backup (restore notes)",
			Command: "./ops/restore.sh latest", Confirm: true, Target: "db-host"},
	}
	if len(rb.Steps) != len(want) {
		t.Fatalf("got %d steps, want %d: %+v", len(rb.Steps), len(want), rb.Steps)
	}
	for i, got := range rb.Steps {
		if got.Class == "" || got.Reason == "" {
			t.Errorf("step %s not classified: class %q, reason %q", got.Name, got.Class, got.Reason)
		}
		got.Class, got.Reason = "", ""
		if got != want[i] {
			t.Errorf("step %d:\n got %+v\nwant %+v", i+1, got, want[i])
		}
	}
	if s, err := rb.StepByName("restart-db"); err != nil || s.Class != quench.Mutating {
		t.Errorf("restart-db: %+v, %v; want a mutating step", s, err)
	}
	if s, _ := rb.StepByName("diagnosis-1"); s.Class != quench.ReadOnly {
		t.Errorf("diagnosis-1 class = %q, want read-only", s.Class)
	}
}

func TestParseSections(t *testing.T) {
	rb := parseFixture(t, "testdata/clean/db-down.md")
	var titles []string
	var lines []int
	for _, s := range rb.Sections {
		titles = append(titles, s.Title)
		lines = append(lines, s.Line)
		if s.Level != 2 {
			t.Errorf("section %q level %d", s.Title, s.Level)
		}
	}
	if !equal(titles, quench.SectionTitles) {
		t.Errorf("sections = %q, want %q", titles, quench.SectionTitles)
	}
	if want := []int{15, 19, 32, 37, 48, 56}; !equal(lines, want) {
		t.Errorf("section lines = %v, want %v", lines, want)
	}
	if got, want := rb.Sections[2].Markdown, "- The container stopped (OOM, host reboot).\n- The disk is full."; got != want {
		t.Errorf("Likely causes text = %q, want %q", got, want)
	}
	if got := rb.Sections[5].Markdown; !strings.HasSuffix(got, "for restores.") {
		t.Errorf("last section text = %q, want it to run to the end of the file", got)
	}
}

// TestParseStepTitlesAndNames pins which prose a step takes its title from
// and how unnamed steps are named.
func TestParseStepTitlesAndNames(t *testing.T) {
	const front = "---\nid: t\ntitle: T\ncategory: C\nseverity: low\nsignal: S\nmatch: ['true']\nescalation: [x]\n---\n"
	for _, tt := range []struct {
		name, body string
		wantTitle  []string
		wantName   []string
	}{
		{"list item", "## Safe remediation steps\n\n1. **Restart** the `api`:\n   more text\n   ```sh {\"confirm\":true}\n   docker compose restart api\n   ```\n",
			[]string{"Restart the api"}, []string{"remediation-1"}},
		{"paragraph before", "## Quick diagnosis\n\nLook at the [logs](https://x):\n\n```sh\nls\n```\n",
			[]string{"Look at the logs"}, []string{"diagnosis-1"}},
		{"sub-heading before", "## Quick diagnosis\n\n### Disk usage\n\n```sh\ndf -h\n```\n",
			[]string{"Disk usage"}, []string{"diagnosis-1"}},
		{"section heading before", "## Quick diagnosis\n\n```sh\ndf -h\n```\n",
			[]string{""}, []string{"diagnosis-1"}},
		{"list before is not prose", "## Quick diagnosis\n\n- one\n- two\n\n```sh\ndf -h\n```\n",
			[]string{""}, []string{"diagnosis-1"}},
		{"code first in item", "## Quick diagnosis\n\n- ```sh\n  df -h\n  ```\n",
			[]string{""}, []string{"diagnosis-1"}},
		{"counts per section", "## Quick diagnosis\n\n```sh\nls\n```\n\n```sh {\"name\":\"disk\"}\ndf\n```\n\n```sh\ndu\n```\n\n## Rollback/restore pointers\n\n```bash\nls\n```\n",
			[]string{"", "", "", ""}, []string{"diagnosis-1", "disk", "diagnosis-3", "rollback-1"}},
		{"other languages are not steps", "## Quick diagnosis\n\n```json\n{}\n```\n\n```\nls\n```\n\n    indented code\n\n```shell\nls\n```\n",
			[]string{""}, []string{"diagnosis-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rb, _ := markdown.ParseRunbook("t.md", []byte(front+tt.body))
			var titles, names []string
			for _, s := range rb.Steps {
				titles = append(titles, s.Title)
				names = append(names, s.Name)
			}
			if !equal(titles, tt.wantTitle) || !equal(names, tt.wantName) {
				t.Errorf("titles %q names %q, want %q %q", titles, names, tt.wantTitle, tt.wantName)
			}
		})
	}
}

// TestParseLineEndings checks that CRLF files give the same lines and
// commands as LF files: runbooks get edited on every OS.
func TestParseLineEndings(t *testing.T) {
	lf := readFile(t, "testdata/clean/db-down.md")
	crlf := strings.ReplaceAll(string(lf), "\n", "\r\n")
	a, _ := markdown.ParseRunbook("db-down.md", lf)
	b, ps := markdown.ParseRunbook("db-down.md", []byte(crlf))
	if len(ps) > 0 {
		t.Fatalf("CRLF problems: %v", ps)
	}
	if len(a.Steps) != len(b.Steps) || len(a.Sections) != len(b.Sections) {
		t.Fatalf("CRLF: %d steps %d sections, LF: %d steps %d sections", len(b.Steps), len(b.Sections), len(a.Steps), len(a.Sections))
	}
	for i := range a.Steps {
		if a.Steps[i].Line != b.Steps[i].Line || a.Steps[i].Name != b.Steps[i].Name {
			t.Errorf("step %d: LF %s:%d, CRLF %s:%d", i, a.Steps[i].Name, a.Steps[i].Line, b.Steps[i].Name, b.Steps[i].Line)
		}
		if got := strings.ReplaceAll(b.Steps[i].Command, "\r", ""); got != a.Steps[i].Command {
			t.Errorf("step %d command: CRLF %q, LF %q", i, b.Steps[i].Command, a.Steps[i].Command)
		}
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestParseSectionText covers setext and indented headings, whose text
// and underline must not leak into the section's Markdown.
func TestParseSectionText(t *testing.T) {
	src := "---\nid: t\n---\nTitle\n=====\n\nAlert signal\n------------\n\nText A.\n\n  ## Quick diagnosis\n\nText B.\n\n# Appendix\n\nText C.\n"
	rb, _ := markdown.ParseRunbook("t.md", []byte(src))
	want := []quench.Section{
		{Title: "Alert signal", Line: 7, Level: 2, Markdown: "Text A."},
		{Title: "Quick diagnosis", Line: 12, Level: 2, Markdown: "Text B."},
	}
	if !equal(rb.Sections, want) {
		t.Errorf("Sections = %+v, want %+v", rb.Sections, want)
	}
}
