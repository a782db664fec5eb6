package markdown_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/markdown"
)

func TestLoadPack(t *testing.T) {
	p, err := markdown.LoadPack("testdata/clean")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Infrastructure & Services", "Backup & Recovery"}; !equal(p.Categories, want) {
		t.Errorf("Categories = %q, want %q", p.Categories, want)
	}
	wantRoles := []quench.Role{
		{ID: "oncall-ops", Name: "On-call Engineer (Ops)", Scope: "First responder for all incidents", ContactWhen: "Primary contact for all alerts"},
		{ID: "data-db-owner", Name: "Data/DB Owner", Scope: "Database, backups, data integrity", ContactWhen: "Database corruption, restore operations"},
		{ID: "backend-lead", Name: "Backend Lead", Scope: "API, migrations, job scheduler", ContactWhen: "Code-related issues, query optimization"},
	}
	if !equal(p.Roles, wantRoles) {
		t.Errorf("Roles = %+v, want %+v", p.Roles, wantRoles)
	}
	wantFirst := []quench.Step{
		{Name: "health", Section: markdown.SectionFirstSteps, Index: 1, Line: 21, Lang: "sh", Title: "Check overall health",
			Command: "curl -sS --fail-with-body https://api.example.com/healthz", Timeout: 30 * time.Second, Class: quench.ReadOnly},
		{Name: "container-status", Section: markdown.SectionFirstSteps, Index: 2, Line: 26, Lang: "sh", Title: "Check container status",
			Command: "docker compose ps", Class: quench.ReadOnly},
	}
	for i := range p.FirstSteps {
		if p.FirstSteps[i].Reason == "" {
			t.Errorf("first step %s has no reason", p.FirstSteps[i].Name)
		}
		p.FirstSteps[i].Reason = ""
	}
	if !equal(p.FirstSteps, wantFirst) {
		t.Errorf("FirstSteps =\n%+v\nwant\n%+v", p.FirstSteps, wantFirst)
	}
	var ids []string
	for _, rb := range p.Runbooks {
		ids = append(ids, rb.ID)
	}
	if want := []string{"api-down", "backup-stale", "db-down"}; !equal(ids, want) {
		t.Errorf("runbooks = %q, want %q (file order, _template.md and README.md skipped)", ids, want)
	}

	svc := &markdown.RunbookService{Pack: p}
	if rb, err := svc.FindRunbook(context.Background(), "db-down"); err != nil || rb.Title != "Database Down" {
		t.Errorf("FindRunbook(db-down) = %v, %v", rb, err)
	}
	if _, err := svc.FindRunbook(context.Background(), "nope"); quench.ErrorCode(err) != quench.ENOTFOUND {
		t.Errorf("FindRunbook(nope) error = %v, want not found", err)
	}
	if r, ok := p.Role("backend-lead"); !ok || r.Name != "Backend Lead" {
		t.Errorf("Role(backend-lead) = %+v, %v", r, ok)
	}
}

// TestLoadPackRefusesUnsafePacks: the server must not start with a pack
// whose steps or routing are wrong, but a broken link is only reported.
func TestLoadPackRefusesUnsafePacks(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "testdata/clean", dir)
	db := filepath.Join(dir, "db-down.md")
	src := strings.Replace(string(readFile(t, db)), "](./notes/restore.md)", "](./notes/gone.md)", 1)
	if err := os.WriteFile(db, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := markdown.LoadPack(dir)
	if err != nil {
		t.Fatalf("LoadPack with a broken link: %v", err)
	}
	if len(p.Problems) != 1 || p.Problems[0].Rule != markdown.RuleLink {
		t.Errorf("Problems = %v, want the broken link", p.Problems)
	}

	src = strings.Replace(src, `{"confirm": true, "name": "restart-db"}`, `{"name": "restart-db"}`, 1)
	if err := os.WriteFile(db, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = markdown.LoadPack(dir)
	if quench.ErrorCode(err) != quench.EINVALID {
		t.Fatalf("LoadPack with an unconfirmed restart: %v, want EINVALID", err)
	}
	want := "runbook pack " + dir + " has 1 problem (see `quench lint " + dir + "`):\n  " + db + `:40: step "restart-db" is mutating and needs {"confirm": true}: `
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("LoadPack error = %q, want it to start %q", err, want)
	}

	if _, err := markdown.LoadPack(filepath.Join(dir, "nope")); quench.ErrorCode(err) != quench.ENOTFOUND {
		t.Errorf("LoadPack(missing dir) = %v, want not found", err)
	}
}
