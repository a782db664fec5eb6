package sqldb_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/sqldb"
)

func appendN(t *testing.T, db *sqldb.DB, n int) []*quench.AuditEntry {
	t.Helper()
	s := sqldb.NewAuditService(db)
	var out []*quench.AuditEntry
	for i := range n {
		e, err := s.Append(ctxT(t), quench.AuditEntry{Actor: "alice", Action: "step.run", Subject: fmt.Sprintf("incident/%d", i),
			Data: json.RawMessage(fmt.Sprintf(`{"i": %d}`, i))})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestAuditAppendAndFind(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		s := sqldb.NewAuditService(db)
		es := appendN(t, db, 5)
		for i, e := range es {
			prev := ""
			if i > 0 {
				prev = es[i-1].Hash
			}
			if e.Seq != int64(i+1) || e.PrevHash != prev || e.Hash != e.ComputeHash() || e.Outcome != "ok" || e.At.IsZero() {
				t.Errorf("entry %d: %+v", i, e)
			}
		}
		got := must[[]*quench.AuditEntry](t)(s.FindAuditEntries(ctxT(t), 2, 2))
		if len(got) != 2 || got[0].Seq != 3 || got[1].Seq != 4 {
			t.Fatalf("FindAuditEntries(2, 2) = %+v", got)
		}
		if g, w := got[0], es[2]; g.Hash != w.Hash || !g.At.Equal(w.At) || string(g.Data) != string(w.Data) || g.Subject != w.Subject {
			t.Errorf("read back %+v, appended %+v", g, w)
		}
		if n := must[int64](t)(s.Verify(ctxT(t))); n != 5 {
			t.Errorf("Verify checked %d entries, want 5", n)
		}
		_, err := s.Append(ctxT(t), quench.AuditEntry{Actor: "a", Action: "x", Data: json.RawMessage(`{nope`)})
		wantCode(t, err, quench.EINVALID, "JSON")
		_, err = s.Append(ctxT(t), quench.AuditEntry{Action: "x"})
		wantCode(t, err, quench.EINVALID, "actor")
	})
}

func TestAuditVerifyEmpty(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		if n, err := sqldb.NewAuditService(db).Verify(ctxT(t)); n != 0 || err != nil {
			t.Errorf("Verify on an empty trail: %d, %v", n, err)
		}
	})
}

// stmt is one SQL statement a test runs behind the store's back.
type stmt struct {
	q    string
	args []any
}

// Tampering with the table directly is found, and Verify names the entry.
func TestAuditVerifyFindsTampering(t *testing.T) {
	const insert = `INSERT INTO audit_log (seq, at, actor, action, subject, outcome, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	// forged is a well-formed entry a writer with database access could add.
	forged := func(seq int64, prev string) stmt {
		e := &quench.AuditEntry{Seq: seq, At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "mallory", Action: "token.create",
			Subject: "token/backdoor", Outcome: "ok", PrevHash: prev}
		return stmt{insert, []any{seq, e.At, e.Actor, e.Action, e.Subject, e.Outcome, "", prev, e.ComputeHash()}}
	}
	for _, tt := range []struct {
		name   string
		tamper func(es []*quench.AuditEntry) []stmt
		want   string
	}{
		{"edited actor", func([]*quench.AuditEntry) []stmt {
			return []stmt{{q: `UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`}}
		}, "audit entry 3: hash does not match"},
		{"edited data", func([]*quench.AuditEntry) []stmt {
			return []stmt{{q: `UPDATE audit_log SET data = '{"i": 99}' WHERE seq = 2`}}
		}, "audit entry 2: hash does not match"},
		{"edited time", func(es []*quench.AuditEntry) []stmt {
			return []stmt{{`UPDATE audit_log SET at = $1 WHERE seq = 4`, []any{es[3].At.Add(time.Microsecond)}}}
		}, "audit entry 4: hash does not match"},
		{"edited and rehashed", func(es []*quench.AuditEntry) []stmt {
			e := *es[1]
			e.Actor = "mallory"
			return []stmt{{`UPDATE audit_log SET actor = 'mallory', hash = $1 WHERE seq = 2`, []any{e.ComputeHash()}}}
		}, "audit entry 3: prev_hash does not match"},
		{"deleted middle", func([]*quench.AuditEntry) []stmt {
			return []stmt{{q: `DELETE FROM audit_log WHERE seq = 3`}}
		}, "audit entry 4: expected seq 3"},
		{"deleted first", func([]*quench.AuditEntry) []stmt {
			return []stmt{{q: `DELETE FROM audit_log WHERE seq = 1`}}
		}, "audit entry 2: expected seq 1"},
		{"deleted last", func([]*quench.AuditEntry) []stmt {
			return []stmt{{q: `DELETE FROM audit_log WHERE seq = 5`}}
		}, "audit entry 5: missing"},
		{"deleted and renumbered", func([]*quench.AuditEntry) []stmt {
			return []stmt{{q: `DELETE FROM audit_log WHERE seq = 5`}, {q: `UPDATE audit_log SET seq = 5 WHERE seq = 4`}}
		}, "audit entry 5: expected seq 4"},
		{"inserted at the end", func(es []*quench.AuditEntry) []stmt {
			return []stmt{forged(6, es[4].Hash)}
		}, "audit entry 6: does not match the chain head"},
		{"inserted in place of one", func(es []*quench.AuditEntry) []stmt {
			return []stmt{{q: `DELETE FROM audit_log WHERE seq = 3`}, forged(3, es[1].Hash)}
		}, "audit entry 4: prev_hash does not match"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			each(t, func(t *testing.T, db *sqldb.DB) {
				es := appendN(t, db, 5)
				for _, st := range tt.tamper(es) {
					if _, err := db.ExecRaw(ctxT(t), st.q, st.args...); err != nil {
						t.Fatalf("tamper %q: %v", st.q, err)
					}
				}
				_, err := sqldb.NewAuditService(db).Verify(ctxT(t))
				wantCode(t, err, quench.EINVALID, tt.want)
			})
		})
	}
}

// Every store change appends to the chain in the same transaction, and the
// chain stays valid across them.
func TestAuditCoversStoreChanges(t *testing.T) {
	each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := ctxT(t)
		id := ingest(t, db, trigger("k", quench.SeverityLow))[0].IncidentID
		must[*quench.Incident](t)(sqldb.NewIncidentService(db).Acknowledge(ctx, id, "alice"))
		ingest(t, db, withAction(trigger("k", quench.SeverityLow), quench.ActionResolve))
		cc := sqldb.NewChangeControlService(db)
		if err := cc.SetFrozen(ctx, true, "owner"); err != nil {
			t.Fatal(err)
		}
		g, _, err := cc.CreateGrant(ctx, "db restore", time.Hour, "owner")
		if err != nil {
			t.Fatal(err)
		}
		if err := cc.RevokeGrant(ctx, g.ID, "owner"); err != nil {
			t.Fatal(err)
		}
		must[*quench.Deploy](t)(sqldb.NewDeployService(db).RecordDeploy(ctx, quench.Deploy{Service: "api", SHA: "abc123", Actor: "ci"}))
		var actions []string
		for _, e := range must[[]*quench.AuditEntry](t)(sqldb.NewAuditService(db).FindAuditEntries(ctx, 0, 100)) {
			actions = append(actions, e.Action)
		}
		want := "[incident.open incident.ack incident.resolve freeze.on breakglass.create breakglass.revoke deploy.record]"
		if fmt.Sprint(actions) != want {
			t.Errorf("audit actions %v, want %s", actions, want)
		}
		if n, err := sqldb.NewAuditService(db).Verify(ctx); err != nil || n != 7 {
			t.Errorf("Verify: %d, %v", n, err)
		}
	})
}
