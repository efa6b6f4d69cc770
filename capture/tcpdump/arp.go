package tcpdump

var arpOpNames = map[int]string{
	1: "Request", 2: "Reply", 3: "Reverse Request", 4: "Reverse Reply",
	8: "Inverse Request", 9: "Inverse Reply", 10: "NACK Reply",
}

var arpHardwareNames = map[int]string{
	1: "Ethernet", 6: "TokenRing", 7: "ArcNet", 15: "FrameRelay", 23: "Strip",
	24: "IEEE 1394", 19: "ATM", 32: "InfiniBand",
}

// arpPrint prints an ARP or RARP message at bp (arp_print without -v).
func (c *ctx) arpPrint(bp, length, caplen int) {
	c.proto = "arp"
	c.check(bp, 8)
	hrd := int(c.be16(bp))
	pro := int(c.be16(bp + 2))
	hln := int(c.u8(bp + 4))
	pln := int(c.u8(bp + 5))
	op := int(c.be16(bp + 6))
	if hrd == 19 || hrd == 15 {
		// ATM ARP and Frame Relay addresses: not reproduced.
		if !c.p.opts.LinkHeader {
			c.print("ARP, ")
		}
		c.unsupported(arpHardwareNames[hrd], length)
		return
	}
	sha := bp + 8
	spa := sha + hln
	tha := spa + pln
	tpa := tha + hln
	c.check(tpa, pln)
	if !c.p.opts.LinkHeader {
		c.print("ARP, ")
	}
	isIP := pro == etherTypeIPv4 || pro == 0x1000
	if !isIP || pln != 4 || hln == 0 {
		c.printf("%s (len %d), %s (len %d)",
			tok(arpHardwareNames, hrd, "Unknown Hardware (%d)"), hln,
			tok(etherTypeNames, pro, "Unknown Protocol (0x%04x)"), pln)
		c.printf(", length %d", length)
		return
	}
	if name, ok := arpOpNames[op]; ok {
		c.print(name)
	} else {
		c.print("Unknown (")
		c.printInt(op)
		c.print(")")
	}
	c.print(" ")
	// The whole message was captured (checked above), so the addresses
	// print without a truncation halfway.
	protoAddr := func(at int) {
		switch {
		case !isIP:
			c.print("<wrong proto type>")
		case pln != 4:
			c.print("<wrong len>")
		default:
			c.printIPv4(at)
		}
	}
	linkAddr := func(at int) { c.out = appendLinkAddr(c.out, c.bytes(at, hln)) }
	switch op {
	case 1:
		c.print("who-has ")
		protoAddr(tpa)
		nonzero := false
		for i := 0; i < hln; i++ {
			if c.u8(tha+i) != 0 {
				nonzero = true
				break
			}
		}
		if nonzero {
			c.print(" (")
			linkAddr(tha)
			c.print(")")
		}
		c.print(" tell ")
		protoAddr(spa)
	case 2:
		protoAddr(spa)
		c.print(" is-at ")
		linkAddr(sha)
	case 3, 8:
		c.print("who-is ")
		linkAddr(tha)
		c.print(" tell ")
		linkAddr(sha)
	case 4:
		linkAddr(tha)
		c.print(" at ")
		protoAddr(tpa)
	case 9:
		linkAddr(sha)
		c.print(" at ")
		protoAddr(spa)
	default:
		c.defaultPrint(bp, caplen)
		return
	}
	c.print(", length ")
	c.printInt(length)
}
