//go:build pcap && !windows

package live

// pcapDLL completes Backend: on Unix libpcap is linked with cgo.
const pcapDLL = " (cgo, the system's libpcap)"

// loadPcap does nothing: libpcap is linked in.
func loadPcap() error { return nil }
