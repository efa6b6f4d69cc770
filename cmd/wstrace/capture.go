package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/capture/filter"
	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/render/tcpdump"
)

type captureFlags struct {
	iface      string
	write      string
	count      int
	duration   time.Duration
	untilClose bool
	snapLen    int
	follow     bool
	ascii      bool
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
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runCapture(ctx, c.OutOrStdout(), c.ErrOrStderr(), f, strings.Join(args, " "))
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.iface, "interface", "i", "", "capture on `IFACE` (lo, any, eth0, ...)")
	fl.StringVarP(&f.write, "write", "w", "", "write packets to the pcapng `FILE` as they arrive")
	fl.IntVarP(&f.count, "count", "c", 0, "stop after `N` packets")
	fl.DurationVar(&f.duration, "duration", 0, "stop after `D` (such as 30s or 5m)")
	fl.BoolVar(&f.untilClose, "until-close", false, "stop once every TCP connection that began has closed")
	fl.IntVarP(&f.snapLen, "snapshot-length", "s", 0, "keep at most `N` bytes of each packet (default 262144)")
	fl.BoolVar(&f.follow, "follow", false, "print each packet's annotation while capturing")
	fl.BoolVarP(&f.ascii, "ascii", "A", false, "with printed packets, add the ASCII dump as tcpdump -A")
	f.page.register(fl)
	f.serve.register(fl)
	return c
}

func runCapture(ctx context.Context, stdout, stderr io.Writer, f captureFlags, expr string) error {
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
	opts := live.Options{Interface: f.iface, SnapLen: f.snapLen}
	if expr != "" {
		opts.Filter = func(p *capture.Packet) bool {
			return match.MatchPacket(p, nil)
		}
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
	fmt.Fprintf(stderr, "wstrace: capturing on %s (%s)\n", f.iface, h.Interface().LinkType)

	pcapPath := f.write
	if pcapPath == "" && f.page.output != "" {
		// Keep the packets beside the page, so that nothing captured is lost.
		pcapPath = strings.TrimSuffix(f.page.output, pathExt(f.page.output)) + ".pcapng"
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
	if pcapPath != "" {
		file, err = os.Create(pcapPath)
		if err != nil {
			h.Close()
			return err
		}
		defer file.Close()
		ng, err := capture.NewNgWriter(file, capture.NgWriterOptions{Application: "wstrace " + buildVersion()})
		if err != nil {
			h.Close()
			return fmt.Errorf("%s: %w", pcapPath, err)
		}
		// Write the interface now, so that even a capture that keeps no
		// packet is a file tcpdump reads.
		if err := ng.WriteInterface(h.Interface()); err != nil {
			h.Close()
			return fmt.Errorf("%s: %w", pcapPath, err)
		}
		sink = ng
		if page != nil {
			sink = teeWriter{w: ng, live: page}
		}
	}

	rec := live.RecordOptions{Count: f.count, Duration: f.duration, UntilClose: f.untilClose}
	switch {
	case f.follow:
		follower, err := newFollower(stdout, f.page, f.iface)
		if err != nil {
			h.Close()
			return err
		}
		rec.OnPacket = follower.add
	case pcapPath == "":
		printer := tcpdump.NewPrinter(stdout, tcpdump.Options{ASCII: f.ascii})
		rec.OnPacket = func(p *capture.Packet) {
			printer.Print(p, decode.Decode(p.LinkType(), p.Data, p.Length))
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
	if file != nil {
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
		if err := renderFile(stdout, nil, pcapPath, f.page, ""); err != nil {
			return err
		}
	}
	if page != nil {
		return page.finish(second, stderr, pcapPath, f.page)
	}
	return nil
}

// discard is a live.PacketWriter that keeps nothing.
type discard struct{}

func (discard) WritePacket(*capture.Packet) error { return nil }
