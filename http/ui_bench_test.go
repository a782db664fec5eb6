package http

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

// uiBenchIncidents is the store size the list's figures are for.
const uiBenchIncidents = 10000

// fillIncidents stores n incidents, all resolved but open of them, the
// open ones scattered through the ids, with labels and summaries like a
// real fleet's.
func fillIncidents(tb testing.TB, e *testEnv, n, open int) {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	stayOpen := map[int]bool{}
	for len(stayOpen) < open {
		stayOpen[rng.IntN(n)] = true
	}
	sevs := quench.Severities
	const batch = 1000
	for start := 0; start < n; start += batch {
		var trig, res []quench.Alert
		for i := start; i < min(start+batch, n); i++ {
			a := quench.Alert{
				Source: quench.SourceAlertmanager, Integration: "bench", DedupKey: fmt.Sprintf("key-%d", i),
				Action: quench.ActionTrigger, Severity: sevs[i%len(sevs)],
				Summary: fmt.Sprintf("Disk usage above 85%% on node-%d (%s)", i%500, []string{"/", "/var", "/data"}[i%3]),
				Labels: map[string]string{"alertname": "HostDiskUsageHigh", "instance": fmt.Sprintf("node-%d:9100", i%500),
					"job": "node", "severity": string(sevs[i%len(sevs)])},
				ReceivedAt: time.Now(),
			}
			if i%7 == 0 {
				a.RunbookID = "db-down"
			}
			trig = append(trig, a)
			if !stayOpen[i] {
				r := a
				r.Action = quench.ActionResolve
				res = append(res, r)
			}
		}
		if _, err := e.store.IngestAlerts(ctx, trig, nil); err != nil {
			tb.Fatal(err)
		}
		if _, err := e.store.IngestAlerts(ctx, res, nil); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkIncidentListPage renders the incident list page for a signed-in
// responder over a SQLite store of 10,000 incidents (100 open), through
// the server's whole handler (session, role, counts, query, template,
// gzip), and reports the p50 and p99 render time and the page's size as
// sent gzipped and as sent to a client without gzip, for each view.
func BenchmarkIncidentListPage(b *testing.B) {
	e := newEnv(b, "sqlite")
	fillIncidents(b, e, uiBenchIncidents, 100)
	h := e.srv.Handler()
	login := httptest.NewRecorder()
	lreq := httptest.NewRequest("POST", "/login", bytes.NewReader([]byte(url.Values{"token": {e.secrets[quench.RoleResponder]}}.Encode())))
	lreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(login, lreq)
	cookie := login.Result().Cookies()
	if len(cookie) == 0 {
		b.Fatalf("sign in: %d %s", login.Code, login.Body)
	}
	for _, view := range []struct{ name, path string }{
		{"open", "/incidents"},
		{"all", "/incidents?status=all"},
		{"resolved-page-50", "/incidents?status=resolved&before=5000"},
		{"text", "/incidents?status=all&q=node-42:"},
		{"live-fragment", "/incidents?part=list"},
	} {
		b.Run(view.name, func(b *testing.B) {
			var lat []time.Duration
			var size, gz int
			for b.Loop() {
				req := httptest.NewRequest("GET", view.path, nil)
				req.AddCookie(cookie[0])
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				lat = append(lat, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", view.path, rec.Code, rec.Body)
				}
				gz = rec.Body.Len()
			}
			// The same page to a client that takes no gzip.
			req := httptest.NewRequest("GET", view.path, nil)
			req.AddCookie(cookie[0])
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			size = rec.Body.Len()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size), "page-bytes")
			b.ReportMetric(float64(gz), "gzip-bytes")
		})
	}
}
