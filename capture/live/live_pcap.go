//go:build pcap || windows

package live

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"

	"github.com/wstrace/wstrace/capture"
)

// Backend names how this build captures packets.
const Backend = "libpcap through github.com/gopacket/gopacket/pcap" + pcapDLL

// readTimeout is how long a read waits for packets before it looks whether
// the capture was closed.
const readTimeout = 100 * time.Millisecond

// Handle is an open live capture. It is a [capture.Source]: Next returns the
// packets in the order libpcap delivered them.
//
// Next must not be called from more than one goroutine at a time; Close and
// Stats may be called from any goroutine, also while Next is waiting.
type Handle struct {
	iface      *capture.Interface
	filter     func(*capture.Packet) bool
	opts       Options
	kernelOK   bool
	filterNote string

	readMu sync.Mutex // held by Next while it reads, and by Close to close p
	p      *pcap.Handle
	number int
	closed atomic.Bool

	mu    sync.Mutex // guards stats
	stats Stats
}

// Open starts capturing on the interface opts names, through libpcap (Npcap
// on Windows).
func Open(opts Options) (*Handle, error) {
	name := opts.Interface
	if name == "" {
		return nil, fmt.Errorf("live capture: no interface given (see wstrace capture -D)")
	}
	if err := loadPcap(); err != nil {
		return nil, fmt.Errorf("capture on %q: %w", name, err)
	}
	snapLen := opts.SnapLen
	if snapLen <= 0 {
		snapLen = DefaultSnapLen
	}
	device, err := deviceName(name)
	if err != nil {
		return nil, err
	}
	in, err := pcap.NewInactiveHandle(device)
	if err != nil {
		return nil, fmt.Errorf("capture on %q: %w", name, err)
	}
	defer in.CleanUp()
	for _, step := range []struct {
		what string
		err  error
	}{
		{"set the snap length", in.SetSnapLen(snapLen)},
		{"set promiscuous mode", in.SetPromisc(opts.Promiscuous)},
		{"set the read timeout", in.SetTimeout(readTimeout)},
		{"set immediate mode", in.SetImmediateMode(true)},
		{"set the buffer size", in.SetBufferSize(32 << 20)},
	} {
		if step.err != nil {
			return nil, fmt.Errorf("capture on %q: %s: %w", name, step.what, step.err)
		}
	}
	p, err := in.Activate()
	if err != nil {
		msg := strings.ToLower(err.Error())
		if strings.Contains(msg, "permission") || strings.Contains(msg, "not permitted") {
			return nil, permissionError(name, err)
		}
		if strings.Contains(msg, "no such device") || strings.Contains(msg, "doesn't exist") {
			return nil, unknownInterface(name)
		}
		return nil, fmt.Errorf("capture on %q: %w", name, err)
	}
	if name == AnyInterface {
		// As tcpdump does: LINUX_SLL2 names the interface of each packet.
		_ = p.SetLinkType(layers.LinkTypeLinuxSLL2)
	}
	h := &Handle{
		iface:  &capture.Interface{Name: name, LinkType: capture.LinkType(p.LinkType()), SnapLen: uint32(snapLen)},
		filter: opts.Filter,
		opts:   opts,
		p:      p,
	}
	if expr := opts.Expression; expr != nil && expr.String() != "" {
		if err := p.SetBPFFilter(expr.String()); err != nil {
			h.filterNote = "in user space: libpcap did not compile it: " + err.Error()
		} else {
			h.kernelOK = true
			h.filterNote = "in the kernel where the system allows (compiled by " + pcap.Version() + ")"
		}
	}
	return h, nil
}

// Interface describes the interface the capture reads; every packet points to
// it.
func (h *Handle) Interface() *capture.Interface { return h.iface }

// FilterNote says where Options.Expression runs. It is empty without an
// expression.
func (h *Handle) FilterNote() string { return h.filterNote }

// Next waits for the next packet and returns it. After Close it returns
// io.EOF, also to a call that was waiting.
func (h *Handle) Next() (*capture.Packet, error) {
	h.readMu.Lock()
	defer h.readMu.Unlock()
	for {
		if h.closed.Load() || h.p == nil {
			return nil, io.EOF
		}
		data, ci, err := h.p.ReadPacketData()
		switch {
		case errors.Is(err, pcap.NextErrorTimeoutExpired):
			continue
		case errors.Is(err, io.EOF), errors.Is(err, pcap.NextErrorNoMorePackets):
			return nil, io.EOF
		case err != nil:
			if h.closed.Load() {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("capture on %q: %w", h.iface.Name, err)
		}
		p := &capture.Packet{Timestamp: ci.Timestamp, Interface: h.iface, Data: data, Length: max(ci.Length, len(data))}
		if !h.kernelOK && h.opts.Expression != nil && !h.opts.Expression.MatchPacket(p, nil) {
			continue
		}
		if h.filter != nil && !h.filter(p) {
			continue
		}
		h.number++
		p.Number = h.number
		h.mu.Lock()
		h.stats.Captured++
		h.mu.Unlock()
		return p, nil
	}
}

// Stats returns the capture's counters so far: libpcap's "received by
// filter" and "dropped by kernel". After Close it returns the counters as
// they were when the capture closed.
func (h *Handle) Stats() (Stats, error) {
	err := h.pollStats()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed.Load() {
		err = nil
	}
	return h.stats, err
}

func (h *Handle) pollStats() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.p == nil {
		return errors.New("capture closed")
	}
	st, err := h.p.Stats()
	if err != nil {
		return fmt.Errorf("capture on %q: read statistics: %w", h.iface.Name, err)
	}
	h.stats.Received = uint64(st.PacketsReceived)
	h.stats.Dropped = uint64(st.PacketsDropped)
	return nil
}

// Close stops the capture. A Next waiting for a packet returns io.EOF
// within the read timeout. Closing twice is harmless.
func (h *Handle) Close() error {
	if h.closed.Swap(true) {
		return nil
	}
	_ = h.pollStats()
	h.readMu.Lock()
	defer h.readMu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.p.Close()
	h.p = nil
	return nil
}

// Devices lists the interfaces libpcap can capture on, in its order, as
// tcpdump -D does.
func Devices() ([]Device, error) {
	if err := loadPcap(); err != nil {
		return nil, err
	}
	ifs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, fmt.Errorf("list capture devices: %w", err)
	}
	devs := make([]Device, 0, len(ifs))
	for _, ifc := range ifs {
		devs = append(devs, Device{Name: ifc.Name, Description: ifc.Description, Flags: ifc.Flags})
	}
	return devs, nil
}

// Queued reports whether a packet is known to wait for Next; libpcap does
// not tell, so it reports false.
func (h *Handle) Queued() bool { return false }
