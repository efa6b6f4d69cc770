// Package filter selects packets with tcpdump's filter expressions, the
// language of pcap-filter(7), evaluated in Go on decoded packets.
//
// It covers the expressions people type: protocols (ip, ip6, arp, rarp, tcp,
// udp, sctp, icmp, icmp6, igmp, ip proto N, ip6 proto N, proto N), addresses
// (host, net with /len or mask, qualified by src, dst, src or dst, src and
// dst, and by ip, ip6, arp or rarp), ports (port, portrange, qualified by
// direction and by tcp, udp or sctp), packet length (less, greater, len),
// VLAN tags (vlan, vlan ID), and comparisons of header bytes such as
// "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0". Primitives combine with and
// (&&), or (||), not (!) and parentheses; as in pcap-filter, "not" binds
// tightest and "and" and "or" have equal precedence and group from the left,
// and a bare address or port after "and" or "or" reuses the qualifiers
// before it: "host 10.0.0.1 or 10.0.0.2", "tcp port 80 or 443".
//
// The meaning is libpcap's, down to its corners: "tcp port 80" looks only at
// first fragments, "tcp" alone at every fragment; "ip" does not match a
// VLAN-tagged frame unless "vlan" comes first; the tcp[...], udp[...] and
// icmp[...] forms look at IPv4 only; and a packet whose captured bytes end
// before a byte the expression needs does not match at all, whatever "not"
// surrounds the test, unless the rest of the expression decides without it
// ("ip or tcp[100] = 1" takes a cut IPv4 packet).
//
// [Filter.BPF] compiles a filter to classic BPF, for the Linux kernel to run
// on a packet socket (SO_ATTACH_FILTER) so that a narrow filter on a busy
// interface costs the kernel, not wstrace. The program gives every packet
// the verdict MatchPacket gives it, down to the packets cut short; the Go
// evaluator stays the reference, and runs alone where the compiler cannot
// express a filter.
//
// Host and port names are not looked up: a filter names addresses, and ports
// by number or by one of a few well-known names (http, https, ...).
package filter

import (
	"strconv"
	"strings"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// Filter is a compiled filter expression. It is safe for concurrent use.
type Filter struct {
	root node // nil matches every packet
}

// Compile parses a filter expression written as tcpdump's arguments, the
// words joined by blanks: "tcp port 80 and host 10.0.0.1". An empty
// expression matches every packet. The error, an *Error, names the word of
// the expression that is wrong.
func Compile(expr string) (*Filter, error) {
	root, err := parse(expr)
	if err != nil {
		return nil, err
	}
	return &Filter{root: root}, nil
}

// MustCompile is like Compile but panics if the expression does not parse.
// It is meant for expressions fixed in the program.
func MustCompile(expr string) *Filter {
	f, err := Compile(expr)
	if err != nil {
		panic("filter: Compile(" + strconv.Quote(expr) + "): " + err.Error())
	}
	return f
}

// Match reports whether the decoded packet d matches the filter.
//
// Match sees only the headers d holds, rebuilt byte by byte where the
// expression reads raw bytes. It cannot see the packet's length on the wire
// ("less", "greater", "len"), the link-layer header ("ether[...]"), VLAN tags
// ("vlan"; tagged frames look untagged), IPv6 extension headers other than
// a fragment header, SCTP ports, or the ports of a TCP header cut short, and
// an expression that needs them does not match. When the captured packet is
// at hand, use MatchPacket, which reads its bytes as libpcap does.
func (f *Filter) Match(d *decode.Packet) bool {
	if f.root == nil {
		return true
	}
	if d == nil {
		return false
	}
	return f.eval(&packet{d: d, link: d.LinkType, wireLen: -1})
}

// MatchPacket reports whether the captured packet p matches the filter,
// reading p's bytes at the offsets libpcap's compiled filter would. d is p
// decoded (decode.Decode(p.LinkType(), p.Data, p.Length)); MatchPacket
// decodes p itself when d is nil.
func (f *Filter) MatchPacket(p *capture.Packet, d *decode.Packet) bool {
	if f.root == nil {
		return true
	}
	link := capture.LinkType(0)
	switch {
	case p.Interface != nil:
		link = p.LinkType()
	case d != nil:
		link = d.LinkType
	}
	if d == nil {
		d = decode.Decode(link, p.Data, p.Length)
	}
	wire := p.Length
	if wire < len(p.Data) {
		wire = len(p.Data)
	}
	return f.eval(&packet{d: d, link: link, data: p.Data, raw: true, wireLen: wire})
}

func (f *Filter) eval(p *packet) bool { return eval(f.root, p) == yes }

// String returns the filter in a canonical form that Compile accepts and
// that compiles to the same filter: every primitive with its qualifiers
// spelled out ("host 10.0.0.1 or host 10.0.0.2"), and parentheses wherever
// "and" and "or" mix. The empty filter is "".
func (f *Filter) String() string {
	if f.root == nil {
		return ""
	}
	var b strings.Builder
	f.root.write(&b)
	return b.String()
}
