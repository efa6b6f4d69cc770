package filter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// A node is a compiled (sub)expression.
type node interface {
	match(p *packet) bool
	// write appends the node in the canonical form String returns.
	write(b *strings.Builder)
}

// andNode, orNode and notNode are the boolean operators.
type (
	andNode struct{ l, r node }
	orNode  struct{ l, r node }
	notNode struct{ x node }
)

func (n *andNode) match(p *packet) bool { return eval(n, p) == yes }
func (n *orNode) match(p *packet) bool  { return eval(n, p) == yes }
func (n *notNode) match(p *packet) bool { return eval(n, p) == yes }

// tri is the outcome of a test: yes, no, or unknown when the test needs
// bytes the packet does not have.
type tri uint8

const (
	no tri = iota
	yes
	unknown
)

// eval evaluates n in three-valued logic: "a or b" is yes when either is
// yes, even if the other is unknown, and "a and b" is no when either is no.
// This is how libpcap's compiled, optimized filters behave: they read no
// byte whose value cannot change the outcome, so only a byte that matters
// being missing rejects the packet.
func eval(n node, p *packet) tri {
	switch n := n.(type) {
	case *andNode:
		l := eval(n.l, p)
		if l == no {
			return no
		}
		r := eval(n.r, p)
		switch {
		case r == no:
			return no
		case l == yes && r == yes:
			return yes
		}
		return unknown
	case *orNode:
		l := eval(n.l, p)
		if l == yes {
			return yes
		}
		r := eval(n.r, p)
		switch {
		case r == yes:
			return yes
		case l == no && r == no:
			return no
		}
		return unknown
	case *notNode:
		switch eval(n.x, p) {
		case yes:
			return no
		case no:
			return yes
		}
		return unknown
	}
	p.aborted = false
	v := n.match(p)
	switch {
	case p.aborted:
		return unknown
	case v:
		return yes
	}
	return no
}

func (n *andNode) write(b *strings.Builder) { writeBinary(b, n, n.l, "and", n.r) }
func (n *orNode) write(b *strings.Builder)  { writeBinary(b, n, n.l, "or", n.r) }

func (n *notNode) write(b *strings.Builder) {
	b.WriteString("not ")
	writeOperand(b, n.x, false)
}

// writeBinary writes "l op r". Operands that are themselves "and" or "or"
// get parentheses, except a left operand with the same operator: the
// operators group from the left, so "a or b or c" needs none.
func writeBinary(b *strings.Builder, n, l node, op string, r node) {
	writeOperand(b, l, sameOp(n, l))
	b.WriteString(" " + op + " ")
	writeOperand(b, r, false)
}

func sameOp(a, b node) bool {
	switch a.(type) {
	case *andNode:
		_, ok := b.(*andNode)
		return ok
	case *orNode:
		_, ok := b.(*orNode)
		return ok
	}
	return false
}

func writeOperand(b *strings.Builder, x node, bare bool) {
	switch x.(type) {
	case *andNode, *orNode:
		if !bare {
			b.WriteString("(")
			x.write(b)
			b.WriteString(")")
			return
		}
	}
	x.write(b)
}

// etherNode matches the link-layer payload type: ip, ip6, arp, rarp.
type etherNode struct {
	name      string
	etherType uint32
	vlans     int // VLAN tags an earlier "vlan" stepped over
}

func (n *etherNode) match(p *packet) bool     { return p.isEther(n.vlans, n.etherType) }
func (n *etherNode) write(b *strings.Builder) { b.WriteString(n.name) }

// family says which IP versions a primitive applies to.
type family int

const (
	anyIP family = iota
	onlyIPv4
	onlyIPv6
)

// protoNode matches an IP protocol: tcp, udp, icmp, ip proto N, ...
type protoNode struct {
	family family
	proto  uint32
	text   string // as written: "tcp", "ip proto 6"
	vlans  int
}

func (n *protoNode) match(p *packet) bool {
	return n.family != onlyIPv6 && ipv4Proto(p, n.vlans, n.proto) ||
		n.family != onlyIPv4 && ipv6Proto(p, n.vlans, n.proto)
}

func (n *protoNode) write(b *strings.Builder) { b.WriteString(n.text) }

// ipv4Proto reports whether the packet is IPv4 carrying protocol proto.
func ipv4Proto(p *packet, vlans int, proto uint32) bool {
	return p.isEther(vlans, etherIPv4) && p.loadIs(layerNet, vlans, 9, 1, proto)
}

// ipv6Proto reports whether the packet is IPv6 whose next header is proto,
// directly or behind a fragment header, as libpcap tests it.
func ipv6Proto(p *packet, vlans int, proto uint32) bool {
	if !p.isEther(vlans, etherIPv6) {
		return false
	}
	next, ok := p.load(layerNet, vlans, 6, 1)
	if !ok {
		return false
	}
	if next == proto {
		return true
	}
	return next == protoFragment && p.loadIs(layerNet, vlans, 40, 1, proto)
}

// dir is a direction qualifier.
type dir int

const (
	srcOrDst dir = iota // the default
	src
	dst
	srcAndDst
)

var dirNames = [...]string{srcOrDst: "src or dst", src: "src", dst: "dst", srcAndDst: "src and dst"}

// either combines the tests of the source and the destination as the
// direction says, reading only what it needs.
func (d dir) either(isSrc, isDst func() bool) bool {
	switch d {
	case src:
		return isSrc()
	case dst:
		return isDst()
	case srcAndDst:
		return isSrc() && isDst()
	}
	return isSrc() || isDst()
}

// hostNode matches an address or a network: host, net.
type hostNode struct {
	proto     string // "", "ip", "ip6", "arp" or "rarp"
	dir       dir
	addr      []byte // 4 or 16 bytes
	mask      []byte // as long as addr
	isNet     bool
	vlans     int
	maskWords bool // net written with "mask": keep that form
}

func (n *hostNode) match(p *packet) bool {
	if len(n.addr) == 16 {
		if !p.isEther(n.vlans, etherIPv6) {
			return false
		}
		return n.dir.either(
			func() bool { return n.equal(p, 8) },
			func() bool { return n.equal(p, 24) })
	}
	t, ok := p.etherType(n.vlans)
	if !ok {
		return false
	}
	var srcOff, dstOff uint32
	switch {
	case t == etherIPv4 && (n.proto == "" || n.proto == "ip"):
		srcOff, dstOff = 12, 16
	case t == etherARP && (n.proto == "" || n.proto == "arp"),
		t == etherRARP && (n.proto == "" || n.proto == "rarp"):
		srcOff, dstOff = 14, 24
	default:
		return false
	}
	return n.dir.either(
		func() bool { return n.equal(p, srcOff) },
		func() bool { return n.equal(p, dstOff) })
}

// equal reports whether the address at off in the network header, masked,
// is the node's.
func (n *hostNode) equal(p *packet, off uint32) bool {
	for i := 0; i < len(n.addr); i += 4 {
		w, ok := p.load(layerNet, n.vlans, off+uint32(i), 4)
		if !ok {
			return false
		}
		mask := uint32(n.mask[i])<<24 | uint32(n.mask[i+1])<<16 | uint32(n.mask[i+2])<<8 | uint32(n.mask[i+3])
		addr := uint32(n.addr[i])<<24 | uint32(n.addr[i+1])<<16 | uint32(n.addr[i+2])<<8 | uint32(n.addr[i+3])
		if w&mask != addr {
			return false
		}
	}
	return true
}

func (n *hostNode) write(b *strings.Builder) {
	if n.proto != "" {
		b.WriteString(n.proto + " ")
	}
	if n.dir != srcOrDst {
		b.WriteString(dirNames[n.dir] + " ")
	}
	addr, _ := netip.AddrFromSlice(n.addr)
	if !n.isNet {
		b.WriteString("host " + addr.String())
		return
	}
	bits, contiguous := maskBits(n.mask)
	if n.maskWords || !contiguous {
		mask, _ := netip.AddrFromSlice(n.mask)
		b.WriteString("net " + addr.String() + " mask " + mask.String())
		return
	}
	fmt.Fprintf(b, "net %s/%d", addr, bits)
}

// maskBits returns the prefix length of a mask, and whether the mask is a
// prefix at all.
func maskBits(mask []byte) (int, bool) {
	bits := 0
	for _, m := range mask {
		for i := 7; i >= 0; i-- {
			if m&(1<<i) == 0 {
				goto rest
			}
			bits++
		}
	}
	return bits, true
rest:
	for i := bits / 8; i < len(mask); i++ {
		m := mask[i]
		if i == bits/8 {
			m &= 0xff >> (bits % 8)
		}
		if m != 0 {
			return bits, false
		}
	}
	return bits, true
}

// portNode matches a port or a port range: port, portrange.
type portNode struct {
	proto   uint32 // protoTCP, protoUDP, protoSCTP, or 0 for any of them
	dir     dir
	lo, hi  uint32
	isRange bool
	vlans   int
}

func (n *portNode) carries(proto uint32) bool {
	if n.proto == 0 {
		return proto == protoTCP || proto == protoUDP || proto == protoSCTP
	}
	return proto == n.proto
}

func (n *portNode) match(p *packet) bool {
	t, ok := p.etherType(n.vlans)
	if !ok {
		return false
	}
	var l layer
	switch t {
	case etherIPv6:
		next, ok := p.load(layerNet, n.vlans, 6, 1)
		if !ok || !n.carries(next) {
			return false
		}
		l = layerIPv6Next
	case etherIPv4:
		proto, ok := p.load(layerNet, n.vlans, 9, 1)
		if !ok || !n.carries(proto) {
			return false
		}
		frag, ok := p.load(layerNet, n.vlans, 6, 2)
		if !ok || frag&0x1fff != 0 {
			return false // only the first fragment has the ports
		}
		l = layerIPv4Next
	default:
		return false
	}
	in := func(off uint32) bool {
		v, ok := p.load(l, n.vlans, off, 2)
		return ok && n.lo <= v && v <= n.hi
	}
	return n.dir.either(func() bool { return in(0) }, func() bool { return in(2) })
}

func (n *portNode) write(b *strings.Builder) {
	switch n.proto {
	case protoTCP:
		b.WriteString("tcp ")
	case protoUDP:
		b.WriteString("udp ")
	case protoSCTP:
		b.WriteString("sctp ")
	}
	if n.dir != srcOrDst {
		b.WriteString(dirNames[n.dir] + " ")
	}
	if n.isRange {
		fmt.Fprintf(b, "portrange %d-%d", n.lo, n.hi)
		return
	}
	fmt.Fprintf(b, "port %d", n.lo)
}

// lengthNode matches the packet's length on the wire: less, greater.
type lengthNode struct {
	greater bool
	n       uint32
}

func (n *lengthNode) match(p *packet) bool {
	if p.wireLen < 0 {
		return p.fail()
	}
	if n.greater {
		return uint32(p.wireLen) >= n.n
	}
	return uint32(p.wireLen) <= n.n
}

func (n *lengthNode) write(b *strings.Builder) {
	if n.greater {
		fmt.Fprintf(b, "greater %d", n.n)
		return
	}
	fmt.Fprintf(b, "less %d", n.n)
}

// vlanNode matches an 802.1Q or 802.1ad tag, and makes the primitives after
// it in the expression look behind the tag (libpcap's rule).
type vlanNode struct {
	id    int // -1 for any
	vlans int // tags earlier "vlan" primitives stepped over
}

func (n *vlanNode) match(p *packet) bool {
	if !p.raw {
		return p.fail()
	}
	off, ok := p.typeOffset(n.vlans)
	if !ok {
		return false
	}
	t, ok := p.load(layerLink, 0, uint32(off), 2)
	if !ok || t != 0x8100 && t != 0x88a8 && t != 0x9100 {
		return false
	}
	if n.id < 0 {
		return true
	}
	tci, ok := p.load(layerLink, 0, uint32(off)+2, 2)
	return ok && int(tci&0x0fff) == n.id
}

func (n *vlanNode) write(b *strings.Builder) {
	b.WriteString("vlan")
	if n.id >= 0 {
		b.WriteString(" " + strconv.Itoa(n.id))
	}
}

// relNode compares two arithmetic expressions: "tcp[13] & 2 != 0".
type relNode struct {
	op   string // one of = != < <= > >=
	l, r arith
}

func (n *relNode) match(p *packet) bool {
	// libpcap tests the protocol of every header the expression reads
	// before it reads anything.
	if !n.l.guard(p) || !n.r.guard(p) {
		return false
	}
	a, ok := n.l.eval(p)
	if !ok {
		return false
	}
	c, ok := n.r.eval(p)
	if !ok {
		return false
	}
	switch n.op {
	case "=", "==":
		return a == c
	case "!=":
		return a != c
	case "<":
		return a < c
	case "<=":
		return a <= c
	case ">":
		return a > c
	}
	return a >= c
}

func (n *relNode) write(b *strings.Builder) {
	n.l.write(b, 0)
	b.WriteString(" " + n.op + " ")
	n.r.write(b, 0)
}
