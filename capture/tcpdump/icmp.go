package tcpdump

import "fmt"

// icmpNames is tcpdump's icmp2str table, for the types without more detail.
var icmpNames = map[int]string{
	0: "echo reply", 4: "source quench", 8: "echo request", 10: "router solicitation",
	13: "time stamp request", 14: "time stamp reply", 15: "information request",
	16: "information reply", 17: "address mask request",
}

// icmpUnreachFormats are the messages of the destination unreachable codes
// other than port unreachable and fragmentation needed.
var icmpUnreachFormats = map[int]string{
	0:  "net %s unreachable",
	1:  "host %s unreachable",
	5:  "%s unreachable - source route failed",
	6:  "net %s unreachable - unknown",
	7:  "host %s unreachable - unknown",
	8:  "%s unreachable - source host isolated",
	9:  "net %s unreachable - admin prohibited",
	10: "host %s unreachable - admin prohibited",
	11: "net %s unreachable - tos prohibited",
	12: "host %s unreachable - tos prohibited",
	13: "host %s unreachable - admin prohibited filter",
	14: "host %s unreachable - host precedence violation",
	15: "host %s unreachable - precedence cutoff",
}

// icmpPrint prints an ICMP message at bp (icmp_print without -v).
func (c *ctx) icmpPrint(bp, plen, iph int) {
	c.proto = "icmp"
	typ := int(c.u8(bp))
	code := int(c.u8(bp + 1))
	var str string
	switch typ {
	case 0, 8:
		// The commonest messages, printed without building str.
		id, seq := c.be16(bp+4), c.be16(bp+6)
		if typ == 8 {
			c.print("ICMP echo request, id ")
		} else {
			c.print("ICMP echo reply, id ")
		}
		c.printUint(uint64(id))
		c.print(", seq ")
		c.printUint(uint64(seq))
		c.print(", length ")
		c.printInt(plen)
		return
	case 3:
		oip := bp + 8
		switch code {
		case 2:
			str = fmt.Sprintf("%s protocol %d unreachable", c.ipv4(oip+16), c.u8(oip+9))
		case 3:
			if !c.avail(oip+9, 1) {
				c.trunc()
				return
			}
			hlen := int(c.data[oip]&0x0f) * 4
			dport := c.be16(oip + hlen + 2)
			proto := c.u8(oip + 9)
			switch proto {
			case protoTCP:
				str = fmt.Sprintf("%s tcp port %d unreachable", c.ipv4(oip+16), dport)
			case protoUDP:
				str = fmt.Sprintf("%s udp port %d unreachable", c.ipv4(oip+16), dport)
			default:
				str = fmt.Sprintf("%s protocol %d port %d unreachable", c.ipv4(oip+16), proto, dport)
			}
		case 4:
			mtu := c.be16(bp + 6)
			if mtu != 0 {
				str = fmt.Sprintf("%s unreachable - need to frag (mtu %d)", c.ipv4(oip+16), mtu)
			} else {
				str = fmt.Sprintf("%s unreachable - need to frag", c.ipv4(oip+16))
			}
		default:
			if f, ok := icmpUnreachFormats[code]; ok {
				str = fmt.Sprintf(f, c.ipv4(oip+16))
			} else {
				str = fmt.Sprintf("%s unreachable - #%d", c.ipv4(oip+16), code)
			}
		}
	case 5:
		dst := c.ipv4(bp + 8 + 16)
		gw := c.ipv4(bp + 4)
		switch code {
		case 0:
			str = fmt.Sprintf("redirect %s to net %s", dst, gw)
		case 1:
			str = fmt.Sprintf("redirect %s to host %s", dst, gw)
		case 2:
			str = fmt.Sprintf("redirect-tos %s to net %s", dst, gw)
		case 3:
			str = fmt.Sprintf("redirect-tos %s to host %s", dst, gw)
		default:
			str = fmt.Sprintf("redirect-#%d %s to %s", code, dst, gw)
		}
	case 9:
		var ok bool
		if str, ok = c.routerAdvert(bp); !ok {
			return
		}
		// tcpdump formats the message into a buffer of 164 bytes.
		if len(str) > 163 {
			str = str[:163]
		}
	case 11:
		if !c.avail(bp+8+16, 4) {
			c.trunc()
			return
		}
		switch code {
		case 0:
			str = "time exceeded in-transit"
		case 1:
			str = "ip reassembly time exceeded"
		default:
			str = fmt.Sprintf("time exceeded-#%d", code)
		}
	case 12:
		if code != 0 {
			str = fmt.Sprintf("parameter problem - code %d", code)
		} else {
			str = fmt.Sprintf("parameter problem - octet %d", c.u8(bp+4))
		}
	case 18:
		str = fmt.Sprintf("address mask is 0x%08x", c.be32(bp+8))
	case 13:
		str = fmt.Sprintf("time stamp query id %d seq %d", c.be16(bp+4), c.be16(bp+6))
	case 14:
		if !c.avail(bp+16, 4) {
			c.trunc()
			return
		}
		str = fmt.Sprintf("time stamp reply id %d seq %d: org %s", c.be16(bp+4), c.be16(bp+6), icmpTime(c.be32(bp+8)))
		str += ", recv " + icmpTime(c.be32(bp+12))
		str += ", xmit " + icmpTime(c.be32(bp+16))
	default:
		str = tok(icmpNames, typ, "type-#%d")
	}
	c.print("ICMP ")
	c.print(str)
	c.print(", length ")
	c.printInt(plen)
}

// icmpTime formats milliseconds since midnight UTC.
func icmpTime(ms uint32) string {
	sec := ms / 1000
	min := sec / 60
	sec -= min * 60
	hrs := min / 60
	min -= hrs * 60
	return fmt.Sprintf("%02d:%02d:%02d.%03d", hrs, min, sec, ms%1000)
}

// routerAdvert formats an ICMP router advertisement; ok is false when it
// was cut short and "[|icmp]" was printed instead.
func (c *ctx) routerAdvert(bp int) (string, bool) {
	s := "router advertisement"
	if !c.avail(bp+4, 4) {
		c.trunc()
		return "", false
	}
	s += " lifetime "
	lifetime := int(c.be16(bp + 6))
	switch {
	case lifetime < 60:
		s += fmt.Sprintf("%d", lifetime)
	case lifetime < 3600:
		s += fmt.Sprintf("%d:%02d", lifetime/60, lifetime%60)
	default:
		s += fmt.Sprintf("%d:%02d:%02d", lifetime/3600, lifetime%3600/60, lifetime%60)
	}
	num := int(c.u8(bp + 4))
	s += fmt.Sprintf(" %d:", num)
	size := int(c.u8(bp + 5))
	if size != 2 {
		return s + fmt.Sprintf(" [size %d]", size), true
	}
	p := bp + 8
	for ; num > 0; num-- {
		if !c.avail(p, 8) {
			c.trunc()
			return "", false
		}
		s += fmt.Sprintf(" {%s %d}", c.ipv4(p), c.be32(p+4))
		p += 8
	}
	return s, true
}

// icmp6TypeNames is tcpdump's icmp6_type_values table (first name wins).
var icmp6TypeNames = map[int]string{
	1: "destination unreachable", 2: "packet too big", 3: "time exceeded in-transit",
	4: "parameter problem", 128: "echo request", 129: "echo reply",
	130: "multicast listener query", 131: "multicast listener report",
	132: "multicast listener done", 133: "router solicitation", 134: "router advertisement",
	135: "neighbor solicitation", 136: "neighbor advertisement", 137: "redirect",
	138: "router renumbering", 141: "inverse neighbor solicitation",
	142: "inverse neighbor advertisement", 143: "multicast listener report v2",
	144: "ha discovery request", 145: "ha discovery reply",
	146: "mobile router solicitation", 147: "mobile router advertisement",
	139: "who-are-you request", 140: "who-are-you reply",
	201: "mtrace message", 200: "mtrace response", 155: "RPL",
}

var icmp6UnreachNames = map[int]string{
	0: "unreachable route", 1: " unreachable prohibited", 2: "beyond scope",
	3: "unreachable address", 4: "unreachable port",
}

// icmp6Print prints an ICMPv6 message at bp (icmp6_print without -v).
func (c *ctx) icmp6Print(bp, length, iph int) {
	c.proto = "icmp6"
	oip := bp + 8
	if length == 0 {
		c.print("ICMP6, length 0")
		c.invalid()
		return
	}
	typ := int(c.u8(bp))
	c.print("ICMP6, ")
	if name, ok := icmp6TypeNames[typ]; ok {
		c.print(name)
	} else {
		c.print("unknown icmp6 type (")
		c.printInt(typ)
		c.print(")")
	}
	code := int(c.u8(bp + 1))
	switch typ {
	case 1:
		c.printTok(", ", icmp6UnreachNames, code, "unknown unreach code (%d)")
		switch code {
		case 0, 1, 3:
			c.printf(" %s", c.ipv6(oip+24))
		case 2:
			c.printf(" %s, source address %s", c.ipv6(oip+24), c.ipv6(oip+8))
		case 4:
			uh, prot, ok := c.icmp6UpperLayer(oip)
			if !ok {
				c.trunc()
				return
			}
			dport := c.be16(uh + 2)
			switch prot {
			case protoTCP:
				c.printf(", %s tcp port %d", c.ipv6(oip+24), dport)
			case protoUDP:
				c.printf(", %s udp port %d", c.ipv6(oip+24), dport)
			default:
				c.printf(", %s protocol %d port %d unreachable", c.ipv6(oip+24), prot, dport)
			}
		default:
			c.unknownDataPrint(bp, length)
			return
		}
	case 2:
		c.printf(", mtu %d", c.be32(bp+4))
	case 3:
		switch code {
		case 0:
			c.printf(" for %s", c.ipv6(oip+24))
		case 1:
			c.print(" (reassembly)")
		default:
			c.printf(", unknown code (%d)", code)
		}
	case 4:
		if !c.avail(oip+24, 16) {
			c.trunc()
			return
		}
		switch code {
		case 0:
			c.printf(", erroneous - octet %d", c.be32(bp+4))
		case 1:
			c.printf(", next header - octet %d", c.be32(bp+4))
		case 2:
			c.printf(", option - octet %d", c.be32(bp+4))
		case 3:
			c.printf(", incomplete header chain - octet %d", c.be32(bp+4))
		default:
			c.printf(", code-#%d", code)
		}
	case 128, 129:
		id, seq := c.be16(bp+4), c.be16(bp+6)
		c.print(", id ")
		c.printUint(uint64(id))
		c.print(", seq ")
		c.printUint(uint64(seq))
	case 130:
		switch {
		case length == 24:
			c.mld6Print(bp)
		case length >= 28:
			c.print(" v2")
			c.mldv2QueryPrint(bp, length)
		default:
			c.printf(" unknown-version (len %d) ", length)
		}
	case 131, 132:
		c.mld6Print(bp)
	case 133, 134, 141, 142, 145, 147:
	case 135:
		tgt := c.bytes(bp+8, 16)
		c.print(", who has ")
		c.printIP(tgt)
	case 136:
		tgt := c.bytes(bp+8, 16)
		c.print(", tgt is ")
		c.printIP(tgt)
	case 137:
		c.printf(", %s", c.ipv6(bp+24))
		c.printf(" to %s", c.ipv6(bp+8))
	case 138, 139, 140, 155:
		// Router renumbering, node information, RPL: not reproduced.
		c.unsupported("", length)
		return
	case 143:
		if length < 8 {
			c.printf(" [invalid len %d]", length)
		} else {
			c.printf(", %d group record(s)", c.be16(bp+6))
		}
	case 144, 146:
		c.printf(", id 0x%04x", c.be16(bp+4))
	default:
		c.print(", length ")
		c.printInt(length)
		c.unknownDataPrint(bp, length)
		return
	}
	c.print(", length ")
	c.printInt(length)
}

// unknownDataPrint is print_unknown_data with "\n\t": the captured bytes in
// hex.
func (c *ctx) unknownDataPrint(bp, length int) {
	if !c.avail(bp, 0) {
		c.print("\n\tDissector error: print_unknown_data called with pointer past end of packet")
		return
	}
	n := min(length, c.remaining(bp))
	if n > 0 {
		c.print("\n")
		c.out = appendHex(c.out, c.data[bp:bp+n])
	}
}

// icmp6UpperLayer finds the transport header of the datagram quoted in an
// ICMPv6 error (get_upperlayer).
func (c *ctx) icmp6UpperLayer(oip int) (uh, prot int, ok bool) {
	if !c.avail(oip+6, 1) {
		return 0, 0, false
	}
	nh := int(c.data[oip+6])
	hlen := 40
	p := oip
	for p < c.snapend {
		p += hlen
		switch nh {
		case protoUDP, protoTCP:
			if c.avail(p+2, 2) {
				return p, nh, true
			}
			return 0, 0, false
		case protoHopOpts, protoDstOpts, protoRouting:
			if !c.avail(p+1, 1) {
				return 0, 0, false
			}
			nh = int(c.data[p])
			hlen = (int(c.data[p+1]) + 1) << 3
		case protoFragment:
			if !c.avail(p+2, 2) {
				return 0, 0, false
			}
			if c.be16(p+2)&0xfff8 != 0 {
				return 0, 0, false
			}
			nh = int(c.data[p])
			hlen = 8
		case 51: // AH
			if !c.avail(p+1, 1) {
				return 0, 0, false
			}
			nh = int(c.data[p])
			hlen = (int(c.data[p+1]) + 2) << 2
		default:
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// mld6Print prints a multicast listener message (mld6_print).
func (c *ctx) mld6Print(bp int) {
	if bp+24 > c.snapend {
		return
	}
	c.printf("max resp delay: %d ", c.be16(bp+4))
	c.printf("addr: %s", c.ipv6(bp+8))
}

// mldv2QueryPrint prints an MLDv2 query without -v (mldv2_query_print).
func (c *ctx) mldv2QueryPrint(bp, length int) {
	if length < 28 {
		c.printf(" [invalid len %d]", length)
		return
	}
	c.be16(bp + 4)
	c.printf(" [gaddr %s", c.ipv6(bp+8))
	nsrcs := int(c.be16(bp + 26))
	if nsrcs > 0 {
		if length < 28+nsrcs*16 {
			c.print(" [invalid number of sources]")
		} else {
			c.printf(", %d source(s)", nsrcs)
		}
	}
	c.print("]")
}
