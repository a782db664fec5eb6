package http

import (
	"net/http"
	"slices"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/ingest"
)

// Pseudo-roles for routes that need no bearer token. They are not token
// roles; authorize treats them before any role check.
const (
	needNone       quench.TokenRole = ""            // public: probes
	needRoutingKey quench.TokenRole = "routing_key" // PagerDuty: the key is in the body
)

// endpoint is one entry of the route table, the only place routes are
// registered, so the role-matrix test can walk every one of them.
type endpoint struct {
	pattern string           // a net/http ServeMux pattern with its method
	need    quench.TokenRole // least role that may call it
	handler http.HandlerFunc
}

// routeTable lists every route and who may call it. Reads need a viewer
// token, changes to incidents, step runs and deploys a responder, and
// tokens, audit, freeze and break-glass an admin (owners may do everything
// admins may). The freeze state is readable by viewers: a responder must
// know a freeze is on before trying a step.
// /metrics needs a viewer token: Prometheus scrape configs carry one with
// `authorization: {credentials: …}`, and incident counts are not public.
func (s *Server) routeTable() []endpoint {
	return append([]endpoint{
		{"GET /healthz", needNone, s.handleHealthz},
		{"GET /readyz", needNone, s.handleReadyz},
		{"GET /metrics", quench.RoleViewer, s.handleMetrics},

		{"POST /ingest/alertmanager", quench.RoleIngest, s.ingestHandler(quench.SourceAlertmanager, ingest.ParseAlertmanager)},
		{"POST /ingest/grafana", quench.RoleIngest, s.ingestHandler(quench.SourceGrafana, ingest.ParseGrafana)},
		{"POST /ingest/generic", quench.RoleIngest, s.ingestHandler(quench.SourceGeneric, ingest.ParseGeneric)},
		{"POST /v2/enqueue", needRoutingKey, s.handleEnqueue},

		{"GET /api/v1/incidents", quench.RoleViewer, s.handleListIncidents},
		{"GET /api/v1/incidents/{id}", quench.RoleViewer, s.handleGetIncident},
		{"POST /api/v1/incidents/{id}/ack", quench.RoleResponder, s.handleAck},
		{"POST /api/v1/incidents/{id}/resolve", quench.RoleResponder, s.handleResolve},
		{"POST /api/v1/incidents/{id}/notes", quench.RoleResponder, s.handleAddNote},
		{"GET /api/v1/incidents/{id}/steps", quench.RoleViewer, s.handleListSteps},
		{"POST /api/v1/incidents/{id}/steps/{name}/run", quench.RoleResponder, s.handleRunStep},
		{"GET /api/v1/incidents/{id}/stream", quench.RoleViewer, s.handleStream},
		{"GET /api/v1/events", quench.RoleViewer, s.handleEvents},

		{"GET /api/v1/deploys", quench.RoleViewer, s.handleListDeploys},
		{"POST /api/v1/deploys", quench.RoleResponder, s.handleRecordDeploy},

		{"GET /api/v1/drills", quench.RoleViewer, s.handleListDrills},
		{"GET /api/v1/drills/{id}", quench.RoleViewer, s.handleGetDrill},
		{"POST /api/v1/drills", quench.RoleResponder, s.handleStartDrills},

		{"GET /api/v1/checks", quench.RoleViewer, s.handleListChecks},

		{"GET /api/v1/runbooks", quench.RoleViewer, s.handleListRunbooks},
		{"GET /api/v1/runbooks/{id}", quench.RoleViewer, s.handleGetRunbook},

		{"GET /api/v1/tokens", quench.RoleAdmin, s.handleListTokens},
		{"DELETE /api/v1/tokens/{name}", quench.RoleAdmin, s.handleRevokeToken},
		{"GET /api/v1/audit", quench.RoleAdmin, s.handleListAudit},
		{"GET /api/v1/audit/verify", quench.RoleAdmin, s.handleVerifyAudit},

		{"GET /api/v1/freeze", quench.RoleViewer, s.handleGetFreeze},
		{"POST /api/v1/freeze", quench.RoleAdmin, s.handleSetFreeze},
		{"GET /api/v1/break-glass", quench.RoleAdmin, s.handleListGrants},
		{"POST /api/v1/break-glass", quench.RoleAdmin, s.handleCreateGrant},
		{"DELETE /api/v1/break-glass/{id}", quench.RoleAdmin, s.handleRevokeGrant},
	}, slices.Concat(s.pagingRoutes(), s.heartbeatRoutes(), s.silenceRoutes())...)
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok\n")
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			// The probe is public: name the failing dependency without
			// echoing driver errors, which can carry host names.
			s.logger().WarnContext(r.Context(), "not ready", "err", err)
			reason := "database check failed"
			if quench.ErrorCode(err) != quench.EINTERNAL {
				reason = quench.ErrorMessage(err)
			}
			writeText(w, http.StatusServiceUnavailable, "not ready: "+reason+"\n")
			return
		}
	}
	writeText(w, http.StatusOK, "ok\n")
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}
