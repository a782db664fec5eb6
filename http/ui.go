package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// The web UI: server-rendered pages (html/template, embedded and parsed
// when the server is built), a little JavaScript (vendored htmx and its
// server-sent events extension, and app.js) for live updates and keyboard
// shortcuts. Every page reads without JavaScript and every button is a
// form. Decisions:
//
//   - A person signs in by exchanging a token once for a session cookie
//     (HttpOnly, SameSite=Lax, Secure behind TLS, expiring, ended by
//     revoking the token), or through a trusted reverse proxy's identity
//     header, believed only from configured addresses (ui_auth.go).
//   - UI routes check the same role the API's route for the same action
//     needs, through the same check (checkRole), and call the same services;
//     a page only leaves out what the role may not do.
//   - Every unsafe request carries a form token bound to the session (HMAC
//     with the installation's signing key) and passes net/http's
//     cross-origin check.
//   - Pages send a Content-Security-Policy that allows only the server's
//     own scripts and styles (no inline script), deny framing and sniffing.
//     Alert text is only ever template data, so html/template escapes it.

//go:embed ui/templates/*.html
var uiTemplateFS embed.FS

//go:embed ui/static
var uiStaticFS embed.FS

// WebConfig configures the web UI.
type WebConfig struct {
	// SessionTTL is how long a sign-in lasts; 0 means
	// quench.DefaultSessionTTL.
	SessionTTL time.Duration
	// SecureCookies marks the session cookie Secure on every request, for
	// a TLS-terminating proxy that sends no X-Forwarded-Proto. Without it
	// the cookie is Secure when the request came over TLS, or through a
	// trusted proxy saying X-Forwarded-Proto: https.
	SecureCookies bool
	// TrustedProxies are the addresses whose identity and
	// X-Forwarded-Proto headers are believed.
	TrustedProxies []netip.Prefix
	// Proxy signs people in from a reverse proxy's identity header.
	Proxy ProxyAuth
	// RunbookIndex is the pack's index as its README shows it (Markdown,
	// markdown.Index); the runbooks page renders it.
	RunbookIndex string
}

// ProxyAuth maps a trusted reverse proxy's identity (oauth2-proxy's
// X-Forwarded-User and X-Forwarded-Groups, Authelia's Remote-User and
// Remote-Groups) to a role.
type ProxyAuth struct {
	UserHeader   string // "" turns proxy sign-in off
	GroupsHeader string // comma-separated groups; may be ""
	// Users and Groups give roles by user name and by group; a person
	// gets the highest role any of their names gives.
	Users  map[string]quench.TokenRole
	Groups map[string]quench.TokenRole
	// DefaultRole is the role of a user nothing names; "" refuses them.
	DefaultRole quench.TokenRole
}

// uiState is what the web UI builds once: templates and static assets.
type uiState struct {
	pages   map[string]*template.Template // by page file name
	version string                        // static assets' content hash, for cache busting
	csp     string
	origin  *http.CrossOriginProtection
}

// uiPages are the page templates; each is parsed with the layout and the
// shared partials.
var uiPages = []string{"login", "incidents", "incident", "confirm", "runbooks", "runbook", "audit", "deploys", "oncall", "error", "signals", "silences"}

// contentSecurityPolicy allows the server's own scripts, styles and event
// streams and nothing else: no inline script or style, no framing, forms
// post only here.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// newUIState parses every template and hashes the static assets. A
// template that does not parse fails the server's start.
func newUIState() (*uiState, error) {
	ui := &uiState{pages: map[string]*template.Template{}, csp: contentSecurityPolicy, origin: http.NewCrossOriginProtection()}
	h := sha256.New()
	err := fs.WalkDir(uiStaticFS, "ui/static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := uiStaticFS.ReadFile(p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("http: web UI assets: %w", err)
	}
	ui.version = hex.EncodeToString(h.Sum(nil))[:12]
	for _, name := range uiPages {
		t := template.New(name).Funcs(uiFuncs())
		t, err := t.ParseFS(uiTemplateFS, "ui/templates/layout.html", "ui/templates/parts.html", "ui/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("http: web UI template %s: %w", name, err)
		}
		ui.pages[name] = t
	}
	return ui, nil
}

// buildUI registers the web UI's routes when the server has a session
// store. It runs once, from build.
func (s *Server) buildUI() {
	if s.Sessions == nil {
		return
	}
	if s.ui == nil {
		ui, err := newUIState()
		if err != nil {
			panic(err) // embedded templates; validate reports this before Open listens
		}
		s.ui = ui
	}
	s.uiRoutes = s.uiRouteTable()
	for _, rt := range s.uiRoutes {
		s.mux.Handle(rt.pattern, s.instrument(rt.pattern, s.uiHeaders(s.authorizeBrowser(rt.need, rt.handler))))
	}
	s.mux.Handle("GET /static/", s.instrument("GET /static/", s.uiHeaders(http.HandlerFunc(s.handleStatic))))
}

// needSignedOut marks UI routes anyone may reach: the sign-in page.
const needSignedOut quench.TokenRole = "signed_out"

// uiRouteTable lists the web UI's routes and the least role of each: the
// same role as the API route doing the same thing.
func (s *Server) uiRouteTable() []endpoint {
	return []endpoint{
		{"GET /{$}", quench.RoleViewer, s.handleUIHome},
		{"GET /login", needSignedOut, s.handleLoginPage},
		{"POST /login", needSignedOut, s.handleLogin},
		{"POST /logout", quench.RoleViewer, s.handleLogout},

		{"GET /incidents", quench.RoleViewer, s.handleIncidentsPage},
		{"GET /incidents/live", quench.RoleViewer, s.handleIncidentsLive},
		{"GET /incidents/{id}", quench.RoleViewer, s.handleIncidentPage},
		{"GET /incidents/{id}/live", quench.RoleViewer, s.handleIncidentLive},
		{"POST /incidents/{id}/ack", quench.RoleResponder, s.handleUIAck},
		{"POST /incidents/{id}/resolve", quench.RoleResponder, s.handleUIResolve},
		{"POST /incidents/{id}/notes", quench.RoleResponder, s.handleUINote},
		{"GET /incidents/{id}/steps/{name}/confirm", quench.RoleResponder, s.handleConfirmPage},
		{"POST /incidents/{id}/steps/{name}/run", quench.RoleResponder, s.handleUIRunStep},

		{"POST /incidents/{id}/escalate", quench.RoleResponder, s.handleUIEscalate},
		{"GET /oncall", quench.RoleViewer, s.handleOnCallPage},
		{"GET /signals", quench.RoleViewer, s.handleSignalsPage},
		{"GET /silences", quench.RoleViewer, s.handleSilencesPage},
		{"POST /silences", quench.RoleResponder, s.handleUICreateSilence},
		{"POST /silences/{id}/expire", quench.RoleResponder, s.handleUIExpireSilence},

		{"GET /runbooks", quench.RoleViewer, s.handleRunbooksPage},
		{"GET /runbooks/{id}", quench.RoleViewer, s.handleRunbookPage},
		{"GET /deploys", quench.RoleViewer, s.handleDeploysPage},
		{"POST /deploys", quench.RoleResponder, s.handleUIRecordDeploy},
		{"GET /audit", quench.RoleAdmin, s.handleAuditPage},
	}
}

// uiHeaders sets the security headers of every UI answer.
func (s *Server) uiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.ui.csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// handleStatic serves the embedded assets. Pages link them with the
// content hash in the query, so they may be cached for good.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
	b, err := uiStaticFS.ReadFile("ui/static/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	ctype := "application/octet-stream"
	switch path.Ext(name) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".svg":
		ctype = "image/svg+xml"
	case ".md", ".txt":
		ctype = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	if r.URL.Query().Get("v") == s.ui.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// page is what every page template gets: who is signed in, what they may
// do, the form token and the freeze state.
type page struct {
	Title   string
	Section string // the nav entry to mark current
	Me      *quench.Token
	Proxy   bool // signed in by the reverse proxy: no sign-out here
	CSRF    string
	Frozen  bool
	Error   string // a refusal or failure to show at the top
	Version string // static assets' hash
	Nav     []navItem
}

// navItem is one entry of the top navigation.
type navItem struct {
	Section, Label, Href string
}

// Can reports whether the signed-in person's role allows need: the page
// offers only what the server would accept.
func (p page) Can(need quench.TokenRole) bool {
	return p.Me != nil && checkRole(p.Me.Role, need) == nil
}

// CanRespond and CanAdmin are Can for the roles templates ask about.
func (p page) CanRespond() bool { return p.Can(quench.RoleResponder) }

// CanAdmin reports whether the person may see admin pages (the audit trail).
func (p page) CanAdmin() bool { return p.Can(quench.RoleAdmin) }

// newPage fills the shared part of a page for the request's person.
func (s *Server) newPage(r *http.Request, title, section string) page {
	id := browserFrom(r.Context())
	p := page{Title: title, Section: section, Version: s.ui.version}
	if id != nil {
		p.Me, p.Proxy, p.CSRF = id.token, id.proxy, id.csrf
	}
	if frozen, err := s.ChangeControl.Frozen(r.Context()); err == nil {
		p.Frozen = frozen
	} else {
		s.logger().WarnContext(r.Context(), "freeze state unknown", "err", err)
	}
	p.Nav = s.uiNav(&p)
	return p
}

// uiNav lists the pages the person may open and the server serves.
func (s *Server) uiNav(p *page) []navItem {
	nav := []navItem{{"incidents", "Incidents", "/incidents"}}
	if s.pagingUnavailable() == nil {
		nav = append(nav, navItem{"oncall", "On call", "/oncall"})
	}
	if s.signalsServed() {
		nav = append(nav, navItem{"signals", "Checks", "/signals"})
	}
	if s.Silences != nil {
		nav = append(nav, navItem{"silences", "Silences", "/silences"})
	}
	nav = append(nav, navItem{"runbooks", "Runbooks", "/runbooks"}, navItem{"deploys", "Deploys", "/deploys"})
	if p.CanAdmin() {
		nav = append(nav, navItem{"audit", "Audit", "/audit"})
	}
	return nav
}

// render executes a page (or, with block set, one of its blocks) into a
// buffer first, so a template failure becomes a clean 500, never half a
// page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, block string, data any) {
	t, ok := s.ui.pages[name]
	if !ok {
		s.writeError(w, r, fmt.Errorf("http: no page template %q", name))
		return
	}
	if block == "" {
		block = "layout"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		s.logger().ErrorContext(r.Context(), "render page", "page", name, "block", block, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Encoding")
	body := buf.Bytes()
	if len(body) >= minGzipBytes && acceptsGzip(r) {
		// A list page is mostly repeated markup: gzip makes it a tenth,
		// which is what a phone on a weak network notices.
		var zbuf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zbuf, gzip.BestSpeed)
		_, _ = zw.Write(body)
		if zw.Close() == nil {
			body = zbuf.Bytes()
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// minGzipBytes is the smallest page worth compressing.
const minGzipBytes = 1400

// acceptsGzip reports whether the client takes a gzip-encoded answer.
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// errorPage is the data of the error page.
type errorPage struct {
	page
	Status int
}

// uiError answers a failed UI request with a page saying what went wrong
// and what to do, with the status the API would use.
func (s *Server) uiError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := s.errorStatus(r, err)
	p := s.newPage(r, http.StatusText(status), "")
	p.Error = msg
	s.render(w, r, status, "error", "", errorPage{page: p, Status: status})
}

// seeOther redirects after a successful form post (post/redirect/get).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) handleUIHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/incidents", http.StatusFound)
}

// wantsPage reports whether a request no route serves came from a browser
// navigating (it asks for HTML, and not under the API's or ingest's
// paths), so it gets the web UI's not-found page rather than JSON.
func wantsPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	for _, api := range []string{"/api/", "/ingest/", "/v2/", "/ping/", "/metrics", "/healthz", "/readyz"} {
		if strings.HasPrefix(r.URL.Path, api) {
			return false
		}
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// uiNotFound is the web UI's page for a path it does not have.
func (s *Server) uiNotFound(w http.ResponseWriter, r *http.Request) {
	// Who is asking decides the navigation shown, if anyone is signed in.
	if id, err := s.browserIdentity(r); err == nil {
		r = r.WithContext(context.WithValue(r.Context(), browserKey{}, id))
	}
	s.uiError(w, r, quench.Errorf(quench.ENOTFOUND, "quench has no page at %s", quench.CutText(r.URL.Path, 100)))
}
