// Package decode reads the link-layer, network and transport headers of a
// captured packet, the way tcpdump walks them: as far as the captured bytes
// allow, recording where and why it had to stop.
//
// Decode never fails: a packet it cannot read past some header still comes
// back with every header before that one filled in, and Problem saying what was
// wrong.
package decode

import (
	"net/netip"

	"github.com/wstrace/wstrace/capture"
)

// Packet is a captured packet decoded down to its transport header.
//
// The fields documented here are the stable API other packages rely on; the
// printer in capture/tcpdump may use more.
type Packet struct {
	// LinkType is the link-layer header type the packet was decoded as.
	LinkType capture.LinkType
	// LinkHeaderLength is how many bytes of Data the link-layer header took.
	LinkHeaderLength int

	// The link-layer header, as the link type has it: at most one of
	// Ethernet, SLL, SLL2 and Loopback is set (none for the raw IP types).
	Ethernet *Ethernet
	SLL      *SLL
	SLL2     *SLL2
	Loopback *Loopback
	// EtherType is the protocol of the link-layer payload, as an Ethernet
	// type (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP, ...), after any VLAN tags.
	// For NULL, LOOP and the raw types it is derived from the address family
	// or the IP version.
	EtherType uint16

	// ARP is set for ARP and RARP packets.
	ARP *ARP

	// Src and Dst are the IP addresses, valid when IPv4 or IPv6 is set.
	Src, Dst netip.Addr
	IPv4     *IPv4
	IPv6     *IPv6

	TCP *TCP
	UDP *UDP
	// ICMP is set for ICMP over IPv4 and ICMPv6 over IPv6 (see ICMP.V6).
	ICMP *ICMP

	// TransportOffset is where the transport header (TCP, UDP, ICMP, or
	// the first byte after the IP headers) starts in the data, or 0 when the
	// packet has none: not IP, a non-first fragment, or cut short before it.
	TransportOffset int

	// Payload holds the captured bytes of the transport payload (after the
	// TCP or UDP header). It aliases the packet's data.
	Payload []byte
	// PayloadLength is the payload length the IP header declares. It is larger
	// than len(Payload) when the capture's snap length cut the packet.
	PayloadLength int

	// Problem says why decoding stopped early ("truncated TCP header", ...),
	// or is "" when every header present was read.
	Problem string
}

// Truncated reports whether the capture holds fewer payload bytes than the
// packet carried on the wire.
func (p *Packet) Truncated() bool { return len(p.Payload) < p.PayloadLength }

// IPv4 holds the fields of an IPv4 header.
type IPv4 struct {
	HeaderLength int // IHL in bytes
	TOS          uint8
	TotalLength  uint16
	ID           uint16
	Flags        uint8  // the three flag bits: 0x4 reserved, 0x2 DF, 0x1 MF
	FragOffset   uint16 // in 8-byte units
	TTL          uint8
	Protocol     uint8
	Checksum     uint16
	Options      []byte
}

// IPv6 holds the fields of an IPv6 header; NextHeader is the transport
// protocol after any extension headers.
type IPv6 struct {
	TrafficClass  uint8
	FlowLabel     uint32
	PayloadLength uint16
	NextHeader    uint8 // after extension headers
	HopLimit      uint8

	// Extensions lists the extension headers between the fixed header and
	// the transport header, in order.
	Extensions []IPv6Extension
	// Fragment is set when a fragment header is present.
	Fragment *IPv6Fragment
}

// IPv6Extension is one IPv6 extension header.
type IPv6Extension struct {
	Type   uint8 // protocol number of this header: 0, 43, 44 or 60
	Length int   // length in bytes
}

// IPv6Fragment holds the fields of an IPv6 fragment header.
type IPv6Fragment struct {
	Offset         uint16 // in 8-byte units
	MoreFragments  bool
	Identification uint32
}

// TCPFlags holds the TCP header flag bits.
type TCPFlags uint16

// The TCP flag bits.
const (
	FIN TCPFlags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
	AE // accurate ECN (formerly NS), bit 8
)

// TCP holds the fields of a TCP header.
type TCP struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	HeaderLength     int // data offset in bytes
	Flags            TCPFlags
	Window           uint16
	Checksum         uint16
	Urgent           uint16
	Options          []TCPOption
}

// Has reports whether all of the flags f are set.
func (t *TCP) Has(f TCPFlags) bool { return t.Flags&f == f }

// TCP option kinds.
const (
	OptEOL       = 0
	OptNOP       = 1
	OptMSS       = 2
	OptWScale    = 3
	OptSACKPerm  = 4
	OptSACK      = 5
	OptTimestamp = 8
	OptMD5       = 19
	OptUTO       = 28
	OptTCPAO     = 29
	OptMPTCP     = 30
	OptTFO       = 34
	OptExp1      = 253
	OptExp2      = 254
)

// TCPOption is one TCP option: its kind and the bytes after the kind and
// length octets. Data may be shorter than the length octet claims when the
// option was cut short.
type TCPOption struct {
	Kind   uint8
	Length int // the length octet, or 1 for EOL and NOP
	Data   []byte
}

// UDP holds the fields of a UDP header.
type UDP struct {
	SrcPort, DstPort uint16
	Length           uint16
	Checksum         uint16
}
