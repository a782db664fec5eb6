package http

import (
	"mime"
	"net/http"
	"net/url"
	"testing"

	"github.com/quench-sh/quench"
)

// FuzzParseIncidentFilter feeds arbitrary query strings to the list
// filters: they never panic, errors are EINVALID, and accepted filters
// are within bounds.
func FuzzParseIncidentFilter(f *testing.F) {
	for _, seed := range []string{
		"", "status=triggered", "severity=critical&limit=10", "before=42&limit=200", "runbook=db-down",
		"no_runbook=true", "limit=0", "limit=-1", "before=abc", "status=open", "x=1", "status=a&status=b",
		"runbook=db-down&no_runbook=1", "%zz", "limit=99999999999999999999",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := parseIncidentFilter(q)
		if err != nil {
			if quench.ErrorCode(err) != quench.EINVALID {
				t.Fatalf("error code %s for %q", quench.ErrorCode(err), raw)
			}
			return
		}
		if flt.Limit < 1 || flt.Limit > MaxPageSize || flt.BeforeID < 0 {
			t.Fatalf("filter out of bounds for %q: %+v", raw, flt)
		}
		if flt.Status != "" && !flt.Status.Valid() || flt.Severity != "" && !flt.Severity.Valid() {
			t.Fatalf("invalid filter accepted for %q: %+v", raw, flt)
		}
	})
}

// FuzzUnmarshalStrict feeds arbitrary bodies to the API's JSON decoding:
// it never panics and every refusal is EINVALID with a message.
func FuzzUnmarshalStrict(f *testing.F) {
	for _, seed := range []string{
		`{"text":"x"}`, `{"text":5}`, `{"reason":"r","ttl_minutes":30}`, `{"ttl_minutes":1e400}`, `{"frozen":true}`,
		`{`, ``, `[]`, `null`, `{"text":"x"} x`, "{\"text\":\"\xff\"}", `{"extra":{}}`, `{"text":"\u0000"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v struct {
			Text       string `json:"text"`
			Reason     string `json:"reason"`
			TTLMinutes *int   `json:"ttl_minutes"`
			Frozen     *bool  `json:"frozen"`
		}
		err := unmarshalStrict(body, &v)
		if err != nil && (quench.ErrorCode(err) != quench.EINVALID || quench.ErrorMessage(err) == "") {
			t.Fatalf("unmarshalStrict(%q) = %v (%s)", body, err, quench.ErrorCode(err))
		}
	})
}

// FuzzCheckJSONContentType feeds arbitrary Content-Type headers: only
// JSON in UTF-8 passes, every refusal is EUNSUPPORTED.
func FuzzCheckJSONContentType(f *testing.F) {
	for _, seed := range []string{
		"application/json", "application/json; charset=utf-8", "APPLICATION/JSON;charset=UTF-8", "text/plain",
		"application/json; charset=latin1", "", ";;;", "application/json; charset", "multipart/form-data; boundary=x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		err := checkJSONContentType(&http.Request{Header: http.Header{"Content-Type": {ct}}})
		if err != nil {
			if quench.ErrorCode(err) != quench.EUNSUPPORTED {
				t.Fatalf("checkJSONContentType(%q) = %v", ct, err)
			}
			return
		}
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			t.Fatalf("checkJSONContentType accepted %q", ct)
		}
	})
}
