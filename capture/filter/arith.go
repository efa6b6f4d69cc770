package filter

import (
	"strconv"
	"strings"
)

// arith is an arithmetic expression over 32-bit unsigned integers, as in a
// BPF program: "tcp[13] & 0x12", "len - 14".
type arith interface {
	// guard reports whether the packet has every header the expression
	// reads (an IPv4 TCP first fragment for "tcp[13]", ...).
	guard(p *packet) bool
	// eval computes the value; ok is false when a byte it needs is not
	// captured, or it divides by zero.
	eval(p *packet) (v uint32, ok bool)
	// write appends the expression; ctx is the precedence of where it goes,
	// and an expression binding less tightly gets parentheses.
	write(b *strings.Builder, ctx int)
}

// Precedences of the arithmetic operators, loosest first, as in libpcap.
// "^" has none there: it takes everything to its right as its right operand,
// and binds to the single operand on its left.
var arithPrec = map[string]int{
	"|":  1,
	"&":  2,
	"<<": 3, ">>": 3,
	"+": 4, "-": 4,
	"*": 5, "/": 5, "%": 5,
}

const (
	precUnary   = 6
	precPrimary = 7
)

// numArith is a constant, as written: "0x12", "tcp-syn".
type numArith struct {
	v    uint32
	text string
}

func (n *numArith) guard(*packet) bool              { return true }
func (n *numArith) eval(*packet) (uint32, bool)     { return n.v, true }
func (n *numArith) write(b *strings.Builder, _ int) { b.WriteString(n.text) }

// lenArith is the packet's length on the wire.
type lenArith struct{}

func (lenArith) guard(*packet) bool { return true }

func (lenArith) eval(p *packet) (uint32, bool) {
	if p.wireLen < 0 {
		return 0, p.fail()
	}
	return uint32(p.wireLen), true
}

func (lenArith) write(b *strings.Builder, _ int) { b.WriteString("len") }

// loadArith reads bytes of a header: "tcp[13]", "ip[2:2]".
type loadArith struct {
	proto string // the protocol named before the brackets
	off   arith
	size  int // 1, 2 or 4
	vlans int
}

// loadLayers maps the protocols whose headers can be read to where their
// offsets count from.
var loadLayers = map[string]layer{
	"ether": layerLink,
	"ip":    layerNet, "ip6": layerNet, "arp": layerNet, "rarp": layerNet,
	"tcp": layerIPv4Next, "udp": layerIPv4Next, "sctp": layerIPv4Next,
	"icmp": layerIPv4Next, "igmp": layerIPv4Next,
	"icmp6": layerIPv6Next,
}

func (n *loadArith) guard(p *packet) bool {
	if !n.off.guard(p) {
		return false
	}
	switch n.proto {
	case "ip":
		return p.isEther(n.vlans, etherIPv4)
	case "ip6":
		return p.isEther(n.vlans, etherIPv6)
	case "arp":
		return p.isEther(n.vlans, etherARP)
	case "rarp":
		return p.isEther(n.vlans, etherRARP)
	case "icmp6":
		return p.isEther(n.vlans, etherIPv6) && p.loadIs(layerNet, n.vlans, 6, 1, protoICMPv6)
	case "ether":
		return true
	}
	// A transport header over IPv4: only in the first fragment.
	if !ipv4Proto(p, n.vlans, ipProtocols[n.proto]) {
		return false
	}
	frag, ok := p.load(layerNet, n.vlans, 6, 2)
	return ok && frag&0x1fff == 0
}

func (n *loadArith) eval(p *packet) (uint32, bool) {
	off, ok := n.off.eval(p)
	if !ok {
		return 0, false
	}
	return p.load(loadLayers[n.proto], n.vlans, off, n.size)
}

func (n *loadArith) write(b *strings.Builder, _ int) {
	b.WriteString(n.proto + "[")
	n.off.write(b, 0)
	if n.size != 1 {
		b.WriteString(":" + strconv.Itoa(n.size))
	}
	b.WriteString("]")
}

// binArith is a binary operation.
type binArith struct {
	op   string
	l, r arith
}

func (n *binArith) guard(p *packet) bool { return n.l.guard(p) && n.r.guard(p) }

func (n *binArith) eval(p *packet) (uint32, bool) {
	a, ok := n.l.eval(p)
	if !ok {
		return 0, false
	}
	c, ok := n.r.eval(p)
	if !ok {
		return 0, false
	}
	switch n.op {
	case "+":
		return a + c, true
	case "-":
		return a - c, true
	case "*":
		return a * c, true
	case "/", "%":
		if c == 0 {
			return 0, p.fail() // a BPF program rejects the packet
		}
		if n.op == "/" {
			return a / c, true
		}
		return a % c, true
	case "&":
		return a & c, true
	case "|":
		return a | c, true
	case "^":
		return a ^ c, true
	case "<<":
		return a << c, true
	}
	return a >> c, true
}

func (n *binArith) write(b *strings.Builder, ctx int) {
	if n.op == "^" {
		paren := ctx > 0
		if paren {
			b.WriteString("(")
		}
		n.l.write(b, precPrimary)
		b.WriteString(" ^ ")
		n.r.write(b, 0)
		if paren {
			b.WriteString(")")
		}
		return
	}
	prec := arithPrec[n.op]
	paren := prec < ctx
	if paren {
		b.WriteString("(")
	}
	n.l.write(b, prec)
	b.WriteString(" " + n.op + " ")
	n.r.write(b, prec+1)
	if paren {
		b.WriteString(")")
	}
}

// negArith is unary minus.
type negArith struct{ x arith }

func (n *negArith) guard(p *packet) bool { return n.x.guard(p) }

func (n *negArith) eval(p *packet) (uint32, bool) {
	v, ok := n.x.eval(p)
	return -v, ok
}

func (n *negArith) write(b *strings.Builder, ctx int) {
	paren := ctx > precUnary
	if paren {
		b.WriteString("(")
	}
	b.WriteString("-")
	n.x.write(b, precUnary)
	if paren {
		b.WriteString(")")
	}
}

// constants are the names libpcap gives header offsets and field values.
var constants = map[string]uint32{
	"tcpflags": 13,
	"tcp-fin":  0x01, "tcp-syn": 0x02, "tcp-rst": 0x04, "tcp-push": 0x08,
	"tcp-ack": 0x10, "tcp-urg": 0x20, "tcp-ece": 0x40, "tcp-cwr": 0x80,

	"icmptype": 0, "icmpcode": 1,
	"icmp-echoreply": 0, "icmp-unreach": 3, "icmp-sourcequench": 4,
	"icmp-redirect": 5, "icmp-echo": 8, "icmp-routeradvert": 9,
	"icmp-routersolicit": 10, "icmp-timxceed": 11, "icmp-paramprob": 12,
	"icmp-tstamp": 13, "icmp-tstampreply": 14, "icmp-ireq": 15,
	"icmp-ireqreply": 16, "icmp-maskreq": 17, "icmp-maskreply": 18,

	"icmp6type": 0, "icmp6code": 1,
	"icmp6-destinationunreach": 1, "icmp6-packettoobig": 2,
	"icmp6-timeexceeded": 3, "icmp6-parameterproblem": 4,
	"icmp6-echo": 128, "icmp6-echoreply": 129,
	"icmp6-multicastlistenerquery": 130, "icmp6-multicastlistenerreportv1": 131,
	"icmp6-multicastlistenerdone": 132, "icmp6-routersolicit": 133,
	"icmp6-routeradvert": 134, "icmp6-neighborsolicit": 135,
	"icmp6-neighboradvert": 136, "icmp6-redirect": 137,
}
