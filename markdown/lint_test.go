package markdown_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/shell"
)

// lintFixture lints one fixture of testdata/rules in a fresh directory and
// returns its problems as `path:line: message` with paths relative to that
// directory. A file fixture is linted beside the shared rules/pack.yaml and
// a README whose index is current; a directory fixture is linted as it is.
func lintFixture(t *testing.T, name string) []string {
	t.Helper()
	src := filepath.Join("testdata", "rules", name)
	dir := t.TempDir()
	st, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if st.IsDir() {
		copyDir(t, src, dir)
	} else {
		copyFile(t, filepath.Join("testdata", "rules", "pack.yaml"), filepath.Join(dir, "pack.yaml"))
		copyFile(t, src, filepath.Join(dir, name))
		writeCurrentReadme(t, dir)
	}
	ps, err := markdown.Lint(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		s := strings.ReplaceAll(p.String(), dir+string(filepath.Separator), "")
		out = append(out, strings.ReplaceAll(s, dir, "DIR"))
	}
	return out
}

// writeCurrentReadme gives dir a README.md whose index matches its runbooks,
// so single-rule fixtures report only their own problem.
func writeCurrentReadme(t *testing.T, dir string) {
	t.Helper()
	readme := []byte("# Runbooks\n\n" + markdown.IndexBegin + "\n" + markdown.IndexEnd + "\n")
	p, _, err := markdown.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	readme, err = markdown.ReplaceIndex(readme, markdown.Index(p))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), readme, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		copyFile(t, path, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// why returns the classifier's reason for a script: the linter quotes it,
// and its wording is the shell package's to pin.
func why(script string) string {
	_, reason, _ := shell.Classify(script)
	return reason
}

func TestLintCleanPack(t *testing.T) {
	ps, err := markdown.Lint("testdata/clean")
	if err != nil || len(ps) > 0 {
		t.Fatalf("Lint(testdata/clean) = %v, %v; want no problems", ps, err)
	}
}

// TestLintRules pins every rule's exact message and line, one fixture each.
func TestLintRules(t *testing.T) {
	for _, tt := range []struct {
		fixture string
		want    []string
	}{
		{"missing-section.md", []string{`missing-section.md:23: missing section "## Likely causes"`}},
		{"extra-level.md", []string{
			`extra-level.md:17: section "Quick diagnosis" must be a level-2 heading, not level 3`,
			`extra-level.md:19: steps are only allowed in Quick diagnosis, Safe remediation steps and Rollback/restore pointers; this one is in "Alert signal"`}},
		{"out-of-order.md", []string{`out-of-order.md:13: section "Likely causes" is out of order: it must come after "Quick diagnosis"`}},
		{"unknown-section.md", []string{`unknown-section.md:37: unknown section "Notes": the sections are Alert signal, Quick diagnosis, Likely causes, Safe remediation steps, Rollback/restore pointers, Escalation roles`}},
		{"section-case.md", []string{`section-case.md:23: section "Likely Causes" must be written "Likely causes"`}},
		{"second-h1.md", []string{`second-h1.md:41: level-1 heading "Appendix": only the title, the first heading, may be level 1`}},
		{"duplicate-section.md", []string{`duplicate-section.md:41: duplicate section "Escalation roles" (first at line 37)`}},
		{"no-front-matter.md", []string{`no-front-matter.md:1: missing front matter: start the file with a --- block holding id, title, category, severity, signal, match and escalation`}},
		{"unclosed-front-matter.md", []string{`unclosed-front-matter.md:1: front matter is not closed: end it with a line ---`}},
		{"unknown-key.md", []string{`unknown-key.md:10: front matter: unknown field "escalaton"`}},
		{"missing-fields.md", []string{
			`missing-fields.md:1: front matter: missing "title"`,
			`missing-fields.md:5: front matter: missing "signal"`}},
		{"bad-yaml.md", []string{`bad-yaml.md:4: front matter: ',' or ']' must be specified`}},
		{"bad-severity.md", []string{`bad-severity.md:5: severity "urgent" is not one of critical, high, medium, low`}},
		{"id-mismatch.md", []string{`id-mismatch.md:2: id "other-name" does not match the file name "id-mismatch.md"`}},
		{"bad-id.md", []string{`bad-id.md:2: id "Bad_ID" must be lowercase letters, digits and dashes`}},
		{"duplicate-id", []string{
			`two.md:2: id "one" does not match the file name "two.md"`,
			`two.md:2: duplicate id "one" (also in one.md:2)`}},
		{"bad-match.md", []string{
			`bad-match.md:9: match expression "labels.alertname ==": unexpected token EOF at column 19`,
			`bad-match.md:10: match expression "labels.alertname": expected bool, but got string`}},
		{"unknown-role.md", []string{
			`unknown-role.md:9: role "oncall-ops" is listed twice`,
			`unknown-role.md:9: escalation role "dba" is not defined in pack.yaml`}},
		{"unknown-category.md", []string{`unknown-category.md:4: category "Databases" is not in pack.yaml (categories: Infrastructure & Services, Backup & Recovery)`}},
		{"broken-link.md", []string{
			`broken-link.md:15: link ./notes.md#top: notes.md does not exist`,
			`broken-link.md:16: link img/graph.png: img/graph.png does not exist`}},
		{"diagnosis-mutating.md", []string{`diagnosis-mutating.md:21: step "diagnosis-1" in Quick diagnosis must be read-only, but it is mutating: ` + why("docker compose restart db")}},
		{"diagnosis-unknown.md", []string{`diagnosis-unknown.md:20: step "diagnosis-1" in Quick diagnosis must be read-only, but it is unknown: ` + why(`eval "$CMD"`)}},
		{"no-confirm.md", []string{`no-confirm.md:29: step "remediation-1" is mutating and needs {"confirm": true}: ` + why("docker compose restart api")}},
		{"rollback-no-confirm.md", []string{`rollback-no-confirm.md:35: step "restore" is mutating and needs {"confirm": true}: ` + why("rm -rf /var/lib/app/cache")}},
		{"step-attributes.md", []string{
			`step-attributes.md:29: step attribute "confirm" must be true or false`,
			`step-attributes.md:29: unknown step attribute "retries" (known: confirm, destructive, name, target, timeout)`,
			`step-attributes.md:29: step attribute "timeout" "soon" must be a positive duration such as "30s"`,
			`step-attributes.md:29: step "remediation-1" is mutating and needs {"confirm": true}: ` + why("docker compose restart api"),
			`step-attributes.md:35: step attributes are not a JSON object: unexpected end of JSON input`,
			`step-attributes.md:35: step "rollback-1" is unknown and needs {"confirm": true}: ` + why("./rollback.sh"),
			`step-attributes.md:39: step attribute "name" "Roll Back" must be a string of lowercase letters, digits and dashes`,
			`step-attributes.md:39: step attribute "target" must be a non-empty string naming a configured target`,
			`step-attributes.md:39: step "rollback-2" is unknown and needs {"confirm": true}: ` + why("./rollback.sh"),
			`step-attributes.md:43: unexpected "--confirm" after the language: step attributes are a JSON object such as {"confirm": true}`,
			`step-attributes.md:43: step "rollback-3" is unknown and needs {"confirm": true}: ` + why("./rollback.sh")}},
		{"step-names.md", []string{`step-names.md:23: duplicate step name "diagnosis-1" (first at line 19)`}},
		{"step-outside.md", []string{`step-outside.md:27: steps are only allowed in Quick diagnosis, Safe remediation steps and Rollback/restore pointers; this one is in "Likely causes"`}},
		{"empty-step.md", []string{`empty-step.md:19: step "diagnosis-1" is empty`}},
		{"stale-index", []string{`README.md:3: the runbook index is stale: run quench index DIR`}},
		{"no-markers", []string{`README.md:1: no index markers: add a line <!-- quench:index:begin --> and a line <!-- quench:index:end --> where the runbook index belongs, then run quench index`}},
		{"missing-pack", []string{`pack.yaml: does not exist: it lists the index categories, the escalation roles and the first steps`}},
		{"bad-pack", []string{
			`pack.yaml:1: category "Infrastructure & Services" is listed twice`,
			`pack.yaml:4: role "oncall-ops" is defined twice`,
			`pack.yaml:5: role id "Backend Lead" must be lowercase letters, digits and dashes`,
			`pack.yaml:5: role "Backend Lead" has no name`,
			`pack.yaml:7: first step "health" has no title`}},
		{"first-step-mutating", []string{
			`pack.yaml:8: first step "restart-everything": timeout "10 minutes" must be a positive duration such as "30s"`,
			`pack.yaml:8: first step "restart-everything" must be read-only, but it is mutating: ` + why("docker compose restart")}},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			got := lintFixture(t, tt.fixture)
			if !slices.Equal(got, tt.want) {
				t.Errorf("lint %s:\n got %s\nwant %s", tt.fixture, strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
		})
	}
}
