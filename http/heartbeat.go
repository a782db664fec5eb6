package http

import (
	"io"
	"net/http"

	"github.com/quench-sh/quench"
)

// errPingNotFound is the one answer to a ping that does not reach a
// configured heartbeat, whatever the reason (unknown secret, bad action,
// heartbeat removed, heartbeats off): it tells a guesser nothing.
var errPingNotFound = quench.Errorf(quench.ENOTFOUND, "not found")

// HeartbeatList is the answer of GET /api/v1/heartbeats.
type HeartbeatList struct {
	Heartbeats []*quench.Heartbeat `json:"heartbeats"`
}

// heartbeatRoutes are the ping routes (the secret is the credential: no
// token) and the heartbeat list. GET also answers HEAD.
func (s *Server) heartbeatRoutes() []endpoint {
	return []endpoint{
		{"GET /ping/{secret}", needNone, s.handlePing},
		{"POST /ping/{secret}", needNone, s.handlePing},
		{"GET /ping/{secret}/{action}", needNone, s.handlePing},
		{"POST /ping/{secret}/{action}", needNone, s.handlePing},
		{"GET /api/v1/heartbeats", quench.RoleViewer, s.handleListHeartbeats},
	}
}

// handlePing records a ping: /ping/{secret} is a success, /start marks a
// run begun, /fail and /{exit-code} report how it ended. The first
// quench.MaxPingBody bytes of a body are kept; the rest is not read.
func (s *Server) handlePing(w http.ResponseWriter, r *http.Request) {
	kind, code, err := quench.ParsePingAction(r.PathValue("action"))
	if err != nil || s.Heartbeats == nil {
		s.writeError(w, r, errPingNotFound)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, quench.MaxPingBody)) // a body cut short still pings
	err = s.Heartbeats.Ping(r.Context(), r.PathValue("secret"), quench.Ping{Kind: kind, ExitCode: code, Body: quench.PingBody(body), At: s.now()})
	if quench.ErrorCode(err) == quench.ENOTFOUND {
		s.writeError(w, r, errPingNotFound)
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeText(w, http.StatusOK, "OK\n")
}

// handleListHeartbeats lists the configured heartbeats with their state.
// Ping URLs are credentials: only responders and better see them.
func (s *Server) handleListHeartbeats(w http.ResponseWriter, r *http.Request) {
	if s.Heartbeats == nil {
		writeJSON(w, http.StatusOK, HeartbeatList{Heartbeats: []*quench.Heartbeat{}})
		return
	}
	hbs, err := s.Heartbeats.Heartbeats(r.Context(), s.publicURL(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if tok := tokenFrom(r.Context()); tok == nil || !tok.Role.Allows(quench.RoleResponder) {
		hidePingURLs(hbs)
	}
	writeJSON(w, http.StatusOK, HeartbeatList{Heartbeats: hbs})
}

// hidePingURLs drops the ping URLs, which are credentials, for callers
// below responder.
func hidePingURLs(hbs []*quench.Heartbeat) {
	for _, h := range hbs {
		h.PingURL = ""
	}
}

// publicURL is the base of links the server hands out: PublicURL, or
// else the address the request came to.
func (s *Server) publicURL(r *http.Request) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
