package quench

import (
	"context"
	"time"
)

// SectionTitles are the six level-2 sections every runbook has, in order.
var SectionTitles = []string{
	SectionAlertSignal,
	SectionDiagnosis,
	SectionCauses,
	SectionRemediation,
	SectionRollback,
	SectionEscalation,
}

// The six standard section titles of a runbook.
const (
	SectionAlertSignal = "Alert signal"
	SectionDiagnosis   = "Quick diagnosis"
	SectionCauses      = "Likely causes"
	SectionRemediation = "Safe remediation steps"
	SectionRollback    = "Rollback/restore pointers"
	SectionEscalation  = "Escalation roles"
)

// Runbook is one operational procedure: front matter for machines and the
// six standard sections for people, parsed from one Markdown file.
type Runbook struct {
	ID         string   // equals the file name without .md
	Title      string   // as the index shows it
	Category   string   // the index group ("Infrastructure & Services")
	Severity   Severity // the severity of the signal it answers
	Signal     string   // the index's Alert Signal cell, Markdown allowed
	Match      []Matcher
	Escalation []string // role ids, first contacted first
	Order      int      // row position inside its category in the index; ties go by id

	Path     string    // file the runbook was read from
	Sections []Section // level-2 sections in document order
	Steps    []Step    // every command step, in document order
}

// Matcher is one expression from a runbook's front matter `match` list.
type Matcher struct {
	Expr string
	Line int // line of the expression in the runbook file
}

// Section is one level-2 heading of a runbook and the lines it spans.
type Section struct {
	Title    string
	Line     int    // line of the heading
	Level    int    // heading level (2 for a standard section)
	Markdown string // the section's source text after the heading
}

// StepByName returns the step with that name, or ENOTFOUND.
func (r *Runbook) StepByName(name string) (*Step, error) {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "runbook %s has no step %q", r.ID, name)
}

// StepsIn returns the steps of one section, in order.
func (r *Runbook) StepsIn(section string) []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.Section == section {
			out = append(out, s)
		}
	}
	return out
}

// Class is the safety class of a command: whether running it can change
// anything.
type Class string

// Command classes, from safest to least known.
const (
	ReadOnly Class = "read-only" // only reads; may run without asking
	Mutating Class = "mutating"  // changes something; needs confirmation
	Unknown  Class = "unknown"   // cannot be proven safe; treated as mutating
)

// Worse returns the less safe of two classes.
func (c Class) Worse(o Class) Class {
	if c.rank() >= o.rank() {
		return c
	}
	return o
}

func (c Class) rank() int {
	switch c {
	case ReadOnly:
		return 0
	case Mutating:
		return 1
	}
	return 2
}

// Step is one runnable command block of a runbook.
type Step struct {
	Name    string // stable: the block's "name" attribute or section slug + index
	Section string // title of the section the block is in
	Index   int    // 1-based position among the runbook's steps
	Line    int    // line of the opening fence
	Lang    string // sh, bash or shell
	Title   string // the prose the step belongs to (list item or paragraph before), one line
	Command string // the script, exactly as written
	Confirm bool   // the block's "confirm" attribute (set too by "destructive")
	// Destructive is the block's "destructive" attribute: the step can lose
	// data or cut service for good, so a person must type its name to
	// confirm it in the web UI. It implies Confirm.
	Destructive bool
	Target      string        // where it runs; "" means the default target
	Timeout     time.Duration // 0 means the configured default
	Class       Class         // worst class of its commands
	Reason      string        // why the classifier chose Class
}

// NeedsConfirmation reports whether the step may only run after a person
// confirms it.
func (s Step) NeedsConfirmation() bool { return s.Confirm || s.Class != ReadOnly }

// Role is one row of the escalation matrix.
type Role struct {
	ID          string `json:"id" yaml:"id"`
	Name        string `json:"name" yaml:"name"`
	Scope       string `json:"scope" yaml:"scope"`
	ContactWhen string `json:"contact_when" yaml:"contact_when"`
}

// RunbookService gives read access to the loaded runbook pack.
type RunbookService interface {
	// Runbooks returns every runbook in file order.
	Runbooks(ctx context.Context) ([]*Runbook, error)
	// FindRunbook returns ENOTFOUND when no runbook has that id.
	FindRunbook(ctx context.Context, id string) (*Runbook, error)
}
