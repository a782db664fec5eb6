package quench_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

// The canonical encoding is a contract: a chain exported today must verify
// with tomorrow's code. This pins it.
func TestAuditEntryHashIsStable(t *testing.T) {
	e := &quench.AuditEntry{
		Seq: 7, At: time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.FixedZone("X", 3600)),
		Actor: "alice", Action: "step.run", Subject: "incident/3", Outcome: "ok",
		Data: json.RawMessage(`{"cmd":"docker compose restart db"}`), PrevHash: "abc",
	}
	// Computed independently: for each field, len ":" bytes "\n", SHA-256.
	const want = "8c00057eb88e7243ef9d7bb06e7459735c12bcc18c9fe85afa5b39cba5396ab2"
	got := e.ComputeHash()
	if len(got) != 64 {
		t.Fatalf("hash %q is not hex SHA-256", got)
	}
	if got != want {
		t.Errorf("ComputeHash = %s, want %s (the canonical encoding changed)", got, want)
	}
	// Every field is covered: changing any one changes the hash.
	for name, edit := range map[string]func(e *quench.AuditEntry){
		"seq":       func(e *quench.AuditEntry) { e.Seq++ },
		"at":        func(e *quench.AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"actor":     func(e *quench.AuditEntry) { e.Actor = "mallory" },
		"action":    func(e *quench.AuditEntry) { e.Action = "step.skip" },
		"subject":   func(e *quench.AuditEntry) { e.Subject = "incident/4" },
		"outcome":   func(e *quench.AuditEntry) { e.Outcome = "failed" },
		"data":      func(e *quench.AuditEntry) { e.Data = json.RawMessage(`{}`) },
		"prev_hash": func(e *quench.AuditEntry) { e.PrevHash = "abd" },
		"boundary":  func(e *quench.AuditEntry) { e.Actor, e.Action = "alices", "tep.run" },
	} {
		c := *e
		edit(&c)
		if c.ComputeHash() == got {
			t.Errorf("changing %s leaves the hash unchanged", name)
		}
	}
}
