//go:build !(linux && !386) && !windows && !pcap

package live

import (
	"fmt"
	"io"
	"runtime"

	"github.com/wstrace/wstrace/capture"
)

// Backend names how this build captures packets: this one cannot.
const Backend = "none (this build cannot capture live; " + otherHint + ")"

// otherHint says which build captures on this system.
const otherHint = "on macOS and BSD build with -tags pcap (cgo and the system's libpcap): go build -tags pcap ./cmd/wstrace"

// Handle is an open live capture. On this system none can be opened.
type Handle struct{}

// Open reports that live capture is not supported by this build.
func Open(opts Options) (*Handle, error) {
	return nil, fmt.Errorf("capture on %q: %w (%s/%s); %s", opts.Interface, ErrNotSupported, runtime.GOOS, runtime.GOARCH, otherHint)
}

// Devices reports that this build cannot capture.
func Devices() ([]Device, error) {
	return nil, fmt.Errorf("list capture devices: %w (%s/%s); %s", ErrNotSupported, runtime.GOOS, runtime.GOARCH, otherHint)
}

// Interface describes the interface the capture reads.
func (h *Handle) Interface() *capture.Interface { return nil }

// FilterNote says where Options.Expression runs.
func (h *Handle) FilterNote() string { return "" }

// Next returns io.EOF.
func (h *Handle) Next() (*capture.Packet, error) { return nil, io.EOF }

// Stats returns zero counters.
func (h *Handle) Stats() (Stats, error) { return Stats{}, nil }

// Close does nothing.
func (h *Handle) Close() error { return nil }

// Queued reports false.
func (h *Handle) Queued() bool { return false }
