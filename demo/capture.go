package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/live"
)

// PacketWriter receives the packets of a capture as they arrive; a pcapng
// writer (capture.NgWriter) is one. If it also has a Flush() error method,
// CaptureRun calls it at the end.
type PacketWriter interface {
	WritePacket(*capture.Packet) error
}

// How long CaptureRun waits for the teardown's packets after the scenario
// ended, and for the quiet after them.
const (
	teardownTimeout = 3 * time.Second
	quietPeriod     = 100 * time.Millisecond
)

// CaptureRun plays the scenario like Run while capturing its packets live,
// and hands each packet to w as it arrives. opts.Interface defaults to "lo";
// only packets to or from the server's port are kept (and of those, only the
// ones opts.Filter keeps, if set). The capture ends once both sides of every
// connection have sent their FIN and the last ACK has had time to arrive.
//
// Capturing needs root or CAP_NET_RAW: without, CaptureRun returns an error
// wrapping live.ErrPermission before anything was sent, and CaptureIsolated
// may still work.
func CaptureRun(ctx context.Context, cfg Config, opts live.Options, w PacketWriter) (*Transcript, error) {
	cfg = cfg.withDefaults()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("demo: listen: %w", err)
	}
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	if opts.Interface == "" {
		opts.Interface = "lo"
	}
	userFilter := opts.Filter
	opts.Filter = func(p *capture.Packet) bool {
		h, ok := live.ReadTCP(p)
		return ok && (h.SrcPort == port || h.DstPort == port) && (userFilter == nil || userFilter(p))
	}
	h, err := live.Open(opts)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}

	rec := &recorder{w: w, h: h, wantFINs: 2 * len(cfg.Names), fins: map[[2]uint16]bool{}, changed: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rec.loop()
	}()

	t, runErr := run(ctx, cfg, ln)
	if runErr == nil {
		rec.waitForTeardown(ctx)
	} else {
		time.Sleep(quietPeriod) // keep what the failed scenario sent
	}
	h.Close()
	<-done

	if f, ok := w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil && rec.err == nil {
			rec.err = fmt.Errorf("demo: flush the capture: %w", err)
		}
	}
	if runErr != nil {
		return t, runErr
	}
	return t, rec.err
}

// recorder reads the live capture, passes packets on and watches for the
// connections' FINs.
type recorder struct {
	w        PacketWriter
	h        *live.Handle
	wantFINs int

	mu      sync.Mutex
	fins    map[[2]uint16]bool // directions (source port, destination port) that sent FIN
	last    time.Time          // when the last packet arrived
	err     error
	changed chan struct{}
}

func (r *recorder) loop() {
	for {
		p, err := r.h.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.fail(fmt.Errorf("demo: capture: %w", err))
			}
			return
		}
		if err := r.w.WritePacket(p); err != nil {
			r.fail(fmt.Errorf("demo: write packet %d: %w", p.Number, err))
			return
		}
		r.mu.Lock()
		if tcp, ok := live.ReadTCP(p); ok && tcp.Flags&live.FlagFIN != 0 {
			r.fins[[2]uint16{tcp.SrcPort, tcp.DstPort}] = true
		}
		r.last = time.Now()
		r.mu.Unlock()
		select {
		case r.changed <- struct{}{}:
		default:
		}
	}
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// waitForTeardown waits until every connection's FINs were captured and no
// packet came for quietPeriod (the last ACK), or until teardownTimeout.
func (r *recorder) waitForTeardown(ctx context.Context) {
	deadline := time.NewTimer(teardownTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(quietPeriod / 4)
	defer tick.Stop()
	for {
		r.mu.Lock()
		finished := len(r.fins) >= r.wantFINs && time.Since(r.last) >= quietPeriod
		failed := r.err != nil
		r.mu.Unlock()
		if finished || failed {
			return
		}
		select {
		case <-r.changed:
		case <-tick.C:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// CapturePcapng is CaptureRun writing the capture to w as a pcapng file.
func CapturePcapng(ctx context.Context, cfg Config, opts live.Options, w io.Writer) (*Transcript, error) {
	nw, err := capture.NewNgWriter(w, capture.NgWriterOptions{Application: "wstrace demo"})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return CaptureRun(ctx, cfg, opts, nw)
}
