package ingest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sameAsEncodingJSON decodes body on the fast path and with encoding/json
// into every struct the parsers use. Where the fast path succeeds, the
// result must be encoding/json's. It returns how many fast decodes
// succeeded.
func sameAsEncodingJSON(t *testing.T, body []byte) int {
	t.Helper()
	n := 0
	check := func(what string, ok bool, fast, slow any) {
		t.Helper()
		if !ok {
			return
		}
		n++
		if err := json.Unmarshal(body, slow); err != nil {
			t.Fatalf("%s: fast path accepted %q, encoding/json says %v", what, body, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%s of %q:\nfast %+v\nslow %+v", what, body, fast, slow)
		}
	}
	var w1, w2 webhook
	check("webhook", scanWebhook(body, &w1), &w1, &w2)
	var p1, p2 pdEvent
	check("pagerduty", scanPagerDuty(body, &p1), &p1, &p2)
	var g1 []genericAlert
	var g2 genericAlert
	if scanGeneric(body, false, &g1) {
		check("generic", true, &g1[0], &g2)
	}
	var b1, b2 []genericAlert
	check("generic batch", scanGeneric(body, true, &b1), &b1, &b2)
	return n
}

func TestScanMatchesEncodingJSON(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Every fixture must take the fast path: a fast path that quietly
		// gives up on real payloads would only cost time.
		if sameAsEncodingJSON(t, body) == 0 {
			t.Errorf("%s: no fast decode succeeded", f)
		}
	}
	for _, tt := range []struct {
		body string
		fast bool // whether some fast decoder must take it, or else the webhook one must not
	}{
		{`{"version":"4","alerts":[{"labels":{"a":"b\u0026c\n\"\\\/\b\f\r\t"}}]}`, true},
		{`{"version":"4","alerts":[{"labels":{"a":"\ud83d\ude00 \ud800 \udc00x \ud800\u0041 \u0000"}}]}`, true},
		{"{\"version\":\"4\",\"alerts\":[{\"labels\":{\"a\":\"\xff\xfe é \xed\xa0\x80\"}}]}", true},
		{`{"version":"4","alerts":[null,{"labels":null,"annotations":{"a":null}},{}]}`, true},
		{`{"version":null,"alerts":null,"truncatedAlerts":null}`, true},
		{`{"truncatedAlerts":-0,"orgId":9223372036854775807}`, true},
		{`{"truncatedAlerts":9223372036854775808}`, false},
		{`{"truncatedAlerts":1.0}`, false},
		{`{"truncatedAlerts":1e2}`, false},
		{`{"version":"4","version":"5"}`, false},
		{`{"Version":"4"}`, false},
		{`{"VERSION":"4"}`, false},
		{`{"versioN":"4"}`, false},
		{`{"ver\u0073ion":"4"}`, false},
		{`{"unknown":{"deep":[1,2,{"x":null}]},"version":"4"}`, true},
		{`{"version":"4"} `, true},
		{`{"version":"4"}x`, false},
		{"{\"version\":\"4\"}\x00", false},
		{`{"version":"4",}`, false},
		{`{"version":"4" "x":1}`, false},
		{`{"version":"4","alerts":[{"labels":{"a":1}}]}`, false},
		{`{"version":"4","alerts":[{"labels":{"a":"b","a":"c"}}]}`, true},
		{`{"routing_key":"k","payload":null,"links":[{"href":"x"}],"images":null}`, true},
		{`{"routing_key":"k","payload":{"summary":"s","custom_details":{"a":[1,-2.5e-3,true,false,null]}}}`, true},
		{`[{"summary":"a","details":{"x":1}},null,{"summary":"b","labels":{}}]`, true},
		{`[]`, true},
		{`null`, false},
		{`"x"`, false},
		{`{"a":01}`, false},
		{`{"a":-}`, false},
		{`{"a":1.}`, false},
		{`{"a":.5}`, false},
		{`{"a":tru}`, false},
		{`{"a":"\x"}`, false},
		{`{"a":"\u12G4"}`, false},
		{"{\"a\":\"tab\there\"}", false},
		{`{"a":[1,]}`, false},
		{`{"a":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, false},
	} {
		n := sameAsEncodingJSON(t, []byte(tt.body))
		if tt.fast && n == 0 {
			t.Errorf("fast path refused %q", tt.body)
		}
		var w webhook
		if !tt.fast && scanWebhook([]byte(tt.body), &w) {
			t.Errorf("fast path took %q", tt.body)
		}
	}
}

func FuzzScanMatchesEncodingJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"version":"4","alerts":[{"labels":{"a":"\ud800\udc00\u0000"}}],"routeLabels":{"x":[1,{"y":null}]}}`))
	f.Add([]byte(`[{"summary":"a","labels":{"k":"v"},"details":{"n":1e400}}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsEncodingJSON(t, body)
	})
}

// BenchmarkDecodeWebhook compares the fast path with encoding/json on the
// 100-alert notification of BenchmarkParseAlertmanager100.
func BenchmarkDecodeWebhook(b *testing.B) {
	// The same shape as the external benchmark's body, built from the
	// captured fixture's first alert.
	var w webhook
	if err := json.Unmarshal(mustRead(b, "testdata/alertmanager-0.25-firing.json"), &w); err != nil {
		b.Fatal(err)
	}
	for len(w.Alerts) < 100 {
		a := w.Alerts[0]
		a.Fingerprint = fmt.Sprintf("%016x", len(w.Alerts))
		w.Alerts = append(w.Alerts, a)
	}
	body, err := json.Marshal(w)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scanner", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var w webhook
			if !scanWebhook(body, &w) {
				b.Fatal("fast path refused")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var w webhook
			if err := json.Unmarshal(body, &w); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func mustRead(b *testing.B, name string) []byte {
	body, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	return body
}
