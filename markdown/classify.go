package markdown

import (
	"errors"
	"strings"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/shell"
)

// classifyScript classifies a step's script with the shell package, the
// pack's variables being the operator's (opts). A script that does not
// parse is unknown, and the error says why.
func classifyScript(opts shell.Options, script string) (quench.Class, string, error) {
	class, reason, err := opts.Classify(script)
	if err != nil {
		return quench.Unknown, reason, shellError(err)
	}
	return class, reason, nil
}

// shellError drops the package prefix: the lint message already says the
// problem is in the step's shell.
func shellError(err error) error {
	return errors.New(strings.TrimPrefix(quench.ErrorMessage(err), "shell: "))
}

// classify sets every step's class and applies the safety rules: diagnosis
// runs without asking, so it must be read-only; remediation and rollback
// steps that may change things must say they need a person's confirmation.
func (b *bodyParser) classify() {
	ps := &b.p.problems
	for i := range b.p.rb.Steps {
		s := &b.p.rb.Steps[i]
		class, reason, invs, err := b.p.opts.ClassifyInvocations(s.Command)
		if err != nil {
			err = shellError(err)
		}
		s.Class, s.Reason = class, reason
		b.p.hazards = append(b.p.hazards, hazards(b.p.rb.Path, *s, invs)...)
		switch {
		case err != nil:
			ps.add(s.Line, RuleStep, "step %q is not valid shell: %v", s.Name, err)
		case class == quench.ReadOnly:
		case s.Section == quench.SectionDiagnosis:
			b.notReadOnly(s)
		case (s.Section == quench.SectionRemediation || s.Section == quench.SectionRollback) && !s.Confirm:
			ps.add(s.Line, RuleConfirm, "step %q is %s and needs {\"confirm\": true}: %s", s.Name, class, reason)
		}
	}
}

// notReadOnly reports each command of a diagnosis step that is not
// read-only, on its own line, so the fix (move it to remediation) is clear.
func (b *bodyParser) notReadOnly(s *quench.Step) {
	ps := &b.p.problems
	cmds, err := b.p.opts.ClassifyEach(s.Command)
	n := 0
	for _, c := range cmds {
		if err == nil && c.Class != quench.ReadOnly {
			ps.add(s.Line+c.Line, RuleReadOnly, "step %q in %s must be read-only, but it is %s: %s", s.Name, quench.SectionDiagnosis, c.Class, c.Reason)
			n++
		}
	}
	if n == 0 {
		ps.add(s.Line, RuleReadOnly, "step %q in %s must be read-only, but it is %s: %s", s.Name, quench.SectionDiagnosis, s.Class, s.Reason)
	}
}
