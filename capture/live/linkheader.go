package live

import "encoding/binary"

// Lengths of the Linux cooked headers.
const (
	sllHeaderLen  = 16 // LINUX_SLL
	sll2HeaderLen = 20 // LINUX_SLL2
	vlanTagLen    = 4
)

// Packet types the kernel reports in sockaddr_ll.sll_pkttype.
const (
	packetHost      = 0
	packetBroadcast = 1
	packetMulticast = 2
	packetOtherHost = 3
	packetOutgoing  = 4
)

// ARPHRD_ hardware types that decide an interface's link-layer header.
const (
	arphrdEther    = 1
	arphrdIEEE802  = 6
	arphrdRawIP    = 519
	arphrdLoopback = 772
	arphrdCAN      = 280
	arphrdNone     = 0xfffe
)

// linkAddr is what the kernel says about a received packet: the fields of its
// sockaddr_ll, with Protocol in host byte order.
type linkAddr struct {
	Protocol uint16 // EtherType of the payload
	Ifindex  int    // interface the packet crossed
	Hatype   uint16 // ARPHRD_ type of that interface
	Pkttype  uint8  // packetHost, packetOutgoing, ...
	Halen    uint8  // length of the link-layer address in Addr
	Addr     [8]byte
}

// putSLL2 writes the 20-byte LINUX_SLL2 header for a packet into b.
func putSLL2(b []byte, a *linkAddr) {
	_ = b[sll2HeaderLen-1]
	binary.BigEndian.PutUint16(b[0:], a.Protocol)
	binary.BigEndian.PutUint16(b[2:], 0) // reserved, must be zero
	binary.BigEndian.PutUint32(b[4:], uint32(a.Ifindex))
	binary.BigEndian.PutUint16(b[8:], a.Hatype)
	b[10] = a.Pkttype
	b[11] = a.Halen
	copy(b[12:20], a.Addr[:])
}

// putSLL writes the 16-byte LINUX_SLL header for a packet into b.
func putSLL(b []byte, a *linkAddr) {
	_ = b[sllHeaderLen-1]
	binary.BigEndian.PutUint16(b[0:], uint16(a.Pkttype))
	binary.BigEndian.PutUint16(b[2:], a.Hatype)
	binary.BigEndian.PutUint16(b[4:], uint16(a.Halen))
	copy(b[6:14], a.Addr[:])
	binary.BigEndian.PutUint16(b[14:], a.Protocol)
}

// insertVLANTag puts a VLAN tag (TPID and TCI) into data at offset, where the
// EtherType of the frame is, and returns the longer slice. Data shorter than
// offset is returned unchanged.
func insertVLANTag(data []byte, offset int, tpid, tci uint16) []byte {
	if offset < 0 || len(data) < offset {
		return data
	}
	out := make([]byte, 0, len(data)+vlanTagLen)
	out = append(out, data[:offset]...)
	out = binary.BigEndian.AppendUint16(out, tpid)
	out = binary.BigEndian.AppendUint16(out, tci)
	return append(out, data[offset:]...)
}

// keep reports whether a packet the kernel delivered belongs in the capture.
// The loopback device shows every packet twice, going out and coming in, and
// CAN devices loop their own frames back: libpcap keeps only the incoming
// copy, and so does this.
func keep(a *linkAddr, loopbackIndex int) bool {
	if a.Pkttype != packetOutgoing {
		return true
	}
	if loopbackIndex > 0 && a.Ifindex == loopbackIndex {
		return false
	}
	return a.Hatype != arphrdCAN
}
