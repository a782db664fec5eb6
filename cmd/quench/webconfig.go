package main

import (
	"net/netip"
	"strings"
	"time"

	"github.com/quench-sh/quench"
	quenchhttp "github.com/quench-sh/quench/http"
)

// WebConfig is the web UI's section of the config file.
type WebConfig struct {
	// SessionTTL is how long a browser sign-in lasts (default 12h).
	SessionTTL time.Duration `yaml:"session_ttl"`
	// SecureCookies marks the session cookie Secure always: set it when a
	// TLS-terminating proxy does not send X-Forwarded-Proto.
	SecureCookies bool `yaml:"secure_cookies"`
	// TrustedProxies are addresses or CIDR ranges of reverse proxies whose
	// identity and X-Forwarded-Proto headers quench believes.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// ProxyAuth signs people in from the proxy's identity header.
	ProxyAuth ProxyAuthConfig `yaml:"proxy_auth"`
}

// ProxyAuthConfig maps a reverse proxy's identity to quench roles.
type ProxyAuthConfig struct {
	UserHeader   string            `yaml:"user_header"`   // Remote-User (Authelia), X-Forwarded-User (oauth2-proxy)
	GroupsHeader string            `yaml:"groups_header"` // Remote-Groups, X-Forwarded-Groups
	Users        map[string]string `yaml:"users"`         // user name → role
	Groups       map[string]string `yaml:"groups"`        // group → role
	DefaultRole  string            `yaml:"default_role"`  // for anyone else; empty refuses them
}

// validate checks the web section; it runs with Config.Validate, whose
// errors carry the file:line of the key.
func (w *WebConfig) validate() error {
	if w.SessionTTL < 0 || w.SessionTTL > quench.MaxSessionTTL {
		return fieldErrorf("web.session_ttl", "%s: want at most %s", w.SessionTTL, quench.MaxSessionTTL)
	}
	if _, err := w.proxies(); err != nil {
		return err
	}
	pa := w.ProxyAuth
	if pa.UserHeader != "" && len(w.TrustedProxies) == 0 {
		return fieldErrorf("web.proxy_auth.user_header", "needs web.trusted_proxies: the header is believed only from those addresses")
	}
	role := func(key, r string) error {
		if quench.TokenRole(r).Level() == 0 {
			return fieldErrorf(key, "%q: want viewer, responder, admin or owner", r)
		}
		return nil
	}
	for u, r := range pa.Users {
		if err := role("web.proxy_auth.users."+u, r); err != nil {
			return err
		}
	}
	for g, r := range pa.Groups {
		if err := role("web.proxy_auth.groups."+g, r); err != nil {
			return err
		}
	}
	if pa.DefaultRole != "" {
		return role("web.proxy_auth.default_role", pa.DefaultRole)
	}
	return nil
}

// proxies parses trusted_proxies: single addresses or CIDR ranges.
func (w *WebConfig) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range w.TrustedProxies {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fieldErrorf("web.trusted_proxies", "%q: want an address or a CIDR range such as 10.0.0.0/8", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// server returns the HTTP server's web settings; index is the pack's
// runbook index.
func (w *WebConfig) server(index string) quenchhttp.WebConfig {
	proxies, _ := w.proxies() // validated at load
	roles := func(m map[string]string) map[string]quench.TokenRole {
		out := make(map[string]quench.TokenRole, len(m))
		for k, v := range m {
			out[k] = quench.TokenRole(v)
		}
		return out
	}
	return quenchhttp.WebConfig{
		SessionTTL: w.SessionTTL, SecureCookies: w.SecureCookies, TrustedProxies: proxies, RunbookIndex: index,
		Proxy: quenchhttp.ProxyAuth{
			UserHeader: w.ProxyAuth.UserHeader, GroupsHeader: w.ProxyAuth.GroupsHeader,
			Users: roles(w.ProxyAuth.Users), Groups: roles(w.ProxyAuth.Groups), DefaultRole: quench.TokenRole(w.ProxyAuth.DefaultRole),
		},
	}
}
