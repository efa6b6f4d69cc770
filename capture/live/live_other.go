//go:build !linux || 386

package live

import (
	"fmt"
	"io"

	"github.com/wstrace/wstrace/capture"
)

// Handle is an open live capture. On this system none can be opened.
type Handle struct{}

// Open reports that live capture is not supported on this system.
func Open(opts Options) (*Handle, error) {
	return nil, fmt.Errorf("capture on %q: %w", opts.Interface, ErrNotSupported)
}

// Interface describes the interface the capture reads.
func (h *Handle) Interface() *capture.Interface { return nil }

// Next returns io.EOF.
func (h *Handle) Next() (*capture.Packet, error) { return nil, io.EOF }

// Stats returns zero counters.
func (h *Handle) Stats() (Stats, error) { return Stats{}, nil }

// Close does nothing.
func (h *Handle) Close() error { return nil }
