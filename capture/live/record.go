package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// PacketWriter receives the packets a recording keeps, as they arrive.
// *capture.NgWriter is one.
type PacketWriter interface {
	WritePacket(*capture.Packet) error
}

// RecordOptions say when a recording stops and who else sees its packets.
type RecordOptions struct {
	// Count stops the recording after this many packets; 0 means no limit.
	Count int
	// Duration stops the recording after this long; 0 means no limit.
	Duration time.Duration
	// UntilClose stops the recording once every TCP connection that began in
	// it (with a SYN) has ended: a FIN from both sides, or a reset.
	UntilClose bool
	// Connections is how many TCP connections must have begun before
	// UntilClose may stop the recording, for a caller that knows how many
	// to expect; 0 means at least one.
	Connections int
	// Linger is how long UntilClose waits after the last connection ended,
	// for its final ACKs; 0 means 200ms.
	Linger time.Duration
	// Flush, if not nil, flushes w: Record calls it when no packet waits
	// and before it returns.
	Flush func() error
	// OnPacket, if not nil, is called with each packet after it was written.
	OnPacket func(*capture.Packet)
}

// Record reads packets from h and writes each to w as it arrives, until ctx
// is done, a limit in opts is reached, or h is closed. It closes h before it
// returns. It returns how many packets it wrote; packets written before an
// error are kept, and a writer that flushes promptly (as capture.NgWriter
// over a file does) loses none of them to an interrupt.
//
// With opts.Flush set, Record calls it whenever the capture has caught up
// with the packets the kernel queued, and before it returns: under a flood,
// a buffered writer then writes packets in large batches, and otherwise each
// as it arrives.
func Record(ctx context.Context, h *Handle, w PacketWriter, opts RecordOptions) (n int, err error) {
	if opts.Flush != nil {
		defer func() {
			if ferr := opts.Flush(); ferr != nil && err == nil {
				err = fmt.Errorf("writing packets: %w", ferr)
			}
		}()
		w = flushWhenIdle{w, opts.Flush, h}
	}
	var stopOnce sync.Once
	stop := func() { stopOnce.Do(func() { h.Close() }) }
	defer stop()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if opts.Duration > 0 {
		var cancelTimeout context.CancelFunc
		ctx, cancelTimeout = context.WithTimeout(ctx, opts.Duration)
		defer cancelTimeout()
	}
	go func() {
		<-ctx.Done()
		stop()
	}()

	linger := opts.Linger
	if linger <= 0 {
		linger = 200 * time.Millisecond
	}
	conns := connTracker{want: max(opts.Connections, 1)}
	for opts.Count == 0 || n < opts.Count {
		p, err := h.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("live capture on %s: %w", h.Interface().Name, err)
		}
		if err := w.WritePacket(p); err != nil {
			return n, fmt.Errorf("writing packet %d: %w", p.Number, err)
		}
		n++
		if opts.OnPacket != nil {
			opts.OnPacket(p)
		}
		if opts.UntilClose && conns.add(p) {
			time.AfterFunc(linger, stop)
		}
	}
	return n, nil
}

// connTracker follows TCP connections just far enough to tell when all that
// began have ended.
type connTracker struct {
	want  int                    // connections that must begin before the last may end
	open  map[[2]uint16]uint8    // by (lower port, higher port): bit 1 and 2 are a FIN each way
	begun map[[2]uint16]struct{} // every connection that began
}

// add notes the packet and reports whether it ended the last open connection.
func (c *connTracker) add(p *capture.Packet) bool {
	tcp := tcpOf(p)
	if tcp == nil {
		return false
	}
	key, dir := [2]uint16{tcp.SrcPort, tcp.DstPort}, uint8(1)
	if key[0] > key[1] {
		key, dir = [2]uint16{key[1], key[0]}, 2
	}
	if c.open == nil {
		c.open = make(map[[2]uint16]uint8)
		c.begun = make(map[[2]uint16]struct{})
	}
	state, known := c.open[key]
	switch {
	case tcp.Has(decode.SYN) && !tcp.Has(decode.ACK):
		c.open[key] = 0
		c.begun[key] = struct{}{}
		return false
	case !known:
		return false
	case tcp.Has(decode.RST):
		delete(c.open, key)
	case tcp.Has(decode.FIN):
		state |= dir
		if state != 3 {
			c.open[key] = state
			return false
		}
		delete(c.open, key)
	default:
		return false
	}
	return len(c.begun) >= c.want && len(c.open) == 0
}

// flushWhenIdle flushes a writer after a packet when the capture has no
// other packet queued.
type flushWhenIdle struct {
	PacketWriter
	flush func() error
	h     *Handle
}

func (w flushWhenIdle) WritePacket(p *capture.Packet) error {
	if err := w.PacketWriter.WritePacket(p); err != nil {
		return err
	}
	if w.h.Queued() {
		return nil
	}
	return w.flush()
}
