package sqldb_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

func TestSessions(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		ctx := ctxT(t)
		tokens := sqldb.NewTokenService(db)
		s := sqldb.NewSessionService(db)
		alice := must[*quench.Token](t)(func() (*quench.Token, error) {
			tok, _, err := tokens.CreateToken(ctx, "alice", quench.RoleResponder)
			return tok, err
		}())
		ing, _, err := tokens.CreateToken(ctx, "am", quench.RoleIngest)
		if err != nil {
			t.Fatal(err)
		}

		sess, secret, err := s.CreateSession(ctx, alice.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, sqldb.SessionSecretPrefix) || len(secret) < 40 || !urlSafe.MatchString(secret) {
			t.Errorf("session secret %q", secret)
		}
		if sess.Token.Name != "alice" || sess.Token.Role != quench.RoleResponder || !sess.ExpiresAt.Equal(clk.Now().Add(time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("session %+v", sess)
		}
		got, err := s.FindSessionBySecret(ctx, secret)
		if err != nil || got.ID != sess.ID || got.Token.ID != alice.ID || got.Token.Role != quench.RoleResponder {
			t.Fatalf("find: %+v, %v", got, err)
		}
		// The secret is never stored, not even in the audit trail.
		for _, q := range []string{`SELECT hash FROM sessions`, `SELECT actor || action || subject || data FROM audit_log`} {
			for _, row := range must[[]string](t)(db.QueryStrings(ctx, q)) {
				if strings.Contains(row, secret) {
					t.Errorf("%s holds the session secret", q)
				}
			}
		}
		actions := must[[]string](t)(db.QueryStrings(ctx, `SELECT actor || ' ' || action FROM audit_log WHERE action LIKE 'session.%' ORDER BY seq`))
		if len(actions) != 1 || actions[0] != "alice session.create" {
			t.Errorf("audit after create: %q", actions)
		}

		wantCode(t, must2(s.FindSessionBySecret(ctx, secret+"x")), quench.EUNAUTHORIZED, "")
		wantCode(t, must2(s.FindSessionBySecret(ctx, "")), quench.EUNAUTHORIZED, "")

		// Bad lifetimes and tokens that cannot sign in.
		for _, ttl := range []time.Duration{0, -time.Second, quench.MaxSessionTTL + time.Second} {
			_, _, err := s.CreateSession(ctx, alice.ID, ttl)
			wantCode(t, err, quench.EINVALID, "lifetime")
		}
		_, _, err = s.CreateSession(ctx, ing.ID, time.Hour)
		wantCode(t, err, quench.EINVALID, "cannot sign in")
		_, _, err = s.CreateSession(ctx, 9999, time.Hour)
		wantCode(t, err, quench.ENOTFOUND, "")

		// Expiry: valid until the instant it expires.
		clk.Add(time.Hour - time.Second)
		if _, err := s.FindSessionBySecret(ctx, secret); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		clk.Add(time.Second)
		wantCode(t, must2(s.FindSessionBySecret(ctx, secret)), quench.EUNAUTHORIZED, "")

		// Sign-out ends it at once, and twice is no error.
		_, second, err := s.CreateSession(ctx, alice.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		sess2, err := s.FindSessionBySecret(ctx, second)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.EndSession(ctx, sess2.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.EndSession(ctx, sess2.ID); err != nil {
			t.Fatalf("ending twice: %v", err)
		}
		wantCode(t, must2(s.FindSessionBySecret(ctx, second)), quench.EUNAUTHORIZED, "")

		// Revoking the token ends every session it made.
		_, third, err := s.CreateSession(ctx, alice.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := tokens.RevokeToken(ctx, "alice", "test-admin"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, must2(s.FindSessionBySecret(ctx, third)), quench.EUNAUTHORIZED, "")
		_, _, err = s.CreateSession(ctx, alice.ID, time.Hour)
		wantCode(t, err, quench.ENOTFOUND, "")

		actions = must[[]string](t)(db.QueryStrings(ctx, `SELECT actor || ' ' || action FROM audit_log WHERE action LIKE 'session.%' ORDER BY seq`))
		want := []string{"alice session.create", "alice session.create", "alice session.end", "alice session.create"}
		if strings.Join(actions, ",") != strings.Join(want, ",") {
			t.Errorf("audit: %q, want %q", actions, want)
		}
		if _, err := sqldb.NewAuditService(db).Verify(ctx); err != nil {
			t.Errorf("audit chain: %v", err)
		}
	})
}

// must2 keeps the error of a two-value call.
func must2[T any](_ T, err error) error { return err }

// TestSigningKey checks the key is created once and shared by every
// service over the same database.
func TestSigningKey(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := ctxT(t)
		a, err := sqldb.NewSessionService(db).SigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := sqldb.NewSessionService(db).SigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, make([]byte, 32)) {
			t.Fatalf("keys %x and %x: want the same 32 random bytes", a, b)
		}
	})
}
