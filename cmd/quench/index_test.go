package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIndexCheckAndWrite(t *testing.T) {
	dir := cleanPack(t)
	readme := filepath.Join(dir, "README.md")
	edit(t, dir, "api-down.md", "title: API Down", "title: API Unreachable")
	before, _ := os.ReadFile(readme)

	code, stdout, stderr := runCmd(t, "index", "--check", dir)
	wantDiff := "--- " + readme + "\tcurrent\n+++ " + readme + "\tgenerated\n" +
		"@@ -10,7 +10,7 @@\n" +
		" \n" +
		" | Runbook | Alert Signal | Severity |\n" +
		" |---------|-------------|----------|\n" +
		"-| [API Down](./api-down.md) | Health checks failing, elevated 5xx errors | **Critical** |\n" +
		"+| [API Unreachable](./api-down.md) | Health checks failing, elevated 5xx errors | **Critical** |\n" +
		" | [Database Down](./db-down.md) | `db_connected: false`, Postgres health failing | **Critical** |\n" +
		" \n" +
		" ### Backup & Recovery\n"
	if code != 1 || stdout != wantDiff {
		t.Errorf("index --check: exit %d, stdout:\n%s\nwant exit 1 and:\n%s", code, stdout, wantDiff)
	}
	if want := readme + ": index is stale: run quench index " + dir + "\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if after, _ := os.ReadFile(readme); string(after) != string(before) {
		t.Fatal("index --check changed README.md")
	}
	if code, stdout, _ := runCmd(t, "lint", dir); code != 1 || !strings.Contains(stdout, "README.md:7: the runbook index is stale") {
		t.Errorf("lint on a stale index: exit %d, stdout %q", code, stdout)
	}

	if code, _, stderr := runCmd(t, "index", dir); code != 0 || stderr != readme+": index updated\n" {
		t.Errorf("index: exit %d, stderr %q", code, stderr)
	}
	after, _ := os.ReadFile(readme)
	want := strings.Replace(string(before), "[API Down]", "[API Unreachable]", 1)
	if string(after) != want {
		t.Errorf("README after index:\n%s\nwant:\n%s", after, want)
	}
	if code, stdout, stderr := runCmd(t, "index", "--check", dir); code != 0 || stdout != "" || stderr != readme+": index is up to date\n" {
		t.Errorf("index --check after index: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, _ := runCmd(t, "lint", dir); code != 0 {
		t.Errorf("lint after index: exit %d", code)
	}
}

func TestIndexRefusesWhatItCannotWrite(t *testing.T) {
	t.Run("no markers", func(t *testing.T) {
		dir := cleanPack(t)
		os.WriteFile(filepath.Join(dir, "README.md"), []byte("# Runbooks\n"), 0o644)
		code, _, stderr := runCmd(t, "index", dir)
		if code != 1 || !strings.Contains(stderr, "no index markers: add a line <!-- quench:index:begin -->") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("no README", func(t *testing.T) {
		dir := cleanPack(t)
		os.Remove(filepath.Join(dir, "README.md"))
		code, _, stderr := runCmd(t, "index", dir)
		if code != 1 || !strings.Contains(stderr, "README.md does not exist: create it with a line <!-- quench:index:begin -->") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("runbook without category", func(t *testing.T) {
		dir := cleanPack(t)
		edit(t, dir, "db-down.md", "category: Infrastructure & Services", "category: Databases")
		before, _ := os.ReadFile(filepath.Join(dir, "README.md"))
		code, _, stderr := runCmd(t, "index", dir)
		want := dir + "/db-down.md:4: category \"Databases\" is not in pack.yaml (categories: Infrastructure & Services, Backup & Recovery)\n" +
			"quench index: fix 1 problem first\n"
		if code != 1 || stderr != want {
			t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr, want)
		}
		if after, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(after) != string(before) {
			t.Error("index wrote README.md despite problems")
		}
	})
}
