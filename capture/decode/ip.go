package decode

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// IP protocol numbers wstrace looks at.
const (
	ProtoHopByHop = 0
	ProtoICMP     = 1
	ProtoTCP      = 6
	ProtoUDP      = 17
	ProtoRouting  = 43
	ProtoFragment = 44
	ProtoICMPv6   = 58
	ProtoNone     = 59
	ProtoDestOpts = 60
)

// decodeNetwork decodes what follows the link-layer header, which starts at
// off; wire is how long that part was on the wire.
func (d *decoded) decodeNetwork(data []byte, off, wire int) {
	switch d.EtherType {
	case EtherTypeIPv4:
		d.decodeIPv4(data, off, wire)
	case EtherTypeIPv6:
		d.decodeIPv6(data, off, wire)
	case EtherTypeARP, EtherTypeRARP:
		d.decodeARP(data[off:])
	}
}

func (d *decoded) decodeIPv4(data []byte, off, wire int) {
	b := data[off:]
	if len(b) < 20 {
		d.Problem = "truncated IPv4 header"
		return
	}
	if b[0]>>4 != 4 {
		d.Problem = fmt.Sprintf("IP version %d in an IPv4 packet", b[0]>>4)
		return
	}
	hl := int(b[0]&0x0f) * 4
	ip := &d.mem.ipv4
	*ip = IPv4{
		HeaderLength: hl,
		TOS:          b[1],
		TotalLength:  binary.BigEndian.Uint16(b[2:]),
		ID:           binary.BigEndian.Uint16(b[4:]),
		Flags:        b[6] >> 5,
		FragOffset:   binary.BigEndian.Uint16(b[6:]) & 0x1fff,
		TTL:          b[8],
		Protocol:     b[9],
		Checksum:     binary.BigEndian.Uint16(b[10:]),
	}
	d.IPv4 = ip
	d.Src = netip.AddrFrom4([4]byte(b[12:16]))
	d.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	if hl < 20 {
		d.Problem = fmt.Sprintf("bad IPv4 header length %d", hl)
		return
	}
	if len(b) < hl {
		ip.Options = b[20:len(b):len(b)]
		d.Problem = "truncated IPv4 options"
		return
	}
	ip.Options = b[20:hl:hl]
	total := int(ip.TotalLength)
	if total < hl {
		d.Problem = fmt.Sprintf("bad IPv4 total length %d", total)
		return
	}
	// The IP payload ends where the header says, not where the frame does
	// (Ethernet pads short frames).
	if len(b) > total {
		b = b[:total]
	}
	if ip.FragOffset != 0 {
		return // only the first fragment carries the transport header
	}
	d.decodeTransport(data[:off+len(b)], off+hl, total-hl, ip.Protocol)
}

func (d *decoded) decodeIPv6(data []byte, off, wire int) {
	b := data[off:]
	if len(b) < 40 {
		d.Problem = "truncated IPv6 header"
		return
	}
	if b[0]>>4 != 6 {
		d.Problem = fmt.Sprintf("IP version %d in an IPv6 packet", b[0]>>4)
		return
	}
	v := binary.BigEndian.Uint32(b)
	ip := &IPv6{
		TrafficClass:  uint8(v >> 20),
		FlowLabel:     v & 0x000fffff,
		PayloadLength: binary.BigEndian.Uint16(b[4:]),
		NextHeader:    b[6],
		HopLimit:      b[7],
	}
	d.IPv6 = ip
	d.Src = netip.AddrFrom16([16]byte(b[8:24]))
	d.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	plen := int(ip.PayloadLength)
	if plen == 0 {
		// A jumbogram, or nothing: take what the wire carried.
		plen = wire - 40
		if plen < 0 {
			plen = 0
		}
	}
	if len(b) > 40+plen {
		b = b[:40+plen]
	}
	pos := 40
	next := ip.NextHeader
	for {
		switch next {
		case ProtoHopByHop, ProtoRouting, ProtoDestOpts:
			if len(b) < pos+2 {
				ip.NextHeader = next
				d.Problem = "truncated IPv6 extension header"
				return
			}
			n := (int(b[pos+1]) + 1) * 8
			ip.Extensions = append(ip.Extensions, IPv6Extension{Type: next, Length: n})
			next = b[pos]
			pos += n
		case ProtoFragment:
			if len(b) < pos+8 {
				ip.NextHeader = next
				d.Problem = "truncated IPv6 fragment header"
				return
			}
			ol := binary.BigEndian.Uint16(b[pos+2:])
			ip.Fragment = &IPv6Fragment{
				Offset:         ol >> 3,
				MoreFragments:  ol&1 != 0,
				Identification: binary.BigEndian.Uint32(b[pos+4:]),
			}
			ip.Extensions = append(ip.Extensions, IPv6Extension{Type: next, Length: 8})
			next = b[pos]
			pos += 8
		default:
			ip.NextHeader = next
			if pos > plen+40 {
				d.Problem = "IPv6 extension headers longer than the payload"
				return
			}
			if ip.Fragment != nil && ip.Fragment.Offset != 0 {
				return
			}
			if pos > len(b) {
				d.Problem = "truncated IPv6 extension header"
				return
			}
			d.decodeTransport(data[:off+len(b)], off+pos, plen+40-pos, next)
			return
		}
	}
}

// decodeTransport decodes the transport header at off; data ends where the
// IP packet does, and length is the transport length the IP header declares.
func (d *decoded) decodeTransport(data []byte, off, length int, proto uint8) {
	d.TransportOffset = off
	b := data[off:]
	switch proto {
	case ProtoTCP:
		d.decodeTCP(b, length)
	case ProtoUDP:
		d.decodeUDP(b, length)
	case ProtoICMP:
		if d.IPv4 != nil {
			d.decodeICMP(b, false)
		}
	case ProtoICMPv6:
		if d.IPv6 != nil {
			d.decodeICMP(b, true)
		}
	default:
		d.Payload = b
		d.PayloadLength = length
	}
}
