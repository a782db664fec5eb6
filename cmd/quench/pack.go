package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/runbooks"
)

// loadServePack loads the pack `quench serve` runs. The default directory
// (./runbooks) falls back to the reference pack built into the binary when
// it does not exist, so quench starts anywhere; a directory the config or
// a flag names must exist.
func loadServePack(dir string, log *slog.Logger) (*markdown.Pack, error) {
	if filepath.Clean(dir) == filepath.Clean(defaultRunbooks) {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			p, err := markdown.LoadPackFS(runbooks.FS(), runbooks.Name)
			if err != nil {
				return nil, err
			}
			log.Warn("no ./runbooks directory here: serving the reference runbook pack built into quench; write it out to edit with quench init",
				"runbooks", len(p.Runbooks))
			return p, nil
		}
	}
	return markdown.LoadPack(dir)
}

// stepEnv is the environment every step gets from the configuration: the
// pack's variables (the config's env value, or the pack's default), then
// every other env entry. The variables the config leaves at their default
// are logged, since a pack pointed at this machine by default diagnoses
// nothing real.
func stepEnv(p *markdown.Pack, env map[string]string, log *slog.Logger) map[string]string {
	out := p.VariableDefaults()
	var unset []string
	for _, v := range p.Variables {
		if _, ok := env[v.Name]; !ok {
			unset = append(unset, v.Name+"="+v.Default)
		}
	}
	maps.Copy(out, env)
	if len(unset) > 0 {
		slices.Sort(unset)
		log.Warn("runbook pack variables not set in the config's env use the pack's defaults, which point at this machine; set them (see quench.example.yaml)",
			"defaults", strings.Join(unset, " "))
	}
	return out
}

// envBlock returns the config's env section for a pack's variables: each
// with its description and the source document's value as comments, set to
// its default. `quench init` writes it, and quench.example.yaml holds it.
func envBlock(vars []markdown.Variable) string {
	var sb strings.Builder
	sb.WriteString("# The runbook pack's variables (pack.yaml), given to every step. The values\n")
	sb.WriteString("# below point at this machine; the comments show the source document's.\n")
	sb.WriteString("env:\n")
	for _, v := range vars {
		fmt.Fprintf(&sb, "  # %s\n", v.Description)
		if v.Example != "" && v.Example != v.Default {
			fmt.Fprintf(&sb, "  # e.g. %s\n", v.Example)
		}
		fmt.Fprintf(&sb, "  %s: %s\n", v.Name, yamlScalar(v.Default))
	}
	return sb.String()
}

// yamlScalar quotes a value when YAML would read it as something other
// than the string it is (a number, a boolean, a comment, a mapping …).
func yamlScalar(s string) string {
	special := s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") ||
		strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.ContainsAny(s, "\n\t")
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		special = true
	}
	if slices.Contains([]string{"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}, strings.ToLower(s)) {
		special = true
	}
	if !special {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
