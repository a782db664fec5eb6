package markdown_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/quench-sh/quench/markdown"
)

// corpusRunbook is one generated runbook: the reference pack's shape with
// ten steps (three diagnosis, five remediation, two rollback), a link to
// its neighbour and two match expressions. bench/lint-corpus.sh writes the
// same text.
const corpusRunbook = `---
id: rb-%04[1]d
title: Generated Runbook %[1]d
category: %[2]s
severity: %[3]s
signal: "Synthetic signal %[1]d, ` + "`healthy: false`" + `"
order: %[1]d
match:
  - labels.alertname == "Synthetic%[1]d"
  - source == "check" && check == "synthetic-%[1]d" && body.healthy == false
escalation: [oncall-ops, backend-lead]
---
# Generated Runbook %[1]d

## Alert signal

The synthetic check %[1]d fails; see [the next runbook](./rb-%04[4]d.md).

## Quick diagnosis

1. Check the containers:
   ` + "```sh" + `
   docker compose ps
   set -o pipefail
   docker compose logs --tail=200 api | grep -i error
   ` + "```" + `
2. Check health:
   ` + "```sh {\"timeout\": \"20s\"}" + `
   set -o pipefail
   curl -fsS https://api.example.com/healthz | jq .
   ` + "```" + `
3. Check the disk:
   ` + "```sh" + `
   df -h /var/lib/docker
   ` + "```" + `

## Likely causes

- A bad deploy.
- The database is down.

## Safe remediation steps

1. Restart the API.
   ` + "```sh {\"confirm\": true, \"name\": \"restart-api\"}" + `
   docker compose restart api
   ` + "```" + `
2. Check it answers.
   ` + "```sh" + `
   curl -fsS https://api.example.com/readyz
   ` + "```" + `
3. Restart Redis.
   ` + "```sh {\"confirm\": true}" + `
   docker compose restart redis
   ` + "```" + `
4. Look at the logs again.
   ` + "```sh" + `
   docker compose logs --tail=50 api
   ` + "```" + `
5. Clear the failed jobs.
   ` + "```sh {\"confirm\": true, \"target\": \"db-host\"}" + `
   PGCONNECT_TIMEOUT=5 PGOPTIONS='-c statement_timeout=10s' psql -U app -c "DELETE FROM jobs WHERE state = 'failed'"
   ` + "```" + `

## Rollback/restore pointers

` + "```sh {\"confirm\": true}" + `
cd /opt/app && git reset --hard HEAD~1
` + "```" + `

` + "```sh {\"confirm\": true}" + `
./ops/deploy.sh
` + "```" + `

## Escalation roles

On-call first, then the backend lead.
`

const corpusPack = `categories: [Infrastructure & Services, Application & Jobs, External Integrations, Backup & Recovery]
roles:
  - {id: oncall-ops, name: On-call Engineer (Ops)}
  - {id: backend-lead, name: Backend Lead}
first_steps:
  - name: health
    title: Check overall health
    command: curl -sS --fail-with-body https://api.example.com/healthz
`

// writeCorpus writes a lint-clean pack of n generated runbooks to dir.
func writeCorpus(tb testing.TB, dir string, n int) {
	tb.Helper()
	cats := []string{"Infrastructure & Services", "Application & Jobs", "External Integrations", "Backup & Recovery"}
	sevs := []string{"critical", "high", "medium", "low"}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("pack.yaml", corpusPack)
	for i := 1; i <= n; i++ {
		write(fmt.Sprintf("rb-%04d.md", i), fmt.Sprintf(corpusRunbook, i, cats[i%4], sevs[i%4], i%n+1))
	}
	p, _, err := markdown.Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	readme, err := markdown.ReplaceIndex([]byte("# Runbooks\n\n"+markdown.IndexBegin+"\n"+markdown.IndexEnd+"\n"), markdown.Index(p))
	if err != nil {
		tb.Fatal(err)
	}
	write("README.md", string(readme))
}

func TestCorpusIsClean(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, dir, 20)
	ps, err := markdown.Lint(dir)
	if err != nil || len(ps) > 0 {
		t.Fatalf("generated corpus: %v %v", ps, err)
	}
	p, _, _ := markdown.Load(dir)
	if got := len(p.Runbooks[0].Steps); got != 10 {
		t.Errorf("generated runbook has %d steps, want 10", got)
	}
}

// BenchmarkLintCorpus lints 1,000 generated runbooks of ten steps each,
// the size issue 2 sets a one-second budget for.
func BenchmarkLintCorpus(b *testing.B) {
	dir := b.TempDir()
	writeCorpus(b, dir, 1000)
	for b.Loop() {
		ps, err := markdown.Lint(dir)
		if err != nil || len(ps) > 0 {
			b.Fatalf("corpus problems: %d, %v", len(ps), err)
		}
	}
}

// BenchmarkParseRunbook parses one ten-step runbook.
func BenchmarkParseRunbook(b *testing.B) {
	src := []byte(fmt.Sprintf(corpusRunbook, 1, "Application & Jobs", "high", 2))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		markdown.ParseRunbook("rb-0001.md", src)
	}
}

// BenchmarkLintShippedPack lints the pack in runbooks/, the work `quench
// lint runbooks` does after the process has started.
func BenchmarkLintShippedPack(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ps, err := markdown.Lint("../runbooks")
		if err != nil || len(ps) > 0 {
			b.Fatalf("shipped pack problems: %v, %v", ps, err)
		}
	}
}
