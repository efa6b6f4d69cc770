package filter

import (
	"encoding/binary"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// A layer is where the offset of a byte the filter reads counts from, as in
// libpcap's compiled filters.
type layer int

const (
	layerLink     layer = iota // the first byte of the packet: ether[...]
	layerNet                   // the IP or ARP header: ip[...], ip6[...], arp[...]
	layerIPv4Next              // after the IPv4 header and its options: tcp[...]
	layerIPv6Next              // 40 bytes after the IPv6 header start: icmp6[...]
)

// Ethernet types and IP protocol numbers the filter tests.
const (
	etherIPv4 = 0x0800
	etherARP  = 0x0806
	etherRARP = 0x8035
	etherIPv6 = 0x86dd

	protoICMP     = 1
	protoIGMP     = 2
	protoTCP      = 6
	protoUDP      = 17
	protoFragment = 44
	protoICMPv6   = 58
	protoSCTP     = 132
)

// packet is what a filter looks at: the captured bytes when there are any,
// else the decoded headers rebuilt into bytes.
type packet struct {
	d       *decode.Packet
	link    capture.LinkType
	data    []byte
	raw     bool // data holds the captured packet
	wireLen int  // length on the wire, or -1 when unknown

	// aborted is set when the filter had to read a byte the packet does not
	// have; the packet then does not match, as with a BPF program whose
	// load fails.
	aborted bool

	rebuilt    bool
	net, trans []byte // the rebuilt network header and transport header
}

// fail records that the filter cannot be evaluated on the packet.
func (p *packet) fail() bool {
	p.aborted = true
	return false
}

// netOffset returns where the network header starts in the captured data
// behind vlans VLAN tags, the way libpcap counts it: at a fixed offset for
// each link type.
func (p *packet) netOffset(vlans int) int {
	var off int
	switch p.link {
	case capture.LinkTypeEthernet:
		off = 14
	case capture.LinkTypeLinuxSLL:
		off = 16
	case capture.LinkTypeLinuxSLL2:
		off = 20
	case capture.LinkTypeNull, capture.LinkTypeLoop:
		off = 4
	case capture.LinkTypeRaw, capture.LinkTypeIPv4, capture.LinkTypeIPv6:
		off = 0
	default:
		off = p.d.LinkHeaderLength
	}
	return off + 4*vlans
}

// typeOffset returns where the Ethernet type of what follows vlans VLAN tags
// is, for the link types that carry one.
func (p *packet) typeOffset(vlans int) (int, bool) {
	switch p.link {
	case capture.LinkTypeEthernet, capture.LinkTypeLinuxSLL:
		return p.netOffset(vlans) - 2, true
	case capture.LinkTypeLinuxSLL2:
		if vlans == 0 {
			return 0, true
		}
		return p.netOffset(vlans) - 2, true
	}
	return 0, false
}

// etherType returns the protocol of the link-layer payload behind vlans VLAN
// tags, as an Ethernet type. ok is false when the packet cannot tell (and
// then it does not match).
func (p *packet) etherType(vlans int) (t uint32, ok bool) {
	if off, has := p.typeOffset(vlans); has && p.raw {
		return p.load(layerLink, 0, uint32(off), 2)
	}
	if vlans > 0 {
		if p.raw {
			return 0, true // no VLAN tags on this link type
		}
		return 0, p.fail()
	}
	switch {
	case p.d.EtherType != 0:
		return uint32(p.d.EtherType), true
	case p.d.IPv4 != nil:
		return etherIPv4, true
	case p.d.IPv6 != nil:
		return etherIPv6, true
	case p.d.Problem != "" && p.d.LinkHeaderLength == 0 && p.link != capture.LinkTypeRaw:
		return 0, p.fail() // cut inside the link-layer header
	}
	return 0, true
}

// isEther reports whether the link-layer payload is of type t.
func (p *packet) isEther(vlans int, t uint32) bool {
	v, ok := p.etherType(vlans)
	return ok && v == t
}

// layerBytes returns the bytes that offsets in layer l count from.
func (p *packet) layerBytes(l layer, vlans int) ([]byte, bool) {
	if !p.raw {
		if vlans > 0 {
			return nil, false
		}
		p.rebuild()
		switch l {
		case layerNet:
			return p.net, true
		case layerIPv4Next:
			if p.d.IPv4 == nil {
				return nil, true
			}
			return p.trans, true
		case layerIPv6Next:
			if p.d.IPv6 == nil || len(p.net) < 40 {
				return nil, true
			}
			return p.net[40:], true
		}
		return nil, false // the link-layer header is not kept
	}
	if l == layerLink {
		return p.data, true
	}
	off := p.netOffset(vlans)
	if off > len(p.data) {
		return nil, true
	}
	b := p.data[off:]
	switch l {
	case layerIPv4Next:
		if len(b) == 0 {
			return nil, false
		}
		hl := int(b[0]&0x0f) * 4
		if hl > len(b) {
			return nil, true
		}
		return b[hl:], true
	case layerIPv6Next:
		if len(b) < 40 {
			return nil, true
		}
		return b[40:], true
	}
	return b, true
}

// load reads size (1, 2 or 4) bytes at off in layer l, big-endian. When the
// packet does not have them, the whole filter fails to match.
func (p *packet) load(l layer, vlans int, off uint32, size int) (uint32, bool) {
	b, ok := p.layerBytes(l, vlans)
	if !ok || uint64(off)+uint64(size) > uint64(len(b)) {
		return 0, p.fail()
	}
	b = b[off:]
	switch size {
	case 1:
		return uint32(b[0]), true
	case 2:
		return uint32(binary.BigEndian.Uint16(b)), true
	}
	return binary.BigEndian.Uint32(b), true
}

// loadIs reports whether the size bytes at off in layer l equal v.
func (p *packet) loadIs(l layer, vlans int, off uint32, size int, v uint32) bool {
	got, ok := p.load(l, vlans, off, size)
	return ok && got == v
}

// rebuild lays the decoded headers out as the bytes they were decoded from,
// for Match, which has no captured bytes to read.
func (p *packet) rebuild() {
	if p.rebuilt {
		return
	}
	p.rebuilt = true
	d := p.d
	p.trans = rebuildTransport(d)
	switch {
	case d.IPv4 != nil:
		p.net = rebuildIPv4(d)
	case d.IPv6 != nil:
		p.net = rebuildIPv6(d, p.trans)
	case d.ARP != nil:
		p.net = rebuildARP(d.ARP)
	}
}

func rebuildIPv4(d *decode.Packet) []byte {
	ip := d.IPv4
	hl := max(ip.HeaderLength, 20)
	b := make([]byte, 20, hl+len(ip.Options))
	b[0] = 0x40 | byte(hl/4&0x0f)
	b[1] = ip.TOS
	binary.BigEndian.PutUint16(b[2:], ip.TotalLength)
	binary.BigEndian.PutUint16(b[4:], ip.ID)
	binary.BigEndian.PutUint16(b[6:], uint16(ip.Flags)<<13|ip.FragOffset&0x1fff)
	b[8] = ip.TTL
	b[9] = ip.Protocol
	binary.BigEndian.PutUint16(b[10:], ip.Checksum)
	src, dst := d.Src.As4(), d.Dst.As4()
	copy(b[12:], src[:])
	copy(b[16:], dst[:])
	return append(b, ip.Options...)
}

func rebuildIPv6(d *decode.Packet, trans []byte) []byte {
	ip := d.IPv6
	b := make([]byte, 40, 48+len(trans))
	binary.BigEndian.PutUint32(b, 6<<28|uint32(ip.TrafficClass)<<20|ip.FlowLabel&0xfffff)
	binary.BigEndian.PutUint16(b[4:], ip.PayloadLength)
	b[6] = ip.NextHeader
	b[7] = ip.HopLimit
	src, dst := d.Src.As16(), d.Dst.As16()
	copy(b[8:], src[:])
	copy(b[24:], dst[:])
	switch {
	case len(ip.Extensions) == 0:
		return append(b, trans...)
	case ip.Extensions[0].Type == protoFragment && ip.Fragment != nil:
		// Only a fragment header can be rebuilt: the others' contents are
		// not kept.
		b[6] = protoFragment
		next := ip.NextHeader
		if len(ip.Extensions) > 1 {
			next = ip.Extensions[1].Type
		}
		f := ip.Fragment
		var m uint16
		if f.MoreFragments {
			m = 1
		}
		b = append(b, next, 0, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint16(b[42:], f.Offset<<3|m)
		binary.BigEndian.PutUint32(b[44:], f.Identification)
		return b
	default:
		b[6] = ip.Extensions[0].Type
		return b
	}
}

func rebuildTransport(d *decode.Packet) []byte {
	switch {
	case d.TCP != nil:
		t := d.TCP
		b := make([]byte, 20, max(t.HeaderLength, 20)+len(d.Payload))
		binary.BigEndian.PutUint16(b[0:], t.SrcPort)
		binary.BigEndian.PutUint16(b[2:], t.DstPort)
		binary.BigEndian.PutUint32(b[4:], t.Seq)
		binary.BigEndian.PutUint32(b[8:], t.Ack)
		binary.BigEndian.PutUint16(b[12:], uint16(t.HeaderLength/4)<<12|uint16(t.Flags)&0x1ff)
		binary.BigEndian.PutUint16(b[14:], t.Window)
		binary.BigEndian.PutUint16(b[16:], t.Checksum)
		binary.BigEndian.PutUint16(b[18:], t.Urgent)
		for _, o := range t.Options {
			if o.Kind == decode.OptEOL || o.Kind == decode.OptNOP {
				b = append(b, o.Kind)
				continue
			}
			b = append(b, o.Kind, byte(o.Length))
			b = append(b, o.Data...)
		}
		if len(b) != t.HeaderLength {
			return b[:min(len(b), max(t.HeaderLength, 20))] // options cut short, or a bad header length
		}
		return append(b, d.Payload...)
	case d.UDP != nil:
		u := d.UDP
		b := make([]byte, 8, 8+len(d.Payload))
		binary.BigEndian.PutUint16(b[0:], u.SrcPort)
		binary.BigEndian.PutUint16(b[2:], u.DstPort)
		binary.BigEndian.PutUint16(b[4:], u.Length)
		binary.BigEndian.PutUint16(b[6:], u.Checksum)
		return append(b, d.Payload...)
	case d.ICMP != nil:
		m := d.ICMP
		b := []byte{m.Type, m.Code, byte(m.Checksum >> 8), byte(m.Checksum)}
		if len(m.Rest) == 4 {
			b = append(b, m.Rest...)
			b = append(b, m.Body...)
		}
		return b
	}
	return nil
}

func rebuildARP(a *decode.ARP) []byte {
	b := make([]byte, 8, 8+2*len(a.SenderHW)+2*len(a.SenderProto))
	binary.BigEndian.PutUint16(b[0:], a.HardwareType)
	binary.BigEndian.PutUint16(b[2:], a.ProtocolType)
	b[4] = a.HardwareLen
	b[5] = a.ProtocolLen
	binary.BigEndian.PutUint16(b[6:], a.Operation)
	b = append(b, a.SenderHW...)
	b = append(b, a.SenderProto...)
	b = append(b, a.TargetHW...)
	return append(b, a.TargetProto...)
}
