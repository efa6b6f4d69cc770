package demo

import (
	"context"
	"fmt"
	"io"
	"net"
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
// ended, and for the final ACKs after the last FIN.
const (
	teardownTimeout = 3 * time.Second
	quietPeriod     = 100 * time.Millisecond
)

// CaptureRun plays the scenario like Run while capturing its packets live,
// and hands each packet to w as it arrives. opts.Interface defaults to live.Loopback() ("lo" on Linux);
// only packets to or from the server's port are kept (and of those, only the
// ones opts.Filter keeps, if set). The capture ends once every client's
// connection has begun and both sides of each have sent their FIN (or one
// reset it), and the last ACK has had time to arrive.
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
	if opts.Interface == "" {
		opts.Interface = live.Loopback()
	}
	onPort := live.TCPPort(uint16(ln.Addr().(*net.TCPAddr).Port))
	if userFilter := opts.Filter; userFilter != nil {
		opts.Filter = func(p *capture.Packet) bool { return onPort(p) && userFilter(p) }
	} else {
		opts.Filter = onPort
	}
	h, err := live.Open(opts)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}

	recCtx, stopRecording := context.WithCancel(ctx)
	defer stopRecording()
	recorded := make(chan error, 1)
	go func() {
		_, err := live.Record(recCtx, h, w, live.RecordOptions{
			UntilClose:  true,
			Connections: len(cfg.Names),
			Linger:      quietPeriod,
		})
		recorded <- err
	}()

	t, runErr := run(ctx, cfg, ln)
	if runErr == nil {
		// Wait for the teardown: Record stops by itself once it has seen it.
		timeout := time.NewTimer(teardownTimeout)
		select {
		case err := <-recorded:
			recorded <- err
		case <-timeout.C:
		case <-ctx.Done():
		}
		timeout.Stop()
	} else {
		time.Sleep(quietPeriod) // keep what the failed scenario sent
	}
	stopRecording()
	recErr := <-recorded
	if recErr != nil {
		recErr = fmt.Errorf("demo: %w", recErr)
	}

	if f, ok := w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil && recErr == nil {
			recErr = fmt.Errorf("demo: flush the capture: %w", err)
		}
	}
	if runErr != nil {
		return t, runErr
	}
	return t, recErr
}

// CapturePcapng is CaptureRun writing the capture to w as a pcapng file.
func CapturePcapng(ctx context.Context, cfg Config, opts live.Options, w io.Writer) (*Transcript, error) {
	nw, err := capture.NewNgWriter(w, capture.NgWriterOptions{Application: "wstrace demo"})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return CaptureRun(ctx, cfg, opts, nw)
}
