// Command quench is the quench incident-response server and its command-line
// client. main only wires commands together; each subcommand lives in its
// own file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/quench-sh/quench/sandbox"
)

// exitError carries an exit code through cobra without printing twice.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	// The sandbox child (quench sandbox-exec, started by the server for
	// each read-only step) confines itself and execs the shell before
	// anything else happens.
	sandbox.RunIfChild()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the command shuts down cleanly; restoring
		// the default handlers lets a second Ctrl-C end a shutdown that hangs.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the process exit code. Tests
// call it directly with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "quench:", err)
	return 1
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "quench",
		Short: "Incident response that runs your runbooks",
		Long: `quench turns operational runbooks into working software: alerts open
incidents, incidents pick their runbook, read-only diagnosis runs at once,
remediation is guided and confirmed, and everything is audited.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newVersionCommand(),
		newServeCommand(),
		newTokenCommand(),
		newIncidentsCommand(),
		newIncidentCommand(),
		newAckCommand(),
		newResolveCommand(),
		newNoteCommand(),
		newLintCommand(),
		newClassifyCommand(),
		newIndexCommand(),
		newShowCommand(),
		newRunCommand(),
		newDeployCommand(),
		newFreezeCommand(),
		newBreakGlassCommand(),
		newAuditCommand(),
		newInitCommand(),
		newOnCallCommand(),
		newOverrideCommand(),
		newPageCommand(),
		newEscalateCommand(),
		newNotifyCommand(),
		newDrillCommand(),
		newDrillsCommand(),
		newHeartbeatsCommand(),
		newChecksCommand(),
		newSilenceCommand(),
	)
	return root
}
