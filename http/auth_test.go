package http

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

// credential is one column of the role matrix.
type credential struct {
	name string
	role quench.TokenRole // "" for none and bad
	bad  bool
}

var credentials = []credential{
	{name: "none"},
	{name: "bad", bad: true},
	{name: "ingest", role: quench.RoleIngest},
	{name: "viewer", role: quench.RoleViewer},
	{name: "responder", role: quench.RoleResponder},
	{name: "admin", role: quench.RoleAdmin},
	{name: "owner", role: quench.RoleOwner},
}

// matrixRequest builds one request for a route: its path and body. It may
// create what the request acts on, so every allowed call can succeed.
type matrixRequest func(e *testEnv, secret string) (path string, body []byte)

func static(path string, body string) matrixRequest {
	return func(*testEnv, string) (string, []byte) {
		if body == "" {
			return path, nil
		}
		return path, []byte(body)
	}
}

// matrixRequests has an entry for every route in the route table; a route
// added without one fails TestRoleMatrix.
func matrixRequests(t *testing.T) map[string]matrixRequest {
	am := string(readFixture(t, "alertmanager-firing.json"))
	return map[string]matrixRequest{
		"GET /healthz": static("/healthz", ""),
		"GET /readyz":  static("/readyz", ""),
		"GET /metrics": static("/metrics", ""),

		"POST /ingest/alertmanager": static("/ingest/alertmanager", am),
		"POST /ingest/grafana":      static("/ingest/grafana", string(readFixture(t, "grafana-firing.json"))),
		"POST /ingest/generic":      static("/ingest/generic", string(readFixture(t, "generic.json"))),
		"POST /v2/enqueue": func(e *testEnv, secret string) (string, []byte) {
			return "/v2/enqueue", pagerDutyEvent(t, secret, nil)
		},

		"GET /api/v1/incidents": static("/api/v1/incidents", ""),
		"GET /api/v1/incidents/{id}": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d", e.openIncident()), nil
		},
		"POST /api/v1/incidents/{id}/ack": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d/ack", e.openIncident()), nil
		},
		"POST /api/v1/incidents/{id}/resolve": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d/resolve", e.openIncident()), nil
		},
		"POST /api/v1/incidents/{id}/notes": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d/notes", e.openIncident()), []byte(`{"text":"looked at it"}`)
		},
		"GET /api/v1/incidents/{id}/steps": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d/steps", e.openRunbookIncident()), nil
		},
		"POST /api/v1/incidents/{id}/steps/{name}/run": func(e *testEnv, _ string) (string, []byte) {
			return runPath(e.openRunbookIncident(), "usage"), []byte(`{}`)
		},
		"GET /api/v1/incidents/{id}/stream": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/incidents/%d/stream", e.openRunbookIncident()), nil
		},
		"GET /api/v1/events": static("/api/v1/events", ""),

		"GET /api/v1/deploys":  static("/api/v1/deploys", ""),
		"POST /api/v1/deploys": static("/api/v1/deploys", `{"service":"api","sha":"0a1b2c3"}`),

		"GET /api/v1/drills": static("/api/v1/drills", ""),
		"GET /api/v1/checks": static("/api/v1/checks", ""),
		"GET /api/v1/drills/{id}": func(e *testEnv, secret string) (string, []byte) {
			d := &quench.Drill{RunbookID: "db-down", Actor: "matrix"}
			if err := sqldb.NewDrillService(e.db).CreateDrill(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/api/v1/drills/%d", d.ID), nil
		},
		"POST /api/v1/drills": static("/api/v1/drills", `{"runbooks":["db-down"]}`),

		"GET /api/v1/runbooks":      static("/api/v1/runbooks", ""),
		"GET /api/v1/runbooks/{id}": static("/api/v1/runbooks/db-down", ""),

		"GET /ping/{secret}": func(e *testEnv, _ string) (string, []byte) {
			return "/ping/" + e.pingSecret(), nil
		},
		"POST /ping/{secret}": func(e *testEnv, _ string) (string, []byte) {
			return "/ping/" + e.pingSecret(), []byte("backup done")
		},
		"GET /ping/{secret}/{action}": func(e *testEnv, _ string) (string, []byte) {
			return "/ping/" + e.pingSecret() + "/start", nil
		},
		"POST /ping/{secret}/{action}": func(e *testEnv, _ string) (string, []byte) {
			return "/ping/" + e.pingSecret() + "/0", []byte("exit 0")
		},
		"GET /api/v1/heartbeats": static("/api/v1/heartbeats", ""),

		"GET /api/v1/silences":  static("/api/v1/silences", ""),
		"POST /api/v1/silences": static("/api/v1/silences", `{"matchers":["alertname=MatrixTest"],"duration":"1h","comment":"matrix"}`),
		"POST /api/v1/silences/{id}/expire": func(e *testEnv, _ string) (string, []byte) {
			return fmt.Sprintf("/api/v1/silences/%d/expire", e.silence()), []byte(`{}`)
		},
		"GET /api/v1/suppressed": static("/api/v1/suppressed", ""),

		"GET /api/v1/tokens": static("/api/v1/tokens", ""),
		"DELETE /api/v1/tokens/{name}": func(e *testEnv, _ string) (string, []byte) {
			name := fmt.Sprintf("doomed-%d", e.seq.Add(1))
			if _, _, err := e.srv.Tokens.CreateToken(context.Background(), name, quench.RoleViewer); err != nil {
				t.Fatal(err)
			}
			return "/api/v1/tokens/" + name, nil
		},
		"GET /api/v1/audit":        static("/api/v1/audit", ""),
		"GET /api/v1/audit/verify": static("/api/v1/audit/verify", ""),

		"GET /api/v1/freeze":       static("/api/v1/freeze", ""),
		"POST /api/v1/freeze":      static("/api/v1/freeze", `{"frozen":false}`),
		"GET /api/v1/break-glass":  static("/api/v1/break-glass", ""),
		"POST /api/v1/break-glass": static("/api/v1/break-glass", `{"reason":"restore from backup","ttl_minutes":30}`),
		"DELETE /api/v1/break-glass/{id}": func(e *testEnv, _ string) (string, []byte) {
			g, _, err := e.srv.ChangeControl.CreateGrant(context.Background(), "matrix", time.Hour, "test")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/api/v1/break-glass/%d", g.ID), nil
		},
	}
}

// wantRole is who may call each route, written down from the HTTP contract
// (DESIGN.md and the issues that added routes), independently of the route
// table under test: weakening a route's role in routeTable fails
// TestRoleMatrix because the answers no longer match this table. Ingest
// routes take an ingest token, reads a viewer, changes to incidents, steps
// and deploys a responder; tokens, audit, freeze changes and break-glass an
// admin.
var wantRole = map[string]quench.TokenRole{
	"GET /healthz": needNone,
	"GET /readyz":  needNone,
	"GET /metrics": quench.RoleViewer,

	"POST /ingest/alertmanager": quench.RoleIngest,
	"POST /ingest/grafana":      quench.RoleIngest,
	"POST /ingest/generic":      quench.RoleIngest,
	"POST /v2/enqueue":          needRoutingKey,

	"GET /api/v1/incidents":                        quench.RoleViewer,
	"GET /api/v1/incidents/{id}":                   quench.RoleViewer,
	"POST /api/v1/incidents/{id}/ack":              quench.RoleResponder,
	"POST /api/v1/incidents/{id}/resolve":          quench.RoleResponder,
	"POST /api/v1/incidents/{id}/notes":            quench.RoleResponder,
	"GET /api/v1/incidents/{id}/steps":             quench.RoleViewer,
	"POST /api/v1/incidents/{id}/steps/{name}/run": quench.RoleResponder,
	"GET /api/v1/incidents/{id}/stream":            quench.RoleViewer,
	"GET /api/v1/events":                           quench.RoleViewer, // the incident event stream: reads, like the incident stream

	"GET /api/v1/deploys":  quench.RoleViewer,
	"POST /api/v1/deploys": quench.RoleResponder,

	"GET /api/v1/drills":      quench.RoleViewer,
	"GET /api/v1/checks":      quench.RoleViewer, // DESIGN: /api/v1/checks is viewer or better
	"GET /api/v1/drills/{id}": quench.RoleViewer,
	"POST /api/v1/drills":     quench.RoleResponder, // a drill opens an incident and runs the diagnosis, like a person's read-only step

	"GET /api/v1/runbooks":      quench.RoleViewer,
	"GET /api/v1/runbooks/{id}": quench.RoleViewer,

	// Heartbeat pings: the secret in the URL is the credential (cron jobs
	// and systemd units carry no token); the list is a read.
	"GET /ping/{secret}":           needNone,
	"POST /ping/{secret}":          needNone,
	"GET /ping/{secret}/{action}":  needNone,
	"POST /ping/{secret}/{action}": needNone,
	"GET /api/v1/heartbeats":       quench.RoleViewer,

	// Silences: reading them and the alerts they hold back is a read;
	// making or ending one decides what opens incidents: a responder.
	"GET /api/v1/silences":              quench.RoleViewer,
	"POST /api/v1/silences":             quench.RoleResponder,
	"POST /api/v1/silences/{id}/expire": quench.RoleResponder,
	"GET /api/v1/suppressed":            quench.RoleViewer,

	"GET /api/v1/tokens":           quench.RoleAdmin,
	"DELETE /api/v1/tokens/{name}": quench.RoleAdmin,
	"GET /api/v1/audit":            quench.RoleAdmin,
	"GET /api/v1/audit/verify":     quench.RoleAdmin,

	"GET /api/v1/freeze":              quench.RoleViewer,
	"POST /api/v1/freeze":             quench.RoleAdmin,
	"GET /api/v1/break-glass":         quench.RoleAdmin,
	"POST /api/v1/break-glass":        quench.RoleAdmin,
	"DELETE /api/v1/break-glass/{id}": quench.RoleAdmin,
}

// streamingRoutes answer with an event stream that does not end on its
// own: the matrix reads only their status.
var streamingRoutes = map[string]bool{"GET /api/v1/incidents/{id}/stream": true, "GET /api/v1/events": true}

// TestRoleMatrix walks every registered route with every credential and
// checks the answer is 401, 403 or success exactly as wantRole (not the
// route table) says.
func TestRoleMatrix(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		e := newStepEnv(t, dialect).testEnv
		reqs := matrixRequests(t)
		maps.Copy(reqs, pagingMatrixRequests(t))
		e.srv.Handler()
		seen := map[string]bool{}
		for _, rt := range e.srv.routes {
			seen[rt.pattern] = true
			build, ok := reqs[rt.pattern]
			if !ok {
				t.Errorf("route %q has no role-matrix entry: add one to matrixRequests", rt.pattern)
				continue
			}
			need, ok := wantRole[rt.pattern]
			if !ok {
				t.Errorf("route %q has no expected role: add it to wantRole from the HTTP contract", rt.pattern)
				continue
			}
			method, _, _ := strings.Cut(rt.pattern, " ")
			for _, c := range credentials {
				secret := e.secrets[c.role]
				if c.bad {
					secret = "qk_this_token_does_not_exist_0000"
				}
				path, body := build(e, secret)
				hdr := secret
				if need == needRoutingKey {
					hdr = "" // the key travels in the body
				}
				var got response
				if streamingRoutes[rt.pattern] {
					got = e.statusOnly(method, path, hdr)
				} else if sign, ok := signedRoutes[rt.pattern]; ok {
					got = e.doSigned(method, path, hdr, body, sign)
				} else {
					got = e.do(method, path, hdr, "", body)
				}
				want := expectedStatus(need, c)
				if !want(got.status) {
					t.Errorf("%s as %s: got %s", rt.pattern, c.name, got)
				}
				if got.status == http.StatusUnauthorized && got.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s as %s: 401 without WWW-Authenticate", rt.pattern, c.name)
				}
			}
		}
		for pattern := range reqs {
			if !seen[pattern] {
				t.Errorf("matrixRequests has %q, which is not a registered route", pattern)
			}
		}
		for pattern := range wantRole {
			if !seen[pattern] {
				t.Errorf("wantRole has %q, which is not a registered route", pattern)
			}
		}
	})
}

// expectedStatus says which statuses are right for a credential on a route
// that needs role need.
func expectedStatus(need quench.TokenRole, c credential) func(int) bool {
	success := func(s int) bool { return s >= 200 && s <= 299 }
	is := func(want int) func(int) bool { return func(s int) bool { return s == want } }
	switch {
	case need == needNone:
		return success
	case need == needRoutingKey:
		// PagerDuty answers 400 for a key it does not know.
		if c.role == quench.RoleIngest {
			return is(http.StatusAccepted)
		}
		return is(http.StatusBadRequest)
	case c.role == "":
		return is(http.StatusUnauthorized)
	case c.role.Allows(need):
		return success
	}
	return is(http.StatusForbidden)
}

func TestAuthenticationMessages(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, tt := range []struct {
		name   string
		header string
		status int
		msg    string
	}{
		{"no header", "", 401, "missing Authorization header"},
		{"basic auth", "Basic dXNlcjpwYXNz", 401, "must be Bearer"},
		{"no secret", "Bearer ", 401, "must be Bearer"},
		{"blank secret", "Bearer   x", 401, "invalid token"},
		{"unknown", "Bearer nope", 401, "invalid token"},
		{"huge", "Bearer " + strings.Repeat("x", 10000), 401, "invalid token"},
		{"lowercase scheme", "bearer " + e.secrets[quench.RoleViewer], 200, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL()+"/api/v1/incidents", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := e.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var eb errorBody
			_ = json.NewDecoder(resp.Body).Decode(&eb)
			if resp.StatusCode != tt.status || !strings.Contains(eb.Error, tt.msg) {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, eb.Error, tt.status, tt.msg)
			}
		})
	}
}

// TestRevokedTokenIsRefused checks revocation takes effect on the next
// request, and that an admin cannot revoke an owner.
func TestRevokedTokenIsRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	_, secret, err := e.srv.Tokens.CreateToken(context.Background(), "short-lived", quench.RoleResponder)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.do("GET", "/api/v1/incidents", secret, "", nil); got.status != 200 {
		t.Fatalf("before revoke: %s", got)
	}
	if got := e.do("DELETE", "/api/v1/tokens/short-lived", e.secrets[quench.RoleAdmin], "", nil); got.status != 204 {
		t.Fatalf("revoke: %s", got)
	}
	entries, err := e.srv.Audit.FindAuditEntries(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if last := entries[len(entries)-1]; last.Action != "token.revoke" || last.Actor != "test-admin" {
		t.Errorf("last audit entry %s by %q, want token.revoke by the admin who revoked, test-admin", last.Action, last.Actor)
	}
	if got := e.do("GET", "/api/v1/incidents", secret, "", nil); got.status != 401 || got.errorMessage() != "invalid token" {
		t.Fatalf("after revoke: %s", got)
	}
	if got := e.do("DELETE", "/api/v1/tokens/test-owner", e.secrets[quench.RoleAdmin], "", nil); got.status != 403 {
		t.Fatalf("admin revoking owner: %s", got)
	}
	if got := e.do("DELETE", "/api/v1/tokens/no-such-token", e.secrets[quench.RoleAdmin], "", nil); got.status != 404 {
		t.Fatalf("revoking unknown token: %s", got)
	}
	var list tokenList
	got := e.get("/api/v1/tokens", quench.RoleAdmin)
	got.decode(t, &list)
	if contains(string(got.body), e.secrets[quench.RoleOwner]) || contains(string(got.body), "hash") {
		t.Fatalf("token list leaks secrets: %s", got)
	}
	if len(list.Tokens) != len(quench.TokenRoles)+1 {
		t.Fatalf("token list has %d tokens, want %d", len(list.Tokens), len(quench.TokenRoles)+1)
	}
}

// TestIngestTokenCache pins the cache's bounds: a revocation through the
// server takes effect at once, one behind its back within TokenCacheTTL,
// and person tokens are never cached.
func TestIngestTokenCache(t *testing.T) {
	var offset atomic.Int64 // nanoseconds the test clock is ahead
	e := newEnv(t, "sqlite", func(s *Server) {
		s.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		s.TokenCacheTTL = time.Minute
	})
	ctx := context.Background()
	body := []byte(`{"summary":"cache probe"}`)
	post := func(secret string) int {
		return e.do("POST", "/ingest/generic", secret, "", body).status
	}

	// Revoked behind the server's back: trusted until the TTL runs out.
	_, behind, _ := e.srv.Tokens.CreateToken(ctx, "cached", quench.RoleIngest)
	if got := post(behind); got != 200 {
		t.Fatalf("first use: %d", got)
	}
	if err := e.srv.Tokens.RevokeToken(ctx, "cached", "test"); err != nil {
		t.Fatal(err)
	}
	if got := post(behind); got != 200 {
		t.Fatalf("within the TTL: %d, want the cached 200", got)
	}
	offset.Store(int64(time.Minute + time.Second))
	if got := post(behind); got != 401 {
		t.Fatalf("after the TTL: %d, want 401", got)
	}

	// Revoked through the API: refused on the next request.
	_, direct, _ := e.srv.Tokens.CreateToken(ctx, "direct", quench.RoleIngest)
	if got := post(direct); got != 200 {
		t.Fatalf("first use: %d", got)
	}
	if got := e.do("DELETE", "/api/v1/tokens/direct", e.secrets[quench.RoleAdmin], "", nil); got.status != 204 {
		t.Fatalf("revoke: %s", got)
	}
	if got := post(direct); got != 401 {
		t.Fatalf("after API revoke: %d, want 401", got)
	}

	// A person's token is checked every time.
	_, person, _ := e.srv.Tokens.CreateToken(ctx, "person", quench.RoleViewer)
	if got := e.do("GET", "/api/v1/incidents", person, "", nil); got.status != 200 {
		t.Fatalf("viewer: %s", got)
	}
	if err := e.srv.Tokens.RevokeToken(ctx, "person", "test"); err != nil {
		t.Fatal(err)
	}
	if got := e.do("GET", "/api/v1/incidents", person, "", nil); got.status != 401 {
		t.Fatalf("revoked viewer: %s", got)
	}
}
