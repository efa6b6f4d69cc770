package filter

import (
	"errors"
	"fmt"

	"golang.org/x/net/bpf"

	"github.com/wstrace/wstrace/capture"
)

// ErrNotExpressible is wrapped by the error BPF returns when a filter
// cannot be compiled to classic BPF for the link type asked for; the filter
// must then run in user space.
var ErrNotExpressible = errors.New("filter: not expressible in classic BPF")

// BPFOptions says what the program BPF compiles is for.
type BPFOptions struct {
	// SnapLen is what the program returns for a packet that matches: the
	// most bytes of it to keep. 0 means 262144.
	SnapLen uint32
	// Cooked says the program runs in the Linux kernel on a SOCK_DGRAM
	// packet socket (LINUX_SLL and LINUX_SLL2 captures), which sees the
	// packet without the link-layer header the capture puts in front: the
	// program then reads the header's protocol field through the kernel's
	// ancillary data (SKF_AD_PROTOCOL), counts offsets from the network
	// header, and adds the header's length to "len". A filter that reads any
	// other byte of that header is not expressible.
	Cooked bool
}

// BPF compiles the filter to a classic BPF program (the language of Linux
// socket filters and of libpcap) for packets of the given link type. The
// program returns opts.SnapLen for exactly the packets MatchPacket accepts,
// and 0 for the others: every byte it reads is checked against the packet's
// length first, so a packet too short for a test gets the verdict
// MatchPacket gives it, not the whole program's rejection. "len", "less" and
// "greater" read the packet's length as the BPF machine knows it, which is
// its length on the wire in the Linux kernel.
//
// The link types compiled are EN10MB, LINUX_SLL and LINUX_SLL2; for other
// link types, and for expressions that need more scratch memory or longer
// jumps than classic BPF has, the error wraps ErrNotExpressible.
func (f *Filter) BPF(link capture.LinkType, opts BPFOptions) ([]bpf.Instruction, error) {
	snap := opts.SnapLen
	if snap == 0 {
		snap = 262144
	}
	if f.root == nil {
		return []bpf.Instruction{bpf.RetConstant{Val: snap}}, nil
	}
	c := &compiler{link: link}
	switch link {
	case capture.LinkTypeEthernet:
	case capture.LinkTypeLinuxSLL:
		if opts.Cooked {
			c.hdr = sllLen
		}
	case capture.LinkTypeLinuxSLL2:
		if opts.Cooked {
			c.hdr = sll2Len
		}
	default:
		return nil, fmt.Errorf("%w: the compiler does not know link type %v", ErrNotExpressible, link)
	}
	c.probe = &packet{link: link}
	accept, reject := c.newLabel(), c.newLabel()
	c.yes(f.root, accept, reject)
	c.place(accept)
	c.emit(bpf.RetConstant{Val: snap})
	c.place(reject)
	c.emit(bpf.RetConstant{Val: 0})
	if c.err != nil {
		return nil, c.err
	}
	return c.resolve()
}

// Lengths of the Linux cooked headers.
const (
	sllLen  = 16
	sll2Len = 20
)

// maxInstructions is the longest program the Linux kernel accepts
// (BPF_MAXINSNS).
const maxInstructions = 4096

// A label is a place in the program jumps go to; pc is -1 until placed.
type label struct{ pc int }

// op is one instruction of the program being built: an instruction, or a
// jump to labels.
type op struct {
	ins  bpf.Instruction
	cond bpf.JumpTest // for a conditional jump
	val  uint32
	x    bool   // compare with X rather than val
	t, f *label // conditional targets; t alone for an unconditional jump
}

// compiler builds a program. Every jump goes forward: a node's code jumps
// to labels placed after it.
type compiler struct {
	link    capture.LinkType
	hdr     uint32  // bytes in front of the packet the kernel does not show
	probe   *packet // a packet of the link type, for its fixed offsets
	ops     []op
	scratch int // scratch memory slots in use
	err     error
}

func (c *compiler) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrNotExpressible}, args...)...)
	}
}

func (c *compiler) newLabel() *label         { return &label{pc: -1} }
func (c *compiler) place(l *label)           { l.pc = len(c.ops) }
func (c *compiler) emit(ins bpf.Instruction) { c.ops = append(c.ops, op{ins: ins}) }
func (c *compiler) ja(l *label)              { c.ops = append(c.ops, op{t: l}) }

// jump emits "if A cond val goto t else goto f".
func (c *compiler) jump(cond bpf.JumpTest, val uint32, t, f *label) {
	c.ops = append(c.ops, op{cond: cond, val: val, t: t, f: f})
}

// jumpX emits "if A cond X goto t else goto f".
func (c *compiler) jumpX(cond bpf.JumpTest, t, f *label) {
	c.ops = append(c.ops, op{cond: cond, x: true, t: t, f: f})
}

// resolve turns the labels into skips.
func (c *compiler) resolve() ([]bpf.Instruction, error) {
	if len(c.ops) > maxInstructions {
		return nil, fmt.Errorf("%w: %d instructions, more than the kernel's %d", ErrNotExpressible, len(c.ops), maxInstructions)
	}
	prog := make([]bpf.Instruction, len(c.ops))
	for pc, o := range c.ops {
		if o.t == nil {
			prog[pc] = o.ins
			continue
		}
		skip := func(l *label) (uint32, error) {
			if l.pc <= pc {
				return 0, fmt.Errorf("filter: internal error: jump from %d to %d", pc, l.pc)
			}
			return uint32(l.pc - pc - 1), nil
		}
		st, err := skip(o.t)
		if err != nil {
			return nil, err
		}
		if o.f == nil {
			prog[pc] = bpf.Jump{Skip: st}
			continue
		}
		sf, err := skip(o.f)
		if err != nil {
			return nil, err
		}
		if st > 255 || sf > 255 {
			return nil, fmt.Errorf("%w: a jump longer than 255 instructions", ErrNotExpressible)
		}
		if o.x {
			prog[pc] = bpf.JumpIfX{Cond: o.cond, SkipTrue: uint8(st), SkipFalse: uint8(sf)}
		} else {
			prog[pc] = bpf.JumpIf{Cond: o.cond, Val: o.val, SkipTrue: uint8(st), SkipFalse: uint8(sf)}
		}
	}
	return prog, nil
}

// yes compiles "n evaluates to yes": jump to t if so, else to f. no
// compiles "n evaluates to no". A packet too short for a test makes the
// test neither yes nor no, which is how eval's three-valued logic becomes
// two-valued code: "not" swaps yes and no, and "and" and "or" combine them
// as in ordinary logic.
func (c *compiler) yes(n node, t, f *label) {
	switch n := n.(type) {
	case *andNode:
		m := c.newLabel()
		c.yes(n.l, m, f)
		c.place(m)
		c.yes(n.r, t, f)
	case *orNode:
		m := c.newLabel()
		c.yes(n.l, t, m)
		c.place(m)
		c.yes(n.r, t, f)
	case *notNode:
		c.no(n.x, t, f)
	default:
		c.leaf(n, t, f, f)
	}
}

func (c *compiler) no(n node, t, f *label) {
	switch n := n.(type) {
	case *andNode:
		m := c.newLabel()
		c.no(n.l, t, m)
		c.place(m)
		c.no(n.r, t, f)
	case *orNode:
		m := c.newLabel()
		c.no(n.l, m, f)
		c.place(m)
		c.no(n.r, t, f)
	case *notNode:
		c.yes(n.x, t, f)
	default:
		c.leaf(n, f, t, f)
	}
}

// leaf compiles a primitive: jump to t when it matches, f when not, and u
// when it reads a byte the packet does not have. The code tests in the
// order the primitive's match method does, so that it reaches the same one
// of the three.
func (c *compiler) leaf(n node, t, f, u *label) {
	switch n := n.(type) {
	case *etherNode:
		c.etherType(n.vlans, u)
		c.jump(bpf.JumpEqual, n.etherType, t, f)
	case *protoNode:
		if n.family != onlyIPv6 {
			next := c.newLabel()
			c.ipv4Proto(n.vlans, n.proto, t, next, u)
			c.place(next)
		}
		if n.family != onlyIPv4 {
			c.ipv6Proto(n.vlans, n.proto, t, f, u)
		} else {
			c.ja(f)
		}
	case *hostNode:
		c.host(n, t, f, u)
	case *portNode:
		c.port(n, t, f, u)
	case *lengthNode:
		c.wireLen()
		if n.greater {
			c.jump(bpf.JumpGreaterOrEqual, n.n, t, f)
		} else {
			c.jump(bpf.JumpGreaterThan, n.n, f, t)
		}
	case *vlanNode:
		c.vlan(n, t, f, u)
	case *relNode:
		c.rel(n, t, f, u)
	default:
		c.fail("primitive %T", n)
		c.ja(f)
	}
}

// need jumps to u unless the packet has its first end bytes.
func (c *compiler) need(end uint64, u *label) {
	if end <= uint64(c.hdr) {
		return // the header is always there
	}
	end -= uint64(c.hdr)
	if end > 0xffffffff {
		c.ja(u)
		return
	}
	ok := c.newLabel()
	c.emit(bpf.LoadExtension{Num: bpf.ExtLen})
	c.jump(bpf.JumpGreaterOrEqual, uint32(end), ok, u)
	c.place(ok)
}

// loadAbs loads size bytes at off into A, or jumps to u if the packet ends
// before them.
func (c *compiler) loadAbs(off uint64, size int, u *label) {
	c.need(off+uint64(size), u)
	if off+uint64(size) > 0xffffffff {
		return // need jumped to u
	}
	switch {
	case off >= uint64(c.hdr):
		c.emit(bpf.LoadAbsolute{Off: uint32(off) - c.hdr, Size: size})
	case size == 2 && c.isProtocolField(off):
		c.emit(bpf.LoadExtension{Num: bpf.ExtProto})
	default:
		c.fail("reads byte %d of the link-layer header, which the kernel does not show a cooked socket", off)
	}
}

// isProtocolField reports whether off is where the cooked header holds the
// packet's protocol.
func (c *compiler) isProtocolField(off uint64) bool {
	switch c.link {
	case capture.LinkTypeLinuxSLL:
		return off == sllLen-2
	case capture.LinkTypeLinuxSLL2:
		return off == 0
	}
	return false
}

// wireLen loads the packet's length on the wire into A.
func (c *compiler) wireLen() {
	c.emit(bpf.LoadExtension{Num: bpf.ExtLen})
	if c.hdr > 0 {
		c.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: c.hdr})
	}
}

// etherType loads the Ethernet type behind vlans VLAN tags into A.
func (c *compiler) etherType(vlans int, u *label) {
	off, ok := c.probe.typeOffset(vlans)
	if !ok {
		c.fail("no Ethernet type in link type %v", c.link)
		return
	}
	c.loadAbs(uint64(off), 2, u)
}

func (c *compiler) netOffset(vlans int) uint64 { return uint64(c.probe.netOffset(vlans)) }

// loadNet loads size bytes at off in the network header into A.
func (c *compiler) loadNet(vlans int, off uint32, size int, u *label) {
	c.loadAbs(c.netOffset(vlans)+uint64(off), size, u)
}

// ipv4Proto compiles ipv4Proto.
func (c *compiler) ipv4Proto(vlans int, proto uint32, t, f, u *label) {
	l := c.newLabel()
	c.etherType(vlans, u)
	c.jump(bpf.JumpEqual, etherIPv4, l, f)
	c.place(l)
	c.loadNet(vlans, 9, 1, u)
	c.jump(bpf.JumpEqual, proto, t, f)
}

// ipv6Proto compiles ipv6Proto.
func (c *compiler) ipv6Proto(vlans int, proto uint32, t, f, u *label) {
	l1, l2, l3 := c.newLabel(), c.newLabel(), c.newLabel()
	c.etherType(vlans, u)
	c.jump(bpf.JumpEqual, etherIPv6, l1, f)
	c.place(l1)
	c.loadNet(vlans, 6, 1, u)
	c.jump(bpf.JumpEqual, proto, t, l2)
	c.place(l2)
	c.jump(bpf.JumpEqual, protoFragment, l3, f)
	c.place(l3)
	c.loadNet(vlans, 40, 1, u)
	c.jump(bpf.JumpEqual, proto, t, f)
}

// either compiles dir.either with the source and destination tests.
func (c *compiler) either(d dir, isSrc, isDst func(t, f *label), t, f *label) {
	switch d {
	case src:
		isSrc(t, f)
	case dst:
		isDst(t, f)
	case srcAndDst:
		m := c.newLabel()
		isSrc(m, f)
		c.place(m)
		isDst(t, f)
	default:
		m := c.newLabel()
		isSrc(t, m)
		c.place(m)
		isDst(t, f)
	}
}

func (c *compiler) host(n *hostNode, t, f, u *label) {
	equal := func(off uint32) func(t, f *label) {
		return func(t, f *label) {
			for i := 0; i < len(n.addr); i += 4 {
				mask := uint32(n.mask[i])<<24 | uint32(n.mask[i+1])<<16 | uint32(n.mask[i+2])<<8 | uint32(n.mask[i+3])
				addr := uint32(n.addr[i])<<24 | uint32(n.addr[i+1])<<16 | uint32(n.addr[i+2])<<8 | uint32(n.addr[i+3])
				c.loadNet(n.vlans, off+uint32(i), 4, u)
				if mask != 0xffffffff {
					c.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mask})
				}
				next := t
				if i+4 < len(n.addr) {
					next = c.newLabel()
				}
				c.jump(bpf.JumpEqual, addr, next, f)
				if next != t {
					c.place(next)
				}
			}
		}
	}
	if len(n.addr) == 16 {
		l := c.newLabel()
		c.etherType(n.vlans, u)
		c.jump(bpf.JumpEqual, etherIPv6, l, f)
		c.place(l)
		c.either(n.dir, equal(8), equal(24), t, f)
		return
	}
	c.etherType(n.vlans, u)
	lip, larp := c.newLabel(), c.newLabel()
	type arm struct {
		proto string
		t     uint32
		to    *label
	}
	for _, a := range []arm{{"ip", etherIPv4, lip}, {"arp", etherARP, larp}, {"rarp", etherRARP, larp}} {
		if n.proto != "" && n.proto != a.proto {
			continue
		}
		next := c.newLabel()
		c.jump(bpf.JumpEqual, a.t, a.to, next)
		c.place(next)
	}
	c.ja(f)
	c.place(lip)
	c.either(n.dir, equal(12), equal(16), t, f)
	c.place(larp)
	c.either(n.dir, equal(14), equal(24), t, f)
}

func (c *compiler) port(n *portNode, t, f, u *label) {
	carries := func(ok *label) {
		if n.proto != 0 {
			c.jump(bpf.JumpEqual, n.proto, ok, f)
			return
		}
		for i, p := range []uint32{protoTCP, protoUDP, protoSCTP} {
			next := f
			if i < 2 {
				next = c.newLabel()
			}
			c.jump(bpf.JumpEqual, p, ok, next)
			if next != f {
				c.place(next)
			}
		}
	}
	ports := func(l layer) {
		in := func(off uint32) func(t, f *label) {
			return func(t, f *label) {
				c.loadLayer(l, n.vlans, off, 2, u)
				if n.lo == n.hi {
					c.jump(bpf.JumpEqual, n.lo, t, f)
					return
				}
				m := c.newLabel()
				c.jump(bpf.JumpGreaterOrEqual, n.lo, m, f)
				c.place(m)
				c.jump(bpf.JumpGreaterThan, n.hi, f, t)
			}
		}
		c.either(n.dir, in(0), in(2), t, f)
	}
	l6, not6, l4, p6, p4, first := c.newLabel(), c.newLabel(), c.newLabel(), c.newLabel(), c.newLabel(), c.newLabel()
	c.etherType(n.vlans, u)
	c.jump(bpf.JumpEqual, etherIPv6, l6, not6)
	c.place(not6)
	c.jump(bpf.JumpEqual, etherIPv4, l4, f)
	c.place(l6)
	c.loadNet(n.vlans, 6, 1, u)
	carries(p6)
	c.place(p6)
	ports(layerIPv6Next)
	c.place(l4)
	c.loadNet(n.vlans, 9, 1, u)
	carries(first)
	c.place(first)
	c.loadNet(n.vlans, 6, 2, u)
	c.jump(bpf.JumpBitsSet, 0x1fff, f, p4)
	c.place(p4)
	ports(layerIPv4Next)
}

func (c *compiler) vlan(n *vlanNode, t, f, u *label) {
	off, ok := c.probe.typeOffset(n.vlans)
	if !ok {
		c.ja(f)
		return
	}
	tagged, next1, next2 := c.newLabel(), c.newLabel(), c.newLabel()
	c.loadAbs(uint64(off), 2, u)
	c.jump(bpf.JumpEqual, 0x8100, tagged, next1)
	c.place(next1)
	c.jump(bpf.JumpEqual, 0x88a8, tagged, next2)
	c.place(next2)
	c.jump(bpf.JumpEqual, 0x9100, tagged, f)
	c.place(tagged)
	if n.id < 0 {
		c.ja(t)
		return
	}
	c.loadAbs(uint64(off)+2, 2, u)
	c.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0fff})
	c.jump(bpf.JumpEqual, uint32(n.id), t, f)
}

func (c *compiler) rel(n *relNode, t, f, u *label) {
	c.guard(n.l, f, u)
	c.guard(n.r, f, u)
	c.arith(n.l, u)
	var cond bpf.JumpTest
	swap := false
	switch n.op {
	case "=", "==":
		cond = bpf.JumpEqual
	case "!=":
		cond, swap = bpf.JumpEqual, true
	case "<":
		cond, swap = bpf.JumpGreaterOrEqual, true
	case "<=":
		cond, swap = bpf.JumpGreaterThan, true
	case ">":
		cond = bpf.JumpGreaterThan
	default:
		cond = bpf.JumpGreaterOrEqual
	}
	if swap {
		t, f = f, t
	}
	if k, ok := n.r.(*numArith); ok {
		c.jump(cond, k.v, t, f)
		return
	}
	s := c.push()
	c.emit(bpf.StoreScratch{Src: bpf.RegA, N: s})
	c.arith(n.r, u)
	c.emit(bpf.TAX{})
	c.emit(bpf.LoadScratch{Dst: bpf.RegA, N: s})
	c.pop()
	c.jumpX(cond, t, f)
}

// push reserves a scratch memory slot.
func (c *compiler) push() int {
	if c.scratch == 16 {
		c.fail("an expression nested deeper than BPF's 16 scratch slots")
		return 15
	}
	c.scratch++
	return c.scratch - 1
}

func (c *compiler) pop() { c.scratch-- }

// guard compiles arith.guard: it falls through when the packet has the
// headers a reads, and jumps to f when not.
func (c *compiler) guard(a arith, f, u *label) {
	switch a := a.(type) {
	case *binArith:
		c.guard(a.l, f, u)
		c.guard(a.r, f, u)
	case *negArith:
		c.guard(a.x, f, u)
	case *loadArith:
		c.guard(a.off, f, u)
		ok := c.newLabel()
		switch a.proto {
		case "ether":
			return
		case "ip", "ip6", "arp", "rarp":
			t := map[string]uint32{"ip": etherIPv4, "ip6": etherIPv6, "arp": etherARP, "rarp": etherRARP}[a.proto]
			c.etherType(a.vlans, u)
			c.jump(bpf.JumpEqual, t, ok, f)
		case "icmp6":
			l := c.newLabel()
			c.etherType(a.vlans, u)
			c.jump(bpf.JumpEqual, etherIPv6, l, f)
			c.place(l)
			c.loadNet(a.vlans, 6, 1, u)
			c.jump(bpf.JumpEqual, protoICMPv6, ok, f)
		default:
			l := c.newLabel()
			c.ipv4Proto(a.vlans, ipProtocols[a.proto], l, f, u)
			c.place(l)
			c.loadNet(a.vlans, 6, 2, u)
			c.jump(bpf.JumpBitsSet, 0x1fff, f, ok)
		}
		c.place(ok)
	}
}

var aluOps = map[string]bpf.ALUOp{
	"+": bpf.ALUOpAdd, "-": bpf.ALUOpSub, "*": bpf.ALUOpMul, "/": bpf.ALUOpDiv, "%": bpf.ALUOpMod,
	"&": bpf.ALUOpAnd, "|": bpf.ALUOpOr, "^": bpf.ALUOpXor, "<<": bpf.ALUOpShiftLeft, ">>": bpf.ALUOpShiftRight,
}

// arith compiles a.eval: the value ends in A, or the code jumps to u.
func (c *compiler) arith(a arith, u *label) {
	switch a := a.(type) {
	case *numArith:
		c.emit(bpf.LoadConstant{Dst: bpf.RegA, Val: a.v})
	case lenArith, *lenArith:
		c.wireLen()
	case *negArith:
		c.arith(a.x, u)
		c.emit(bpf.TAX{}) // 0 - A: NegateA is missing from x/net/bpf's machine
		c.emit(bpf.LoadConstant{Dst: bpf.RegA, Val: 0})
		c.emit(bpf.ALUOpX{Op: bpf.ALUOpSub})
	case *binArith:
		c.arith(a.l, u)
		op := aluOps[a.op]
		if k, ok := a.r.(*numArith); ok {
			switch {
			case (op == bpf.ALUOpDiv || op == bpf.ALUOpMod) && k.v == 0:
				c.ja(u)
			case (op == bpf.ALUOpShiftLeft || op == bpf.ALUOpShiftRight) && k.v >= 32:
				c.emit(bpf.LoadConstant{Dst: bpf.RegA, Val: 0})
			default:
				c.emit(bpf.ALUOpConstant{Op: op, Val: k.v})
			}
			return
		}
		s := c.push()
		c.emit(bpf.StoreScratch{Src: bpf.RegA, N: s})
		c.arith(a.r, u)
		ok, zero, done := c.newLabel(), c.newLabel(), c.newLabel()
		switch op {
		case bpf.ALUOpDiv, bpf.ALUOpMod:
			c.jump(bpf.JumpEqual, 0, u, ok)
		case bpf.ALUOpShiftLeft, bpf.ALUOpShiftRight:
			// Go shifts a uint32 by 32 or more to 0; the kernel's BPF
			// does not promise to.
			c.jump(bpf.JumpGreaterOrEqual, 32, zero, ok)
		default:
			c.ja(ok)
		}
		c.place(ok)
		c.emit(bpf.TAX{})
		c.emit(bpf.LoadScratch{Dst: bpf.RegA, N: s})
		c.emit(bpf.ALUOpX{Op: op})
		c.ja(done)
		c.place(zero)
		c.emit(bpf.LoadConstant{Dst: bpf.RegA, Val: 0})
		c.place(done)
		c.pop()
	case *loadArith:
		if k, ok := a.off.(*numArith); ok {
			c.loadLayer(loadLayers[a.proto], a.vlans, k.v, a.size, u)
			return
		}
		c.arith(a.off, u)
		c.loadIndirect(loadLayers[a.proto], a.vlans, a.size, u)
	default:
		c.fail("expression %T", a)
	}
}

// loadLayer loads size bytes at the fixed offset off in layer l into A.
func (c *compiler) loadLayer(l layer, vlans int, off uint32, size int, u *label) {
	net := c.netOffset(vlans)
	switch l {
	case layerLink:
		c.loadAbs(uint64(off), size, u)
	case layerNet:
		c.loadAbs(net+uint64(off), size, u)
	case layerIPv6Next:
		c.loadAbs(net+40+uint64(off), size, u)
	case layerIPv4Next:
		end := net - uint64(c.hdr) + uint64(off) + uint64(size)
		if end > 0xffffffff-60 {
			c.ja(u)
			return
		}
		ok := c.newLabel()
		c.need(net+1, u)
		c.emit(bpf.LoadMemShift{Off: uint32(net) - c.hdr})
		c.emit(bpf.TXA{})
		c.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: uint32(end)})
		c.emit(bpf.TAX{})
		c.emit(bpf.LoadExtension{Num: bpf.ExtLen})
		c.jumpX(bpf.JumpGreaterOrEqual, ok, u)
		c.place(ok)
		c.emit(bpf.LoadMemShift{Off: uint32(net) - c.hdr})
		c.emit(bpf.LoadIndirect{Off: uint32(net) - c.hdr + off, Size: size})
	}
}

// loadIndirect loads size bytes in layer l at the offset in A into A.
func (c *compiler) loadIndirect(l layer, vlans int, size int, u *label) {
	var base uint64 // where l starts, but for the IPv4 header's length
	switch l {
	case layerLink:
	case layerNet:
		base = c.netOffset(vlans)
	case layerIPv6Next:
		base = c.netOffset(vlans) + 40
	case layerIPv4Next:
		base = c.netOffset(vlans)
	}
	if base < uint64(c.hdr) {
		c.fail("reads the link-layer header at a computed offset, which the kernel does not show a cooked socket")
		return
	}
	kbase := uint32(base) - c.hdr
	s := c.push()
	defer c.pop()
	ok1, ok2 := c.newLabel(), c.newLabel()
	// The offset, at most the packet's length less where l starts and
	// size: then no sum below overflows.
	c.emit(bpf.StoreScratch{Src: bpf.RegA, N: s})
	c.emit(bpf.TAX{})
	c.emit(bpf.LoadExtension{Num: bpf.ExtLen})
	c.jump(bpf.JumpGreaterOrEqual, kbase+uint32(size), ok1, u)
	c.place(ok1)
	c.emit(bpf.ALUOpConstant{Op: bpf.ALUOpSub, Val: kbase + uint32(size)})
	c.jumpX(bpf.JumpGreaterOrEqual, ok2, u)
	c.place(ok2)
	if l != layerIPv4Next {
		c.emit(bpf.LoadScratch{Dst: bpf.RegX, N: s})
		c.emit(bpf.LoadIndirect{Off: kbase, Size: size})
		return
	}
	// Behind the IPv4 header, whose length is in its first byte.
	ok3 := c.newLabel()
	c.need(base+1, u)
	c.emit(bpf.LoadMemShift{Off: kbase})
	c.emit(bpf.LoadScratch{Dst: bpf.RegA, N: s})
	c.emit(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	c.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: kbase + uint32(size)})
	c.emit(bpf.TAX{})
	c.emit(bpf.LoadExtension{Num: bpf.ExtLen})
	c.jumpX(bpf.JumpGreaterOrEqual, ok3, u)
	c.place(ok3)
	c.emit(bpf.LoadMemShift{Off: kbase})
	c.emit(bpf.LoadScratch{Dst: bpf.RegA, N: s})
	c.emit(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	c.emit(bpf.TAX{})
	c.emit(bpf.LoadIndirect{Off: kbase, Size: size})
}
