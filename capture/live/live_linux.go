//go:build linux && !386

package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/wstrace/wstrace/capture"
)

// Socket options and control messages the standard syscall package does not
// name.
const (
	solPacket        = 263 // SOL_PACKET
	packetAuxdata    = 8   // PACKET_AUXDATA
	packetStatistics = 6   // PACKET_STATISTICS
	packetAddMember  = 1   // PACKET_ADD_MEMBERSHIP
	packetMrPromisc  = 1   // PACKET_MR_PROMISC
	ethPAll          = 0x0003
	tpStatusVLAN     = 0x10 // TP_STATUS_VLAN_VALID
	tpStatusVLANTPID = 0x40 // TP_STATUS_VLAN_TPID_VALID
	ethP8021Q        = 0x8100
	socketBufferSize = 4 << 20
)

// Handle is an open live capture. It is a [capture.Source]: Next returns the
// packets in the order the kernel delivered them.
//
// Next must not be called from more than one goroutine at a time; Close and
// Stats may be called from any goroutine, also while Next is waiting.
type Handle struct {
	iface      *capture.Interface
	filter     func(*capture.Packet) bool
	snapLen    int
	cooked     capture.LinkType // LinkTypeLinuxSLL or LinkTypeLinuxSLL2 when the header is built here, else 0
	headerLen  int              // bytes reserved in front of each packet for that header
	vlanOffset int              // where a stripped VLAN tag goes back, or -1
	loopback   int              // interface index of lo, whose outgoing copies are skipped

	file *os.File
	conn syscall.RawConn
	buf  []byte
	oob  []byte

	number int
	closed atomic.Bool

	mu    sync.Mutex // guards stats
	stats Stats
}

// Open starts capturing on the interface opts names. Packets that cross the
// interface from then on are queued by the kernel until Next reads them.
func Open(opts Options) (*Handle, error) {
	name := opts.Interface
	if name == "" {
		return nil, fmt.Errorf("live capture: no interface given (try %q or %q)", "lo", AnyInterface)
	}
	snapLen := opts.SnapLen
	if snapLen <= 0 {
		snapLen = DefaultSnapLen
	}
	h := &Handle{
		filter:     opts.Filter,
		snapLen:    snapLen,
		vlanOffset: -1,
		oob:        make([]byte, 256),
	}
	if lo, err := net.InterfaceByName("lo"); err == nil {
		h.loopback = lo.Index
	}

	ifindex := 0
	sockType := syscall.SOCK_RAW
	var link capture.LinkType
	if name == AnyInterface {
		sockType = syscall.SOCK_DGRAM
		link = capture.LinkTypeLinuxSLL2
	} else {
		ifc, err := net.InterfaceByName(name)
		if err != nil {
			return nil, unknownInterface(name)
		}
		if ifc.Flags&net.FlagUp == 0 {
			return nil, fmt.Errorf("capture on %q: the interface is down (bring it up with: ip link set %s up)", name, name)
		}
		ifindex = ifc.Index
		hatype, err := hardwareType(name)
		if err != nil {
			return nil, err
		}
		switch hatype {
		case arphrdEther, arphrdIEEE802, arphrdLoopback:
			link = capture.LinkTypeEthernet
			h.vlanOffset = 12 // after the two MAC addresses
		case arphrdNone, arphrdRawIP:
			link = capture.LinkTypeRaw
		default:
			sockType = syscall.SOCK_DGRAM
			link = capture.LinkTypeLinuxSLL
			h.vlanOffset = sllHeaderLen - 2
		}
	}
	switch link {
	case capture.LinkTypeLinuxSLL:
		h.cooked, h.headerLen = link, sllHeaderLen
	case capture.LinkTypeLinuxSLL2:
		h.cooked, h.headerLen = link, sll2HeaderLen
	}
	h.iface = &capture.Interface{Name: name, LinkType: link, SnapLen: uint32(snapLen)}
	h.buf = make([]byte, h.headerLen+snapLen)

	fd, err := openSocket(name, sockType, ifindex, opts.Promiscuous && ifindex != 0)
	if err != nil {
		return nil, err
	}
	h.file = os.NewFile(uintptr(fd), "packet:"+name)
	h.conn, err = h.file.SyscallConn()
	if err != nil {
		h.file.Close()
		return nil, fmt.Errorf("capture on %q: %w", name, err)
	}
	return h, nil
}

// openSocket opens and configures the AF_PACKET socket and binds it to the
// interface (index 0 for all of them).
func openSocket(name string, sockType, ifindex int, promiscuous bool) (fd int, err error) {
	// Protocol 0 receives nothing until bind names the interface, so no
	// packet from another interface slips in before that.
	fd, err = syscall.Socket(syscall.AF_PACKET, sockType|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return -1, permissionError(name, err)
		}
		return -1, fmt.Errorf("capture on %q: open packet socket: %w", name, err)
	}
	defer func() {
		if err != nil {
			syscall.Close(fd)
		}
	}()
	fail := func(what string, err error) error {
		return fmt.Errorf("capture on %q: %s: %w", name, what, err)
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1); err != nil {
		return -1, fail("ask for kernel timestamps", err)
	}
	if err := syscall.SetsockoptInt(fd, solPacket, packetAuxdata, 1); err != nil {
		return -1, fail("ask for packet auxiliary data", err)
	}
	// A larger receive buffer keeps the kernel from dropping packets in a
	// burst; SO_RCVBUFFORCE may exceed the system limit but needs
	// CAP_NET_ADMIN, so fall back to what SO_RCVBUF allows.
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, socketBufferSize) != nil {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, socketBufferSize)
	}
	sa := &syscall.SockaddrLinklayer{Protocol: hostToNet16(ethPAll), Ifindex: ifindex}
	if err := syscall.Bind(fd, sa); err != nil {
		return -1, fail("bind to the interface", err)
	}
	if promiscuous {
		// struct packet_mreq: int mr_ifindex; u16 mr_type; u16 mr_alen; u8 mr_address[8].
		var mreq [16]byte
		binary.NativeEndian.PutUint32(mreq[0:], uint32(ifindex))
		binary.NativeEndian.PutUint16(mreq[4:], packetMrPromisc)
		if err := syscall.SetsockoptString(fd, solPacket, packetAddMember, string(mreq[:])); err != nil {
			return -1, fail("enter promiscuous mode", err)
		}
	}
	return fd, nil
}

// hardwareType returns the ARPHRD_ type of the named interface.
func hardwareType(name string) (uint16, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("capture on %q: find the interface type: %w", name, err)
	}
	defer syscall.Close(fd)
	// struct ifreq: char ifr_name[16]; then the hardware address as a
	// struct sockaddr whose family is the ARPHRD_ type.
	var ifr [40]byte
	copy(ifr[:15], name)
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFHWADDR, uintptr(unsafe.Pointer(&ifr[0])))
	if errno != 0 {
		return 0, fmt.Errorf("capture on %q: find the interface type: %w", name, errno)
	}
	return binary.NativeEndian.Uint16(ifr[16:]), nil
}

// Interface describes the interface the capture reads; every packet points to
// it.
func (h *Handle) Interface() *capture.Interface { return h.iface }

// Next waits for the next packet and returns it. After Close it returns
// io.EOF, also to a call that was waiting.
func (h *Handle) Next() (*capture.Packet, error) {
	for {
		if h.closed.Load() {
			return nil, io.EOF
		}
		var (
			n, oobn int
			from    syscall.Sockaddr
			rerr    error
		)
		err := h.conn.Read(func(fd uintptr) bool {
			// MSG_TRUNC makes n the packet's full length even when the
			// buffer holds only its first snapLen bytes.
			n, oobn, _, from, rerr = syscall.Recvmsg(int(fd), h.buf[h.headerLen:], h.oob, syscall.MSG_TRUNC)
			return rerr != syscall.EAGAIN
		})
		if err != nil {
			if errors.Is(err, os.ErrClosed) || h.closed.Load() {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("capture on %q: %w", h.iface.Name, err)
		}
		if rerr == syscall.EINTR {
			continue
		}
		if rerr != nil {
			if h.closed.Load() {
				return nil, io.EOF
			}
			if rerr == syscall.ENETDOWN {
				return nil, fmt.Errorf("capture on %q: the interface went down: %w", h.iface.Name, rerr)
			}
			return nil, fmt.Errorf("capture on %q: receive: %w", h.iface.Name, rerr)
		}
		ll, ok := from.(*syscall.SockaddrLinklayer)
		if !ok {
			continue
		}
		addr := linkAddr{
			Protocol: netToHost16(ll.Protocol),
			Ifindex:  ll.Ifindex,
			Hatype:   ll.Hatype,
			Pkttype:  ll.Pkttype,
			Halen:    ll.Halen,
			Addr:     ll.Addr,
		}
		if !keep(&addr, h.loopback) {
			continue
		}
		p := h.packet(&addr, n, h.oob[:oobn])
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

// packet builds the captured packet from the n-byte packet in h.buf (after
// the reserved header room) and its control messages.
func (h *Handle) packet(addr *linkAddr, n int, oob []byte) *capture.Packet {
	got := min(n, len(h.buf)-h.headerLen)
	raw := h.buf[:h.headerLen+got]
	length := h.headerLen + n
	switch h.cooked {
	case capture.LinkTypeLinuxSLL2:
		putSLL2(raw, addr)
	case capture.LinkTypeLinuxSLL:
		putSLL(raw, addr)
	}

	var ts time.Time
	var aux *auxData
	if msgs, err := syscall.ParseSocketControlMessage(oob); err == nil {
		for _, m := range msgs {
			switch {
			case m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS:
				if len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
					tsp := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0]))
					ts = time.Unix(tsp.Unix())
				}
			case m.Header.Level == solPacket && m.Header.Type == packetAuxdata:
				aux = parseAuxData(m.Data)
			}
		}
	}
	if ts.IsZero() {
		ts = time.Now()
	}

	var data []byte
	if aux != nil && h.vlanOffset >= 0 && (aux.vlanTCI != 0 || aux.status&tpStatusVLAN != 0) {
		tpid := uint16(ethP8021Q)
		if aux.vlanTPID != 0 || aux.status&tpStatusVLANTPID != 0 {
			tpid = aux.vlanTPID
		}
		data = insertVLANTag(raw, h.vlanOffset, tpid, aux.vlanTCI)
		length += vlanTagLen
	} else {
		data = append([]byte(nil), raw...)
	}
	if len(data) > h.snapLen {
		data = data[:h.snapLen:h.snapLen]
	}
	return &capture.Packet{
		Timestamp: ts,
		Interface: h.iface,
		Data:      data,
		Length:    length,
	}
}

// auxData holds the fields of struct tpacket_auxdata wstrace uses.
type auxData struct {
	status   uint32
	vlanTCI  uint16
	vlanTPID uint16
}

// parseAuxData reads a PACKET_AUXDATA control message: struct
// tpacket_auxdata { u32 tp_status, tp_len, tp_snaplen; u16 tp_mac, tp_net,
// tp_vlan_tci, tp_vlan_tpid; }.
func parseAuxData(b []byte) *auxData {
	if len(b) < 20 {
		return nil
	}
	return &auxData{
		status:   binary.NativeEndian.Uint32(b[0:]),
		vlanTCI:  binary.NativeEndian.Uint16(b[16:]),
		vlanTPID: binary.NativeEndian.Uint16(b[18:]),
	}
}

// Stats returns the capture's counters so far. After Close it returns the
// counters as they were when the capture closed.
func (h *Handle) Stats() (Stats, error) {
	if err := h.pollKernelStats(); err != nil && !h.closed.Load() {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.stats, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats, nil
}

// pollKernelStats adds the kernel's PACKET_STATISTICS counters, which reset
// on every read, to h.stats.
func (h *Handle) pollKernelStats() error {
	var st [2]uint32 // struct tpacket_stats { u32 tp_packets, tp_drops; }
	var serr error
	err := h.conn.Control(func(fd uintptr) {
		size := uint32(unsafe.Sizeof(st))
		_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, solPacket, packetStatistics,
			uintptr(unsafe.Pointer(&st[0])), uintptr(unsafe.Pointer(&size)), 0)
		if errno != 0 {
			serr = errno
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("capture on %q: read kernel statistics: %w", h.iface.Name, err)
	}
	h.mu.Lock()
	h.stats.Received += uint64(st[0])
	h.stats.Dropped += uint64(st[1])
	h.mu.Unlock()
	return nil
}

// Close stops the capture and releases the socket. A Next waiting for a
// packet returns io.EOF. Closing twice is harmless.
func (h *Handle) Close() error {
	if h.closed.Swap(true) {
		return nil
	}
	_ = h.pollKernelStats()
	if err := h.file.Close(); err != nil {
		return fmt.Errorf("capture on %q: close: %w", h.iface.Name, err)
	}
	return nil
}

// hostToNet16 returns v as it must lie in memory in network byte order,
// read back as a host-order integer (htons).
func hostToNet16(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}

// netToHost16 undoes hostToNet16 (ntohs).
func netToHost16(v uint16) uint16 { return hostToNet16(v) }
