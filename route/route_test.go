package route_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/expr-lang/expr"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/route"
)

func rb(id string, sev quench.Severity, match ...string) *quench.Runbook {
	r := &quench.Runbook{ID: id, Severity: sev, Path: "runbooks/" + id + ".md"}
	for i, m := range match {
		r.Match = append(r.Match, quench.Matcher{Expr: m, Line: 7 + i})
	}
	return r
}

// pack is a small runbook pack in file order, shaped like the reference
// pack's front matter.
func pack() []*quench.Runbook {
	return []*quench.Runbook{
		rb("api-down", quench.SeverityCritical,
			`labels.alertname == "ApiHealthFailing"`,
			`source == "check" && check == "api-healthz"`),
		rb("db-down", quench.SeverityCritical,
			`labels.alertname == "PostgresDown"`,
			`source == "check" && check == "api-readyz" && body.db_connected == false`),
		rb("disk-full", quench.SeverityHigh,
			`labels.alertname == "HostDiskUsageHigh"`,
			`summary contains "disk" && labels.mountpoint != ""`),
		rb("redis-down", quench.SeverityHigh,
			`labels.service == "redis" && severity in ["critical", "high"]`),
		rb("backup-failed", quench.SeverityMedium,
			`source == "heartbeat" && labels.job startsWith "backup"`,
			`annotations.component == "backup"`),
		rb("queue-backlog", quench.SeverityMedium, `labels.queue != "" && labels.alertname matches "(?i)backlog"`),
		// Same severity as queue-backlog and also matches backlog alerts:
		// file order must make queue-backlog win.
		rb("jobs-stuck", quench.SeverityMedium, `labels.alertname matches "(?i)backlog"`),
		// Matches every alert from the generic source, at the lowest rank.
		rb("catch-all", quench.SeverityLow, `source == "generic"`),
		// An expression that fails at run time on most alerts (body is nil
		// unless a check produced it), then one that matches.
		rb("payment-webhooks", quench.SeverityHigh,
			`body.stripe.failures > 5`,
			`labels.alertname == "StripeWebhookFailures"`),
		rb("no-match", quench.SeverityCritical),
	}
}

func TestRoute(t *testing.T) {
	r, err := route.New(pack())
	if err != nil {
		t.Fatal(err)
	}
	// The premise of the runtime-error cases: this expression fails, not
	// just yields false, on an alert without a body.
	prog, err := route.Compile(`body.stripe.failures > 5`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := expr.Run(prog, route.Env{}); err == nil {
		t.Fatal("body.stripe.failures > 5 ran without error on a nil body")
	}
	for _, tt := range []struct {
		name  string
		alert quench.Alert
		want  string
	}{
		{"label alertname", quench.Alert{Source: "alertmanager", Labels: map[string]string{"alertname": "PostgresDown"}}, "db-down"},
		{"check with body", quench.Alert{Source: "check", Check: "api-readyz", Body: map[string]any{"db_connected": false}}, "db-down"},
		{"check with other body", quench.Alert{Source: "check", Check: "api-readyz", Body: map[string]any{"db_connected": true}}, ""},
		{"check without body", quench.Alert{Source: "check", Check: "api-readyz"}, ""},
		{"check name", quench.Alert{Source: "check", Check: "api-healthz"}, "api-down"},
		{"summary contains", quench.Alert{Source: "pagerduty", Summary: "disk 91% on db-1", Labels: map[string]string{"mountpoint": "/"}}, "disk-full"},
		{"severity in", quench.Alert{Source: "grafana", Severity: quench.SeverityCritical, Labels: map[string]string{"service": "redis"}}, "redis-down"},
		{"severity not in", quench.Alert{Source: "grafana", Severity: quench.SeverityLow, Labels: map[string]string{"service": "redis"}}, ""},
		{"heartbeat startsWith", quench.Alert{Source: "heartbeat", Labels: map[string]string{"job": "backup-nightly"}}, "backup-failed"},
		{"annotation", quench.Alert{Source: "alertmanager", Annotations: map[string]string{"component": "backup"}}, "backup-failed"},
		{"nil labels", quench.Alert{Source: "alertmanager"}, ""},
		{"no match", quench.Alert{Source: "alertmanager", Labels: map[string]string{"alertname": "Watchdog"}}, ""},
		{"tie goes to file order", quench.Alert{Source: "grafana", Labels: map[string]string{"alertname": "Job queue backlog", "queue": "default"}}, "queue-backlog"},
		{"tie without the first", quench.Alert{Source: "grafana", Labels: map[string]string{"alertname": "Job queue backlog"}}, "jobs-stuck"},
		{"most severe wins over file order", quench.Alert{Source: "generic", Labels: map[string]string{"alertname": "ApiHealthFailing"}}, "api-down"},
		{"most severe wins, later in file", quench.Alert{Source: "generic", Labels: map[string]string{"alertname": "StripeWebhookFailures"}}, "payment-webhooks"},
		{"lowest rank still matches", quench.Alert{Source: "generic", Summary: "cron job failed"}, "catch-all"},
		{"runtime error does not match, next expression does", quench.Alert{Source: "alertmanager", Labels: map[string]string{"alertname": "StripeWebhookFailures"}}, "payment-webhooks"},
		{"runtime error does not stop routing", quench.Alert{Source: "check", Check: "api-readyz", Body: map[string]any{"db_connected": false, "stripe": "not an object"}}, "db-down"},
		{"body value used", quench.Alert{Source: "check", Body: map[string]any{"stripe": map[string]any{"failures": 9}}}, "payment-webhooks"},

		{"explicit label", quench.Alert{Source: "generic", Labels: map[string]string{"runbook": "disk-full", "alertname": "PostgresDown"}}, "disk-full"},
		{"explicit label with spaces", quench.Alert{Labels: map[string]string{"runbook": " disk-full "}}, "disk-full"},
		{"explicit annotation", quench.Alert{Source: "alertmanager", Annotations: map[string]string{"runbook": "redis-down"}}, "redis-down"},
		{"explicit beats more severe match", quench.Alert{Labels: map[string]string{"alertname": "PostgresDown"}, Annotations: map[string]string{"runbook": "queue-backlog"}}, "queue-backlog"},
		{"explicit runbook without match expressions", quench.Alert{Labels: map[string]string{"runbook": "no-match"}}, "no-match"},
		{"unknown explicit id falls through", quench.Alert{Labels: map[string]string{"runbook": "nope", "alertname": "PostgresDown"}}, "db-down"},
		{"unknown explicit id, no match", quench.Alert{Labels: map[string]string{"runbook": "nope"}}, ""},
		{"runbook_url id", quench.Alert{Annotations: map[string]string{"runbook_url": "https://wiki.example.com/runbooks/db-down"}}, "db-down"},
		{"runbook_url id.md", quench.Alert{Annotations: map[string]string{"runbook_url": "https://git.example.com/ops/runbooks/blob/main/disk-full.md"}}, "disk-full"},
		{"runbook_url query and fragment", quench.Alert{Annotations: map[string]string{"runbook_url": "https://git.example.com/ops/runbooks/blob/main/redis-down.md?plain=1#quick-diagnosis"}}, "redis-down"},
		{"runbook_url fragment only", quench.Alert{Labels: map[string]string{"runbook_url": "https://wiki.example.com/runbooks/api-down#escalation-roles"}}, "api-down"},
		{"runbook_url trailing slash", quench.Alert{Annotations: map[string]string{"runbook_url": "https://wiki.example.com/runbooks/api-down/"}}, "api-down"},
		{"runbook_url relative", quench.Alert{Annotations: map[string]string{"runbook_url": "runbooks/backup-failed.md"}}, "backup-failed"},
		{"runbook_url unknown falls through", quench.Alert{Labels: map[string]string{"alertname": "HostDiskUsageHigh"}, Annotations: map[string]string{"runbook_url": "https://myrunbook.com/runbook/1234"}}, "disk-full"},
		{"runbook_url unknown, id in query", quench.Alert{Annotations: map[string]string{"runbook_url": "https://wiki.example.com/view?page=db-down"}}, ""},
		{"runbook label beats runbook_url", quench.Alert{Labels: map[string]string{"runbook": "api-down"}, Annotations: map[string]string{"runbook_url": "https://x/db-down.md"}}, "api-down"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Route(&tt.alert); got != tt.want {
				t.Errorf("Route(%+v) = %q, want %q", tt.alert, got, tt.want)
			}
		})
	}
}

func TestRouteEmpty(t *testing.T) {
	r, err := route.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Route(&quench.Alert{Labels: map[string]string{"runbook": "db-down"}}); got != "" {
		t.Errorf("Route with no runbooks = %q", got)
	}
}

func TestCompile(t *testing.T) {
	for _, tt := range []struct {
		expr    string
		wantErr string // "" for a valid expression
	}{
		{`labels.alertname == "PostgresDown"`, ""},
		{`source == "check" && check == "api-readyz" && body.db_connected == false`, ""},
		{`summary matches "(?i)disk" || annotations.summary contains "disk"`, ""},
		{`severity in ["critical", "high"]`, ""},
		{`labels.alertname ==`, `match expression "labels.alertname ==": unexpected token EOF at column 19`},
		{`summary`, `match expression "summary": expected bool, but got string`},
		{`nosuchvar == 1`, `match expression "nosuchvar == 1": unknown name nosuchvar at column 1`},
		{`labels.x > 3`, `match expression "labels.x > 3": invalid operation: > (mismatched types string and int) at column 10`},
		{`summary matches "("`, `match expression "summary matches \"(\"": error parsing regexp: missing closing ): ` + "`(` at column 9"},
		{"source == \"check\" &&\n  labels.x ==", `match expression "source == \"check\" &&\n  labels.x ==": unexpected token EOF at line 2, column 13`},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			prog, err := route.Compile(tt.expr)
			if tt.wantErr == "" {
				if err != nil || prog == nil {
					t.Fatalf("Compile(%q) = %v, %v", tt.expr, prog, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Compile(%q) succeeded, want error %q", tt.expr, tt.wantErr)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Compile(%q) error\n got %q\nwant %q", tt.expr, err.Error(), tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has several lines: %q", err.Error())
			}
		})
	}
}

func TestNewReportsFileAndLine(t *testing.T) {
	_, err := route.New([]*quench.Runbook{
		rb("ok", quench.SeverityHigh, `source == "check"`),
		rb("bad", quench.SeverityHigh, `source == "check"`, `labels.alertname ==`),
	})
	want := `runbooks/bad.md:8: match expression "labels.alertname ==": unexpected token EOF at column 19`
	if err == nil || err.Error() != want {
		t.Errorf("New error = %v, want %s", err, want)
	}
}

func TestRouteConcurrent(t *testing.T) {
	r, err := route.New(pack())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	for i := range 8 {
		go func() {
			a := quench.Alert{Source: "check", Check: "api-readyz", Body: map[string]any{"db_connected": i%2 == 0}}
			want := map[bool]string{true: "", false: "db-down"}[i%2 == 0] // db_connected == false matches
			for range 200 {
				if got := r.Route(&a); got != want {
					done <- fmt.Sprintf("goroutine %d: Route = %q, want %q", i, got, want)
					return
				}
			}
			done <- ""
		}()
	}
	for range 8 {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}

// BenchmarkRoute routes through ten runbooks of two expressions each to the
// last one, so every expression is evaluated, as for an alert no runbook
// answers until the end of the pack.
func BenchmarkRoute(b *testing.B) {
	var books []*quench.Runbook
	for i := range 10 {
		books = append(books, rb(fmt.Sprintf("rb-%d", i), quench.SeverityHigh,
			fmt.Sprintf(`labels.alertname == "Alert%d"`, i),
			fmt.Sprintf(`source == "check" && check == "check-%d" && body.ok == false`, i)))
	}
	r, err := route.New(books)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		a    quench.Alert
		want string
	}{
		{"last", quench.Alert{Source: "alertmanager", Labels: map[string]string{"alertname": "Alert9", "instance": "db-1:9100", "severity": "warning"}}, "rb-9"},
		{"none", quench.Alert{Source: "alertmanager", Labels: map[string]string{"alertname": "Watchdog"}}, ""},
		{"explicit", quench.Alert{Source: "alertmanager", Annotations: map[string]string{"runbook_url": "https://x/runbooks/rb-3.md"}}, "rb-3"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if got := r.Route(&bc.a); got != bc.want {
					b.Fatalf("Route = %q, want %q", got, bc.want)
				}
			}
		})
	}
}
