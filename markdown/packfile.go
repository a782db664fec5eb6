package markdown

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/quench-sh/quench"
)

// packYAML is pack.yaml: the data runbooks refer to.
type packYAML struct {
	Categories []string        `yaml:"categories"`
	Roles      []quench.Role   `yaml:"roles"`
	FirstSteps []firstStepYAML `yaml:"first_steps"`
	Variables  []variableYAML  `yaml:"variables"`
}

type firstStepYAML struct {
	Name    string `yaml:"name"`
	Title   string `yaml:"title"`
	Command string `yaml:"command"`
	Timeout string `yaml:"timeout"`
	Target  string `yaml:"target"`
}

// packData is pack.yaml as loaded; ok is false when it could not be read,
// so checks against it are skipped instead of reporting every reference.
type packData struct {
	ok         bool
	Categories []string
	Roles      []quench.Role
	firstSteps []quench.Step
	variables  []Variable
}

func loadPackFile(from source) (packData, []Problem) {
	path := from.path(PackFile)
	ps := problems{path: path}
	var data packData
	src, err := from.read(PackFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			ps.add(0, RulePack, "does not exist: it lists the index categories, the escalation roles and the first steps")
		} else {
			ps.add(0, RulePack, "%v", err)
		}
		return data, ps.list
	}
	return parsePackFile(path, src)
}

// parsePackFile decodes and checks pack.yaml's content; path is for messages.
func parsePackFile(path string, src []byte) (packData, []Problem) {
	ps := problems{path: path}
	var data packData
	var y packYAML
	doc, line, err := decodeYAML(src, 1, &y)
	if err != nil {
		ps.add(line, RulePack, "%s", err)
		return data, ps.list
	}
	data.ok = true
	data.Categories, data.Roles = y.Categories, y.Roles

	if len(y.Categories) == 0 {
		ps.add(doc.line("categories", 1), RulePack, "categories: list at least one category, in index order")
	}
	for i, c := range y.Categories {
		line := doc.entry("categories", i, 1)
		if strings.TrimSpace(c) == "" {
			ps.add(line, RulePack, "category %d is empty", i+1)
		} else if slices.Index(y.Categories, c) < i {
			ps.add(line, RulePack, "category %q is listed twice", c)
		}
	}
	if len(y.Roles) == 0 {
		ps.add(doc.line("roles", 1), RulePack, "roles: list the escalation matrix's roles")
	}
	for i, r := range y.Roles {
		line := doc.entry("roles", i, 1)
		switch {
		case !validName(r.ID):
			ps.add(line, RulePack, "role id %q must be lowercase letters, digits and dashes", r.ID)
		case slices.IndexFunc(y.Roles, func(x quench.Role) bool { return x.ID == r.ID }) < i:
			ps.add(line, RulePack, "role %q is defined twice", r.ID)
		}
		if strings.TrimSpace(r.Name) == "" {
			ps.add(line, RulePack, "role %q has no name", r.ID)
		}
	}

	data.variables = parseVariables(y.Variables, doc, &ps)

	names := map[string]bool{}
	for i, f := range y.FirstSteps {
		line := doc.entry("first_steps", i, 1)
		s := quench.Step{
			Name: f.Name, Section: SectionFirstSteps, Index: i + 1, Line: line, Lang: "sh",
			Title: f.Title, Command: strings.TrimSuffix(f.Command, "\n"), Target: f.Target,
		}
		switch {
		case !validName(f.Name):
			ps.add(line, RulePack, "first step name %q must be lowercase letters, digits and dashes", f.Name)
		case names[f.Name]:
			ps.add(line, RulePack, "first step %q is defined twice", f.Name)
		}
		names[f.Name] = true
		if strings.TrimSpace(f.Title) == "" {
			ps.add(line, RulePack, "first step %q has no title", f.Name)
		}
		if f.Timeout != "" {
			d, err := time.ParseDuration(f.Timeout)
			if err != nil || d <= 0 {
				ps.add(line, RulePack, "first step %q: timeout %q must be a positive duration such as \"30s\"", f.Name, f.Timeout)
			}
			s.Timeout = d
		}
		if strings.TrimSpace(s.Command) == "" {
			ps.add(line, RulePack, "first step %q has no command", f.Name)
			s.Class, s.Reason = quench.ReadOnly, "empty"
		} else {
			class, reason, err := classifyScript(data.classifier(), s.Command)
			s.Class, s.Reason = class, reason
			switch {
			case err != nil:
				s.Class, s.Reason = quench.Unknown, err.Error()
				ps.add(line, RulePack, "first step %q is not valid shell: %v", f.Name, err)
			case class != quench.ReadOnly:
				ps.add(line, RuleReadOnly, "first step %q must be read-only, but it is %s: %s", f.Name, class, reason)
			}
		}
		data.firstSteps = append(data.firstSteps, s)
	}
	return data, ps.list
}
