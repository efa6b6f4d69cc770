// Command wstrace turns network captures of TCP and WebSocket traffic into
// tutorial pages: it prints packets exactly as tcpdump does, follows each
// connection through its phases and explains every packet.
//
// Usage:
//
//	wstrace dump [-A|-X] [-S] [-e] [-c N] FILE [FILTER]
//	wstrace render [--format md|html|json|text|pcapng] [-o OUT] FILE [FILTER]
//	wstrace capture -i IFACE [-w OUT.pcapng] [FILTER]
//	wstrace demo [-o demo.html]
//	wstrace version
//
// Exit status: 0 on success, 1 when a capture could not be read to the end
// (everything before the problem is still printed), 2 for a usage error.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/wstrace/wstrace/demo"
)

// Exit codes a script can rely on.
const (
	exitOK    = 0
	exitError = 1 // the input was bad or could not be read to the end
	exitUsage = 2 // the command line was wrong
)

// usageError marks errors in the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	// The demo re-runs this program inside a private network namespace when
	// it may not capture; that child does only the demo's work.
	if demo.IsolatedChild() {
		os.Exit(demo.RunIsolatedChild())
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRootCommand()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(os.Stderr, "wstrace: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "wstrace",
		Short:         "Turn TCP and WebSocket captures into tutorial pages",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see 'wstrace %s --help')", err, c.Name())}
	})
	root.AddCommand(newVersionCommand(), newDumpCommand(), newRenderCommand(), newCaptureCommand(), newDemoCommand())
	return root
}

// positionalArgs wraps a cobra argument check so that its failures count as
// usage errors.
func positionalArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := check(c, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
