package decode

import (
	"encoding/binary"
	"net"

	"github.com/wstrace/wstrace/capture"
)

// Ethernet types wstrace looks at.
const (
	EtherTypeIPv4 = 0x0800
	EtherTypeARP  = 0x0806
	EtherTypeRARP = 0x8035
	EtherTypeIPv6 = 0x86dd
	// The tag protocol identifiers of VLAN tags tcpdump steps over.
	EtherTypeVLAN     = 0x8100 // IEEE 802.1Q
	EtherTypeQinQ     = 0x88a8 // IEEE 802.1ad
	EtherTypeVLAN9100 = 0x9100
	EtherTypeVLAN9200 = 0x9200
)

// Ethernet holds an Ethernet II header and its VLAN tags.
type Ethernet struct {
	Dst, Src net.HardwareAddr
	// VLANs lists the VLAN tags in the order they appear, outermost first.
	VLANs []VLAN
	// EtherType is the type field after the last VLAN tag. A value of 1500
	// or less is an IEEE 802.3 length rather than a type.
	EtherType uint16
}

// VLAN is one 802.1Q or 802.1ad tag.
type VLAN struct {
	TPID uint16 // the tag protocol identifier that introduced the tag
	TCI  uint16 // priority (3 bits), drop eligible (1 bit), VLAN ID (12 bits)
}

// ID returns the 12-bit VLAN identifier.
func (v VLAN) ID() uint16 { return v.TCI & 0x0fff }

// Priority returns the 3-bit priority code point.
func (v VLAN) Priority() uint8 { return uint8(v.TCI >> 13) }

// DropEligible reports whether the drop eligible indicator (DEI) is set.
func (v VLAN) DropEligible() bool { return v.TCI&0x1000 != 0 }

// Linux cooked capture packet types (the sll_pkttype field).
const (
	SLLHost      = 0 // to us
	SLLBroadcast = 1
	SLLMulticast = 2
	SLLOtherHost = 3 // to someone else, seen in promiscuous mode
	SLLOutgoing  = 4 // sent by us
)

// SLL holds a Linux cooked capture (v1) header.
type SLL struct {
	PacketType uint16 // SLLHost, SLLOutgoing, ...
	HAType     uint16 // ARPHRD_ type of the interface
	AddrLen    uint16 // length of the link-layer source address
	Addr       []byte // the 8-byte address field (AddrLen of it used)
	Protocol   uint16 // Ethernet type of the payload
}

// SLL2 holds a Linux cooked capture v2 header, which tcpdump -i any writes.
type SLL2 struct {
	Protocol   uint16
	IfIndex    uint32 // interface index on the capturing machine, from 1
	HAType     uint16
	PacketType uint8
	AddrLen    uint8
	Addr       []byte // the 8-byte address field (AddrLen of it used)
}

// Loopback holds the 4-byte address family header of the NULL and LOOP link
// types.
type Loopback struct {
	// Family is the address family, already put in the right byte order:
	// 2 is IPv4; 24, 28 and 30 are IPv6 (on different BSDs).
	Family uint32
}

// The BSD address family values that mean IPv6.
const (
	afINET        = 2
	afINET6BSD    = 24
	afINET6FreeBS = 28
	afINET6Darwin = 30
)

// Decode decodes one captured packet of link type lt: data holds the captured
// bytes from the link-layer header on, wireLen the packet's length on the
// wire. It reads every header it can and never fails: what it could not read
// is explained in Problem. The returned packet aliases data.
func Decode(lt capture.LinkType, data []byte, wireLen int) *Packet {
	d := &decoded{Packet: Packet{LinkType: lt}}
	if wireLen < len(data) {
		wireLen = len(data)
	}
	switch lt {
	case capture.LinkTypeEthernet:
		d.decodeEthernet(data)
	case capture.LinkTypeLinuxSLL:
		d.decodeSLL(data)
	case capture.LinkTypeLinuxSLL2:
		d.decodeSLL2(data)
	case capture.LinkTypeNull, capture.LinkTypeLoop:
		d.decodeLoopback(data)
	case capture.LinkTypeRaw:
		if len(data) == 0 {
			d.Problem = "empty packet"
			return &d.Packet
		}
		switch data[0] >> 4 {
		case 4:
			d.EtherType = EtherTypeIPv4
		case 6:
			d.EtherType = EtherTypeIPv6
		default:
			d.Problem = "unknown IP version"
			return &d.Packet
		}
	case capture.LinkTypeIPv4:
		d.EtherType = EtherTypeIPv4
	case capture.LinkTypeIPv6:
		d.EtherType = EtherTypeIPv6
	default:
		d.Problem = "unsupported link type " + lt.String()
		return &d.Packet
	}
	if d.Problem != "" {
		return &d.Packet
	}
	wire := wireLen - d.LinkHeaderLength
	d.decodeNetwork(data, d.LinkHeaderLength, wire)
	return &d.Packet
}

// decoded is a Packet together with the memory for the headers of the
// commonest packets, TCP over IPv4 over Ethernet, so that decoding one takes
// a single allocation of no more than 512 bytes (the largest the runtime
// allocates without a header of its own). Other headers, and more TCP
// options than fit, are allocated apart.
type decoded struct {
	Packet
	mem struct {
		ethernet Ethernet
		ipv4     IPv4
		tcp      TCP
		options  [3]TCPOption
	}
}

func (d *decoded) decodeEthernet(data []byte) {
	if len(data) < 14 {
		d.Problem = "truncated Ethernet header"
		return
	}
	e := &d.mem.ethernet
	*e = Ethernet{
		Dst: net.HardwareAddr(data[0:6:6]),
		Src: net.HardwareAddr(data[6:12:12]),
	}
	d.Ethernet = e
	off := 12
	typ := binary.BigEndian.Uint16(data[off:])
	off += 2
	for isVLAN(typ) {
		if len(data) < off+4 {
			d.Problem = "truncated VLAN tag"
			e.EtherType = typ
			d.LinkHeaderLength = len(data)
			return
		}
		e.VLANs = append(e.VLANs, VLAN{TPID: typ, TCI: binary.BigEndian.Uint16(data[off:])})
		typ = binary.BigEndian.Uint16(data[off+2:])
		off += 4
	}
	e.EtherType = typ
	d.EtherType = typ
	d.LinkHeaderLength = off
}

func isVLAN(t uint16) bool {
	return t == EtherTypeVLAN || t == EtherTypeQinQ || t == EtherTypeVLAN9100 || t == EtherTypeVLAN9200
}

func (d *decoded) decodeSLL(data []byte) {
	if len(data) < 16 {
		d.Problem = "truncated Linux cooked header"
		return
	}
	s := &SLL{
		PacketType: binary.BigEndian.Uint16(data[0:]),
		HAType:     binary.BigEndian.Uint16(data[2:]),
		AddrLen:    binary.BigEndian.Uint16(data[4:]),
		Addr:       data[6:14:14],
		Protocol:   binary.BigEndian.Uint16(data[14:]),
	}
	d.SLL = s
	d.LinkHeaderLength = 16
	d.cookedPayload(data, s.Protocol)
}

func (d *decoded) decodeSLL2(data []byte) {
	if len(data) < 20 {
		d.Problem = "truncated Linux cooked v2 header"
		return
	}
	s := &SLL2{
		Protocol:   binary.BigEndian.Uint16(data[0:]),
		IfIndex:    binary.BigEndian.Uint32(data[4:]),
		HAType:     binary.BigEndian.Uint16(data[8:]),
		PacketType: data[10],
		AddrLen:    data[11],
		Addr:       data[12:20:20],
	}
	d.SLL2 = s
	d.LinkHeaderLength = 20
	d.cookedPayload(data, s.Protocol)
}

// cookedPayload steps over the 802.1Q tags a cooked capture may still carry
// after its header and sets EtherType.
func (d *decoded) cookedPayload(data []byte, typ uint16) {
	for typ == EtherTypeVLAN {
		off := d.LinkHeaderLength
		if len(data) < off+4 {
			d.Problem = "truncated VLAN tag"
			d.LinkHeaderLength = len(data)
			return
		}
		typ = binary.BigEndian.Uint16(data[off+2:])
		d.LinkHeaderLength += 4
	}
	d.EtherType = typ
}

func (d *decoded) decodeLoopback(data []byte) {
	if len(data) < 4 {
		d.Problem = "truncated loopback header"
		return
	}
	// Like tcpdump: read the family in either byte order, and take the one
	// whose upper 16 bits are zero.
	fam := binary.LittleEndian.Uint32(data)
	if fam&0xffff0000 != 0 {
		fam = binary.BigEndian.Uint32(data)
	}
	d.Loopback = &Loopback{Family: fam}
	d.LinkHeaderLength = 4
	switch fam {
	case afINET:
		d.EtherType = EtherTypeIPv4
	case afINET6BSD, afINET6FreeBS, afINET6Darwin:
		d.EtherType = EtherTypeIPv6
	}
}
