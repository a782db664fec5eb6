package http

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"

	"github.com/quench-sh/quench"
)

// maxSecretBytes bounds a presented secret so a huge header never reaches
// the hash and the database.
const maxSecretBytes = 256

type tokenKey struct{}

// tokenFrom returns the token that authenticated the request; authorize
// puts it there for every route that needs one.
func tokenFrom(ctx context.Context) *quench.Token {
	t, _ := ctx.Value(tokenKey{}).(*quench.Token)
	return t
}

// actor names who did something, for timelines and the audit trail.
func actor(ctx context.Context) string {
	if t := tokenFrom(ctx); t != nil {
		return t.Name
	}
	return "anonymous"
}

// authorize checks the bearer token against the route's least role before
// the handler runs, so no handler reads a body from a stranger.
func (s *Server) authorize(need quench.TokenRole, next http.Handler) http.Handler {
	if need == needNone || need == needRoutingKey {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := checkRole(tok.Role, need); err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok)))
	})
}

// checkRole is the one role check of every route, API and web UI alike:
// nil when a token of role have may do what needs role need.
func checkRole(have, need quench.TokenRole) error {
	if have.Allows(need) {
		return nil
	}
	return forbidden(have, need)
}

func forbidden(have, need quench.TokenRole) error {
	switch {
	case need == quench.RoleIngest:
		return quench.Errorf(quench.EFORBIDDEN, "this route needs an ingest token, not %s token", withArticle(have))
	case have == quench.RoleIngest:
		return quench.Errorf(quench.EFORBIDDEN, "ingest tokens reach only the ingest routes; this route needs %s token or better", withArticle(need))
	}
	return quench.Errorf(quench.EFORBIDDEN, "this route needs %s token or better, not %s token", withArticle(need), withArticle(have))
}

// withArticle puts "a" or "an" before a role's name.
func withArticle(r quench.TokenRole) string {
	switch r {
	case quench.RoleAdmin, quench.RoleOwner, quench.RoleIngest:
		return "an " + string(r)
	}
	return "a " + string(r)
}

// authenticate reads `Authorization: Bearer <secret>` and looks the secret
// up. The secret is never logged or echoed.
func (s *Server) authenticate(r *http.Request) (*quench.Token, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "missing Authorization header; send Authorization: Bearer <token>")
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "the Authorization header must be Bearer <token>")
	}
	return s.lookupToken(r.Context(), strings.TrimSpace(secret))
}

func (s *Server) lookupToken(ctx context.Context, secret string) (*quench.Token, error) {
	if secret == "" || len(secret) > maxSecretBytes {
		return nil, quench.Errorf(quench.EUNAUTHORIZED, "invalid token")
	}
	var key [sha256.Size]byte
	if s.TokenCacheTTL > 0 {
		key = sha256.Sum256([]byte(secret))
		if tok := s.tokens.get(key, s.now()); tok != nil {
			return tok, nil
		}
	}
	tok, err := s.Tokens.Authenticate(ctx, secret)
	if err != nil {
		if quench.ErrorCode(err) == quench.EUNAUTHORIZED {
			// One message for unknown and revoked tokens: the answer must
			// not tell a guesser which secrets once existed.
			return nil, quench.Errorf(quench.EUNAUTHORIZED, "invalid token")
		}
		return nil, err
	}
	if s.TokenCacheTTL > 0 && tok.Role == quench.RoleIngest {
		s.tokens.put(key, tok, s.now().Add(s.TokenCacheTTL))
	}
	return tok, nil
}
