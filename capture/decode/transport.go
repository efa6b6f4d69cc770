package decode

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
)

func (d *decoded) decodeTCP(b []byte, length int) {
	if len(b) < 20 {
		d.Problem = "truncated TCP header"
		return
	}
	t := &d.mem.tcp
	*t = TCP{
		SrcPort:      binary.BigEndian.Uint16(b[0:]),
		DstPort:      binary.BigEndian.Uint16(b[2:]),
		Seq:          binary.BigEndian.Uint32(b[4:]),
		Ack:          binary.BigEndian.Uint32(b[8:]),
		HeaderLength: int(b[12]>>4) * 4,
		Flags:        TCPFlags(b[13]) | TCPFlags(b[12]&1)<<8,
		Window:       binary.BigEndian.Uint16(b[14:]),
		Checksum:     binary.BigEndian.Uint16(b[16:]),
		Urgent:       binary.BigEndian.Uint16(b[18:]),
	}
	d.TCP = t
	hl := t.HeaderLength
	if hl < 20 {
		d.Problem = fmt.Sprintf("bad TCP header length %d", hl)
		return
	}
	if hl > length {
		d.Problem = fmt.Sprintf("TCP header length %d longer than the segment (%d)", hl, length)
		return
	}
	opts := b[20:min(hl, len(b))]
	if len(opts) > 0 {
		t.Options = d.mem.options[:0]
	}
	if problem := t.parseOptions(opts); problem != "" {
		d.Problem = problem
	}
	if len(b) < hl {
		d.Problem = "truncated TCP header"
		return
	}
	d.Payload = b[hl:]
	d.PayloadLength = length - hl
}

// parseOptions fills t.Options from the option bytes and says what was wrong
// with them, if anything.
func (t *TCP) parseOptions(b []byte) string {
	for len(b) > 0 {
		kind := b[0]
		if kind == OptEOL || kind == OptNOP {
			t.Options = append(t.Options, TCPOption{Kind: kind, Length: 1})
			if kind == OptEOL {
				return ""
			}
			b = b[1:]
			continue
		}
		if len(b) < 2 {
			t.Options = append(t.Options, TCPOption{Kind: kind})
			return "truncated TCP option"
		}
		n := int(b[1])
		if n < 2 {
			t.Options = append(t.Options, TCPOption{Kind: kind, Length: n})
			return fmt.Sprintf("bad TCP option length %d", n)
		}
		if n > len(b) {
			t.Options = append(t.Options, TCPOption{Kind: kind, Length: n, Data: b[2:]})
			return fmt.Sprintf("TCP option length %d runs past the header", n)
		}
		t.Options = append(t.Options, TCPOption{Kind: kind, Length: n, Data: b[2:n:n]})
		b = b[n:]
	}
	return ""
}

func (d *decoded) decodeUDP(b []byte, length int) {
	if len(b) < 8 {
		d.Problem = "truncated UDP header"
		return
	}
	u := &UDP{
		SrcPort:  binary.BigEndian.Uint16(b[0:]),
		DstPort:  binary.BigEndian.Uint16(b[2:]),
		Length:   binary.BigEndian.Uint16(b[4:]),
		Checksum: binary.BigEndian.Uint16(b[6:]),
	}
	d.UDP = u
	n := length - 8
	if ul := int(u.Length); ul >= 8 && ul-8 < n {
		n = ul - 8
	} else if ul < 8 && !(ul == 0 && length > 65535) {
		d.Problem = fmt.Sprintf("bad UDP length %d", ul)
	}
	if n < 0 {
		n = 0
	}
	d.Payload = b[8:min(len(b), 8+n)]
	d.PayloadLength = n
}

// ICMP holds the fixed part of an ICMP or ICMPv6 message.
type ICMP struct {
	V6       bool // ICMPv6
	Type     uint8
	Code     uint8
	Checksum uint16
	// Rest holds the four bytes after the checksum (identifier and sequence
	// number of an echo, MTU, pointer, ...), when captured.
	Rest []byte
	// Body holds the captured bytes after those eight.
	Body []byte
}

// IsEcho reports whether the message is an echo request or reply, and which.
func (m *ICMP) IsEcho() (echo, request bool) {
	if m.V6 {
		return m.Type == 128 || m.Type == 129, m.Type == 128
	}
	return m.Type == 8 || m.Type == 0, m.Type == 8
}

// ID returns the identifier of an echo message.
func (m *ICMP) ID() uint16 {
	if len(m.Rest) < 4 {
		return 0
	}
	return binary.BigEndian.Uint16(m.Rest)
}

// Seq returns the sequence number of an echo message.
func (m *ICMP) Seq() uint16 {
	if len(m.Rest) < 4 {
		return 0
	}
	return binary.BigEndian.Uint16(m.Rest[2:])
}

func (d *decoded) decodeICMP(b []byte, v6 bool) {
	if len(b) < 4 {
		d.Problem = "truncated ICMP header"
		return
	}
	m := &ICMP{V6: v6, Type: b[0], Code: b[1], Checksum: binary.BigEndian.Uint16(b[2:])}
	d.ICMP = m
	if len(b) < 8 {
		d.Problem = "truncated ICMP header"
		return
	}
	m.Rest = b[4:8:8]
	m.Body = b[8:]
}

// ARP operations.
const (
	ARPRequest = 1
	ARPReply   = 2
)

// ARP holds an ARP (or RARP) message.
type ARP struct {
	HardwareType uint16
	ProtocolType uint16
	HardwareLen  uint8
	ProtocolLen  uint8
	Operation    uint16
	// Sender and target hardware and protocol addresses, as long as the
	// length fields say.
	SenderHW, SenderProto, TargetHW, TargetProto []byte
}

// SenderIP returns the sender protocol address as an IPv4 address, or the
// zero Addr when it is not one.
func (a *ARP) SenderIP() netip.Addr { return ipv4(a.SenderProto) }

// TargetIP returns the target protocol address as an IPv4 address, or the
// zero Addr when it is not one.
func (a *ARP) TargetIP() netip.Addr { return ipv4(a.TargetProto) }

// SenderMAC returns the sender hardware address.
func (a *ARP) SenderMAC() net.HardwareAddr { return net.HardwareAddr(a.SenderHW) }

func ipv4(b []byte) netip.Addr {
	if len(b) != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(b))
}

func (d *decoded) decodeARP(b []byte) {
	if len(b) < 8 {
		d.Problem = "truncated ARP header"
		return
	}
	a := &ARP{
		HardwareType: binary.BigEndian.Uint16(b[0:]),
		ProtocolType: binary.BigEndian.Uint16(b[2:]),
		HardwareLen:  b[4],
		ProtocolLen:  b[5],
		Operation:    binary.BigEndian.Uint16(b[6:]),
	}
	d.ARP = a
	hl, pl := int(a.HardwareLen), int(a.ProtocolLen)
	if len(b) < 8+2*hl+2*pl {
		d.Problem = "truncated ARP message"
		return
	}
	p := 8
	next := func(n int) []byte { s := b[p : p+n : p+n]; p += n; return s }
	a.SenderHW = next(hl)
	a.SenderProto = next(pl)
	a.TargetHW = next(hl)
	a.TargetProto = next(pl)
}
