package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench/markdown"
)

func newIndexCommand() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "index [DIR]",
		Short: "Write the runbook index into DIR/README.md",
		Long: `index regenerates the runbook index of DIR/README.md (default ./runbooks):
per category, in the order pack.yaml lists them, a table of the runbooks with
their title, alert signal and severity, ordered by their "order" field, then id.

Only the text between the lines
  ` + markdown.IndexBegin + `
  ` + markdown.IndexEnd + `
is rewritten; the rest of README.md is kept byte for byte.

With --check nothing is written: a stale index is printed as a unified diff
and the exit status is 1. Runbook problems that would make the index wrong
(missing titles, unknown categories …) also give exit status 1.`,
		Example: `  quench index
  quench index runbooks --check`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := dirArg(args)
			defer collectLate()()
			p, ps, err := markdown.Load(dir)
			if err != nil {
				return dirError(cmd, err)
			}
			stderr := cmd.ErrOrStderr()
			if blockers := markdown.IndexProblems(ps); len(blockers) > 0 {
				for _, b := range blockers {
					fmt.Fprintln(stderr, b)
				}
				fmt.Fprintf(stderr, "quench index: fix %s first\n", plural(len(blockers), "problem"))
				return exitError{1}
			}
			path := filepath.Join(dir, markdown.ReadmeFile)
			current, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintf(stderr, "%s does not exist: create it with a line %s and a line %s where the index belongs\n",
					path, markdown.IndexBegin, markdown.IndexEnd)
				return exitError{1}
			} else if err != nil {
				return err
			}
			want, err := markdown.ReplaceIndex(current, markdown.Index(p))
			if err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", path, err)
				return exitError{1}
			}
			switch {
			case bytes.Equal(current, want):
				fmt.Fprintf(stderr, "%s: index is up to date\n", path)
				return nil
			case check:
				fmt.Fprint(cmd.OutOrStdout(), markdown.Diff(path, current, want))
				fmt.Fprintf(stderr, "%s: index is stale: run quench index %s\n", path, dir)
				return exitError{1}
			}
			if err := writeFileAtomic(path, want); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "%s: index updated\n", path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "do not write; print a diff and exit 1 when the index is stale")
	cmd.SetFlagErrorFunc(usageError)
	return cmd
}

// writeFileAtomic replaces path with data through a rename, keeping the
// file's mode, so an interrupted run never leaves half a README.
func writeFileAtomic(path string, data []byte) error {
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return writeFileAtomicMode(path, data, mode)
}

// writeFileAtomicMode writes path through a temporary file and a rename,
// with the given mode.
func writeFileAtomicMode(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".quench-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
