package main

import (
	"strings"
	"testing"
)

func TestShow(t *testing.T) {
	dir := cleanPack(t)
	code, stdout, stderr := runCmd(t, "show", "db-down", "--runbooks", dir)
	if code != 0 || stderr != "" {
		t.Fatalf("show: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{
		"Database Down (db-down)\n" +
			"  severity    Critical\n" +
			"  category    Infrastructure & Services\n" +
			"  signal      `db_connected: false`, Postgres health failing\n" +
			"  escalation  1. On-call Engineer (Ops) [oncall-ops]\n" +
			"              2. Data/DB Owner [data-db-owner]\n" +
			"              3. Backend Lead [backend-lead]\n" +
			"  file        " + dir + "/db-down.md\n" +
			"\n## First steps (pack.yaml, run for every incident before this runbook's)\n\n" +
			"1. health  read-only (",
		")  timeout 30s\n      curl -sS --fail-with-body https://api.example.com/healthz\n2. container-status  read-only (",
		"\n## Alert signal\n\n",
		// Numbered after the two first steps, as `quench run` numbers them.
		"\n## Quick diagnosis\n\n3. diagnosis-1  read-only (",
		")\n      docker compose ps db\n      docker compose logs --tail=200 db\n\n**Check connections:**\n\n4. connections  read-only (",
		"\n## Likely causes\n\n- The container stopped (OOM, host reboot).\n- The disk is full.\n\n## Safe remediation steps\n\n1. Restart the database container.\n   5. restart-db  MUTATING (",
		")  [confirm]\n         docker compose restart db\n2. Check it answers:\n   6. remediation-2  read-only (",
		")  [confirm]  on db-host\n      ./ops/restore.sh latest\n\n## Escalation roles\n\n- **On-call Engineer (Ops)** first.\n- **Data/DB Owner** for restores.\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("show output lacks:\n%s\n--- output:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "```") {
		t.Errorf("show printed a fence:\n%s", stdout)
	}
}

func TestShowUnknownRunbook(t *testing.T) {
	dir := cleanPack(t)
	code, _, stderr := runCmd(t, "show", "nope", "--runbooks", dir)
	if want := "quench: no runbook \"nope\" in " + dir + "\n"; code != 1 || stderr != want {
		t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr, want)
	}
}

func TestShowWarnsAboutProblems(t *testing.T) {
	dir := cleanPack(t)
	edit(t, dir, "api-down.md", "```sh {\"confirm\": true}", "```sh")
	code, stdout, stderr := runCmd(t, "show", "api-down", "--runbooks", dir)
	if code != 0 || !strings.Contains(stdout, "4. remediation-1  MUTATING (") {
		t.Errorf("exit %d, stdout:\n%s", code, stdout)
	}
	if want := dir + "/api-down.md has 1 lint problem: run quench lint " + dir + "\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
}
