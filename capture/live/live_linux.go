//go:build linux && !386 && !pcap

package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/filter"
)

// Backend names how this build captures packets.
const Backend = "AF_PACKET with a TPACKET_V3 ring (pure Go)"

// The ring the kernel writes packets into: ringBlocks blocks of ringBlockSize
// bytes, each handed to wstrace when it is full or ringBlockTimeout after
// its first packet, whichever comes first.
const (
	ringBlockSize    = 1 << 20
	ringBlocks       = 32
	ringFrameSize    = 1 << 11 // only checked by the kernel for TPACKET_V3
	ringBlockTimeout = 10      // milliseconds
	ethP8021Q        = 0x8100
)

// Handle is an open live capture. It is a [capture.Source]: Next returns the
// packets in the order the kernel delivered them.
//
// Next must not be called from more than one goroutine at a time; Close and
// Stats may be called from any goroutine, also while Next is waiting.
type Handle struct {
	iface      *capture.Interface
	filter     func(*capture.Packet) bool
	expr       *filter.Filter // run in user space on every packet unless kernelOK
	kernelOK   bool           // expr runs in the kernel
	filterNote string
	snapLen    int
	cooked     capture.LinkType // LinkTypeLinuxSLL or LinkTypeLinuxSLL2 when the header is built here, else 0
	headerLen  int              // bytes of that header
	vlanOffset int              // where a stripped VLAN tag goes back, or -1
	loopback   int              // interface index of lo, whose outgoing copies are skipped

	fd     int
	wakeFd int // an eventfd Close writes to wake a waiting Next

	ringMu sync.Mutex // held by Next while it reads the ring, and by Close to unmap it
	ring   []byte
	block  int    // the block being read
	left   uint32 // packets of that block not yet read
	next   int    // offset in ring of the next packet header of that block, or -1 before the block
	// pending are the packets Close took out of the ring, for Next.
	pending []*capture.Packet

	number    int
	closed    atomic.Bool
	closeDone chan struct{} // closed when Close has finished

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
	name, err := deviceName(name)
	if err != nil {
		return nil, err
	}
	snapLen := opts.SnapLen
	if snapLen <= 0 {
		snapLen = DefaultSnapLen
	}
	h := &Handle{
		filter:     opts.Filter,
		expr:       opts.Expression,
		snapLen:    snapLen,
		vlanOffset: -1,
		fd:         -1,
		wakeFd:     -1,
		closeDone:  make(chan struct{}),
	}
	if lo, err := net.InterfaceByName("lo"); err == nil {
		h.loopback = lo.Index
	}

	ifindex := 0
	sockType := unix.SOCK_RAW
	var link capture.LinkType
	if name == AnyInterface {
		sockType = unix.SOCK_DGRAM
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
			sockType = unix.SOCK_DGRAM
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

	var prog []bpf.RawInstruction
	if h.expr != nil && h.expr.String() != "" {
		var err error
		prog, err = kernelProgram(h.expr, link, h.cooked != 0, uint32(snapLen))
		if err != nil {
			h.filterNote = "in user space: " + err.Error()
		} else {
			h.kernelOK = true
			h.filterNote = "in the kernel (classic BPF)"
		}
	}
	if err := h.openSocket(name, sockType, ifindex, opts.Promiscuous && ifindex != 0, prog); err != nil {
		return nil, err
	}
	return h, nil
}

// kernelProgram compiles the filter for the kernel. Packets whose VLAN tag
// the network card took off are passed to user space whatever the filter
// says: the kernel shows them untagged, and the Go evaluator decides on the
// tag put back.
func kernelProgram(f *filter.Filter, link capture.LinkType, cooked bool, snapLen uint32) ([]bpf.RawInstruction, error) {
	prog, err := f.BPF(link, filter.BPFOptions{SnapLen: snapLen, Cooked: cooked})
	if err != nil {
		return nil, err
	}
	prog = append([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtVLANTagPresent},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipTrue: 1},
		bpf.RetConstant{Val: snapLen},
	}, prog...)
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("assemble the filter: %w", err)
	}
	return raw, nil
}

// openSocket opens and configures the AF_PACKET socket with its ring and
// filter, and binds it to the interface (index 0 for all of them).
func (h *Handle) openSocket(name string, sockType, ifindex int, promiscuous bool, prog []bpf.RawInstruction) (err error) {
	// Protocol 0 receives nothing until bind names the interface, so no
	// packet from another interface, nor one the filter rejects, slips in
	// before the filter and the ring are in place.
	fd, err := unix.Socket(unix.AF_PACKET, sockType|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return permissionError(name, err)
		}
		return fmt.Errorf("capture on %q: open packet socket: %w", name, err)
	}
	h.fd = fd
	defer func() {
		if err != nil {
			h.release()
		}
	}()
	fail := func(what string, err error) error {
		return fmt.Errorf("capture on %q: %s: %w", name, what, err)
	}
	if len(prog) > 0 {
		fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: (*unix.SockFilter)(unsafe.Pointer(&prog[0]))}
		if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
			h.kernelOK = false
			h.filterNote = "in user space: the kernel refused the compiled filter: " + err.Error()
		}
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fail("ask for TPACKET_V3", err)
	}
	req := unix.TpacketReq3{
		Block_size:     ringBlockSize,
		Block_nr:       ringBlocks,
		Frame_size:     ringFrameSize,
		Frame_nr:       ringBlockSize / ringFrameSize * ringBlocks,
		Retire_blk_tov: ringBlockTimeout,
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fail("set up the receive ring", err)
	}
	h.ring, err = unix.Mmap(fd, 0, ringBlockSize*ringBlocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fail("map the receive ring", err)
	}
	h.wakeFd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return fail("create an eventfd", err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: hostToNet16(unix.ETH_P_ALL), Ifindex: ifindex}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind to the interface", err)
	}
	if promiscuous {
		mreq := unix.PacketMreq{Ifindex: int32(ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fail("enter promiscuous mode", err)
		}
	}
	h.next = -1
	return nil
}

// release unmaps the ring and closes the descriptors.
func (h *Handle) release() error {
	var err error
	if h.ring != nil {
		err = unix.Munmap(h.ring)
		h.ring = nil
	}
	if h.wakeFd >= 0 {
		unix.Close(h.wakeFd)
		h.wakeFd = -1
	}
	if h.fd >= 0 {
		if cerr := unix.Close(h.fd); err == nil {
			err = cerr
		}
		h.fd = -1
	}
	return err
}

// hardwareType returns the ARPHRD_ type of the named interface.
func hardwareType(name string) (uint16, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("capture on %q: find the interface type: %w", name, err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, fmt.Errorf("capture on %q: %w", name, err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err != nil {
		return 0, fmt.Errorf("capture on %q: find the interface type: %w", name, err)
	}
	// The hardware address is a struct sockaddr whose family, its first
	// field, is the type.
	return ifr.Uint16(), nil
}

// Interface describes the interface the capture reads; every packet points to
// it.
func (h *Handle) Interface() *capture.Interface { return h.iface }

// FilterNote says where Options.Expression runs: "in the kernel (classic
// BPF)", or "in user space: " and why. It is empty without an expression.
func (h *Handle) FilterNote() string { return h.filterNote }

// Offsets in the ring's block descriptor (struct tpacket_block_desc with
// struct tpacket_hdr_v1) and packet header (struct tpacket3_hdr).
const (
	blockStatus     = 8  // u32 block_status
	blockNumPkts    = 12 // u32 num_pkts
	blockFirstPkt   = 16 // u32 offset_to_first_pkt
	pktNextOffset   = 0  // u32 tp_next_offset
	pktSec          = 4  // u32 tp_sec
	pktNsec         = 8  // u32 tp_nsec
	pktSnaplen      = 12 // u32 tp_snaplen
	pktLen          = 16 // u32 tp_len
	pktStatus       = 20 // u32 tp_status
	pktMac          = 24 // u16 tp_mac
	pktVLANTCI      = 32 // u32 hv1.tp_vlan_tci
	pktVLANTPID     = 36 // u16 hv1.tp_vlan_tpid
	pktSockaddr     = 48 // struct sockaddr_ll after TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
	sockaddrLen     = 20
	tpStatusVLAN    = unix.TP_STATUS_VLAN_VALID
	tpStatusVLANPID = unix.TP_STATUS_VLAN_TPID_VALID
)

// Next waits for the next packet and returns it. After Close it returns
// the packets the ring still held when the capture closed, then io.EOF; a
// call waiting when Close is called returns promptly.
func (h *Handle) Next() (*capture.Packet, error) {
	for {
		p, closing, err := h.next1()
		if !closing {
			return p, err
		}
		<-h.closeDone // Close takes what the ring holds into pending
	}
}

// next1 is one try of Next; closing says Close is under way and Next must
// wait for it to finish and try again.
func (h *Handle) next1() (p *capture.Packet, closing bool, err error) {
	h.ringMu.Lock()
	defer h.ringMu.Unlock()
	if len(h.pending) > 0 {
		p := h.pending[0]
		h.pending = h.pending[1:]
		return p, false, nil
	}
	if h.ring == nil {
		return nil, false, io.EOF
	}
	if h.closed.Load() {
		return nil, true, nil
	}
	p, err = h.read(true)
	if h.closed.Load() && p == nil {
		return nil, true, nil
	}
	return p, false, err
}

// Queued reports whether a packet the kernel delivered is waiting for Next
// (it may yet be one a filter in user space skips).
func (h *Handle) Queued() bool {
	h.ringMu.Lock()
	defer h.ringMu.Unlock()
	if len(h.pending) > 0 || h.left > 0 {
		return true
	}
	if h.ring == nil {
		return false
	}
	block := h.block
	if h.next >= 0 {
		block = (block + 1) % ringBlocks // the current block is done
	}
	return atomicLoad32(h.ring[block*ringBlockSize+blockStatus:])&unix.TP_STATUS_USER != 0
}

// read returns the next packet of the ring that passes the filters. With
// wait false it returns nil when there is none yet; with wait true it waits
// for one, until Close.
func (h *Handle) read(wait bool) (*capture.Packet, error) {
	for {
		if h.left == 0 {
			h.releaseBlock()
			base := h.block * ringBlockSize
			if atomicLoad32(h.ring[base+blockStatus:])&unix.TP_STATUS_USER == 0 {
				if !wait {
					return nil, nil
				}
				if err := h.wait(); err != nil {
					return nil, err
				}
				continue
			}
			h.left = binary.NativeEndian.Uint32(h.ring[base+blockNumPkts:])
			h.next = base + int(binary.NativeEndian.Uint32(h.ring[base+blockFirstPkt:]))
			if h.left == 0 {
				continue // an empty block goes straight back
			}
		}
		p, vlan := h.readPacket()
		if p == nil {
			continue
		}
		if (!h.kernelOK || vlan) && h.expr != nil && !h.expr.MatchPacket(p, nil) {
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

// releaseBlock hands the block just read back to the kernel.
func (h *Handle) releaseBlock() {
	if h.next < 0 {
		return
	}
	atomicStore32(h.ring[h.block*ringBlockSize+blockStatus:], unix.TP_STATUS_KERNEL)
	h.block = (h.block + 1) % ringBlocks
	h.next = -1
}

// wait waits until the kernel hands over a block, or Close is called.
func (h *Handle) wait() error {
	fds := []unix.PollFd{{Fd: int32(h.fd), Events: unix.POLLIN | unix.POLLERR}, {Fd: int32(h.wakeFd), Events: unix.POLLIN}}
	_, err := unix.Poll(fds, 1000)
	if h.closed.Load() {
		return io.EOF
	}
	if err != nil && err != unix.EINTR {
		return fmt.Errorf("capture on %q: wait for packets: %w", h.iface.Name, err)
	}
	if fds[0].Revents&unix.POLLERR != 0 {
		// The socket's pending error, such as the interface going down.
		if serr, gerr := unix.GetsockoptInt(h.fd, unix.SOL_SOCKET, unix.SO_ERROR); gerr == nil && serr != 0 {
			errno := unix.Errno(serr)
			if errno == unix.ENETDOWN {
				return fmt.Errorf("capture on %q: the interface went down: %w", h.iface.Name, errno)
			}
			return fmt.Errorf("capture on %q: receive: %w", h.iface.Name, errno)
		}
	}
	return nil
}

// readPacket copies the next packet of the current block out of the ring.
// It returns nil for a packet the capture skips, and whether the kernel took
// a VLAN tag off the packet.
func (h *Handle) readPacket() (*capture.Packet, bool) {
	ring := h.ring
	off := h.next
	end := (off/ringBlockSize + 1) * ringBlockSize // the block's end
	h.left--
	if h.left == 0 {
		h.next = off // nextBlock moves on
	} else {
		h.next = off + int(binary.NativeEndian.Uint32(ring[off+pktNextOffset:]))
	}
	if off+pktSockaddr+sockaddrLen > end {
		return nil, false
	}
	hdr := ring[off:]
	ll := hdr[pktSockaddr:]
	addr := linkAddr{
		Protocol: binary.BigEndian.Uint16(ll[2:]),
		Ifindex:  int(int32(binary.NativeEndian.Uint32(ll[4:]))),
		Hatype:   binary.NativeEndian.Uint16(ll[8:]),
		Pkttype:  ll[10],
		Halen:    ll[11],
	}
	copy(addr.Addr[:], ll[12:20])
	if !keep(&addr, h.loopback) {
		return nil, false
	}
	snap := int(binary.NativeEndian.Uint32(hdr[pktSnaplen:]))
	wire := int(binary.NativeEndian.Uint32(hdr[pktLen:]))
	mac := int(binary.NativeEndian.Uint16(hdr[pktMac:]))
	if off+mac+snap > end {
		return nil, false
	}
	payload := hdr[mac : mac+snap]
	ts := time.Unix(int64(binary.NativeEndian.Uint32(hdr[pktSec:])), int64(binary.NativeEndian.Uint32(hdr[pktNsec:])))
	status := binary.NativeEndian.Uint32(hdr[pktStatus:])

	// Copy no more than the snap length can keep, allowing for a VLAN tag
	// put back in front of the bytes kept.
	n := min(snap, max(0, h.snapLen-h.headerLen)+vlanTagLen)
	data := make([]byte, h.headerLen, h.headerLen+n+vlanTagLen)
	switch h.cooked {
	case capture.LinkTypeLinuxSLL2:
		putSLL2(data, &addr)
	case capture.LinkTypeLinuxSLL:
		putSLL(data, &addr)
	}
	data = append(data, payload[:n]...)
	length := h.headerLen + wire
	tci := uint16(binary.NativeEndian.Uint32(hdr[pktVLANTCI:]))
	vlan := h.vlanOffset >= 0 && (tci != 0 || status&tpStatusVLAN != 0)
	if vlan {
		tpid := uint16(ethP8021Q)
		if v := binary.NativeEndian.Uint16(hdr[pktVLANTPID:]); v != 0 || status&tpStatusVLANPID != 0 {
			tpid = v
		}
		data = insertVLANTag(data, h.vlanOffset, tpid, tci)
		length += vlanTagLen
	}
	if len(data) > h.snapLen {
		data = data[:h.snapLen:h.snapLen]
	}
	return &capture.Packet{Timestamp: ts, Interface: h.iface, Data: data, Length: length}, vlan
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
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fd < 0 {
		return errors.New("capture closed")
	}
	st, err := unix.GetsockoptTpacketStatsV3(h.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return fmt.Errorf("capture on %q: read kernel statistics: %w", h.iface.Name, err)
	}
	h.stats.Received += uint64(st.Packets)
	h.stats.Dropped += uint64(st.Drops)
	return nil
}

// Close stops the capture and releases the socket, keeping the packets the
// kernel had already queued for Next. A Next waiting for a packet returns
// io.EOF. Closing twice is harmless.
func (h *Handle) Close() error {
	if h.closed.Swap(true) {
		return nil
	}
	_ = h.pollKernelStats()
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	_, _ = unix.Write(h.wakeFd, one[:])
	defer close(h.closeDone)
	h.ringMu.Lock()
	defer h.ringMu.Unlock()
	// Keep what the ring holds, also the block the kernel is still filling:
	// it hands that over within its timeout.
	for range 2 {
		for h.ring != nil {
			p, _ := h.read(false)
			if p == nil {
				break
			}
			h.pending = append(h.pending, p)
		}
		time.Sleep(2 * ringBlockTimeout * time.Millisecond)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.release(); err != nil {
		return fmt.Errorf("capture on %q: close: %w", h.iface.Name, err)
	}
	return nil
}

// atomicLoad32 and atomicStore32 read and write the u32 at the start of b,
// which the kernel shares.
func atomicLoad32(b []byte) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(&b[0])))
}

func atomicStore32(b []byte, v uint32) {
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&b[0])), v)
}

// hostToNet16 returns v as it must lie in memory in network byte order,
// read back as a host-order integer (htons).
func hostToNet16(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}
