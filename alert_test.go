package quench_test

import (
	"fmt"
	"testing"

	"github.com/quench-sh/quench"
)

func TestValidateAlerts(t *testing.T) {
	ok := func() quench.Alert {
		return quench.Alert{DedupKey: "k", Action: quench.ActionTrigger, Severity: quench.SeverityLow,
			Labels: map[string]string{"a": "b"}}
	}
	big := string(make([]byte, quench.MaxLabelBytes+1))
	for _, tt := range []struct {
		name   string
		edit   func(a *quench.Alert)
		code   string
		prefix string
	}{
		{"valid", func(*quench.Alert) {}, "", ""},
		{"no key", func(a *quench.Alert) { a.DedupKey = "" }, quench.EINVALID, "alert 1: dedup key is empty"},
		{"long key", func(a *quench.Alert) { a.DedupKey = string(make([]byte, 256)) }, quench.EINVALID, "alert 1: dedup key is longer than 255 bytes"},
		{"action", func(a *quench.Alert) { a.Action = "snooze" }, quench.EINVALID, `alert 1: unknown action "snooze"`},
		{"severity", func(a *quench.Alert) { a.Severity = "urgent" }, quench.EINVALID, `alert 1: unknown severity "urgent"`},
		{"resolve needs no severity", func(a *quench.Alert) { a.Action, a.Severity = quench.ActionResolve, "" }, "", ""},
		{"long label", func(a *quench.Alert) { a.Labels["x"] = big }, quench.ETOOLARGE, `alert 1: label "x" is longer than 65536 bytes`},
		{"long label on a resolve is not stored", func(a *quench.Alert) { a.Action, a.Labels["x"] = quench.ActionResolve, big }, "", ""},
		{"details object", func(a *quench.Alert) { a.Details = []byte(` {"a": [1, null]} `) }, "", ""},
		{"details null", func(a *quench.Alert) { a.Details = []byte(`null`) }, "", ""},
		{"details array", func(a *quench.Alert) { a.Details = []byte(`[1]`) }, quench.EINVALID, "alert 1: details are not a JSON object"},
		{"details broken", func(a *quench.Alert) { a.Details = []byte(`{"a":`) }, quench.EINVALID, "alert 1: details are not a JSON object"},
		{"details of a resolve are not stored", func(a *quench.Alert) { a.Action, a.Details = quench.ActionResolve, []byte(`[`) }, "", ""},
		{"many labels", func(a *quench.Alert) {
			a.Labels = map[string]string{}
			for i := range 129 {
				a.Labels[fmt.Sprint(i)] = ""
			}
		}, quench.ETOOLARGE, "alert 1: more than 128 labels or annotations"},
	} {
		alerts := []quench.Alert{ok(), ok()}
		tt.edit(&alerts[1])
		err := quench.ValidateAlerts(alerts)
		if quench.ErrorCode(err) != tt.code || quench.ErrorMessage(err) != tt.prefix && err != nil {
			t.Errorf("%s: %v, want %s %q", tt.name, err, tt.code, tt.prefix)
		}
	}
	if err := quench.ValidateAlerts(make([]quench.Alert, quench.MaxAlertsPerCall+1)); quench.ErrorCode(err) != quench.ETOOLARGE {
		t.Errorf("too many alerts: %v", err)
	}
}
