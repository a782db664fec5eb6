package escalate_test

import (
	"context"
	"testing"
	"time"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/escalate"
	"github.com/quench-sh/quench/sqldb"
)

// TestDrillsPageNoOne: an incident a drill opened (source drill, quench
// drill) is not escalated, neither when it opens nor when a restarted
// engine reloads the open incidents; a real incident of the same runbook
// is.
func TestDrillsPageNoOne(t *testing.T) {
	e := newEnv(t, sqldb.DialectSQLite)
	_, err := e.inc.IngestAlerts(e.ctx, []quench.Alert{{Source: quench.SourceDrill, Integration: quench.SourceDrill, DedupKey: "drill-1",
		Action: quench.ActionTrigger, Severity: quench.SeverityCritical, Summary: "Drill #1 of Database Down", RunbookID: "db-down",
		Labels: map[string]string{quench.LabelDrill: "1", quench.LabelDrillBy: "alice"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.advance(time.Hour)
	e.expect("a drill's incident pages no one")

	e.stop()
	e2 := &escalate.Engine{Store: e.eng.Store, Incidents: e.eng.Incidents, Overrides: e.eng.Overrides, Events: e.events,
		Channels: e.eng.Channels, Config: e.eng.Config, Now: e.clk.Now, Runbooks: e.eng.Runbooks}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e2.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	if err := e2.WaitRunning(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e2.Idle(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.expect("nor after a restart's reload")

	if _, err := e.inc.IngestAlerts(e.ctx, []quench.Alert{{Source: quench.SourceGeneric, Integration: "test", DedupKey: "db",
		Action: quench.ActionTrigger, Severity: quench.SeverityCritical, Summary: "db", RunbookID: "db-down"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e2.Idle(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.expect("a real incident pages", "page alice/hook", "page alice/chat")
}
