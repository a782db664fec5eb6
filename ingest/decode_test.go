package ingest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/quench-sh/quench"
)

// sameAsEncodingJSON decodes body with unmarshal and with encoding/json into
// every struct the parsers use: the values and the errors must be the same,
// and where go-json takes the body, encoding/json must take it too. It
// returns how many decodes go-json took, so that a test can tell that the
// fast path is used.
func sameAsEncodingJSON(t *testing.T, body []byte) int {
	t.Helper()
	n := sameDecode[webhook](t, "webhook", body) +
		sameDecode[pdEvent](t, "pagerduty", body) +
		sameDecode[genericAlert](t, "generic", body) +
		sameDecode[[]genericAlert](t, "generic batch", body)

	// runbook annotations are read from cleaned custom_details.
	if custom := cleanRaw(body); custom != nil {
		got := map[string]string{}
		runbookAnnotations(got, custom)
		if want := runbookAnnotationsStd(custom); !maps.Equal(got, want) {
			t.Fatalf("runbook annotations of %q: got %q, encoding/json %q", custom, got, want)
		}
	}
	return n
}

func sameDecode[T any](t *testing.T, what string, body []byte) int {
	t.Helper()
	var got, want T
	err := unmarshal(body, &got)
	stdErr := json.Unmarshal(body, &want)
	if fmt.Sprint(err) != fmt.Sprint(stdErr) {
		t.Fatalf("%s of %q: error %v, encoding/json %v", what, body, err, stdErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s of %q:\ngot           %+v\nencoding/json %+v", what, body, got, want)
	}
	var fast T
	if gojson.UnmarshalOf(body, &fast) != nil {
		return 0
	}
	if stdErr != nil {
		t.Fatalf("%s: go-json took %q, encoding/json says %v", what, body, stdErr)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("%s of %q:\ngo-json       %+v\nencoding/json %+v", what, body, fast, want)
	}
	return 1
}

// runbookAnnotationsStd is runbookAnnotations done with encoding/json only:
// exact names, the last of duplicates, string values.
func runbookAnnotationsStd(custom json.RawMessage) map[string]string {
	out := map[string]string{}
	var m map[string]json.RawMessage
	if jsonType(custom) != "object" || json.Unmarshal(custom, &m) != nil {
		return out
	}
	for _, k := range []string{"runbook", "runbook_url"} {
		var s string
		if json.Unmarshal(m[k], &s) == nil && !blank(s) && len(s) <= quench.MaxLabelBytes {
			out[k] = quench.CleanText(s)
		}
	}
	return out
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Every fixture must take the fast path: one that quietly gave
		// up on real payloads would only cost time.
		if sameAsEncodingJSON(t, body) == 0 {
			t.Errorf("%s: go-json decoded none of the structs", f)
		}
	}
	for _, tt := range []struct {
		body string
		fast bool // whether go-json must decode some struct; where encoding/json refuses one, sameDecode checks that go-json does too
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
		{`{"version":"4","version":"5"}`, true},
		{`{"Version":"4"}`, true},
		{`{"VERSION":"4"}`, true},
		{`{"versioN":"4"}`, true},
		{`{"ver\u0073ion":"4"}`, true},
		{`{"ver_sion":"4","ver-sion":"5"}`, true},
		{"{\"\u212aey\":\"x\",\"dedup_\u017fummary\":\"y\"}", true},
		{`{"payload":{"summary":"a"},"payload":{"source":"b"}}`, true},
		{`{"payload":{"summary":"a"},"payload":null}`, true},
		{`{"version":"4","alerts":[{"labels":{"a":"b"},"labels":{"c":"d"}}]}`, true},
		{`{"version":"4","alerts":[{"labels":{"a":"b"}}],"alerts":[{"status":"x"},{}]}`, true},
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
		{`{"runbook":"a","runbook":"b","runbook_url":"c","runbook_url":1,"Runbook":"d"}`, true},
		{`{"runbook":" ","RUNBOOK_URL":"x","x":{"runbook":"y"}}`, true},
		{`{"runbook":null,"runbook_url":["u"]}`, true},
		{`[{"summary":"a","details":{"x":1}},null,{"summary":"b","labels":{}}]`, true},
		{`[]`, true},
		{`null`, true},
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
		{`{"a":1e400}`, true},
		{`{"a":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, true},
		{`{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, false},
		{"", false},
		{" \n", false},
	} {
		n := sameAsEncodingJSON(t, []byte(tt.body))
		if tt.fast && n == 0 {
			t.Errorf("go-json refused %q", tt.body)
		}
	}
}

func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
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
	f.Add([]byte(`{"payload":{"summary":"a","custom_details":{"runbook":"x","runbook_url":1}},"Payload":{"source":"b"}}`))
	f.Add([]byte(`{"orgId":1,"OrgID":"2","truncatedAlerts":-0}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsEncodingJSON(t, body)
	})
}

// BenchmarkDecodeWebhook compares go-json with encoding/json on the
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
	b.Run("go-json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var w webhook
			if err := gojson.UnmarshalOf(body, &w); err != nil {
				b.Fatal(err)
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
