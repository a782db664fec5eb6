package quench

import "strings"

// Severity ranks how bad an incident or a runbook's signal is.
type Severity string

// Severities, most severe first.
const (
	SeverityCritical Severity = "critical"
	SeverityHigh     Severity = "high"
	SeverityMedium   Severity = "medium"
	SeverityLow      Severity = "low"
)

// Severities lists every valid severity, most severe first.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow}

// Rank orders severities: 4 for critical down to 1 for low, 0 for anything else.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// Valid reports whether s is one of the four severities.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// Title returns the severity as the runbook index prints it ("Critical").
func (s Severity) Title() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// ParseSeverity maps the words monitoring tools use (PagerDuty's critical,
// error, warning, info; Alertmanager's page, warn, …) onto a Severity. Unknown
// or empty words give def.
func ParseSeverity(word string, def Severity) Severity {
	switch strings.ToLower(strings.TrimSpace(word)) {
	case "critical", "crit", "fatal", "emergency", "alert", "page", "p1", "sev1", "disaster":
		return SeverityCritical
	case "high", "error", "err", "major", "p2", "sev2":
		return SeverityHigh
	case "medium", "warning", "warn", "minor", "average", "p3", "sev3":
		return SeverityMedium
	case "low", "info", "informational", "notice", "debug", "none", "ok", "p4", "p5", "sev4", "sev5":
		return SeverityLow
	}
	return def
}
