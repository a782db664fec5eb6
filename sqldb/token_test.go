package sqldb_test

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

var urlSafe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func TestTokens(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewTokenService(db)
		ctx := ctxT(t)

		ing, ingSecret, err := s.CreateToken(ctx, "alertmanager-prod", quench.RoleIngest)
		if err != nil {
			t.Fatal(err)
		}
		if len(ingSecret) != 32 || !strings.HasPrefix(ingSecret, sqldb.IngestSecretPrefix) || !urlSafe.MatchString(ingSecret) {
			t.Errorf("ingest secret %q: want 32 URL-safe characters starting %s", ingSecret, sqldb.IngestSecretPrefix)
		}
		adm, admSecret, err := s.CreateToken(ctx, "alice", quench.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		if len(admSecret) < 40 || !strings.HasPrefix(admSecret, sqldb.TokenSecretPrefix) || !urlSafe.MatchString(admSecret) {
			t.Errorf("admin secret %q", admSecret)
		}
		if ing.ID == 0 || ing.Role != quench.RoleIngest || adm.Name != "alice" || adm.RevokedAt != nil || adm.CreatedAt.IsZero() {
			t.Errorf("tokens %+v %+v", ing, adm)
		}

		// Only the hash is stored, anywhere.
		hashes := must[[]string](t)(db.QueryStrings(ctx, `SELECT hash FROM tokens ORDER BY id`))
		sum := sha256.Sum256([]byte(ingSecret))
		if hashes[0] != hex.EncodeToString(sum[:]) {
			t.Errorf("stored hash %s is not the SHA-256 of the secret", hashes[0])
		}
		for _, q := range []string{
			`SELECT name || role || hash FROM tokens`,
			`SELECT actor || action || subject || data FROM audit_log`,
		} {
			for _, row := range must[[]string](t)(db.QueryStrings(ctx, q)) {
				if strings.Contains(row, ingSecret) || strings.Contains(row, admSecret) {
					t.Errorf("a secret is stored in clear: %q", row)
				}
			}
		}

		got, err := s.Authenticate(ctx, admSecret)
		if err != nil || got.ID != adm.ID || got.Role != quench.RoleAdmin {
			t.Fatalf("Authenticate: %+v, %v", got, err)
		}
		for _, bad := range []string{"", "qt_nope", admSecret + "x", strings.ToUpper(admSecret)} {
			_, err := s.Authenticate(ctx, bad)
			wantCode(t, err, quench.EUNAUTHORIZED, "")
		}

		_, _, err = s.CreateToken(ctx, "alice", quench.RoleViewer)
		wantCode(t, err, quench.ECONFLICT, `"alice"`)
		for _, tt := range []struct {
			name string
			role quench.TokenRole
		}{{"", quench.RoleAdmin}, {"has space", quench.RoleAdmin}, {"nl\n", quench.RoleAdmin}, {"bob", "root"}, {strings.Repeat("n", 101), quench.RoleViewer}} {
			_, _, err := s.CreateToken(ctx, tt.name, tt.role)
			wantCode(t, err, quench.EINVALID, "")
		}

		if err := s.RevokeToken(ctx, "alice", "admin-bob"); err != nil {
			t.Fatal(err)
		}
		_, err = s.Authenticate(ctx, admSecret)
		wantCode(t, err, quench.EUNAUTHORIZED, "revoked")
		wantCode(t, s.RevokeToken(ctx, "alice", "admin-bob"), quench.ENOTFOUND, "alice")
		wantCode(t, s.RevokeToken(ctx, "nobody", "admin-bob"), quench.ENOTFOUND, "nobody")

		// The name is free again; the old secret stays dead.
		_, again, err := s.CreateToken(ctx, "alice", quench.RoleOwner)
		if err != nil {
			t.Fatal(err)
		}
		if tok := must[*quench.Token](t)(s.Authenticate(ctx, again)); tok.Role != quench.RoleOwner {
			t.Errorf("new alice token role %s", tok.Role)
		}
		all := must[[]*quench.Token](t)(s.FindTokens(ctx))
		if len(all) != 3 || all[1].Name != "alice" || all[1].RevokedAt == nil || all[2].RevokedAt != nil {
			t.Errorf("FindTokens: %d tokens %+v", len(all), all)
		}
		var actions []string
		for _, e := range must[[]*quench.AuditEntry](t)(sqldb.NewAuditService(db).FindAuditEntries(ctx, 0, 0)) {
			actions = append(actions, e.Action+" "+e.Subject)
			if e.Action == "token.revoke" && e.Actor != "admin-bob" {
				t.Errorf("token.revoke audited as %q, want the revoking person admin-bob", e.Actor)
			}
		}
		if strings.Join(actions, ",") != "token.create token/alertmanager-prod,token.create token/alice,token.revoke token/alice,token.create token/alice" {
			t.Errorf("audit %v", actions)
		}
	})
}

func TestSecretsDiffer(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewTokenService(db)
		seen := map[string]bool{}
		for i := range 50 {
			_, secret, err := s.CreateToken(ctxT(t), "t"+strings.Repeat("x", i), quench.RoleIngest)
			if err != nil {
				t.Fatal(err)
			}
			if seen[secret] || len(secret) != 32 {
				t.Fatalf("secret %q repeated or not 32 characters", secret)
			}
			seen[secret] = true
		}
	})
}
