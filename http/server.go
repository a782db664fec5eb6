// Package http is quench's HTTP layer: the server (ingest routes, the JSON
// API, health and metrics) and the client the CLI uses. It wraps net/http and
// prometheus/client_golang, and owns the one mapping from quench error codes
// to HTTP statuses (statusOf).
//
// Decisions the route table encodes:
//
//   - Reads (incidents, deploys, runbooks, freeze state, /metrics) need a
//     viewer token or better; incident changes and deploys a responder;
//     tokens, the audit trail, the freeze switch and break-glass an admin.
//     Prometheus scrapes carry the viewer token as a bearer credential.
//   - Ingest routes take only ingest tokens (a person's token gets 403, an
//     ingest token on the API gets 403 too). /v2/enqueue authenticates by
//     the body's routing_key and answers in PagerDuty's shapes, including
//     400 "Invalid routing key" for a key that is not an ingest token.
//   - EUNSUPPORTED is 415, both for a media type other than JSON and for a
//     payload version quench does not take.
//   - A 2xx on ingest is sent only after the store committed every alert of
//     the request; a request that fails to parse stores nothing.
//   - Step routes: listing and the event stream need a viewer, running a
//     step a responder; the runner (Server.Steps) makes every safety
//     decision (confirmation, freeze, break-glass grant) and its refusals
//     are 403 with the reason. A started step runs to its end even if the
//     client hangs up. Without a runner the step routes answer 503.
//   - The single-incident route shows the deploys of the quench.DeployLookback
//     before the incident opened and, as last_good, the newest deploy
//     before that window.
package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quench-sh/quench"
)

// Server serves quench over HTTP. Set the exported fields, then call Open
// (or mount Handler in a server of your own). Fields must not change after
// the first call to Open or Handler.
type Server struct {
	// Addr is the address to listen on; "127.0.0.1:0" picks a free port.
	Addr string

	// Alerts is where ingest routes submit what they parsed.
	Alerts        quench.AlertService
	Incidents     quench.IncidentService
	Tokens        quench.TokenService
	Audit         quench.AuditService
	Deploys       quench.DeployService
	ChangeControl quench.ChangeControlService
	Runbooks      quench.RunbookService

	// Paging, Overrides and Notifications serve the paging routes
	// (paging.go); nil leaves them answering 503. SMSVerifier checks
	// inbound SMS webhooks; nil refuses them.
	Paging        quench.PagingService
	Overrides     quench.OverrideService
	Notifications quench.NotificationService
	SMSVerifier   SMSVerifier

	// Steps runs runbook steps for incidents. Nil leaves the step routes
	// answering 503 "step runner not configured".
	Steps quench.StepService

	// Drills runs drills (drill.Service). Nil leaves the drill routes
	// answering 503 and /metrics without drill series.
	Drills quench.DrillService

	// Heartbeats takes pings and lists heartbeats (heartbeat.Monitor).
	// Nil answers every ping 404 and lists no heartbeats.
	Heartbeats quench.HeartbeatService
	// Silences serves silences and the alerts held back
	// (suppress.Service); nil answers their routes 503.
	Silences quench.SilenceService
	// PublicURL is the server's address as others reach it, the base of
	// the ping URLs it lists; "" uses the address a request came to.
	PublicURL string
	// Checks answers what the built-in checks see (check.Engine). Nil
	// leaves GET /api/v1/checks answering an empty list.
	Checks quench.CheckService

	// Sessions stores the web UI's sign-ins. Nil leaves the web UI off
	// (ui.go); the API does not need it.
	Sessions quench.SessionService
	// Web configures the web UI: sessions, proxy sign-in, the runbook index.
	Web WebConfig

	// Heartbeat is how often an idle event stream sends a comment; 0 means
	// DefaultHeartbeat.
	Heartbeat time.Duration

	// Events feeds the live streams (the incident stream,
	// /api/v1/events and the web UI's live pages). Nil leaves
	// /api/v1/events answering 503, the incident stream with step output
	// only, and web UI pages that update only when reloaded.
	Events quench.EventService

	// Ready reports whether the server's dependencies (the database) can
	// serve; /readyz answers 503 while it fails. Nil means always ready.
	Ready func(ctx context.Context) error

	Logger *slog.Logger
	Now    func() time.Time

	// Registry receives quench's metrics; /metrics serves everything on it.
	Registry *prometheus.Registry

	// MaxBodyBytes bounds a request body; larger ones get 413.
	MaxBodyBytes int64

	// TokenCacheTTL is how long an authenticated ingest token is trusted
	// without asking the store again; 0 asks on every request. Revoking a
	// token through this server takes effect at once; a revocation by
	// another process (the CLI, another server) takes up to this long.
	// Person tokens are never cached.
	TokenCacheTTL time.Duration

	once     sync.Once
	handler  http.Handler
	mux      *http.ServeMux
	routes   []endpoint
	ui       *uiState   // the web UI's templates and assets; nil without Sessions
	uiRoutes []endpoint // the web UI's routes (ui.go)
	metrics  *metrics
	tokens   tokenCache
	stop     chan struct{} // closed by Close: event streams end

	ln        net.Listener
	srv       *http.Server
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// NewServer returns a server with defaults: a fresh metrics registry, the
// real clock, a discarding logger and quench.MaxBodyBytes.
func NewServer() *Server {
	return &Server{
		Addr:          "127.0.0.1:8080",
		Logger:        slog.New(slog.DiscardHandler),
		Now:           time.Now,
		Registry:      prometheus.NewRegistry(),
		MaxBodyBytes:  quench.MaxBodyBytes,
		TokenCacheTTL: 2 * time.Second,
	}
}

// ingestTimeout bounds how long an accepted ingest request may wait for the
// store once the client's own context no longer counts.
const ingestTimeout = 30 * time.Second

// Open validates the configuration, listens on Addr and serves in the
// background. It returns once the listener is bound, so URL is usable.
func (s *Server) Open() error {
	if err := s.validate(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("http: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger().Handler(), slog.LevelWarn),
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger().Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// validate names the first required field left unset, so a wiring mistake
// fails at start rather than on the first request.
func (s *Server) validate() error {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"Incidents", s.Incidents != nil},
		{"Tokens", s.Tokens != nil},
		{"Audit", s.Audit != nil},
		{"Deploys", s.Deploys != nil},
		{"ChangeControl", s.ChangeControl != nil},
		{"Runbooks", s.Runbooks != nil},
		{"Alerts", s.Alerts != nil},
		{"Registry", s.Registry != nil},
	} {
		if !f.set {
			return fmt.Errorf("http: Server.%s is required", f.name)
		}
	}
	if s.Sessions != nil && s.ui == nil {
		ui, err := newUIState()
		if err != nil {
			return err
		}
		s.ui = ui
	}
	return nil
}

// URL returns the base URL the server is bound to, or "" before Open.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Close ends open event streams, stops accepting connections and waits for
// in-flight requests (a running step included) to finish, or for ctx to
// end, in which case remaining connections are cut. Without Open it only
// ends the event streams of a Handler mounted elsewhere.
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		s.closeOnce.Do(s.endStreams)
		return nil
	}
	s.closeOnce.Do(func() {
		// Event streams never finish on their own; end them first so
		// Shutdown does not wait for them.
		s.endStreams()
		s.closeErr = s.srv.Shutdown(ctx)
		if s.closeErr != nil {
			_ = s.srv.Close()
		}
		<-s.done
	})
	return s.closeErr
}

// endStreams tells every open event stream to finish.
func (s *Server) endStreams() {
	if s.stop != nil {
		close(s.stop)
	}
}

// stopping is closed when the server closes; nil (never ready) when the
// handler was never built.
func (s *Server) stopping() <-chan struct{} { return s.stop }

// Handler returns the server's routes with auth, error mapping and metrics.
// Its metrics are registered on Registry the first time it is called.
func (s *Server) Handler() http.Handler {
	s.once.Do(s.build)
	return s.handler
}

func (s *Server) build() {
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.Registry, s, s.logger())
	s.stop = make(chan struct{})
	s.mux = http.NewServeMux()
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.instrument(rt.pattern, s.authorize(rt.need, rt.handler)))
	}
	s.buildUI()
	s.handler = http.HandlerFunc(s.serveHTTP)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, pattern := s.mux.Handler(r); pattern == "" {
		if s.ui != nil && wantsPage(r) {
			// A person's browser gets a page, not JSON (ui.go).
			s.uiHeaders(http.HandlerFunc(s.uiNotFound)).ServeHTTP(w, r)
			s.metrics.request("unmatched", http.StatusNotFound)
			return
		}
		// No route: the mux answers 404 or 405 in plain text; keep its
		// status and Allow header but speak JSON like every other route.
		jw := &jsonErrorWriter{ResponseWriter: w, req: r}
		s.mux.ServeHTTP(jw, r)
		s.metrics.request("unmatched", jw.status)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Server) maxBody() int64 {
	if s.MaxBodyBytes <= 0 {
		return quench.MaxBodyBytes
	}
	return s.MaxBodyBytes
}

// statusWriter records the status a handler sent, for metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts requests by route pattern and status.
func (s *Server) instrument(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.metrics.request(pattern, sw.status)
		s.logger().DebugContext(r.Context(), "request", "route", pattern, "status", sw.status,
			"duration", time.Since(start), "remote", r.RemoteAddr)
	})
}

// jsonErrorWriter turns the mux's plain-text error answers into JSON.
type jsonErrorWriter struct {
	http.ResponseWriter
	req     *http.Request
	status  int
	swallow bool
}

// noRoutePrefix starts the message of a 404 for a path no route serves, so
// clients can tell a wrong base URL from a missing incident.
const noRoutePrefix = "no such route: "

func (w *jsonErrorWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.swallow = true
	w.ResponseWriter.Header().Del("Content-Length")
	msg := strings.ToLower(http.StatusText(code))
	switch code {
	case http.StatusNotFound:
		msg = noRoutePrefix + w.req.Method + " " + quench.CutText(w.req.URL.Path, 200) +
			" (the API is under /api/v1/, ingest under /ingest/ and /v2/enqueue)"
	case http.StatusMethodNotAllowed:
		msg = "method " + quench.CutText(w.req.Method, 20) + " is not allowed on " + quench.CutText(w.req.URL.Path, 200) +
			"; allowed: " + w.ResponseWriter.Header().Get("Allow")
	}
	writeJSON(w.ResponseWriter, code, errorBody{Error: msg})
}

func (w *jsonErrorWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
