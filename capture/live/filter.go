package live

import (
	"encoding/binary"

	"github.com/wstrace/wstrace/capture"
)

// TCPPort returns a filter for Options.Filter that keeps the TCP segments
// whose source or destination port is port, like tcpdump's "tcp port N". It
// reads the link types a live capture produces (EN10MB with VLAN tags, Linux
// cooked v1 and v2, raw IP) and IPv4 and IPv6; it looks no further than the
// first IPv6 header, and skips IPv4 fragments after the first.
func TCPPort(port uint16) func(*capture.Packet) bool {
	return func(p *capture.Packet) bool {
		h, ok := ReadTCP(p)
		return ok && (h.SrcPort == port || h.DstPort == port)
	}
}

// TCPFlag is a bit of TCPHeader.Flags.
type TCPFlag uint8

// The TCP flags, as they lie in the header's flags byte.
const (
	FlagFIN TCPFlag = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
)

// TCPHeader holds the few TCP header fields a capture's own filters need;
// package decode reads the whole header.
type TCPHeader struct {
	SrcPort, DstPort uint16
	Flags            TCPFlag
}

// ReadTCP returns the TCP header of a packet, or ok false when the packet is
// not a TCP segment whose first 14 header bytes were captured.
func ReadTCP(p *capture.Packet) (h TCPHeader, ok bool) {
	src, dst, flags, ok := tcpHeader(p)
	return TCPHeader{SrcPort: src, DstPort: dst, Flags: TCPFlag(flags)}, ok
}

// tcpHeader finds a packet's TCP header and returns its ports and flags.
func tcpHeader(p *capture.Packet) (src, dst uint16, flags uint8, ok bool) {
	if p == nil || p.Interface == nil {
		return 0, 0, 0, false
	}
	b := p.Data
	var etherType uint16
	switch p.Interface.LinkType {
	case capture.LinkTypeEthernet:
		if len(b) < 14 {
			return 0, 0, 0, false
		}
		etherType, b = binary.BigEndian.Uint16(b[12:]), b[14:]
		for etherType == 0x8100 || etherType == 0x88a8 {
			if len(b) < 4 {
				return 0, 0, 0, false
			}
			etherType, b = binary.BigEndian.Uint16(b[2:]), b[4:]
		}
	case capture.LinkTypeLinuxSLL:
		if len(b) < sllHeaderLen {
			return 0, 0, 0, false
		}
		etherType, b = binary.BigEndian.Uint16(b[14:]), b[sllHeaderLen:]
	case capture.LinkTypeLinuxSLL2:
		if len(b) < sll2HeaderLen {
			return 0, 0, 0, false
		}
		etherType, b = binary.BigEndian.Uint16(b[0:]), b[sll2HeaderLen:]
	case capture.LinkTypeRaw, capture.LinkTypeIPv4, capture.LinkTypeIPv6:
		if len(b) < 1 {
			return 0, 0, 0, false
		}
		switch b[0] >> 4 {
		case 4:
			etherType = 0x0800
		case 6:
			etherType = 0x86dd
		}
	default:
		return 0, 0, 0, false
	}
	switch etherType {
	case 0x0800:
		if len(b) < 20 || b[0]>>4 != 4 || b[9] != 6 {
			return 0, 0, 0, false
		}
		if binary.BigEndian.Uint16(b[6:])&0x1fff != 0 { // a later fragment
			return 0, 0, 0, false
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || len(b) < ihl+14 {
			return 0, 0, 0, false
		}
		b = b[ihl:]
	case 0x86dd:
		if len(b) < 54 || b[0]>>4 != 6 || b[6] != 6 {
			return 0, 0, 0, false
		}
		b = b[40:]
	default:
		return 0, 0, 0, false
	}
	return binary.BigEndian.Uint16(b[0:]), binary.BigEndian.Uint16(b[2:]), b[13], true
}
