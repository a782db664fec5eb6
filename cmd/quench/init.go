package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench/markdown"
	"github.com/quench-sh/quench/runbooks"
)

// initConfigName is the config file `quench init` writes.
const initConfigName = "quench.yaml"

func newInitCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write the reference runbook pack and a config to edit",
		Long: `init writes, into DIR (default the current directory), the reference
runbook pack built into quench (DIR/runbooks: ten runbooks, pack.yaml and
README.md) and a config to start from (DIR/quench.yaml) whose paths point
at them.

Edit the config's env first: the pack's variables (the API's URL, the
docker compose project directory, service names, where backups are …)
default to this machine, and the comments show a real installation's
values. Then check the pack with quench lint and start the server with
quench serve --config DIR/quench.yaml.

init never overwrites a file that exists unless --force is given; with
--force it replaces the pack's files and the config, and leaves every other
file alone.`,
		Example: `  quench init
  quench init /etc/quench
  quench init --force /etc/quench     # replace the pack and config with this version's`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) > 0 {
				dir = args[0]
			}
			written, err := writeStarter(dir, force)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, f := range written {
				fmt.Fprintln(out, "wrote", f)
			}
			config := filepath.Join(dir, initConfigName)
			fmt.Fprintf(out, "\nNext: set the env section of %s to your installation, then\n  quench lint %s\n  quench serve --config %s\n",
				config, filepath.Join(dir, "runbooks"), config)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace files that exist")
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

// writeStarter writes the embedded pack into dir/runbooks and a config into
// dir, checking first that nothing would be overwritten (unless force), so
// a refusal leaves no half-written pack behind. It returns the paths it
// wrote.
func writeStarter(dir string, force bool) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	pack, err := markdown.LoadPackFS(runbooks.FS(), runbooks.Name)
	if err != nil {
		return nil, fmt.Errorf("the built-in pack does not load: %w", err)
	}
	files := map[string][]byte{}
	err = fs.WalkDir(runbooks.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(runbooks.FS(), p)
		files[filepath.Join(abs, "runbooks", filepath.FromSlash(p))] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	files[filepath.Join(abs, initConfigName)] = []byte(starterConfig(abs, pack))

	var names []string
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	if !force {
		var exist []string
		for _, name := range names {
			if _, err := os.Lstat(name); err == nil {
				exist = append(exist, name)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		if len(exist) > 0 {
			return nil, fmt.Errorf("%s already exists%s: nothing was written; edit it, or run quench init --force to replace it with this version's",
				exist[0], moreFiles(len(exist)-1))
		}
	}
	for _, name := range names {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return nil, err
		}
		mode := os.FileMode(0o644)
		if filepath.Base(name) == initConfigName {
			mode = 0o600 // it will hold secrets
		}
		if err := writeFileAtomicMode(name, files[name], mode); err != nil {
			return nil, err
		}
	}
	return names, nil
}

func moreFiles(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " (and 1 more file)"
	}
	return fmt.Sprintf(" (and %d more files)", n)
}

// starterConfig is the config init writes: absolute paths to the pack and
// a data directory beside it, local defaults, and the pack's variables to
// set.
func starterConfig(dir string, pack *markdown.Pack) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, `# quench serve --config %[1]s
#
# Written by quench init. Every key is optional; quench.example.yaml in the
# quench repository lists them all. ${NAME} takes an environment variable
# (an error when unset); ${NAME:-fallback} gives a fallback.

listen: 127.0.0.1:8080
data: %[2]s
runbooks: %[3]s

diagnosis:
  auto: true                 # run a runbook's Quick diagnosis when an incident opens
  timeout: 30s               # per step, unless the step sets "timeout"

`, yamlScalar(filepath.Join(dir, initConfigName)), yamlScalar(filepath.Join(dir, "quench-data")), yamlScalar(filepath.Join(dir, "runbooks")))
	sb.WriteString(envBlock(pack.Variables))
	sb.WriteString(`
# Given to steps like env, and scrubbed from all output before it is stored,
# shown or logged.
secrets: {}
`)
	return sb.String()
}
