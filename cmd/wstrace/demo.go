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
	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/demo"
	"github.com/wstrace/wstrace/internal/outfile"
)

type demoFlags struct {
	addr     string
	names    []string
	messages []string
	deflate  bool
	tls      bool
	pause    time.Duration
	iface    string
	write    string
	named    bool // the user gave -w
	page     pageFlags
	serve    serveFlags
}

func newDemoCommand() *cobra.Command {
	var f demoFlags
	c := &cobra.Command{
		Use:   "demo [flags]",
		Short: "Replay the seed tutorial's chat demo under a live capture and explain it",
		Long: `Run the seed tutorial's scenario end to end with no other software: a workerman-chat
server on port 7272 and two scripted browsers (on github.com/coder/websocket) that
log in as "listener" and "mynick"; mynick says "hi, all !" and both leave. The
traffic is captured live on loopback to demo.pcapng (-w), then explained like
'wstrace render' does. Without the right to capture, the demo runs inside a
private user and network namespace where that is allowed.`,
		Example: `  wstrace demo --lang zh-TW -o demo.html
  wstrace demo --deflate --style classic
  wstrace demo --names alice,bob --message "hello" --message "bye" -o chat.md`,
		Args: positionalArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			collectNearLimit()
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			f.named = c.Flags().Changed("write")
			return runDemo(ctx, stop, c.OutOrStdout(), c.ErrOrStderr(), f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.addr, "addr", demo.DefaultAddr, "the chat server's `ADDRESS` (host:port)")
	fl.StringSliceVar(&f.names, "names", []string{"listener", "mynick"}, "the browsers' nicknames, in the order they join; the last one speaks")
	fl.StringArrayVar(&f.messages, "message", []string{"hi, all !"}, "what the last browser says (repeatable)")
	fl.BoolVar(&f.deflate, "deflate", false, "negotiate permessage-deflate and compress every message")
	fl.BoolVar(&f.tls, "tls", false, "chat over wss:// with a certificate made at run time; the browsers' TLS keys go into the pcapng file, so the page decrypts them")
	fl.DurationVar(&f.pause, "pause", 0, "wait between the scenario's steps (default 50ms)")
	fl.StringVarP(&f.iface, "interface", "i", live.Loopback(), "capture on `IFACE`: the loopback interface or any")
	fl.StringVarP(&f.write, "write", "w", "demo.pcapng", "write the capture to `FILE`")
	f.page.register(fl)
	f.serve.register(fl)
	fl.SortFlags = false
	registerCompletions(c)
	return c
}

func runDemo(ctx context.Context, stop func(), stdout, stderr io.Writer, f demoFlags) error {
	if len(f.names) == 0 {
		return usageError{errors.New("--names needs at least one nickname")}
	}
	if err := f.page.check(); err != nil {
		return err
	}
	if f.iface != "lo" && f.iface != "any" {
		return usageError{fmt.Errorf("-i %s: the demo's browsers and server talk over loopback, which %s never sees: give -i lo or -i any", f.iface, f.iface)}
	}
	if f.write == "-" || f.write == "" {
		return usageError{errors.New("the demo explains its capture from the file -w names: give -w FILE")}
	}
	if !f.named {
		// The user did not name the capture file: never overwrite one.
		if fresh := outfile.Fresh(f.write, f.page.output); fresh != f.write {
			fmt.Fprintf(stderr, "wstrace demo: %s exists; writing the capture to %s\n", f.write, fresh)
			f.write = fresh
		}
	}
	if err := checkOutputs(f.write, f.page.output); err != nil {
		return err
	}
	file, err := os.Create(f.write)
	if err != nil {
		return err
	}
	defer file.Close()
	w, err := capture.NewNgWriter(file, capture.NgWriterOptions{
		Application: "wstrace " + buildVersion(),
		Comment:     "wstrace demo: the seed tutorial's workerman-chat scenario",
	})
	if err != nil {
		return fmt.Errorf("%s: %w", f.write, err)
	}
	var sink demo.PacketWriter = w
	var page *liveServer
	if f.serve.addr != "" {
		if page, err = startLive(stderr, f.serve, f.page, "wstrace demo, "+f.iface, ""); err != nil {
			return err
		}
		sink = teeWriter{w: w, live: page}
	}
	cfg := demo.Config{Addr: f.addr, Names: f.names, Messages: f.messages, Deflate: f.deflate, TLS: f.tls, Pause: f.pause}
	fmt.Fprintf(stderr, "wstrace demo: chat server on %s, browsers %s, capturing on %s to %s\n",
		f.addr, strings.Join(f.names, ", "), f.iface, f.write)
	opts := live.Options{Interface: f.iface}
	transcript, err := demo.CaptureRun(ctx, cfg, opts, sink)
	if errors.Is(err, live.ErrPermission) {
		// Say what happens first: this is no failure, the demo runs where
		// it may capture.
		fmt.Fprintf(stderr, "wstrace demo: playing the demo inside a private user and network namespace, where it may capture (this process may not capture on the host: that needs root or CAP_NET_RAW)\n")
		if transcript, err = demo.CaptureIsolated(ctx, cfg, opts, sink); err != nil {
			return fmt.Errorf("%w\n%s", err, live.PermissionHint())
		}
	}
	if err != nil {
		if page != nil {
			page.http.Close()
		}
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	if f.tls {
		// The keys go before the packets, so that the file decrypts by
		// itself in wstrace, tshark and Wireshark.
		if err := embedSecrets(f.write, []capture.Secrets{{Type: capture.SecretsTLSKeyLog, Data: transcript.KeyLog}}); err != nil {
			return fmt.Errorf("%s: embedding the TLS keys: %w", f.write, err)
		}
	}
	if transcript.Addr != "" && transcript.Addr != f.addr {
		fmt.Fprintf(stderr, "wstrace demo: the chat server listened on %s\n", transcript.Addr)
	}
	for _, e := range transcript.Entries {
		verb := "received"
		if e.Sent {
			verb = "sent"
		}
		fmt.Fprintf(stderr, "  %-10s %-8s %s\n", e.Client, verb, e.Text)
	}
	fmt.Fprintf(stderr, "wstrace demo: capture written to %s\n", f.write)
	// With --serve the page is on the web; stdout gets it only when asked
	// with -o.
	if f.page.output == "" && page == nil {
		stop()
		if err := renderFile(context.Background(), stdout, nil, f.write, f.page, ""); err != nil {
			return err
		}
	} else if f.page.output != "" {
		if err := renderAfterCapture(ctx, stop, stdout, stderr, f.write, f.page, "wstrace demo"); err != nil {
			return err
		}
	}
	if f.page.output != "" {
		fmt.Fprintf(stderr, "wstrace demo: page written to %s\n", f.page.output)
	}
	if page != nil {
		second, stopServing := untilInterrupt()
		defer stopServing()
		return page.finish(second, stderr, f.write, f.page)
	}
	return nil
}
