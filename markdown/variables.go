package markdown

import (
	"slices"
	"strings"

	"github.com/quench-sh/quench/shell"
)

// Variable is one setting of the pack that differs between installations
// (the API's base URL, the compose project directory, service names …).
// pack.yaml declares it; the config's env sets it; every step gets it as an
// environment variable. Its value is the operator's, never an alert's.
type Variable struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description"`
	// Default is used when the config's env does not set the variable. The
	// shipped pack's defaults point at this machine, so a pack nobody has
	// configured yet never reaches anyone's production.
	Default string `yaml:"default" json:"default"`
	// Example is a value from a real installation (the source document's),
	// shown in the example config's comments.
	Example string `yaml:"example" json:"example,omitempty"`
}

// variableYAML is a variable as pack.yaml writes it; Default is a pointer
// so a missing default is told from an empty one.
type variableYAML struct {
	Name        string  `yaml:"name"`
	Description string  `yaml:"description"`
	Default     *string `yaml:"default"`
	Example     string  `yaml:"example"`
}

// VariableDefaults returns every pack variable with its default value.
func (p *Pack) VariableDefaults() map[string]string {
	out := make(map[string]string, len(p.Variables))
	for _, v := range p.Variables {
		out[v.Name] = v.Default
	}
	return out
}

// reservedVariables are names a pack variable must not take: the shell and
// the programs steps run read them, so setting them would change how every
// step behaves.
var reservedVariables = []string{
	"BASH_ENV", "CDPATH", "ENV", "GLOBIGNORE", "HOME", "HOSTNAME", "IFS", "LANG",
	"LOGNAME", "OLDPWD", "PATH", "PROMPT_COMMAND", "PS1", "PS2", "PS4", "PWD",
	"SHELL", "SHELLOPTS", "BASHOPTS", "TERM", "TMPDIR", "TZ", "USER",
}

// variableNameProblem says what is wrong with a variable's name, or "".
func variableNameProblem(name string) string {
	if name == "" {
		return "has no name"
	}
	for i, c := range name {
		if !(c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return "must be upper-case letters, digits and underscores, starting with a letter"
		}
	}
	switch {
	case strings.HasPrefix(name, "QUENCH_"):
		return "must not start with QUENCH_: quench sets those for every step (the incident, the alert's labels)"
	case slices.Contains(reservedVariables, name), strings.HasPrefix(name, "LC_"), strings.HasPrefix(name, "LD_"), strings.HasPrefix(name, "BASH_"):
		return "is read by the shell or the programs steps run; choose another name"
	}
	return ""
}

// parseVariables checks pack.yaml's variables.
func parseVariables(ys []variableYAML, doc *yamlDoc, ps *problems) []Variable {
	var out []Variable
	for i, y := range ys {
		line := doc.entry("variables", i, 1)
		if msg := variableNameProblem(y.Name); msg != "" {
			ps.add(line, RulePack, "variable %q %s", y.Name, msg)
		} else if slices.IndexFunc(ys, func(x variableYAML) bool { return x.Name == y.Name }) < i {
			ps.add(line, RulePack, "variable %q is declared twice", y.Name)
		}
		if strings.TrimSpace(y.Description) == "" {
			ps.add(line, RulePack, "variable %q has no description: say what it is, for the person who sets it", y.Name)
		}
		v := Variable{Name: y.Name, Description: y.Description, Example: y.Example}
		if y.Default == nil {
			ps.add(line, RulePack, "variable %q has no default: give one that points at this machine (\"\" when there is none)", y.Name)
		} else {
			v.Default = *y.Default
		}
		out = append(out, v)
	}
	return out
}

// classifier classifies the pack's steps with its variables as the
// operator's: the values come from the config, never from an alert.
func (d packData) classifier() shell.Options {
	names := make(map[string]string, len(d.variables))
	for _, v := range d.variables {
		names[v.Name] = v.Default
	}
	return shell.EnvOptions(names)
}
