package live

import (
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// TCPPort returns a filter for Options.Filter that keeps the TCP segments
// whose source or destination port is port, like tcpdump's "tcp port N". It
// reads the headers with package decode, so it knows every link type decode
// does (among them those a live capture produces: EN10MB with VLAN tags,
// Linux cooked v1 and v2, raw IP). It skips IPv4 fragments after the first,
// follows IPv6 extension headers to the TCP header, and skips IPv6 fragments
// after the first; a segment must have its 20-byte fixed TCP header
// captured.
func TCPPort(port uint16) func(*capture.Packet) bool {
	return func(p *capture.Packet) bool {
		tcp := tcpOf(p)
		return tcp != nil && (tcp.SrcPort == port || tcp.DstPort == port)
	}
}

// tcpOf returns the TCP header of a packet, or nil when the packet is not a
// TCP segment whose fixed header was captured.
func tcpOf(p *capture.Packet) *decode.TCP {
	if p == nil || p.Interface == nil {
		return nil
	}
	return decode.Decode(p.Interface.LinkType, p.Data, p.Length).TCP
}
