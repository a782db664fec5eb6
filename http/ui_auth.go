package http

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// Session cookie names. The __Host- prefix makes the browser refuse the
// cookie unless it is Secure, host-only and for the whole site.
const (
	sessionCookie       = "quench_session"
	secureSessionCookie = "__Host-quench_session"
	csrfField           = "csrf"
)

// browserIdentity is who a browser request is from.
type browserIdentity struct {
	token   *quench.Token
	session *quench.Session // nil when the reverse proxy vouched
	proxy   bool
	csrf    string // the form token every unsafe request must carry
}

type browserKey struct{}

// browserFrom returns the identity authorizeBrowser found, or nil.
func browserFrom(ctx context.Context) *browserIdentity {
	id, _ := ctx.Value(browserKey{}).(*browserIdentity)
	return id
}

// authorizeBrowser is authorize for the web UI: the person comes from the
// session cookie or the trusted proxy's header, the role check is the
// API's (checkRole), and unsafe methods must pass the cross-origin check
// and carry the session's form token. A GET without a sign-in goes to the
// sign-in page; anything else gets the error page.
func (s *Server) authorizeBrowser(need quench.TokenRole, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead
		if unsafe {
			if err := s.ui.origin.Check(r); err != nil {
				s.uiError(w, r, quench.Errorf(quench.EFORBIDDEN, "cross-origin request refused"))
				return
			}
		}
		id, err := s.browserIdentity(r)
		if need == needSignedOut {
			if err == nil {
				r = r.WithContext(context.WithValue(r.Context(), browserKey{}, id))
			}
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			if quench.ErrorCode(err) == quench.EUNAUTHORIZED && r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, "/live") {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.uiError(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), browserKey{}, id)
		ctx = context.WithValue(ctx, tokenKey{}, id.token)
		r = r.WithContext(ctx)
		if err := checkRole(id.token.Role, need); err != nil {
			s.uiError(w, r, err)
			return
		}
		if unsafe {
			// ParseForm reads at most 10 MB; the body limit keeps it small.
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBody())
			if !hmac.Equal([]byte(r.PostFormValue(csrfField)), []byte(id.csrf)) {
				s.uiError(w, r, quench.Errorf(quench.EFORBIDDEN, "the form is out of date or was not sent by quench; reload the page and try again"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// browserIdentity finds the person behind a browser request: first the
// trusted proxy's header, then the session cookie.
func (s *Server) browserIdentity(r *http.Request) (*browserIdentity, error) {
	if id, err, ok := s.proxyIdentity(r); ok {
		return id, err
	}
	c, err := r.Cookie(s.cookieName(r))
	if err != nil || c.Value == "" || len(c.Value) > maxSecretBytes {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "not signed in")
	}
	sess, err := s.Sessions.FindSessionBySecret(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	csrf, err := s.formToken(r.Context(), "session:"+strconv.FormatInt(sess.ID, 10))
	if err != nil {
		return nil, err
	}
	tok := sess.Token
	return &browserIdentity{token: &tok, session: sess, csrf: csrf}, nil
}

// proxyIdentity reads the reverse proxy's identity header when proxy
// sign-in is configured and the request comes from a trusted address. ok
// is false when the proxy has nothing to say about this request.
func (s *Server) proxyIdentity(r *http.Request) (id *browserIdentity, err error, ok bool) {
	pa := s.Web.Proxy
	if pa.UserHeader == "" || !s.fromTrustedProxy(r) {
		return nil, nil, false
	}
	user := strings.TrimSpace(r.Header.Get(pa.UserHeader))
	if user == "" {
		return nil, nil, false
	}
	if len(user) > maxNameBytes {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "the proxy's user name is too long"), true
	}
	role := pa.DefaultRole
	better := func(r quench.TokenRole) {
		if r.Level() > role.Level() {
			role = r
		}
	}
	better(pa.Users[user])
	if pa.GroupsHeader != "" {
		for g := range strings.SplitSeq(r.Header.Get(pa.GroupsHeader), ",") {
			better(pa.Groups[strings.TrimSpace(g)])
		}
	}
	if role.Level() == 0 {
		return nil, quench.Errorf(quench.EFORBIDDEN, "%s is signed in at the proxy but has no quench role; ask an admin to add them to web.proxy_auth", quench.CutText(user, 64)), true
	}
	csrf, err := s.formToken(r.Context(), "proxy:"+user)
	if err != nil {
		return nil, err, true
	}
	return &browserIdentity{token: &quench.Token{Name: user, Role: role}, proxy: true, csrf: csrf}, nil, true
}

// fromTrustedProxy reports whether the request's peer is one of the
// configured proxy addresses.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.Web.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range s.Web.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// secureRequest reports whether the browser reached quench over TLS.
func (s *Server) secureRequest(r *http.Request) bool {
	return s.Web.SecureCookies || r.TLS != nil ||
		(s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

func (s *Server) cookieName(r *http.Request) string {
	if s.secureRequest(r) {
		return secureSessionCookie
	}
	return sessionCookie
}

// formToken derives the form token of a session or proxy user: an HMAC
// with the installation's signing key, so every server sharing the
// database accepts it and nobody without the key can forge one.
func (s *Server) formToken(ctx context.Context, binding string) (string, error) {
	key, err := s.Sessions.SigningKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("quench form token\x00" + binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

func (s *Server) sessionTTL() time.Duration {
	if s.Web.SessionTTL <= 0 {
		return quench.DefaultSessionTTL
	}
	return s.Web.SessionTTL
}

// loginPage is the data of the sign-in page.
type loginPage struct {
	page
	Next string
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if browserFrom(r.Context()) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", "", loginPage{page: s.newPage(r, "Sign in", ""), Next: next})
}

// handleLogin exchanges a person's token for a session cookie. The token
// is checked like a bearer token; ingest tokens cannot sign in.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	next := localPath(r.PostFormValue("next"))
	fail := func(status int, msg string) {
		p := s.newPage(r, "Sign in", "")
		p.Error = msg
		s.render(w, r, status, "login", "", loginPage{page: p, Next: next})
	}
	tok, err := s.lookupToken(r.Context(), strings.TrimSpace(r.PostFormValue("token")))
	if err != nil {
		status, msg := s.errorStatus(r, err)
		if status == http.StatusUnauthorized {
			msg = "That token is not valid: it is unknown, mistyped or revoked. Ask an admin for one (quench token create)."
		}
		fail(status, msg)
		return
	}
	if tok.Role.Level() == 0 {
		fail(http.StatusForbidden, "An ingest token only sends alerts; sign in with a viewer, responder, admin or owner token.")
		return
	}
	sess, secret, err := s.Sessions.CreateSession(r.Context(), tok.ID, s.sessionTTL())
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	secure := s.secureRequest(r)
	name := sessionCookie
	if secure {
		name = secureSessionCookie
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: secret, Path: "/", Expires: sess.ExpiresAt, MaxAge: int(time.Until(sess.ExpiresAt).Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
	s.logger().InfoContext(r.Context(), "signed in", "token", tok.Name, "session", sess.ID)
	seeOther(w, r, next)
}

// handleLogout ends the session and clears the cookie.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	id := browserFrom(r.Context())
	if id.session != nil {
		if err := s.Sessions.EndSession(r.Context(), id.session.ID); err != nil {
			s.uiError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureRequest(r), SameSite: http.SameSiteLaxMode})
	seeOther(w, r, "/login")
}

// localPath keeps a redirect target on this site: a path, not a URL
// (no scheme, no host, no "//" or "/\" that a browser reads as one).
func localPath(p string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/incidents"
	}
	return p
}
