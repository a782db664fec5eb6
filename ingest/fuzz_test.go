package ingest_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
)

// checkAlert asserts what every parsed alert promises, whatever the input:
// a usable dedup key, a valid action and severity, and text that is valid
// UTF-8 without NUL everywhere, so storage never refuses it.
func checkAlert(t *testing.T, a quench.Alert) {
	t.Helper()
	if a.DedupKey == "" || len(a.DedupKey) > quench.MaxDedupKeyBytes {
		t.Errorf("DedupKey of %d bytes", len(a.DedupKey))
	}
	switch a.Action {
	case quench.ActionTrigger, quench.ActionAcknowledge, quench.ActionResolve:
	default:
		t.Errorf("Action %q", a.Action)
	}
	if !a.Severity.Valid() {
		t.Errorf("Severity %q", a.Severity)
	}
	if len(a.Summary) > quench.MaxSummaryBytes {
		t.Errorf("Summary of %d bytes", len(a.Summary))
	}
	text := func(what, s string) {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			t.Errorf("%s %q is not clean UTF-8", what, s)
		}
	}
	text("DedupKey", a.DedupKey)
	text("Summary", a.Summary)
	text("Source", a.Source)
	for what, m := range map[string]map[string]string{"label": a.Labels, "annotation": a.Annotations} {
		if m == nil {
			t.Errorf("%ss are nil", what)
		}
		if len(m) > quench.MaxLabels {
			t.Errorf("%d %ss", len(m), what)
		}
		for k, v := range m {
			text(what+" name", k)
			text(what+" value", v)
			if k == "" || len(k) > quench.MaxLabelBytes || len(v) > quench.MaxLabelBytes {
				t.Errorf("%s %.20q=%.20q breaks a limit", what, k, v)
			}
		}
	}
	if a.Details != nil {
		if !utf8.Valid(a.Details) || !json.Valid(a.Details) || a.Details[0] != '{' {
			t.Errorf("Details is not a valid UTF-8 JSON object: %q", a.Details)
		}
		if strings.Contains(string(a.Details), `\u0000`) {
			t.Errorf("Details hold an escaped NUL: %s", a.Details)
		}
		// PostgreSQL's jsonb refuses lone surrogate escapes.
		dec := json.NewDecoder(bytes.NewReader(a.Details))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("Details: %v", err)
		}
		for i := 0; i+6 <= len(a.Details); i++ {
			if a.Details[i] == '\\' && a.Details[i+1] == 'u' && (a.Details[i+2]|0x20) == 'd' {
				t.Errorf("Details hold a surrogate escape: %s", a.Details)
				break
			}
		}
	}
	if a.Integration != "" || !a.ReceivedAt.IsZero() || a.RunbookID != "" {
		t.Errorf("parser set Integration, ReceivedAt or RunbookID")
	}
}

// seed adds the fixtures whose names start with prefix and the bad inputs
// of one parser to a fuzz corpus.
func seed(f *testing.F, prefix, parser string) {
	files, err := filepath.Glob(filepath.Join("testdata", prefix+"*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, tt := range badInputs {
		if tt.parser == parser && len(tt.body) < 4096 {
			f.Add([]byte(tt.body))
		}
	}
}

func FuzzParseAlertmanager(f *testing.F) {
	seed(f, "alertmanager", "am")
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := ingest.ParseAlertmanager(body)
		checkResult(t, alerts, err)
	})
}

func FuzzParseGrafana(f *testing.F) {
	seed(f, "grafana", "grafana")
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := ingest.ParseGrafana(body)
		checkResult(t, alerts, err)
	})
}

func FuzzParseGeneric(f *testing.F) {
	seed(f, "generic", "generic")
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := ingest.ParseGeneric(body)
		checkResult(t, alerts, err)
	})
}

func FuzzParsePagerDuty(f *testing.F) {
	seed(f, "pagerduty", "pd")
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ingest.ParsePagerDuty(body)
		if err != nil {
			checkResult(t, nil, err)
			if len(ingest.FieldErrors(err)) == 0 {
				t.Errorf("FieldErrors of %v is empty", err)
			}
			return
		}
		if len(ev.RoutingKey) != 32 {
			t.Errorf("RoutingKey of %d bytes", len(ev.RoutingKey))
		}
		checkResult(t, []quench.Alert{ev.Alert}, nil)
	})
}

func checkResult(t *testing.T, alerts []quench.Alert, err error) {
	t.Helper()
	if err != nil {
		e, ok := err.(*quench.Error)
		if !ok || (e.Code != quench.EINVALID && e.Code != quench.EUNSUPPORTED) || e.Message == "" {
			t.Fatalf("error %T %v, want *quench.Error EINVALID or EUNSUPPORTED", err, err)
		}
		if !utf8.ValidString(e.Message) {
			t.Errorf("error message is not UTF-8: %q", e.Message)
		}
		if alerts != nil {
			t.Errorf("alerts with an error")
		}
		return
	}
	if len(alerts) > quench.MaxAlertsPerCall {
		t.Errorf("%d alerts", len(alerts))
	}
	for _, a := range alerts {
		checkAlert(t, a)
	}
}
