package filter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Error is an error in a filter expression: a syntax error, or a value that
// cannot be used, such as a host name or a port out of range.
type Error struct {
	// Word is the position of the offending word among the expression's
	// blank-separated words, counting from 1, or 0 when the expression
	// ended too soon.
	Word int
	// Msg is the complete message, which names the word.
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// quals are the qualifiers in front of an address or port: "tcp src port".
// A bare address or port after "and" or "or" reuses the last ones.
type quals struct {
	proto string // "", ip, ip6, arp, rarp, tcp, udp, sctp, ...
	dir   dir
	typ   string // host, net, port, portrange, proto
}

// Keywords of the filter language that wstrace implements.
var (
	protoWords = map[string]bool{
		"ether": true, "ip": true, "ip6": true, "arp": true, "rarp": true,
		"tcp": true, "udp": true, "sctp": true, "icmp": true, "icmp6": true, "igmp": true,
	}
	typeWords  = map[string]bool{"host": true, "net": true, "port": true, "portrange": true}
	otherWords = map[string]bool{
		"src": true, "dst": true, "and": true, "or": true, "not": true,
		"less": true, "greater": true, "len": true, "vlan": true, "proto": true, "mask": true,
	}
	// Keywords of pcap-filter(7) that wstrace does not implement; they are
	// refused by name rather than taken for host names.
	unsupportedWords = map[string]bool{
		"gateway": true, "broadcast": true, "multicast": true, "inbound": true,
		"outbound": true, "ifname": true, "on": true, "rnr": true, "rulenum": true,
		"reason": true, "rset": true, "ruleset": true, "srnr": true, "subrulenum": true,
		"action": true, "wlan": true, "type": true, "subtype": true, "dir": true,
		"fddi": true, "tr": true, "ppp": true, "slip": true, "link": true,
		"decnet": true, "lat": true, "sca": true, "moprc": true, "mopdl": true,
		"iso": true, "esis": true, "es-is": true, "isis": true, "is-is": true,
		"clnp": true, "stp": true, "ipx": true, "netbeui": true, "atalk": true,
		"aarp": true, "mpls": true, "pppoed": true, "pppoes": true, "geneve": true,
		"protochain": true, "llc": true, "igrp": true, "pim": true, "vrrp": true,
		"carp": true, "ah": true, "esp": true, "radio": true, "ra": true, "ta": true,
		"addr1": true, "addr2": true, "addr3": true, "addr4": true,
	}
)

// ipProtocols are the IP protocols that have a keyword, and the names
// "ip proto \name" accepts.
var ipProtocols = map[string]uint32{
	"icmp": protoICMP, "igmp": protoIGMP, "tcp": protoTCP, "udp": protoUDP,
	"icmp6": protoICMPv6, "sctp": protoSCTP,
}

// wellKnownPorts are the port names a filter may use instead of numbers.
var wellKnownPorts = map[string]uint32{
	"ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25,
	"domain": 53, "http": 80, "www": 80, "pop3": 110, "imap": 143,
	"https": 443, "http-alt": 8080,
}

type parser struct {
	expr  string
	toks  []token
	pos   int
	last  *quals // what a bare address or port reuses; nil when nothing
	vlans int    // VLAN tags the "vlan" primitives so far step over
	depth int    // parentheses open
}

// maxDepth bounds the nesting of parentheses, which costs the parser time
// that grows with the square of the depth.
const maxDepth = 64

// open enters a parenthesis at token t.
func (p *parser) open(t token) {
	p.depth++
	if p.depth > maxDepth {
		p.fail(t, "parentheses nested more than %d deep", maxDepth)
	}
}

// parse compiles an expression; nil means "match everything".
func parse(expr string) (root node, err error) {
	p := &parser{expr: expr, toks: lex(expr)}
	if len(p.toks) == 0 {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			root, err = nil, e
		}
	}()
	root = p.parseExpr(false)
	if p.pos < len(p.toks) {
		p.unexpected()
	}
	return root, nil
}

// Errors are raised with panic(*Error) and recovered in parse.

func (p *parser) unexpected() {
	if p.pos >= len(p.toks) {
		last := p.toks[len(p.toks)-1]
		panic(&Error{Msg: fmt.Sprintf("syntax error in filter expression: unexpected end after %q", last.text)})
	}
	t := p.toks[p.pos]
	msg := fmt.Sprintf("syntax error in filter expression: unexpected %q at word %d", t.text, t.word)
	if unsupportedWords[t.text] {
		msg = fmt.Sprintf("filter expression: word %d: wstrace does not support the %q keyword", t.word, t.text)
	}
	panic(&Error{Word: t.word, Msg: msg})
}

// fail reports a bad value at token t.
func (p *parser) fail(t token, format string, args ...any) {
	panic(&Error{Word: t.word, Msg: fmt.Sprintf("filter expression: word %d: ", t.word) + fmt.Sprintf(format, args...)})
}

func (p *parser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

// peekIs reports whether the next token is one of the words or operators.
func (p *parser) peekIs(texts ...string) bool {
	t, ok := p.peek()
	if !ok {
		return false
	}
	for _, s := range texts {
		if t.text == s {
			return true
		}
	}
	return false
}

func (p *parser) next() token {
	t, ok := p.peek()
	if !ok {
		p.unexpected()
	}
	p.pos++
	return t
}

func (p *parser) expect(text string) token {
	t, ok := p.peek()
	if !ok || t.text != text {
		p.unexpected()
	}
	p.pos++
	return t
}

// isValue reports whether t can be an address, number or name: a word that
// is not a keyword.
func isValue(t token) bool {
	if t.op {
		return false
	}
	if strings.HasPrefix(t.text, `\`) {
		return true
	}
	s := t.text
	return !protoWords[s] && !typeWords[s] && !otherWords[s] && !unsupportedWords[s]
}

// valueText returns a value's text without an escaping backslash.
func valueText(t token) string { return strings.TrimPrefix(t.text, `\`) }

// parseExpr parses terms joined by "and" and "or", which have equal
// precedence and group from the left. bare says whether the first term may
// be a bare value reusing the qualifiers before it.
func (p *parser) parseExpr(bare bool) node {
	left := p.parseTerm(bare)
	for {
		switch {
		case p.peekIs("and", "&&"):
			p.pos++
			left = &andNode{left, p.parseTerm(true)}
		case p.peekIs("or", "||"):
			p.pos++
			left = &orNode{left, p.parseTerm(true)}
		default:
			return left
		}
	}
}

// parseTerm parses a primitive, possibly negated or in parentheses.
func (p *parser) parseTerm(bare bool) node {
	t, ok := p.peek()
	if !ok {
		p.unexpected()
	}
	switch {
	case t.text == "not" || t.text == "!":
		p.pos++
		return &notNode{p.parseTerm(bare)}
	case t.text == "(":
		if n, ok := p.tryRelation(); ok {
			return n
		}
		p.pos++
		p.open(t)
		defer func() { p.depth-- }()
		bareGroup := bare && p.last != nil
		if bareGroup {
			if t, ok := p.peek(); ok && !isValue(t) {
				bareGroup = false
			}
		}
		n := p.parseExpr(bare)
		p.expect(")")
		if !bareGroup {
			// Only a group of bare values, "host a and (b or c)", keeps
			// the qualifiers for what follows.
			p.last = nil
		}
		return n
	case p.startsRelation():
		return p.parseRelation()
	case t.op:
		p.unexpected()
	case isValue(t):
		if !bare || p.last == nil {
			p.unexpected()
		}
		p.pos++
		return p.primitive(*p.last, t)
	}
	return p.parsePrimitive()
}

// startsRelation reports whether an arithmetic comparison starts here.
func (p *parser) startsRelation() bool {
	t, ok := p.peek()
	if !ok {
		return false
	}
	if t.text == "-" || t.text == "len" {
		return true
	}
	if t.op {
		return false
	}
	if protoWords[t.text] || t.text == "ether" {
		n, ok := p.peekAt(1)
		return ok && n.text == "["
	}
	if _, ok := constants[t.text]; ok {
		return true
	}
	if _, ok := parseNumber(t.text); ok {
		n, ok := p.peekAt(1)
		return ok && n.op && (arithPrec[n.text] > 0 || n.text == "^" || relOps[n.text])
	}
	return false
}

func (p *parser) peekAt(i int) (token, bool) {
	if p.pos+i >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos+i], true
}

var relOps = map[string]bool{"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

// tryRelation parses a comparison that starts with a parenthesis, as in
// "(tcp[13] & 2) != 0", or reports false and leaves the parser untouched.
func (p *parser) tryRelation() (n node, ok bool) {
	pos, last, vlans, depth := p.pos, p.last, p.vlans, p.depth
	defer func() {
		if r := recover(); r != nil {
			if _, isErr := r.(*Error); !isErr {
				panic(r)
			}
			p.pos, p.last, p.vlans, p.depth = pos, last, vlans, depth
			n, ok = nil, false
		}
	}()
	return p.parseRelation(), true
}

func (p *parser) parseRelation() node {
	l := p.parseArith(1)
	t, ok := p.peek()
	if !ok || !relOps[t.text] {
		p.unexpected()
	}
	p.pos++
	r := p.parseArith(1)
	p.last = nil
	return &relNode{op: t.text, l: l, r: r}
}

// parseArith parses binary operations binding at least as tightly as
// minPrec.
func (p *parser) parseArith(minPrec int) arith {
	left := p.parseUnary()
	for {
		t, ok := p.peek()
		if !ok || !t.op {
			return left
		}
		prec := arithPrec[t.text]
		if prec == 0 || prec < minPrec {
			return left
		}
		p.pos++
		right := p.parseArith(prec + 1)
		if (t.text == "/" || t.text == "%") && isZero(right) {
			p.fail(t, "division by zero")
		}
		left = &binArith{op: t.text, l: left, r: right}
	}
}

func isZero(a arith) bool {
	n, ok := a.(*numArith)
	return ok && n.v == 0
}

func (p *parser) parseUnary() arith {
	if p.peekIs("-") {
		p.pos++
		return &negArith{p.parseUnary()}
	}
	x := p.parseOperand()
	if p.peekIs("^") {
		// libpcap gives "^" no precedence, so its parser always shifts:
		// "a ^ b + c" is a ^ (b + c), and "a + b ^ c" is a + (b ^ c).
		p.pos++
		return &binArith{op: "^", l: x, r: p.parseArith(1)}
	}
	return x
}

func (p *parser) parseOperand() arith {
	t := p.next()
	if t.text == "(" {
		p.open(t)
		a := p.parseArith(1)
		p.expect(")")
		p.depth--
		return a
	}
	if t.op {
		p.pos--
		p.unexpected()
	}
	if t.text == "len" {
		return lenArith{}
	}
	if v, ok := constants[t.text]; ok {
		return &numArith{v: v, text: t.text}
	}
	if v, ok := parseNumber(t.text); ok {
		return &numArith{v: v, text: t.text}
	}
	if _, ok := loadLayers[t.text]; ok && p.peekIs("[") {
		p.pos++
		off := p.parseArith(1)
		size := 1
		if p.peekIs(":") {
			p.pos++
			st := p.next()
			n, ok := parseNumber(st.text)
			if !ok || n != 1 && n != 2 && n != 4 {
				p.fail(st, "data size must be 1, 2, or 4")
			}
			size = int(n)
		}
		p.expect("]")
		return &loadArith{proto: t.text, off: off, size: size, vlans: p.vlans}
	}
	p.pos--
	p.unexpected()
	return nil
}

// parsePrimitive parses a primitive that starts with a keyword.
func (p *parser) parsePrimitive() node {
	t := p.next()
	switch t.text {
	case "less", "greater":
		nt := p.next()
		n, ok := parseNumber(nt.text)
		if !ok {
			p.pos--
			p.unexpected()
		}
		p.last = nil
		return &lengthNode{greater: t.text == "greater", n: n}
	case "vlan":
		n := &vlanNode{id: -1, vlans: p.vlans}
		if nt, ok := p.peek(); ok && isValue(nt) {
			v, ok := parseNumber(nt.text)
			if !ok || v > 0x0fff {
				p.fail(nt, "bad VLAN ID %q: give a number from 0 to 4095", nt.text)
			}
			p.pos++
			n.id = int(v)
		}
		p.vlans++
		p.last = nil
		return n
	case "proto":
		q := quals{typ: "proto"}
		p.last = &q
		return p.primitive(q, p.value())
	}

	var q quals
	if protoWords[t.text] {
		q.proto = t.text
		if p.peekIs("proto") {
			p.pos++
			if q.proto != "ip" && q.proto != "ip6" {
				p.fail(t, "%q cannot be followed by proto: write ip proto or ip6 proto", q.proto)
			}
			q.typ = "proto"
			p.last = &q
			return p.primitive(q, p.value())
		}
		if !p.peekIs("src", "dst", "host", "net", "port", "portrange") {
			p.last = nil
			return p.protocol(t)
		}
		t = p.next()
	}
	if t.text == "src" || t.text == "dst" {
		q.dir = src
		if t.text == "dst" {
			q.dir = dst
		}
		if n, ok := p.peekAt(1); ok && p.peekIs("or", "||", "and", "&&") && (n.text == "src" || n.text == "dst") && n.text != t.text {
			if p.peekIs("or", "||") {
				q.dir = srcOrDst
			} else {
				q.dir = srcAndDst
			}
			p.pos += 2
		}
		q.typ = "host"
		if p.peekIs("host", "net", "port", "portrange") {
			t = p.next()
		} else {
			t = token{}
		}
	}
	if typeWords[t.text] {
		q.typ = t.text
	} else if t.text != "" {
		p.pos--
		p.unexpected()
	}
	p.last = &q
	return p.primitive(q, p.value())
}

// value consumes the address, number or name a qualifier needs.
func (p *parser) value() token {
	t, ok := p.peek()
	if !ok || !isValue(t) {
		p.unexpected()
	}
	p.pos++
	return t
}

// protocol builds a primitive that is a protocol name alone.
func (p *parser) protocol(t token) node {
	switch t.text {
	case "ip":
		return &etherNode{name: "ip", etherType: etherIPv4, vlans: p.vlans}
	case "ip6":
		return &etherNode{name: "ip6", etherType: etherIPv6, vlans: p.vlans}
	case "arp":
		return &etherNode{name: "arp", etherType: etherARP, vlans: p.vlans}
	case "rarp":
		return &etherNode{name: "rarp", etherType: etherRARP, vlans: p.vlans}
	case "icmp", "igmp":
		return &protoNode{family: onlyIPv4, proto: ipProtocols[t.text], text: t.text, vlans: p.vlans}
	case "icmp6":
		return &protoNode{family: onlyIPv6, proto: protoICMPv6, text: t.text, vlans: p.vlans}
	case "tcp", "udp", "sctp":
		return &protoNode{family: anyIP, proto: ipProtocols[t.text], text: t.text, vlans: p.vlans}
	}
	p.fail(t, "wstrace supports %q only as %s[offset]", t.text, t.text)
	return nil
}

// primitive builds the primitive that qualifiers q and value v make.
func (p *parser) primitive(q quals, v token) node {
	switch q.typ {
	case "proto":
		return p.protoNumber(q, v)
	case "port", "portrange":
		return p.port(q, v)
	}
	return p.host(q, v)
}

func (p *parser) protoNumber(q quals, v token) node {
	text := valueText(v)
	n, ok := parseNumber(text)
	if !ok {
		n, ok = ipProtocols[text]
	}
	if !ok || n > 255 {
		p.fail(v, "unknown IP protocol %q: give a number from 0 to 255", text)
	}
	fam := anyIP
	prefix := "proto "
	switch q.proto {
	case "ip":
		fam, prefix = onlyIPv4, "ip proto "
	case "ip6":
		fam, prefix = onlyIPv6, "ip6 proto "
	}
	return &protoNode{family: fam, proto: n, text: prefix + v.text, vlans: p.vlans}
}

func (p *parser) port(q quals, v token) node {
	n := &portNode{dir: q.dir, isRange: q.typ == "portrange", vlans: p.vlans}
	switch q.proto {
	case "":
	case "tcp", "udp", "sctp":
		n.proto = ipProtocols[q.proto]
	default:
		p.fail(v, "illegal qualifier of 'port': %q has no ports", q.proto)
	}
	text := valueText(v)
	if !n.isRange {
		n.lo = p.portNumber(v, text)
		n.hi = n.lo
		return n
	}
	lo, hi, ok := strings.Cut(text, "-")
	if !ok {
		hi = lo // a range of one port, as libpcap allows
	}
	if lo == "" || hi == "" {
		p.fail(v, "bad port range %q: write portrange LOW-HIGH", text)
	}
	n.lo, n.hi = p.portNumber(v, lo), p.portNumber(v, hi)
	if n.lo > n.hi {
		n.lo, n.hi = n.hi, n.lo
	}
	return n
}

func (p *parser) portNumber(v token, s string) uint32 {
	if n, ok := parseNumber(s); ok {
		if n > 65535 {
			p.fail(v, "illegal port number %d > 65535", n)
		}
		return n
	}
	if n, ok := wellKnownPorts[s]; ok {
		return n
	}
	p.fail(v, "unknown port name %q: give a number (wstrace knows only a few names, such as http and https)", s)
	return 0
}

func (p *parser) host(q quals, v token) node {
	text := valueText(v)
	n := &hostNode{proto: q.proto, dir: q.dir, isNet: q.typ == "net", vlans: p.vlans}
	switch q.proto {
	case "", "ip", "ip6", "arp", "rarp":
	case "ether":
		p.fail(v, "wstrace does not support ether host or ether net (Ethernet addresses)")
	default:
		p.fail(v, "'%s' modifier applied to %s", q.proto, q.typ)
	}
	if !n.isNet {
		if p.peekIs("/", "mask") {
			p.fail(p.toks[p.pos], "mask syntax for networks only: write net instead of host")
		}
		addr, err := netip.ParseAddr(text)
		if err != nil || addr.Zone() != "" {
			p.badAddress(v, text)
		}
		n.addr = addr.AsSlice()
		n.mask = ones(len(n.addr))
	} else {
		p.network(n, v, text)
	}
	switch {
	case len(n.addr) == 4 && q.proto == "ip6":
		p.fail(v, "'ip6' modifier applied to ip %s", q.typ)
	case len(n.addr) == 16 && q.proto != "" && q.proto != "ip6":
		p.fail(v, "'%s' modifier applied to ip6 %s", q.proto, q.typ)
	}
	return n
}

// network reads the network of a "net" primitive: "10.0.0.0/8", "10.1",
// "10.0.0.0 mask 255.0.0.0", "2001:db8::/32".
func (p *parser) network(n *hostNode, v token, text string) {
	addr, bits, ok := parseNetAddr(text)
	if !ok {
		p.badAddress(v, text)
	}
	n.addr = addr
	switch {
	case p.peekIs("/"):
		slash := p.next()
		bt := p.next()
		b, ok := parseNumber(bt.text)
		if !ok || int(b) > 8*len(addr) {
			p.fail(bt, "bad prefix length %q after %q", bt.text, text+slash.text)
		}
		bits = int(b)
		text += "/" + bt.text
	case p.peekIs("mask"):
		p.pos++
		mt := p.value()
		mask, err := netip.ParseAddr(mt.text)
		if err != nil || !mask.Is4() || len(addr) != 4 {
			p.fail(mt, "bad mask %q: mask takes an IPv4 address mask, such as 255.255.0.0", mt.text)
		}
		n.mask = mask.AsSlice()
		n.maskWords = true
		text += " mask " + mt.text
	}
	if n.mask == nil {
		n.mask = prefixMask(len(addr), bits)
	}
	for i := range n.addr {
		if n.addr[i]&^n.mask[i] != 0 {
			p.fail(v, "non-network bits set in %q", text)
		}
	}
}

// badAddress reports a value that is not an address.
func (p *parser) badAddress(v token, text string) {
	if looksNumeric(text) {
		p.fail(v, "%q is not an IP address", text)
	}
	p.fail(v, "%q is not an IP address, and wstrace resolves no host names: give an address", text)
}

// looksNumeric reports whether s is made of digits, dots and colons only:
// a mistyped address rather than a host name.
func looksNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && c != '.' && c != ':' {
			return false
		}
	}
	return true
}

// parseNetAddr parses the address of a network, in full or, for IPv4, with
// trailing octets left out ("10.1" is 10.1.0.0/16). bits is the prefix length
// the address implies.
func parseNetAddr(s string) (addr []byte, bits int, ok bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.AsSlice(), a.BitLen(), true
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return nil, 0, false
	}
	addr = make([]byte, 4)
	for i, part := range parts {
		if part == "" || len(part) > 3 || !looksNumeric(part) || strings.Contains(part, ":") {
			return nil, 0, false
		}
		n, err := strconv.Atoi(part)
		if err != nil || n > 255 {
			return nil, 0, false
		}
		addr[i] = byte(n)
	}
	return addr, 8 * len(parts), true
}

func ones(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xff
	}
	return b
}

func prefixMask(n, bits int) []byte {
	b := make([]byte, n)
	for i := range b {
		switch {
		case bits >= 8:
			b[i] = 0xff
			bits -= 8
		case bits > 0:
			b[i] = 0xff << (8 - bits)
			bits = 0
		}
	}
	return b
}

// parseNumber parses a number as libpcap does: decimal, hexadecimal with
// 0x, or octal with a leading 0.
func parseNumber(s string) (uint32, bool) {
	base := 10
	digits := s
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, digits = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	if digits == "" || strings.ContainsAny(digits, "_+-") {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}
