package tcpdump

// IP protocol numbers.
const (
	protoHopOpts  = 0
	protoICMP     = 1
	protoIGMP     = 2
	protoIPv4     = 4
	protoTCP      = 6
	protoUDP      = 17
	protoDCCP     = 33
	protoIPv6     = 41
	protoRouting  = 43
	protoFragment = 44
	protoICMPv6   = 58
	protoNone     = 59
	protoDstOpts  = 60
	protoND       = 77
	protoSCTP     = 132
	protoMobility = 135
	protoMobOld   = 62
)

// ipProtoNames holds the names tcpdump's ipproto_values gives the protocols
// whose printers need an IP version ("[ICMP requires IPv4]").
var ipProtoNames = map[int]string{
	1: "ICMP", 2: "IGMP", 58: "ICMPv6", 143: "Ethernet", 51: "AH", 50: "ESP",
	108: "IPComp", 132: "SCTP", 33: "DCCP", 9: "IGRP", 88: "EIGRP", 8: "EGP",
	89: "OSPF", 46: "RSVP", 47: "GRE", 55: "Mobile IP", 103: "PIM", 112: "VRRP",
	113: "PGM",
}

// ipNPrint prints a raw IP packet of either version (ipN_print).
func (c *ctx) ipNPrint(bp, length int) {
	c.proto = "ipn"
	if length < 1 {
		c.printf("truncated-ip %d", length)
		return
	}
	switch c.u8(bp) & 0xf0 {
	case 0x40:
		c.ipPrint(bp, length)
	case 0x60:
		c.ip6Print(bp, length)
	default:
		c.printf("unknown ip %d", (c.u8(bp)&0xf0)>>4)
	}
}

// ipPrint prints an IPv4 datagram at bp; length is what the layer below
// says is left of the packet on the wire (ip_print).
func (c *ctx) ipPrint(bp, length int) {
	c.proto = "ip"
	if !c.avail(bp, 1) {
		// tcpdump reads the version without checking that it was
		// captured; what it finds there is undefined.
		c.inexact()
		c.trunc()
		return
	}
	if v := c.data[bp] >> 4; v != 4 {
		if v == 6 {
			c.print("IP6, wrong link-layer encapsulation")
		} else {
			c.printf("IP%d", v)
		}
		c.invalid()
		return
	}
	if !c.p.opts.LinkHeader {
		c.print("IP ")
	}
	if !c.avail(bp, 20) {
		c.trunc()
		return
	}
	if length < 20 {
		c.printf("truncated-ip %d", length)
		return
	}
	hlen := int(c.u8(bp)&0x0f) * 4
	if hlen < 20 {
		c.printf("bad-hlen %d", hlen)
		return
	}
	ipLen := int(c.be16(bp + 2))
	if length < ipLen {
		c.print("truncated-ip - ")
		c.printInt(ipLen - length)
		c.print(" bytes missing! ")
	}
	if ipLen < hlen {
		c.printf("bad-len %d", ipLen)
		return
	}
	c.pushSnaplen(bp, ipLen)
	ipLen -= hlen
	off := int(c.be16(bp + 6))
	proto := int(c.u8(bp + 9))
	if off&0x1fff == 0 {
		if proto != protoTCP && proto != protoUDP && proto != protoSCTP && proto != protoDCCP {
			src, dst := c.ipAddrs(bp, false)
			c.printIP(src)
			c.print(" > ")
			c.printIP(dst)
			c.print(": ")
		}
		if !c.avail(bp, hlen) {
			c.printf(" [remaining caplen(%d) < header length(%d)]", c.remaining(bp), hlen)
			panic(truncated{})
		}
		c.ipDemux(bp+hlen, ipLen, 4, off&0x2000 != 0, proto, bp)
	} else {
		// Not the first fragment: no transport header to show.
		src, dst := c.ipAddrs(bp, false)
		c.printIP(src)
		c.print(" > ")
		c.printIP(dst)
		c.print(": ip-proto-")
		c.printInt(proto)
	}
	c.popSnaplen()
}

// ipDemux prints the payload of an IP datagram (ip_demux_print); iph is
// where the IP header starts.
func (c *ctx) ipDemux(bp, length, ver int, fragmented bool, nh, iph int) {
	switch nh {
	case protoTCP:
		c.tcpPrint(bp, length, iph, fragmented)
	case protoUDP:
		c.udpPrint(bp, length, iph, fragmented)
	case protoICMP:
		if ver == 4 {
			c.icmpPrint(bp, length, iph)
		} else {
			c.print("[")
			c.print(ipProtoNames[nh])
			c.print(" requires IPv4]")
			c.invalid()
		}
	case protoICMPv6:
		if ver == 6 {
			c.icmp6Print(bp, length, iph)
		} else {
			c.print("[")
			c.print(ipProtoNames[nh])
			c.print(" requires IPv6]")
			c.invalid()
		}
	case protoIGMP:
		if ver == 4 {
			c.unsupported("IGMP", length)
		} else {
			c.print("[")
			c.print(ipProtoNames[nh])
			c.print(" requires IPv4]")
			c.invalid()
		}
	case 143: // Ethernet over IPv6 (segment routing)
		if ver == 6 {
			c.unsupported("Ethernet", length)
		} else {
			c.print("[")
			c.print(ipProtoNames[nh])
			c.print(" requires IPv6]")
			c.invalid()
		}
	case protoIPv4:
		c.ipPrint(bp, length)
	case protoIPv6:
		c.ip6Print(bp, length)
	case protoND:
		c.printf(" nd %d", length)
	case protoNone:
		c.print("no next header")
	case 51, 50, 108, protoSCTP, protoDCCP, 9, 88, 8, 89, 46, 47, 55, 103, 112, 113:
		// tcpdump decodes these; wstrace names them.
		c.unsupported(ipProtoNames[nh], length)
	default:
		c.print(" ip-proto-")
		c.printInt(nh)
		c.print(" ")
		c.printInt(length)
	}
}

// ip6Print prints an IPv6 datagram at bp (ip6_print).
func (c *ctx) ip6Print(bp, length int) {
	c.proto = "ip6"
	if !c.avail(bp, 40) {
		c.trunc()
		return
	}
	if length < 40 {
		c.printf("truncated-ip6 %d", length)
		return
	}
	if !c.p.opts.LinkHeader {
		c.print("IP6 ")
	}
	if v := c.u8(bp) >> 4; v != 6 {
		c.printf("version error: %d != 6", v)
		return
	}
	payloadLen := int(c.be16(bp + 4))
	var ipLen int
	if payloadLen != 0 {
		ipLen = payloadLen + 40
		if length < ipLen {
			c.printf("truncated-ip6 - %d bytes missing!", ipLen-length)
		}
	} else {
		ipLen = length + 40
	}
	ph := 255
	nh := int(c.u8(bp + 6))
	c.pushSnaplen(bp, ipLen)

	cp := bp
	advance := 40
	totalAdvance := 0
	fragmented := false
	foundExt, foundJumbo, foundHBH := false, false, false
	for cp < c.snapend && advance > 0 {
		if ipLen < advance {
			c.trunc()
			return
		}
		cp += advance
		ipLen -= advance
		totalAdvance += advance
		if cp == bp+40 && nh != protoTCP && nh != protoUDP && nh != protoDCCP && nh != protoSCTP {
			src, dst := c.ipAddrs(bp, true)
			c.printIP(src)
			c.print(" > ")
			c.printIP(dst)
			c.print(": ")
		}
		switch nh {
		case protoHopOpts:
			if foundHBH {
				c.print("[The Hop-by-Hop Options header was already found]")
				c.invalid()
				return
			}
			if ph != 255 {
				c.print("[The Hop-by-Hop Options header don't follow the IPv6 header]")
				c.invalid()
				return
			}
			var jumbo bool
			advance, jumbo, payloadLen = c.hbhoptProcess(cp, payloadLen)
			foundJumbo = foundJumbo || jumbo
			if payloadLen == 0 && !foundJumbo {
				c.print("[No valid Jumbo Payload Hop-by-Hop option found]")
				c.invalid()
				return
			}
			if advance < 0 {
				c.popSnaplen()
				return
			}
			foundExt, foundHBH = true, true
			nh = int(c.u8(cp))
		case protoDstOpts:
			advance = c.dstoptProcess(cp)
			if advance < 0 {
				c.popSnaplen()
				return
			}
			foundExt = true
			nh = int(c.u8(cp))
		case protoFragment:
			advance = c.frag6Print(cp, bp)
			if advance < 0 || c.snapend <= cp+advance {
				c.popSnaplen()
				return
			}
			foundExt = true
			nh = int(c.u8(cp))
			fragmented = true
		case protoMobOld, protoMobility:
			// tcpdump decodes the mobility header; wstrace does not.
			c.unsupported("mobility", ipLen)
			c.popSnaplen()
			return
		case protoRouting:
			if !c.avail(cp, 1) {
				c.trunc()
				return
			}
			advance = c.rt6Print(cp)
			if advance < 0 {
				c.popSnaplen()
				return
			}
			foundExt = true
			nh = int(c.u8(cp))
		default:
			if foundJumbo {
				ipLen = payloadLen + 40
				if ipLen < totalAdvance {
					c.trunc()
					return
				}
				if length < ipLen {
					c.printf("truncated-ip6 - %d bytes missing!", ipLen-length)
				}
				c.changeSnaplen(bp, ipLen)
				ipLen -= totalAdvance
			} else if payloadLen == 0 {
				if foundExt {
					c.trunc()
					return
				}
				ipLen = 40
				c.changeSnaplen(bp, ipLen)
				ipLen -= totalAdvance
			}
			c.ipDemux(cp, ipLen, 6, fragmented, nh, bp)
			c.popSnaplen()
			return
		}
		ph = nh
		c.proto = "ip6"
	}
	c.popSnaplen()
}

// hbhoptProcess prints a hop-by-hop options header (hbhopt_process). It
// returns the header length (-1 on error), whether it held a valid jumbo
// payload option, and the payload length, updated by such an option.
func (c *ctx) hbhoptProcess(bp, payloadLen int) (int, bool, int) {
	c.proto = "hbhopt"
	n := (int(c.u8(bp+1)) + 1) << 3
	if !c.avail(bp, n) {
		c.trunc()
		return -1, false, payloadLen
	}
	c.print("HBH ")
	jumbo, plen, ok := c.ip6OptProcess(bp+2, n-2, true, payloadLen)
	if !ok {
		c.trunc()
		return -1, jumbo, plen
	}
	return n, jumbo, plen
}

// dstoptProcess prints a destination options header (dstopt_process).
func (c *ctx) dstoptProcess(bp int) int {
	c.proto = "dstopt"
	n := (int(c.u8(bp+1)) + 1) << 3
	if !c.avail(bp, n) {
		c.trunc()
		return -1
	}
	c.print("DSTOPT ")
	return n
}

// ip6OptProcess walks the options of a hop-by-hop header (ip6_opt_process
// without -v, which prints only malformed options).
func (c *ctx) ip6OptProcess(bp, n int, hbh bool, payloadLen int) (jumbo bool, plen int, ok bool) {
	plen = payloadLen
	if n == 0 {
		return false, plen, true
	}
	found := false
	optlen := 0
	for i := 0; i < n; i += optlen {
		t := c.u8(bp + i)
		if t == 0 { // Pad1
			optlen = 1
		} else {
			if i+1 < n {
				optlen = int(c.u8(bp+i+1)) + 2
			} else {
				return jumbo, plen, false
			}
		}
		if i+optlen > n {
			return jumbo, plen, false
		}
		switch t {
		case 0:
		case 1: // PadN
			if n-i < 2 {
				c.print("(padn: trunc)")
				return jumbo, plen, false
			}
		case 0x05: // router alert
			if n-i < 4 {
				c.print("(rtalert: trunc)")
				return jumbo, plen, false
			}
			if l := c.u8(bp + i + 1); l != 2 {
				c.printf("(rtalert: invalid len %d)", l)
				return jumbo, plen, false
			}
		case 0xc2: // jumbo payload
			if n-i < 6 {
				c.print("(jumbo: trunc)")
				return jumbo, plen, false
			}
			if l := c.u8(bp + i + 1); l != 4 {
				c.printf("(jumbo: invalid len %d)", l)
				return jumbo, plen, false
			}
			jl := c.be32(bp + i + 2)
			if !found {
				found = true
				if hbh && plen == 0 && jl >= 65536 {
					jumbo = true
					plen = int(jl)
				}
			}
		case 0xc9: // home address
			if n-i < 18 {
				c.print("(homeaddr: trunc)")
				return jumbo, plen, false
			}
			if l := c.u8(bp + i + 1); l < 16 {
				c.printf("(homeaddr: invalid len %d)", l)
				return jumbo, plen, false
			}
		default:
			if n-i < 2 {
				c.printf("(type %d: trunc)", t)
				return jumbo, plen, false
			}
		}
	}
	return jumbo, plen, true
}

// frag6Print prints a fragment header (frag6_print).
func (c *ctx) frag6Print(bp, iph int) int {
	c.proto = "frag6"
	offlg := int(c.be16(bp + 2))
	// tcpdump computes the fragment's length with size_t arithmetic.
	rest := uint64(40) + uint64(c.be16(iph+4)) - uint64(bp-iph) - 8
	c.print("frag (")
	c.printInt(offlg & 0xfff8)
	c.print("|")
	c.printUint(rest)
	c.print(")")
	if offlg&0xfff8 != 0 {
		return -1
	}
	c.print(" ")
	return 8
}

// rt6Print prints a routing header (rt6_print).
func (c *ctx) rt6Print(bp int) int {
	c.proto = "rt6"
	c.print("RT6")
	n := int(c.u8(bp + 1))
	c.printf(" (len=%d", n)
	typ := int(c.u8(bp + 2))
	c.printf(", type=%d", typ)
	if typ == 0 {
		c.print(" [Deprecated]")
	}
	c.printf(", segleft=%d", c.u8(bp+3))
	switch typ {
	case 0, 2:
		if rsv := c.be32(bp + 4); rsv != 0 {
			c.printf(", rsv=0x%x", rsv)
		}
	case 4:
		c.printf(", last-entry=%d", c.u8(bp+4))
		if f := c.u8(bp + 5); f != 0 {
			c.printf(", flags=0x%x", f)
		}
		c.printf(", tag=%x", c.be16(bp+6))
	default:
		c.print(" (unknown type)")
		c.invalid()
		return -1
	}
	// The addresses: two length units (16 bytes) each.
	if n%2 == 1 {
		c.printf(" (invalid length %d)", n)
		c.invalid()
		return -1
	}
	p := bp + 8
	for i := 0; i < n>>1; i++ {
		c.printf(", [%d]%s", i, c.ipv6(p))
		p += 16
	}
	c.print(") ")
	return (int(c.u8(bp+1)) + 1) << 3
}
