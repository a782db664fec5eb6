package runbooks_test

import (
	"io/fs"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/internal/throwaway"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/runbooks"
)

// TestPackLintsClean: the shipped pack has no lint problem, warnings
// included.
func TestPackLintsClean(t *testing.T) {
	ps, err := markdown.Lint(".")
	if err != nil || len(ps) > 0 {
		t.Fatalf("quench lint runbooks: %v %v", ps, err)
	}
}

// TestEmbeddedPackIsThisDirectory: the binary carries exactly the files of
// this directory that make the pack, and they load as the same pack.
func TestEmbeddedPackIsThisDirectory(t *testing.T) {
	var disk, embedded []string
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".md") || n == "pack.yaml" {
			disk = append(disk, n)
		}
	}
	err = fs.WalkDir(runbooks.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			embedded = append(embedded, p)
		}
		return err
	})
	if err != nil || !slices.Equal(disk, embedded) {
		t.Fatalf("embedded files %v (%v), want %v", embedded, err, disk)
	}
	p, err := markdown.LoadPackFS(runbooks.FS(), runbooks.Name)
	if err != nil {
		t.Fatal(err)
	}
	onDisk := loadPack(t)
	if len(p.Runbooks) != len(onDisk.Runbooks) || len(p.Problems) != 0 {
		t.Fatalf("embedded pack: %d runbooks, problems %v", len(p.Runbooks), p.Problems)
	}
	for i, rb := range p.Runbooks {
		if want := runbooks.Name + "/" + onDisk.Runbooks[i].ID + ".md"; rb.Path != want {
			t.Errorf("embedded runbook path %q, want %q", rb.Path, want)
		}
		if !slices.EqualFunc(rb.Steps, onDisk.Runbooks[i].Steps, func(a, b quench.Step) bool { return a.Command == b.Command && a.Class == b.Class }) {
			t.Errorf("embedded %s's steps differ from the file's", rb.ID)
		}
	}
}

var (
	// literalURL finds URLs written into a command.
	literalURL = regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^\s"'$)]+`)
	// domainName finds host names written into a command (example.com).
	domainName = regexp.MustCompile(`\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|net|org|io|dev|app|co|eu|de|uk)\b`)
	// varRef finds the upper-case variables a command reads.
	varRef = regexp.MustCompile(`\$\{?([A-Z][A-Z0-9_]*)`)
)

// TestPackStaysLocal guards that no test, and no unconfigured installation,
// reaches past this machine by running the pack: no step names a host or a
// directory of a real installation, every installation detail is a
// declared variable, every default points at this machine, and the test
// stack points every variable at its own stubs.
func TestPackStaysLocal(t *testing.T) {
	p := loadPack(t)
	declared := map[string]bool{}
	for _, v := range p.Variables {
		declared[v.Name] = true
		if strings.Contains(v.Default, "panidobro") || strings.Contains(v.Default, "/opt/cleaning") {
			t.Errorf("variable %s defaults to the source document's installation: %q", v.Name, v.Default)
		}
		if strings.Contains(v.Default, "://") {
			u, err := url.Parse(v.Default)
			if err != nil || !loopback(u.Hostname()) {
				t.Errorf("variable %s defaults to %q, which is not on this machine", v.Name, v.Default)
			}
		}
	}
	steps := slices.Clone(p.FirstSteps)
	for _, rb := range p.Runbooks {
		steps = append(steps, rb.Steps...)
	}
	for _, s := range steps {
		where := s.Name
		for _, u := range literalURL.FindAllString(s.Command, -1) {
			if pu, err := url.Parse(u); err != nil || !loopback(pu.Hostname()) {
				t.Errorf("step %s names %s: use a variable", where, u)
			}
		}
		if d := domainName.FindString(s.Command); d != "" {
			t.Errorf("step %s names the host %s: use a variable", where, d)
		}
		if strings.Contains(s.Command, "/opt/cleaning") {
			t.Errorf("step %s names /opt/cleaning: use $APP_DIR", where)
		}
		for _, m := range varRef.FindAllStringSubmatch(s.Command, -1) {
			if name := m[1]; !declared[name] && !strings.HasPrefix(name, "QUENCH_") {
				t.Errorf("step %s reads $%s, which pack.yaml does not declare", where, name)
			}
		}
	}
	env := throwaway.EnvNames()
	for name := range declared {
		if !slices.Contains(env, name) {
			t.Errorf("the test stack does not set %s: tests would run the pack against its default", name)
		}
	}
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// boldRole finds the roles an "Escalation roles" section names.
var boldRole = regexp.MustCompile(`(?m)^- (?:The )?\*\*([^*]+)\*\*`)

// TestEscalationListsTheRolesItNames: each runbook pages, in order, exactly
// the roles its Escalation roles section tells the reader to call.
func TestEscalationListsTheRolesItNames(t *testing.T) {
	p := loadPack(t)
	for _, rb := range p.Runbooks {
		var named []string
		for _, sec := range rb.Sections {
			if sec.Title != quench.SectionEscalation {
				continue
			}
			for _, m := range boldRole.FindAllStringSubmatch(sec.Markdown, -1) {
				r := slices.IndexFunc(p.Roles, func(r quench.Role) bool { return r.Name == m[1] })
				if r < 0 {
					t.Errorf("%s names %q, which is not a role", rb.ID, m[1])
					continue
				}
				named = append(named, p.Roles[r].ID)
			}
		}
		if !slices.Equal(named, rb.Escalation) {
			t.Errorf("%s: escalation %v, but its Escalation roles section names %v", rb.ID, rb.Escalation, named)
		}
	}
}

// sqlFrom returns a step's SQL from its last FROM, whitespace collapsed:
// the rows a preview lists and its action acts on.
func sqlFrom(t *testing.T, s quench.Step) string {
	t.Helper()
	i := strings.LastIndex(s.Command, "FROM pg_")
	if i < 0 {
		t.Fatalf("step %s has no FROM pg_…", s.Name)
	}
	return strings.Join(strings.Fields(s.Command[i:]), " ")
}

// TestPreviewsMatchTheirActions: every step that cancels or ends database
// sessions has a read-only preview that selects exactly the same sessions.
func TestPreviewsMatchTheirActions(t *testing.T) {
	p := loadPack(t)
	pairs := map[string]string{ // action → preview, per runbook
		"db-down/cancel-long-queries":             "preview-long-queries",
		"db-down/terminate-idle-in-transaction":   "preview-idle-in-transaction",
		"high-resource-usage/cancel-long-queries": "preview-long-queries",
		"job-scheduler-stale/cancel-stuck-job":    "preview-stuck-job",
		"job-scheduler-stale/release-stale-lock":  "preview-stale-lock",
		"migrations-not-current/end-blockers":     "preview-blockers",
	}
	for _, rb := range p.Runbooks {
		for _, s := range rb.Steps {
			if !strings.Contains(s.Command, "pg_cancel_backend") && !strings.Contains(s.Command, "pg_terminate_backend") {
				continue
			}
			key := rb.ID + "/" + s.Name
			previewName, ok := pairs[key]
			if !ok {
				t.Errorf("%s ends sessions and has no preview", key)
				continue
			}
			delete(pairs, key)
			preview := step(t, rb.ID, previewName)
			if preview.Class != quench.ReadOnly || preview.Confirm {
				t.Errorf("%s's preview %s is %s (confirm %v), want read-only", key, previewName, preview.Class, preview.Confirm)
			}
			if rb.ID == "migrations-not-current" {
				// The preview lists every blocker with would_end; the action's
				// WHERE must be exactly that expression.
				action, prev := strings.Join(strings.Fields(s.Command), " "), strings.Join(strings.Fields(preview.Command), " ")
				where := action[strings.LastIndex(action, "WHERE ")+len("WHERE ") : len(action)-1]
				if !strings.Contains(prev, where+" AS would_end") {
					t.Errorf("%s's conditions %q are not the preview's would_end", key, where)
				}
				cte := func(s string) string { return s[strings.Index(s, "WITH "):strings.Index(s, ") SELECT")] }
				if cte(action) != cte(prev) {
					t.Errorf("%s and its preview find the migration differently", key)
				}
				continue
			}
			if got, want := sqlFrom(t, s), sqlFrom(t, preview); got != want {
				t.Errorf("%s acts on\n  %s\nbut %s lists\n  %s", key, got, previewName, want)
			}
		}
	}
	for key := range pairs {
		t.Errorf("%s no longer ends sessions; update this test", key)
	}
}
