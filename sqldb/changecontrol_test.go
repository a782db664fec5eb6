package sqldb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

func TestFreeze(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewChangeControlService(db)
		ctx := ctxT(t)
		if frozen := must[bool](t)(s.Frozen(ctx)); frozen {
			t.Fatal("frozen before anyone froze")
		}
		for _, on := range []bool{true, true, false} {
			if err := s.SetFrozen(ctx, on, "alice"); err != nil {
				t.Fatal(err)
			}
			if got := must[bool](t)(s.Frozen(ctx)); got != on {
				t.Errorf("Frozen = %v after SetFrozen(%v)", got, on)
			}
		}
		wantCode(t, s.SetFrozen(ctx, true, ""), quench.EINVALID, "actor")
		var actions []string
		for _, e := range must[[]*quench.AuditEntry](t)(sqldb.NewAuditService(db).FindAuditEntries(ctx, 0, 0)) {
			actions = append(actions, e.Action+"/"+e.Actor)
		}
		if strings.Join(actions, " ") != "freeze.on/alice freeze.on/alice freeze.off/alice" {
			t.Errorf("audit %v", actions)
		}
	})
}

func TestBreakGlassGrants(t *testing.T) {
	eachClock(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		s := sqldb.NewChangeControlService(db)
		ctx := ctxT(t)
		for _, tt := range []struct {
			reason string
			ttl    time.Duration
			msg    string
		}{
			{"", time.Hour, "reason"},
			{"   ", time.Hour, "reason"},
			{"restore", 0, "ttl"},
			{"restore", -time.Minute, "ttl"},
			{"restore", quench.MaxBreakGlassTTL + time.Nanosecond, "ttl"},
		} {
			_, _, err := s.CreateGrant(ctx, tt.reason, tt.ttl, "owner")
			wantCode(t, err, quench.EINVALID, tt.msg)
		}
		_, _, err := s.CreateGrant(ctx, "restore", time.Hour, "")
		wantCode(t, err, quench.EINVALID, "actor")

		long, longSecret, err := s.CreateGrant(ctx, "restore db from backup", quench.MaxBreakGlassTTL, "owner")
		if err != nil {
			t.Fatal(err)
		}
		short, shortSecret, err := s.CreateGrant(ctx, "rollback api", 30*time.Minute, "admin")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(shortSecret, sqldb.GrantSecretPrefix) || len(shortSecret) < 40 || shortSecret == longSecret {
			t.Errorf("grant secrets %q %q", shortSecret, longSecret)
		}
		if !long.ExpiresAt.Equal(long.CreatedAt.Add(24*time.Hour)) || long.Reason != "restore db from backup" || long.Actor != "owner" {
			t.Errorf("grant %+v", long)
		}
		if hashes := must[[]string](t)(db.QueryStrings(ctx, `SELECT hash FROM break_glass_grants`)); strings.Contains(strings.Join(hashes, ""), shortSecret) {
			t.Error("grant secret stored in clear")
		}

		got := must[*quench.BreakGlassGrant](t)(s.FindGrantBySecret(ctx, shortSecret))
		if got.ID != short.ID || got.Reason != "rollback api" || !got.Active(clk.Now()) {
			t.Errorf("FindGrantBySecret: %+v", got)
		}
		_, err = s.FindGrantBySecret(ctx, "qb_unknown")
		wantCode(t, err, quench.EUNAUTHORIZED, "")

		// Expiry follows the injected clock, to the instant.
		clk.Add(30*time.Minute - time.Microsecond)
		must[*quench.BreakGlassGrant](t)(s.FindGrantBySecret(ctx, shortSecret))
		clk.Add(time.Microsecond)
		_, err = s.FindGrantBySecret(ctx, shortSecret)
		wantCode(t, err, quench.EFORBIDDEN, "expired")
		must[*quench.BreakGlassGrant](t)(s.FindGrantBySecret(ctx, longSecret))

		if err := s.RevokeGrant(ctx, long.ID, "alice"); err != nil {
			t.Fatal(err)
		}
		_, err = s.FindGrantBySecret(ctx, longSecret)
		wantCode(t, err, quench.EFORBIDDEN, "revoked")
		wantCode(t, s.RevokeGrant(ctx, long.ID, "alice"), quench.ECONFLICT, "already revoked")
		wantCode(t, s.RevokeGrant(ctx, 4242, "alice"), quench.ENOTFOUND, "4242")

		all := must[[]*quench.BreakGlassGrant](t)(s.FindGrants(ctx))
		if len(all) != 2 || all[0].ID != short.ID || all[1].RevokedAt == nil || all[0].RevokedAt != nil {
			t.Errorf("FindGrants (newest first): %+v", all)
		}
	})
}
