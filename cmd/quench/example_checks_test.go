package main

import (
	"testing"

	"github.com/quench-sh/quench/check"
	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/route"
)

// TestExampleChecksRoute: every check of quench.example.yaml, failing the
// way its signal fails, opens the runbook the runbook index
// (runbooks/README.md) names for that signal. The expectations are written
// from the index, not read from the checks.
func TestExampleChecksRoute(t *testing.T) {
	cfg, err := LoadConfig("../../quench.example.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	checks, err := cfg.compileChecks()
	if err != nil {
		t.Fatal(err)
	}
	pack, err := markdown.LoadPack("../../runbooks")
	if err != nil {
		t.Fatal(err)
	}
	router, err := route.New(pack.Runbooks)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*check.Check{}
	for _, c := range checks {
		byName[c.Spec.Name] = c
	}
	healthy := map[string]any{"db_connected": true, "redis_connected": true, "migrations_current": true}
	with := func(k string, v any) map[string]any {
		b := map[string]any{}
		for kk, vv := range healthy {
			b[kk] = vv
		}
		b[k] = v
		return b
	}
	for _, tt := range []struct {
		signal  string // the index's Alert Signal
		check   string
		body    map[string]any // the failing HTTP answer's JSON
		runbook string
	}{
		{"API health failing", "api-healthz", nil, "api-down"},
		{"/readyz failing with its dependencies up", "api-readyz", healthy, "api-down"},
		{"db_connected: false", "api-readyz", with("db_connected", false), "db-down"},
		{"Postgres health failing", "postgres", nil, "db-down"},
		{"Redis down (/readyz)", "api-readyz", with("redis_connected", false), "redis-down"},
		{"Redis down", "redis", nil, "redis-down"},
		{"migrations not current", "api-readyz", with("migrations_current", false), "migrations-not-current"},
		{"DLQ depth", "dlq-depth", nil, "job-scheduler-stale"},
		{"email provider errors", "email-provider", nil, "email-sms-provider-failing"},
		{"SMS provider errors", "sms-provider", nil, "email-sms-provider-failing"},
		{"payment webhook failures", "payment-webhooks", nil, "payment-webhook-failing"},
		{"disk > 85 %", "disk-root-85", nil, "disk-full"},
		{"disk > 90 %", "disk-root-90", nil, "disk-full"},
		{"Docker's disk > 90 %", "disk-docker-90", nil, "disk-full"},
		{"CPU, memory, OOM kills", "host-resources", nil, "high-resource-usage"},
	} {
		t.Run(tt.signal, func(t *testing.T) {
			c := byName[tt.check]
			if c == nil {
				t.Fatalf("quench.example.yaml has no check %s", tt.check)
			}
			a := check.FailingAlert(c, "failing", tt.body)
			if got := router.Route(&a); got != tt.runbook {
				t.Errorf("check %s failing with %v routes to %q, want %q", tt.check, tt.body, got, tt.runbook)
			}
		})
	}
}
