package runbooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quench-sh/quench/internal/throwaway"
)

// TestRollbackDeploy: rollback-deploy resets to the last good deploy and
// runs ops/deploy.sh once; it refuses, changing nothing and deploying
// nothing, when there is no last good deploy, when it is not a commit id
// or not in the checkout, when the checkout is already at it, and when the
// checkout has uncommitted edits that git reset --hard would lose.
func TestRollbackDeploy(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	head := st.Git(t, "rev-parse", "HEAD")
	good := st.Git(t, "rev-parse", "HEAD~2")
	deploys := filepath.Join(st.State, "deploys.log")
	script := step(t, "api-down", "rollback-deploy").Command

	refuse := func(why, sha, want string) {
		t.Helper()
		r := run(t, st, script, 0, map[string]string{"QUENCH_LAST_GOOD_SHA": sha})
		if r.exit == 0 {
			t.Errorf("%s: exit 0\n%s", why, r)
		}
		contains(t, why, r, want)
		if got := st.Git(t, "rev-parse", "HEAD"); got != head {
			t.Errorf("%s: HEAD moved to %s", why, got)
		}
		if _, err := os.Stat(deploys); err == nil {
			t.Errorf("%s: ops/deploy.sh ran", why)
		}
	}
	refuse("no last good deploy", "", "no last good deploy is recorded for this incident")
	refuse("not a commit id", "--hard", "the last good deploy is not a commit id")
	refuse("an unknown commit", strings.Repeat("a", 40), "is not in "+st.AppDir)
	refuse("already at the last good deploy", head, "is already at the last good deploy")

	edited := filepath.Join(st.AppDir, "ops", "deploy.sh")
	orig, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	hotfix := append(append([]byte{}, orig...), []byte("# hotfix made during the incident\n")...)
	if err := os.WriteFile(edited, hotfix, 0o755); err != nil {
		t.Fatal(err)
	}
	refuse("uncommitted edits", good, "has uncommitted changes, which git reset --hard would throw away")
	if b, _ := os.ReadFile(edited); string(b) != string(hotfix) {
		t.Fatal("the edit made during the incident was lost")
	}
	if err := os.WriteFile(edited, orig, 0o755); err != nil {
		t.Fatal(err)
	}

	r := run(t, st, script, 0, map[string]string{"QUENCH_LAST_GOOD_SHA": good})
	if r.exit != 0 {
		t.Fatalf("rollback to %s: %s", good, r)
	}
	if got := st.Git(t, "rev-parse", "HEAD"); got != good {
		t.Errorf("HEAD = %s after the rollback, want %s", got, good)
	}
	b, err := os.ReadFile(deploys)
	if err != nil || string(b) != "deployed "+good+"\n" {
		t.Errorf("deploys.log = %q, %v; want one deploy of %s", b, err, good)
	}
}

// TestRollbackStepsAreOne: every runbook's rollback-deploy is the same
// script, the one TestRollbackDeploy runs, and comes with a show-deploys
// step its messages refer to. Every runbook has it but Backup Stale, as
// the README says.
func TestRollbackStepsAreOne(t *testing.T) {
	p := loadPack(t)
	want := step(t, "api-down", "rollback-deploy").Command
	var without []string
	for _, rb := range p.Runbooks {
		s, err := rb.StepByName("rollback-deploy")
		if err != nil {
			without = append(without, rb.ID)
			continue
		}
		if s.Command != want {
			t.Errorf("%s's rollback-deploy differs from api-down's", rb.ID)
		}
		if !s.Confirm {
			t.Errorf("%s's rollback-deploy does not ask for confirmation", rb.ID)
		}
		if _, err := rb.StepByName("show-deploys"); err != nil {
			t.Errorf("%s has rollback-deploy but no show-deploys", rb.ID)
		}
	}
	if strings.Join(without, ",") != "backup-stale" {
		t.Errorf("runbooks without rollback-deploy: %v, want only backup-stale", without)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "Every runbook but Backup Stale has a `rollback-deploy` step") {
		t.Error("README.md does not say which runbooks have rollback-deploy")
	}
}
