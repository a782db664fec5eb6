package quench_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/quench-sh/quench"
)

func TestParseSeverity(t *testing.T) {
	for _, tt := range []struct {
		word string
		want quench.Severity
	}{
		{"critical", quench.SeverityCritical},
		{" PAGE ", quench.SeverityCritical},
		{"error", quench.SeverityHigh},
		{"warning", quench.SeverityMedium},
		{"info", quench.SeverityLow},
		{"", quench.SeverityHigh},
		{"bogus", quench.SeverityHigh},
	} {
		if got := quench.ParseSeverity(tt.word, quench.SeverityHigh); got != tt.want {
			t.Errorf("ParseSeverity(%q) = %s, want %s", tt.word, got, tt.want)
		}
	}
}

func TestSeverityRankAndTitle(t *testing.T) {
	for i := 1; i < len(quench.Severities); i++ {
		if quench.Severities[i-1].Rank() <= quench.Severities[i].Rank() {
			t.Errorf("%s should rank above %s", quench.Severities[i-1], quench.Severities[i])
		}
	}
	if quench.Severity("urgent").Valid() {
		t.Error("unknown severity is valid")
	}
	if got := quench.SeverityCritical.Title(); got != "Critical" {
		t.Errorf("Title() = %q, want Critical", got)
	}
}

func TestTokenRoleAllows(t *testing.T) {
	for _, tt := range []struct {
		have, need quench.TokenRole
		want       bool
	}{
		{quench.RoleIngest, quench.RoleIngest, true},
		{quench.RoleIngest, quench.RoleViewer, false},
		{quench.RoleOwner, quench.RoleIngest, false}, // ingest routes take ingest tokens only
		{quench.RoleViewer, quench.RoleViewer, true},
		{quench.RoleViewer, quench.RoleResponder, false},
		{quench.RoleResponder, quench.RoleViewer, true},
		{quench.RoleAdmin, quench.RoleOwner, false},
		{quench.RoleOwner, quench.RoleAdmin, true},
		{quench.TokenRole("root"), quench.RoleViewer, false},
	} {
		if got := tt.have.Allows(tt.need); got != tt.want {
			t.Errorf("%s.Allows(%s) = %v, want %v", tt.have, tt.need, got, tt.want)
		}
	}
}

func TestClassWorse(t *testing.T) {
	for _, tt := range []struct{ a, b, want quench.Class }{
		{quench.ReadOnly, quench.ReadOnly, quench.ReadOnly},
		{quench.ReadOnly, quench.Mutating, quench.Mutating},
		{quench.Mutating, quench.Unknown, quench.Unknown},
		{quench.Unknown, quench.ReadOnly, quench.Unknown},
	} {
		if got := tt.a.Worse(tt.b); got != tt.want {
			t.Errorf("%s.Worse(%s) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
	if (quench.Step{Class: quench.ReadOnly}).NeedsConfirmation() {
		t.Error("a read-only step without confirm needs no confirmation")
	}
	if !(quench.Step{Class: quench.ReadOnly, Confirm: true}).NeedsConfirmation() {
		t.Error("a step marked confirm needs confirmation whatever its class")
	}
}

func TestErrorVocabulary(t *testing.T) {
	err := fmt.Errorf("sqldb: %w", quench.Errorf(quench.ENOTFOUND, "incident %d not found", 7))
	if quench.ErrorCode(err) != quench.ENOTFOUND || quench.ErrorMessage(err) != "incident 7 not found" {
		t.Errorf("wrapped domain error: code %q message %q", quench.ErrorCode(err), quench.ErrorMessage(err))
	}
	plain := errors.New("connection refused to 10.0.0.1")
	if quench.ErrorCode(plain) != quench.EINTERNAL || quench.ErrorMessage(plain) != "internal error" {
		t.Errorf("plain error must not leak: code %q message %q", quench.ErrorCode(plain), quench.ErrorMessage(plain))
	}
	if quench.ErrorCode(nil) != "" {
		t.Error("nil error has a code")
	}
}

func TestBreakGlassGrantActive(t *testing.T) {
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	g := &quench.BreakGlassGrant{ExpiresAt: now.Add(time.Minute)}
	if !g.Active(now) || g.Active(now.Add(time.Minute)) {
		t.Error("a grant is active strictly before it expires")
	}
	g.RevokedAt = &now
	if g.Active(now) {
		t.Error("a revoked grant is not active")
	}
}

func TestDeployWindow(t *testing.T) {
	opened := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	from, to := quench.DeployWindow(opened)
	if !from.Equal(opened.Add(-quench.DeployLookback)) || !to.After(opened) {
		t.Errorf("DeployWindow(%v) = [%v, %v), want the hour before, the opening instant included", opened, from, to)
	}
}
