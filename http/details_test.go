package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/quench-sh/quench"
)

// TestAlertDetailsRoundTrip sends alerts with source-specific details and
// reads them back on the incident: the top-level details and the opened
// timeline event's data. A repeat's details do not replace the opener's.
func TestAlertDetailsRoundTrip(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		key := e.secrets[quench.RoleIngest]
		for _, tt := range []struct {
			name, path, dedupKey string
			body                 []byte
			want                 map[string]any // nil: the view has no details
		}{
			{"generic", "/ingest/generic", "backup-nightly", readFixture(t, "generic.json"),
				map[string]any{"last_success": "2026-11-25T02:00:00Z", "exit_code": 1.0}},
			{"generic without details", "/ingest/generic", "plain",
				[]byte(`{"summary":"plain","severity":"low","dedup_key":"plain"}`), nil},
			{"generic hostile text", "/ingest/generic", "hostile",
				[]byte(`{"summary":"x","severity":"low","dedup_key":"hostile","details":{"cmd":"$(rm -rf /)\u0000","<b>":["\u001b[31m",null,true]}}`),
				map[string]any{"cmd": "$(rm -rf /)\ufffd", "<b>": []any{"\x1b[31m", nil, true}}},
			{"pagerduty custom_details", "/v2/enqueue", "stripe-webhooks-failing",
				pagerDutyEvent(t, key, map[string]any{"payload": map[string]any{"summary": "Stripe webhooks failing", "source": "stripe",
					"severity": "error", "custom_details": map[string]any{"failed": 12.0, "endpoint": "/webhooks/stripe"}}}),
				map[string]any{"custom_details": map[string]any{"failed": 12.0, "endpoint": "/webhooks/stripe"}, "client": "Example Monitor"}},
		} {
			func() {
				// e's helpers fail the outer test: no subtests here.
				secret := key
				if tt.path == "/v2/enqueue" {
					secret = "" // the routing key is the credential
				}
				if got := e.do(http.MethodPost, tt.path, secret, "", tt.body); got.status/100 != 2 {
					t.Fatalf("%s: post: %s", tt.name, got)
				}
				// A repeat with other details counts, and keeps the opener's.
				if tt.path == "/ingest/generic" {
					if got := e.do(http.MethodPost, tt.path, secret, "", []byte(fmt.Sprintf(`{"summary":"again","severity":"low","dedup_key":%q,"details":{"repeat":1}}`, tt.dedupKey))); got.status != http.StatusOK {
						t.Fatalf("%s: repeat: %s", tt.name, got)
					}
				}
				inc := findByKey(e.allIncidents(), tt.dedupKey)
				if inc == nil {
					t.Fatalf("%s: no incident for %s", tt.name, tt.dedupKey)
				}
				var view IncidentView
				e.get(fmt.Sprintf("/api/v1/incidents/%d", inc.ID), quench.RoleViewer).decode(t, &view)
				var got map[string]any
				if view.Details != nil {
					if err := json.Unmarshal(view.Details, &got); err != nil {
						t.Fatalf("%s: details %s: %v", tt.name, view.Details, err)
					}
				}
				if tt.want == nil {
					if view.Details != nil {
						t.Fatalf("%s: details = %s, want none", tt.name, view.Details)
					}
					return
				}
				// PagerDuty's details carry more than custom_details;
				// compare the members the test names.
				for k, want := range tt.want {
					if !reflect.DeepEqual(got[k], want) {
						t.Errorf("%s: details[%q] = %#v, want %#v (all: %s)", tt.name, k, got[k], want, view.Details)
					}
				}
				if len(view.Timeline) == 0 || view.Timeline[0].Kind != quench.EventOpened {
					t.Fatalf("%s: timeline does not start with opened: %+v", tt.name, view.Timeline)
				}
				var data quench.OpenedData
				if err := json.Unmarshal(view.Timeline[0].Data, &data); err != nil || string(data.Details) != string(view.Details) {
					t.Errorf("%s: opened event data %s, want details %s (%v)", tt.name, view.Timeline[0].Data, view.Details, err)
				}
			}()
		}
	})
}
