package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/filter"
	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/capture/tcpdump"
	"github.com/wstrace/wstrace/internal/outfile"
)

type captureFlags struct {
	iface      string
	write      string
	count      int
	duration   time.Duration
	untilClose bool
	snapLen    int
	follow     bool
	verbose    int
	list       bool
	userFilter bool      // run the filter in user space only (for bench/flood.sh)
	print      dumpFlags // tcpdump's -A, -X, -e, -t ... for printed packets
	page       pageFlags
	serve      serveFlags
}

func newCaptureCommand() *cobra.Command {
	var f captureFlags
	c := &cobra.Command{
		Use:   "capture -i IFACE [flags] [FILTER]",
		Short: "Capture live traffic to pcapng, then explain it",
		Long: `Capture packets from a network interface (lo, any, eth0, ...) in pure Go, without
libpcap. Packets are written to the pcapng file (-w) as they arrive, so an
interrupt (Ctrl-C) or a crash loses nothing already seen. With -o the annotated
page is rendered when the capture stops; without -o or -w, packets are printed as
tcpdump prints them. Capturing needs root or the CAP_NET_RAW capability.`,
		Example: `  sudo wstrace capture -i lo -w chat.pcapng -o chat.html --until-close port 7272
  sudo wstrace capture -i any -c 100 tcp port 8080`,
		Args: positionalArgs(cobra.ArbitraryArgs),
		RunE: func(c *cobra.Command, args []string) error {
			collectNearLimit()
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runCapture(ctx, stop, c.OutOrStdout(), c.ErrOrStderr(), f, strings.Join(args, " "))
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.iface, "interface", "i", "", "capture on `IFACE` (lo, any, eth0, ..., or a number from -D)")
	fl.BoolVarP(&f.list, "list-interfaces", "D", false, "list the interfaces a capture can use, as tcpdump -D does, and exit")
	fl.BoolVar(&f.userFilter, "no-kernel-filter", false, "run the filter in wstrace, not in the kernel")
	_ = fl.MarkHidden("no-kernel-filter")
	fl.StringVarP(&f.write, "write", "w", "", "write packets to the pcapng `FILE` as they arrive")
	fl.IntVarP(&f.count, "count", "c", 0, "stop after `N` packets")
	fl.DurationVar(&f.duration, "duration", 0, "stop after `D` (such as 30s or 5m)")
	fl.BoolVar(&f.untilClose, "until-close", false, "stop once every TCP connection that began has closed")
	fl.IntVarP(&f.snapLen, "snapshot-length", "s", 0, "keep at most `N` bytes of each packet (default 262144)")
	fl.BoolVar(&f.follow, "follow", false, "print each packet's annotation while capturing")
	f.print.registerPrint(fl, "hex-dump")
	fl.CountVarP(&f.verbose, "verbose", "v", "tcpdump's -v: not supported (wstrace prints packets as tcpdump does without -v)")
	f.page.register(fl)
	f.serve.register(fl)
	fl.SortFlags = false
	registerCompletions(c)
	return c
}

// runCapture captures until a stop condition or until ctx is done (an
// interrupt); stop ends the capture's signal handling, so that the page
// rendered after an interrupt can itself be interrupted.
func runCapture(ctx context.Context, stop func(), stdout, stderr io.Writer, f captureFlags, expr string) error {
	if f.list {
		return listDevices(stdout)
	}
	if f.iface == "" {
		return usageError{errors.New("capture needs an interface: -i lo, -i any or -i IFACE")}
	}
	if f.count < 0 || f.duration < 0 || f.snapLen < 0 {
		return usageError{errors.New("-c, --duration and -s must not be negative")}
	}
	match, err := filter.Compile(expr)
	if err != nil {
		return usageError{err}
	}
	if err := f.page.check(); err != nil {
		return err
	}
	if f.serve.addr != "" && f.write == "-" {
		return usageError{errors.New("--serve makes the full page from the packets' file at the end: give -w FILE, or leave -w out")}
	}
	if err := checkOutputs(f.write, f.page.output); err != nil {
		return err
	}
	if f.write == "-" && f.follow {
		return usageError{errors.New("-w - and --follow would both write to standard output: give -w FILE")}
	}
	if f.page.keylog != "" && (f.write == "-" || f.write == "" && (f.page.output == "" || f.page.output == "-")) {
		return usageError{errors.New("--keylog embeds the keys in the pcapng file the capture writes: give -w FILE or -o PAGE")}
	}
	if err := f.checkPrinting(); err != nil {
		return err
	}
	opts := live.Options{Interface: f.iface, SnapLen: f.snapLen}
	switch {
	case expr != "" && f.userFilter:
		opts.Filter = func(p *capture.Packet) bool { return match.MatchPacket(p, nil) }
	case expr != "":
		opts.Expression = match
	}
	var page *liveServer
	if f.serve.addr != "" {
		source := f.iface
		if expr != "" {
			source += ", " + expr
		}
		if page, err = startLive(stderr, f.serve, f.page, source, expr); err != nil {
			return err
		}
		// The page's own traffic is never captured.
		keep := opts.Filter
		opts.Filter = func(p *capture.Packet) bool {
			return !page.own(p) && (keep == nil || keep(p))
		}
	}
	h, err := live.Open(opts)
	if err != nil {
		return err
	}
	where := ""
	if note := h.FilterNote(); note != "" {
		where = ", filter " + note
	}
	fmt.Fprintf(stderr, "wstrace: capturing on %s (%s%s)\n", h.Interface().Name, h.Interface().LinkType, where)

	pcapPath := f.write
	if pcapPath == "" && f.page.output != "" && f.page.output != "-" {
		// Keep the packets beside the page, so that nothing captured is
		// lost, in a file of a fresh name: the user named only the page.
		pcapPath = besidePage(stderr, f.page.output)
	}
	if pcapPath == "" && page != nil {
		// The full page at the end is made from the file.
		tmp, err := os.CreateTemp("", "wstrace-live-*.pcapng")
		if err != nil {
			h.Close()
			return err
		}
		tmp.Close()
		pcapPath = tmp.Name()
		fmt.Fprintf(stderr, "wstrace: writing the packets to %s\n", pcapPath)
	}
	var sink live.PacketWriter = discard{}
	var file *os.File
	switch pcapPath {
	case "":
	case "-":
		// tcpdump's -w -: the pcapng goes to standard output, as it
		// arrives, for a pipe into tshark -r - or tcpdump -r -.
		file, _ = stdout.(*os.File)
		if file == nil {
			h.Close()
			return errors.New("-w -: standard output is not a file")
		}
	default:
		file, err = os.Create(pcapPath)
		if err != nil {
			h.Close()
			return err
		}
		defer file.Close()
	}
	var flush func() error
	if file != nil {
		// Buffered: live.Record flushes whenever the capture has caught up.
		ng, err := capture.NewNgWriter(bufio.NewWriterSize(file, 1<<16), capture.NgWriterOptions{Application: "wstrace " + buildVersion()})
		if err != nil {
			h.Close()
			return fmt.Errorf("%s: %w", pcapPath, err)
		}
		// Write the interface now, so that even a capture that keeps no
		// packet is a file tcpdump reads.
		err = ng.WriteInterface(h.Interface())
		if err == nil {
			err = ng.Flush()
		}
		if err != nil {
			h.Close()
			return fmt.Errorf("%s: %w", pcapPath, err)
		}
		flush = ng.Flush
		sink = ng
		if page != nil {
			sink = teeWriter{w: ng, live: page}
		}
	}

	rec := live.RecordOptions{Count: f.count, Duration: f.duration, UntilClose: f.untilClose, Flush: flush}
	switch {
	case f.follow:
		follower, err := newFollower(stdout, f.page, f.iface)
		if err != nil {
			h.Close()
			return err
		}
		rec.OnPacket = follower.add
	case pcapPath == "":
		printer := tcpdump.NewPrinter(stdout, f.print.printerOptions())
		rec.OnPacket = func(p *capture.Packet) {
			printer.Print(p)
		}
	}
	n, recErr := live.Record(ctx, h, sink, rec)
	var second context.Context
	if page != nil {
		// Ctrl-C ended the capture (or -c, --duration, --until-close did):
		// the next one ends serving the page.
		var stop context.CancelFunc
		second, stop = untilInterrupt()
		defer stop()
	}
	if st, err := h.Stats(); err == nil {
		fmt.Fprintf(stderr, "%d packets captured\n%d packets received by filter\n%d packets dropped by kernel\n", n, st.Received, st.Dropped)
	}
	if file != nil && pcapPath != "-" {
		if err := file.Sync(); err != nil && recErr == nil {
			recErr = err
		}
		fmt.Fprintf(stderr, "wstrace: wrote %d packets to %s\n", n, pcapPath)
	}
	if recErr == nil && file != nil && f.page.keylog != "" {
		secrets, err := f.page.keyLogSecrets()
		if err == nil {
			file.Close()
			err = embedSecrets(pcapPath, secrets)
		}
		if err != nil {
			return fmt.Errorf("%s: embedding the key log: %w", pcapPath, err)
		}
		fmt.Fprintf(stderr, "wstrace: embedded the key log %s in %s\n", f.page.keylog, pcapPath)
		// The page reads the secrets from the file.
		f.page.keylog = ""
	}
	if recErr != nil {
		if page != nil {
			page.http.Close()
		}
		return recErr
	}
	if f.page.output != "" {
		if err := renderAfterCapture(ctx, stop, stdout, stderr, pcapPath, f.page, "wstrace"); err != nil {
			return err
		}
	}
	if page != nil {
		return page.finish(second, stderr, pcapPath, f.page)
	}
	return nil
}

// renderAfterCapture writes the page of a finished capture, saying so when
// an interrupt stopped the capture, and lets another interrupt stop the
// rendering (the pcapng file is complete already).
func renderAfterCapture(ctx context.Context, stop func(), stdout, stderr io.Writer, pcapPath string, f pageFlags, prefix string) error {
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "%s: capture stopped; %s is complete. Writing the page %s (interrupt again to stop)\n", prefix, pcapPath, f.output)
	} else {
		fmt.Fprintf(stderr, "%s: writing the page %s\n", prefix, f.output)
	}
	stop()
	rctx, rstop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer rstop()
	err := renderFile(rctx, stdout, nil, pcapPath, f, "")
	if errors.Is(err, errInterrupted) {
		return fmt.Errorf("%w; the packets are in %s (wstrace render %s)", err, pcapPath, pcapPath)
	}
	return err
}

// checkPrinting says when tcpdump's printing flags cannot apply: they
// shape the packets printed without -w, -o and --follow.
func (f captureFlags) checkPrinting() error {
	if f.verbose > 0 {
		return usageError{errors.New("-v: wstrace prints packets as tcpdump does without -v; the page (-o) is the detailed view")}
	}
	if f.print.times > 5 {
		return usageError{errors.New("-t may be given at most five times (-ttttt)")}
	}
	given := f.print.printing()
	switch {
	case given == "":
	case f.follow:
		return usageError{fmt.Errorf("%s: --follow prints each packet in the page's classic style (a comment, then the packet as tcpdump -A prints it); drop %s", given, given)}
	case f.write != "" || f.page.output != "":
		return usageError{fmt.Errorf("%s: with -w or -o no packet is printed; print them with 'wstrace dump %s FILE' afterwards", given, given)}
	}
	return nil
}

// checkOutputs checks, before anything is captured, that the page (-o)
// can be written and is not the packets' file (-w).
func checkOutputs(write, output string) error {
	if output == "" || output == "-" {
		return nil
	}
	if write == "-" {
		return usageError{errors.New("-w - writes the packets to standard output, but -o needs them in a file to explain them: give -w FILE")}
	}
	if write != "" {
		if filepath.Clean(write) == filepath.Clean(output) {
			return usageError{fmt.Errorf("-w and -o both name %s: the page would replace the packets", output)}
		}
		if err := outfile.Check(output, write); err != nil {
			return usageError{err}
		}
	}
	probe, err := outfile.Create(output)
	if err != nil {
		return err
	}
	probe.Abort()
	return nil
}

// besidePage returns the name of the pcapng file kept beside the page
// output: the page's name with the extension .pcapng, or when that file
// exists (or is the page itself), a fresh name, said on stderr.
func besidePage(stderr io.Writer, output string) string {
	want := strings.TrimSuffix(output, filepath.Ext(output)) + ".pcapng"
	got := outfile.Fresh(want, output)
	if got != want {
		fmt.Fprintf(stderr, "wstrace: %s exists (or is the page); keeping the packets in %s\n", want, got)
	}
	return got
}

// listDevices prints the interfaces a capture can use, numbered as
// tcpdump -D numbers them.
func listDevices(stdout io.Writer) error {
	devs, err := live.Devices()
	if err != nil {
		return err
	}
	for i, d := range devs {
		if _, err := fmt.Fprintf(stdout, "%d.%s\n", i+1, d); err != nil {
			return err
		}
	}
	return nil
}

// discard is a live.PacketWriter that keeps nothing.
type discard struct{}

func (discard) WritePacket(*capture.Packet) error { return nil }
