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
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/demo"
	"github.com/wstrace/wstrace/render"
	"math"
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
	if os.Getenv("GOMEMLIMIT") == "" {
		// What wstrace keeps is bounded (streaming analysis, page limits,
		// --max-retained); a soft limit keeps the garbage around it from
		// growing when the machine is busy and the collector falls behind.
		// A run that needs more still gets it.
		debug.SetMemoryLimit(softMemoryLimit)
	}
	os.Exit(run(os.Args[1:]))
}

// softMemoryLimit is the heap size past which the garbage collector works
// harder (GOMEMLIMIT overrides it).
const softMemoryLimit = 64 << 20

// collectNearLimit has the garbage collector wait until the heap nears the
// soft memory limit, rather than run each time the heap doubles, unless
// GOGC says otherwise or no limit is set. The commands that annotate call
// it: they allocate gigabytes of short-lived packets and keep a few
// megabytes, and collecting every few megabytes cost a third of render
// --format json's CPU time. dump, which makes little garbage, keeps the
// usual pacing and tcpdump's order of memory (18 MB on a million packets,
// 68 MB with this).
func collectNearLimit() {
	if os.Getenv("GOGC") == "" && debug.SetMemoryLimit(-1) < math.MaxInt64 {
		debug.SetGCPercent(-1)
	}
}

func run(args []string) int {
	return runWith(args, os.Stdin, os.Stdout, os.Stderr)
}

// runWith runs the command line args with the given standard streams and
// returns the exit status; the tests call it directly.
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ue usageError
	if strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra's own error for a misspelt command: a usage error too.
		fmt.Fprintf(stderr, "wstrace: %s (see 'wstrace --help')\n", strings.TrimSpace(message(err)))
		return exitUsage
	}
	fmt.Fprintf(stderr, "wstrace: %s\n", message(err))
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

// message returns err's text for the user, without the name of the
// package that made it (wstrace's own "wstrace: " prefix is enough).
func message(err error) string {
	msg := err.Error()
	for _, pkg := range []string{"render: ", "annotate: ", "capture: ", "live: ", "demo: ", "filter: ", "wstrace: "} {
		msg = strings.TrimPrefix(msg, pkg)
	}
	return msg
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "wstrace",
		Short:         "Turn TCP and WebSocket captures into tutorial pages",
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// wstrace --version prints what wstrace version does.
	root.SetVersionTemplate("wstrace {{.Version}}\nlive capture: " + live.Backend + "\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
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

// registerCompletions offers the values of the page flags, and of -i, to
// shell completion (wstrace completion bash|zsh|fish|powershell).
func registerCompletions(c *cobra.Command) {
	fixed := func(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return values, cobra.ShellCompDirectiveNoFileComp
		}
	}
	for name, values := range map[string][]string{
		"style":  {"guide", "classic"},
		"lang":   render.Languages(),
		"format": {"md", "html", "json", "text", "pcapng"},
		"color":  {"auto", "always", "never"},
	} {
		if c.Flags().Lookup(name) != nil {
			c.RegisterFlagCompletionFunc(name, fixed(values...))
		}
	}
	if c.Flags().Lookup("interface") != nil {
		c.RegisterFlagCompletionFunc("interface", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			names := []string{"any"}
			if ifaces, err := net.Interfaces(); err == nil {
				for _, i := range ifaces {
					names = append(names, i.Name)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		})
	}
	if c.Flags().Lookup("templates") != nil {
		c.MarkFlagDirname("templates")
	}
}
