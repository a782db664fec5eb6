package runbooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quench-sh/quench/internal/throwaway"
)

// appendLog adds lines to a service's log in the docker stand-in.
func appendLog(t *testing.T, st *throwaway.Stack, service string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(st.State, "logs", service+".log"), os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLogAndSettingsSteps: the steps that read logs and the running
// containers' settings answer from the running containers, show names and
// never values, and match only what they mean.
func TestLogAndSettingsSteps(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	appendLog(t, st, "api",
		`2026-11-30T09:00:00.000000000Z level=error msg="SES throttling error" code=429`,
		`2026-11-30T09:00:01.000000000Z level=error msg="session store error" err="context deadline exceeded"`,
		`2026-11-30T09:00:02.000000000Z level=error msg="request failed" uses=3 processes=2`)

	// The word "ses" in "session", "uses" or "processes" is not the email
	// provider; the pack's old pattern let every such line through.
	r := runStep(t, st, "email-sms-provider-failing", "delivery-errors", nil)
	contains(t, "delivery-errors", r, "smtp send failed", "SES throttling error")
	lacks(t, "delivery-errors", r, "session store error", "uses=3")
	old := run(t, st, `cd "$APP_DIR" && docker compose logs --since=1h --timestamps api | grep -iE 'smtp|e-?mail|mail|sms|twilio|sendgrid|postmark|mailgun|ses|bounce|deliver' | grep -iE 'fail|error|refused|denied|timeout|unauthori[sz]ed|forbidden|429|quota|limit' | tail -n 40`, 0, nil)
	contains(t, "old delivery-errors", old, "session store error", "uses=3")

	timeline := runStep(t, st, "email-sms-provider-failing", "error-timeline", nil)
	if timeline.exit != 0 {
		t.Errorf("error-timeline: %s", timeline)
	}
	contains(t, "error-timeline", timeline, "2026-11-30T08:5", "2026-11-30T09:0")

	// Settings come from the running container (docker inspect), names only.
	for _, c := range []struct{ runbook, step string }{
		{"email-sms-provider-failing", "provider-settings"},
		{"payment-webhook-failing", "stripe-settings"},
	} {
		r := runStep(t, st, c.runbook, c.step, nil)
		if r.exit != 0 {
			t.Errorf("%s: %s", c.step, r)
		}
		lacks(t, c.step, r, "not_a_token", "sk_test_not_a_key", "whsec_not_a_secret", "smtp.invalid")
	}
	contains(t, "provider-settings", runStep(t, st, "email-sms-provider-failing", "provider-settings", nil), "SMTP_HOST", "TWILIO_AUTH_TOKEN")
	contains(t, "stripe-settings", runStep(t, st, "payment-webhook-failing", "stripe-settings", nil), "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "ADMIN_READ_ONLY=false")
	if calls := strings.Join(st.Calls(t), "\n"); strings.Contains(calls, "compose config") {
		t.Errorf("a settings step read the compose file, not the running container:\n%s", calls)
	}

	errs := runStep(t, st, "", "recent-errors", nil)
	if errs.exit != 0 {
		t.Errorf("recent-errors: %s", errs)
	}
	contains(t, "recent-errors", errs, "app-api-1  | 2026-11-30T08:59:00.000000000Z level=error msg=\"smtp send failed\"")

	egress := runStep(t, st, "email-sms-provider-failing", "egress", nil)
	if egress.exit != 0 {
		t.Errorf("egress: %s", egress)
	}
	contains(t, "egress", egress, "email provider: HTTP 200", "SMS provider: HTTP 200")
	probe := runStep(t, st, "api-down", "probe-connection", nil)
	if probe.exit != 0 {
		t.Errorf("probe-connection: %s", probe)
	}
	contains(t, "probe-connection", probe, "Connected to 127.0.0.1", "HTTP 200: dns")
}

// TestDependencies: the dependency checks fail, naming the service, when
// one of the database and Redis is down, and pass when both answer.
func TestDependencies(t *testing.T) {
	t.Parallel()
	st := throwaway.StartStack(t)
	for _, rb := range []string{"api-down", "job-scheduler-stale"} {
		r := runStep(t, st, rb, "dependencies", nil)
		if r.exit != 0 {
			t.Errorf("%s dependencies, all up: %s", rb, r)
		}
		contains(t, rb+" dependencies", r, "accepting connections", "PONG")
	}
	st.Stop(t, "redis")
	for _, rb := range []string{"api-down", "job-scheduler-stale"} {
		r := runStep(t, st, rb, "dependencies", nil)
		if r.exit == 0 {
			t.Errorf("%s dependencies with Redis stopped: exit 0\n%s", rb, r)
		}
		contains(t, rb+" dependencies", r, "accepting connections", `service "redis" is not running`)
	}
	st.Start(t, "redis")
	st.Redis.Stop()
	r := runStep(t, st, "redis-down", "redis-ping", nil)
	if r.exit == 0 {
		t.Errorf("redis-ping with Redis dead: %s", r)
	}
	contains(t, "redis-ping", r, "Could not connect")
}
