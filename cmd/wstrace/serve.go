package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render/livepage"
)

// serveFlags are the flags of the live page: --serve and --serve-public.
type serveFlags struct {
	addr   string
	public bool
}

func (s *serveFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&s.addr, "serve", "", "serve a live page at `ADDR` (such as 127.0.0.1:8080) that explains each packet as it is captured")
	fl.BoolVar(&s.public, "serve-public", false, "let --serve listen on an address other machines reach (the page shows the captured traffic)")
}

// liveServer is a live page being served.
type liveServer struct {
	page *livepage.Server
	http *http.Server
	url  string
	// own reports the packets of the page's own connections.
	own func(*capture.Packet) bool
}

// startLive listens and serves the live page. source says what is
// captured.
func startLive(stderr io.Writer, sf serveFlags, f pageFlags, source, expr string) (*liveServer, error) {
	opts, err := f.options(expr)
	if err != nil {
		return nil, err
	}
	ln, err := livepage.Listen(sf.addr, sf.public)
	if err != nil {
		return nil, usageError{err}
	}
	own, err := livepage.OwnTraffic(ln.Addr())
	if err != nil {
		ln.Close()
		return nil, err
	}
	page, err := livepage.New(livepage.Options{Page: opts, Annotate: f.annotateOptions(), Source: source})
	if err != nil {
		ln.Close()
		return nil, err
	}
	l := &liveServer{page: page, own: own, http: &http.Server{Handler: page, ReadHeaderTimeout: 10 * time.Second}}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	l.url = "http://" + net.JoinHostPort(host, port) + "/"
	go l.http.Serve(ln)
	if !livepage.Loopback(hostOf(sf.addr)) {
		fmt.Fprintf(stderr, "wstrace: WARNING: the live page listens on %s: anyone who reaches it sees the captured traffic (secrets are redacted%s)\n",
			ln.Addr(), map[bool]string{true: " only without --no-redact", false: ""}[f.noRedact || !f.redact])
	}
	fmt.Fprintf(stderr, "wstrace: live page at %s (its own traffic is not captured)\n", l.url)
	return l, nil
}

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// finish puts the full page of the capture in pcapPath in place of the
// live page, then serves it until ctx ends (a second Ctrl-C).
func (l *liveServer) finish(ctx context.Context, stderr io.Writer, pcapPath string, f pageFlags) error {
	hf := f
	hf.output, hf.format = "", "html"
	var page bytes.Buffer
	err := renderFile(context.Background(), &page, nil, pcapPath, hf, "")
	l.page.Finish(page.Bytes())
	if err != nil {
		fmt.Fprintf(stderr, "wstrace: the full page: %v\n", err)
	}
	st := l.page.Stats()
	fmt.Fprintf(stderr, "wstrace: the capture ended; %d packets explained live, %d viewers cut off for falling behind\n", st.Packets, st.Cut)
	if st.Skipped > 0 {
		fmt.Fprintf(stderr, "wstrace: %d packets came faster than the live page could explain them and are only on the full page\n", st.Skipped)
	}
	fmt.Fprintf(stderr, "wstrace: the full page stays at %s; Ctrl-C to stop serving\n", l.url)
	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.http.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// untilInterrupt returns a context that ends at the next Ctrl-C (or
// SIGTERM).
func untilInterrupt() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// teeWriter writes each packet to w, and to the live page unless it is the
// page's own.
type teeWriter struct {
	w    interface{ WritePacket(*capture.Packet) error }
	live *liveServer
}

func (t teeWriter) WritePacket(p *capture.Packet) error {
	if !t.live.own(p) {
		t.live.page.Add(p)
	}
	return t.w.WritePacket(p)
}

// Flush flushes w when it can.
func (t teeWriter) Flush() error {
	if f, ok := t.w.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}
