package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench"
	"github.com/quench-sh/quench/markdown"
)

func newShowCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Print a runbook with its steps numbered and classified",
		Long: `show prints the runbook ID from the pack in --runbooks (default ./runbooks):
its title, severity, signal and escalation roles, then each section's text
with every step numbered and marked with its name, its class (read-only,
MUTATING or UNKNOWN, with the classifier's reason), whether it asks for
confirmation, and its commands indented.`,
		Example: `  quench show db-down
  quench show backup-stale --runbooks ./runbooks`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, ps, err := markdown.Load(dir)
			if err != nil {
				return dirError(cmd, err)
			}
			rb, err := p.Runbook(args[0])
			if err != nil {
				return err
			}
			src, err := os.ReadFile(rb.Path)
			if err != nil {
				return err
			}
			if err := renderRunbook(cmd.OutOrStdout(), p, rb, src); err != nil {
				return err
			}
			n := 0
			for _, pr := range ps {
				if pr.Path == rb.Path {
					n++
				}
			}
			if n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s has %s: run quench lint %s\n", rb.Path, plural(n, "lint problem"), dir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "runbooks", defaultRunbooks, "the runbook pack directory")
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

// renderRunbook prints a runbook for a terminal. Section text is printed
// from the file as written; each step's fenced block is replaced by the
// step's number, name, class and indented commands.
func renderRunbook(w io.Writer, p *markdown.Pack, rb *quench.Runbook, src []byte) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", rb.Title, rb.ID)
	field := func(name, value string) { fmt.Fprintf(&b, "  %-11s %s\n", name, value) }
	field("severity", rb.Severity.Title())
	field("category", rb.Category)
	field("signal", rb.Signal)
	for i, id := range rb.Escalation {
		label := ""
		if i == 0 {
			label = "escalation"
		}
		name := "(not in pack.yaml)"
		if r, ok := p.Role(id); ok {
			name = r.Name
		}
		field(label, fmt.Sprintf("%d. %s [%s]", i+1, name, id))
	}
	field("file", rb.Path)

	// Steps are numbered as `quench run` numbers an incident's steps: the
	// pack's first steps come first, then the runbook's own.
	offset := len(p.FirstSteps)
	if offset > 0 {
		fmt.Fprintf(&b, "\n## First steps (pack.yaml, run for every incident before this runbook's)\n\n")
		for _, s := range p.FirstSteps {
			b.WriteString(strings.Join(renderStep("", s, s.Index), "\n"))
			b.WriteString("\n")
		}
	}

	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	steps := map[int]quench.Step{}
	for _, s := range rb.Steps {
		steps[s.Line] = s
	}
	for i, sec := range rb.Sections {
		end := len(lines)
		if i+1 < len(rb.Sections) {
			end = rb.Sections[i+1].Line - 1
		}
		fmt.Fprintf(&b, "\n## %s\n\n", sec.Title)
		var body []string
		for n := sec.Line + 1; n <= end && n <= len(lines); n++ {
			line := lines[n-1]
			if n == sec.Line+1 && isUnderline(line) {
				continue
			}
			s, ok := steps[n]
			if !ok {
				body = append(body, line)
				continue
			}
			indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			body = append(body, renderStep(indent, s, offset+s.Index)...)
			n += strings.Count(s.Command, "\n") + 1
			if s.Command == "" {
				n--
			}
			if n+1 <= len(lines) && isFence(lines[n]) {
				n++
			}
		}
		b.WriteString(strings.Trim(strings.Join(body, "\n"), "\n"))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// renderStep formats one step: a header with its number in the incident's
// step list and the commands indented beneath it.
func renderStep(indent string, s quench.Step, number int) []string {
	class := map[quench.Class]string{quench.ReadOnly: "read-only", quench.Mutating: "MUTATING", quench.Unknown: "UNKNOWN"}[s.Class]
	if class == "" {
		class = strings.ToUpper(string(s.Class))
	}
	head := fmt.Sprintf("%s%d. %s  %s", indent, number, s.Name, class)
	if s.Reason != "" {
		head += " (" + s.Reason + ")"
	}
	if s.Confirm {
		head += "  [confirm]"
	}
	if s.Target != "" {
		head += "  on " + s.Target
	}
	if s.Timeout > 0 {
		head += "  timeout " + s.Timeout.String()
	}
	out := []string{head}
	for _, l := range strings.Split(s.Command, "\n") {
		out = append(out, indent+"      "+l)
	}
	return out
}

// isFence reports whether a line closes a fenced code block.
func isFence(line string) bool {
	t := strings.TrimSpace(line)
	return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
}

// isUnderline reports whether a line is a setext heading's underline.
func isUnderline(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && strings.Trim(t, "-") == "" || t != "" && strings.Trim(t, "=") == ""
}
