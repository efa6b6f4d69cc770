package tcpdump

// Ethernet types with a meaning for the printers.
const (
	etherTypeIPv4      = 0x0800
	etherTypeARP       = 0x0806
	etherTypeRARP      = 0x8035
	etherTypeIPv6      = 0x86dd
	etherType8021Q     = 0x8100
	etherType8021Q9100 = 0x9100
	etherType8021Q9200 = 0x9200
	etherType8021QinQ  = 0x88a8
	etherTypeMACsec    = 0x88e5
	etherTypeJumbo     = 0x8870
	etherTypeArista    = 0xd28b
	maxEthernetLength  = 1500
)

// etherTypeNames is tcpdump's ethertype_values table (first name wins).
var etherTypeNames = map[int]string{
	0x0800: "IPv4",
	0x8847: "MPLS unicast",
	0x8848: "MPLS multicast",
	0x86dd: "IPv6",
	0x8100: "802.1Q",
	0x9100: "802.1Q-9100",
	0x88a8: "802.1Q-QinQ",
	0x9200: "802.1Q-9200",
	0x88e5: "802.1AE MACsec",
	0x0200: "PUP",
	0x0806: "ARP",
	0x8035: "Reverse ARP",
	0x0600: "NS",
	0x0500: "Sprite",
	0x1000: "Trail",
	0x6001: "MOP DL",
	0x6002: "MOP RC",
	0x6003: "DN",
	0x6004: "LAT",
	0x6007: "SCA",
	0x6558: "TEB",
	0x8038: "Lanbridge",
	0x803c: "DEC DNS",
	0x803e: "DEC DTS",
	0x805b: "VEXP",
	0x805c: "VPROD",
	0x809b: "Appletalk",
	0x80f3: "Appletalk ARP",
	0x8137: "IPX",
	0x880b: "PPP",
	0x8808: "MPCP",
	0x8809: "Slow Protocols",
	0x8863: "PPPoE D",
	0x8864: "PPPoE S",
	0x888e: "EAPOL",
	0x8899: "Realtek protocols",
	0x886f: "MS NLB heartbeat",
	0x8870: "Jumbo",
	0x894f: "NSH",
	0x9000: "Loopback",
	0xfefe: "OSI",
	0x00fe: "GRE-OSI",
	0xabcd: "CFM (old)",
	0x8902: "CFM",
	0x893a: "IEEE1905.1",
	0x88cc: "LLDP",
	0x88ca: "TIPC",
	0x0707: "GeoNet (old)",
	0x8947: "GeoNet",
	0x1111: "CALM FAST",
	0x88a2: "AoE",
	0x88f7: "PTP",
	0xd28b: "Arista Vendor Specific Protocol",
}

// etherTypesDefault are the types tcpdump knows by name but prints only as
// raw data (ethertype_print returns 0 for them).
var etherTypesDefault = map[int]bool{0x6004: true, 0x6007: true, 0x6002: true, 0x6001: true, 0x893a: true}

// etherTypeKnown reports whether tcpdump has a printer for the type, so
// that it does not fall back to the raw dump.
func etherTypeKnown(t int) bool {
	if etherTypesDefault[t] {
		return false
	}
	switch t {
	case 0x0800, 0x86dd, 0x0806, 0x8035, 0x6003, 0x809b, 0x80f3, 0x8137, 0xfefe,
		0x8863, 0x8864, 0x3c12, 0x3c13, 0x888e, 0x8899, 0x880b, 0x8808, 0x8809,
		0x8902, 0xabcd, 0x88cc, 0x894f, 0x9000, 0x8847, 0x8848, 0x88ca, 0x886f,
		0x0707, 0x8947, 0x1111, 0x88a2, 0x88f7:
		return true
	}
	return false
}

func (c *ctx) etherTypePrint(t int) {
	c.print("ethertype ")
	c.print(etherTypeName(t))
	c.print(" (0x")
	c.printHex(uint64(t), 4)
	c.print(")")
}

// etherTypeName returns tcpdump's name for an Ethernet type, or "Unknown".
func etherTypeName(t int) string {
	if name, ok := etherTypeNames[t]; ok {
		return name
	}
	return "Unknown"
}

func (c *ctx) etherAddressesPrint(src, dst int) {
	c.printMAC(src)
	c.print(" > ")
	c.printMAC(dst)
	c.print(", ")
}

// etherPrint prints an Ethernet frame at off (ether_common_print) and
// returns the length of its link-layer headers.
func (c *ctx) etherPrint(off, length, caplen int) int {
	if length < caplen {
		c.printf("[length %d < caplen %d]", length, caplen)
		c.invalid()
		return length
	}
	if caplen < 14 {
		c.trunc()
		return caplen
	}
	origLength := length
	src, dst := off+6, off
	length -= 12
	caplen -= 12
	p := off + 12
	hdrlen := 12
	e := c.p.opts.LinkHeader
	if e {
		c.etherAddressesPrint(src, dst)
	}
	lengthType := int(c.be16(p))
	length -= 2
	caplen -= 2
	p += 2
	hdrlen += 2

	printedLength := false
	if lengthType == etherTypeMACsec {
		// tcpdump decodes the MACsec SecTAG; wstrace does not.
		if !e {
			c.etherAddressesPrint(src, dst)
		}
		c.etherTypePrint(lengthType)
		c.unsupported("", origLength)
		c.print(": ")
		return hdrlen
	}
	for lengthType == etherType8021Q || lengthType == etherType8021Q9100 ||
		lengthType == etherType8021Q9200 || lengthType == etherType8021QinQ {
		if caplen < 4 {
			c.proto = "vlan"
			c.trunc()
			return hdrlen + caplen
		}
		if length < 4 {
			c.proto = "vlan"
			c.trunc()
			return hdrlen + length
		}
		if e {
			tag := c.be16(p)
			c.etherTypePrint(lengthType)
			if !printedLength {
				c.printLinkLength(origLength)
				printedLength = true
			} else {
				c.print(", ")
			}
			c.printVLAN(tag)
			c.print(", ")
		}
		lengthType = int(c.be16(p + 2))
		p += 4
		length -= 4
		caplen -= 4
		hdrlen += 4
	}

	switch {
	case lengthType <= maxEthernetLength:
		// An 802.3 length field: an LLC header follows.
		if lengthType < length {
			length = lengthType
			if caplen > length {
				caplen = length
			}
		}
		c.pushSnaplen(p, length)
		if e {
			c.print("802.3")
			if !printedLength {
				c.printLinkLength(length)
			}
		}
		hdrlen += c.llcPrint(p, length, caplen)
		c.popSnaplen()
	case lengthType == etherTypeJumbo || lengthType == etherTypeArista:
		if !e {
			c.etherAddressesPrint(src, dst)
		}
		c.etherTypePrint(lengthType)
		c.unsupported("", origLength)
		c.print(": ")
	default:
		if e {
			c.etherTypePrint(lengthType)
			if !printedLength {
				c.printLinkLength(origLength)
			} else {
				c.print(", ")
			}
		}
		if known := c.etherTypeDispatch(lengthType, p, length, caplen); known != etherHandled {
			if !e {
				c.etherAddressesPrint(src, dst)
				c.etherTypePrint(lengthType)
				c.printLinkLength(origLength)
			}
			if known == etherUnknown {
				c.defaultPrint(p, caplen)
			}
		}
	}
	return hdrlen
}

// printVLAN prints a VLAN tag's ID, priority and drop eligibility.
func (c *ctx) printVLAN(tci uint16) {
	c.print("vlan ")
	c.printUint(uint64(tci & 0xfff))
	c.print(", p ")
	c.printUint(uint64(tci >> 13))
	if tci&0x1000 != 0 {
		c.print(", DEI")
	}
}

// How etherTypeDispatch dealt with a type.
const (
	etherHandled     = iota // printed, as tcpdump does
	etherUnsupported        // tcpdump has a printer, the printer does not
	etherUnknown            // tcpdump has no printer either
)

// etherTypeDispatch prints the payload of the given Ethernet type
// (ethertype_print) and says whether it could.
func (c *ctx) etherTypeDispatch(t, p, length, caplen int) int {
	switch t {
	case etherTypeIPv4:
		c.ipPrint(p, length)
		return etherHandled
	case etherTypeIPv6:
		c.ip6Print(p, length)
		return etherHandled
	case etherTypeARP, etherTypeRARP:
		c.arpPrint(p, length, caplen)
		return etherHandled
	}
	if etherTypeKnown(t) {
		// tcpdump has a printer for this protocol; wstrace does not.
		c.inexact()
		return etherUnsupported
	}
	return etherUnknown
}

// llcPrint stands in for tcpdump's 802.2 LLC printer, which wstrace does not
// reproduce; it returns the length of the LLC header.
func (c *ctx) llcPrint(p, length, caplen int) int {
	c.unsupported("LLC", length)
	return 0
}

// sllPacketTypes names the Linux cooked capture packet types.
var sllPacketTypes = map[int]string{0: "In", 1: "B", 2: "M", 3: "P", 4: "Out"}

// sllPacketType returns tcpdump's name for a cooked capture packet type.
func sllPacketType(t int) string {
	if name, ok := sllPacketTypes[t]; ok {
		return name
	}
	return "?"
}

// sllHeaderPrint prints the v1 cooked header for -e (sll_print).
func (c *ctx) sllHeaderPrint(length int) {
	c.proto = "sll"
	c.printRightAligned(sllPacketType(int(c.be16(0))), 3)
	c.print(" ")
	if c.be16(4) == 6 {
		c.printMAC(6)
		c.print(" ")
	}
	c.cookedProtocolPrint(int(c.be16(14)), length)
}

func (c *ctx) cookedProtocolPrint(t, length int) {
	if t <= maxEthernetLength {
		switch t {
		case 1:
			c.print("802.3")
		case 4:
			c.print("802.2")
		default:
			c.print("ethertype Unknown (0x")
			c.printHex(uint64(t), 4)
			c.print(")")
		}
	} else {
		c.etherTypePrint(t)
	}
	c.printLinkLength(length)
}

// sllPrint prints a LINUX_SLL packet (sll_if_print).
func (c *ctx) sllPrint(length int) {
	c.proto = "sll"
	caplen := len(c.data)
	c.check(0, 16)
	if c.p.opts.LinkHeader {
		c.sllHeaderPrint(length)
	}
	c.cookedPayloadPrint(16, length, caplen, c.sllHeaderPrint, int(c.be16(2)), int(c.be16(14)))
}

// sll2Print prints a LINUX_SLL2 packet (sll2_if_print).
func (c *ctx) sll2Print(length int) {
	c.proto = "sll2"
	caplen := len(c.data)
	c.check(0, 20)
	c.printPadded(c.p.interfaceName(c.be32(4)), 5)
	c.print(" ")
	c.printPadded(sllPacketType(int(c.u8(10))), 3)
	c.print(" ")
	header := func(length int) {
		c.proto = "sll2"
		index := c.be32(4)
		c.print("ifindex ")
		c.printUint(uint64(index))
		c.print(" ")
		if c.u8(11) == 6 {
			c.printMAC(12)
			c.print(" ")
		}
		c.cookedProtocolPrint(int(c.be16(0)), length)
	}
	if c.p.opts.LinkHeader {
		header(length)
	}
	c.cookedPayloadPrint(20, length, caplen, header, int(c.be16(8)), int(c.be16(0)))
}

// cookedPayloadPrint prints what follows a cooked header of hdrlen bytes.
// header prints the cooked header for -e, given the remaining length plus
// the header's.
func (c *ctx) cookedPayloadPrint(hdrlen, length, caplen int, header func(length int), hatype, etherType int) {
	hdrlen0 := hdrlen
	length -= hdrlen
	caplen -= hdrlen
	p := hdrlen
	if hatype == 803 {
		// Radiotap: tcpdump decodes 802.11; wstrace does not.
		c.unsupported("802.11 radiotap", length)
		c.llHdrLen += hdrlen
		return
	}
	for {
		switch {
		case etherType <= maxEthernetLength:
			switch etherType {
			case 4: // 802.2
				hdrlen += c.llcPrint(p, length, caplen)
			case 1: // Novell 802.3
				c.unsupported("IPX", length)
			default:
				c.defaultPrint(p, caplen)
			}
		case etherType == etherType8021Q:
			if caplen < 4 {
				c.proto = "vlan"
				c.trunc()
				c.llHdrLen += hdrlen + caplen
				return
			}
			if c.p.opts.LinkHeader {
				c.printVLAN(c.be16(p))
				c.print(", ")
			}
			etherType = int(c.be16(p + 2))
			if etherType <= maxEthernetLength {
				etherType = 4
			}
			c.print("ethertype ")
			c.print(etherTypeName(etherType))
			c.print(", ")
			p += 4
			length -= 4
			caplen -= 4
			hdrlen += 4
			continue
		default:
			if known := c.etherTypeDispatch(etherType, p, length, caplen); known != etherHandled {
				if !c.p.opts.LinkHeader {
					header(length + hdrlen0)
				}
				if known == etherUnknown {
					c.defaultPrint(p, caplen)
				}
			}
		}
		break
	}
	c.llHdrLen += hdrlen
}

// bsdAFNames is tcpdump's bsd_af_values table.
var bsdAFNames = map[int]string{2: "IPv4", 6: "NS", 7: "ISO", 16: "Appletalk", 23: "IPX", 24: "IPv6", 28: "IPv6", 30: "IPv6"}

// nullPrint prints a NULL or LOOP packet (null_if_print).
func (c *ctx) nullPrint(length int) {
	c.proto = "null"
	caplen := len(c.data)
	c.check(0, 4)
	c.llHdrLen += 4
	// tcpdump reads the family in host byte order (little-endian here)
	// and swaps it when its upper half is not zero.
	b := c.bytes(0, 4)
	family := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
	if family&0xffff0000 != 0 {
		family = uint32(b[3]) | uint32(b[2])<<8 | uint32(b[1])<<16 | uint32(b[0])<<24
	}
	header := func(length int) {
		c.printTok("AF ", bsdAFNames, int(family), "Unknown")
		c.print(" (")
		c.printUint(uint64(family))
		c.print(")")
		c.printLinkLength(length)
	}
	if c.p.opts.LinkHeader {
		header(length)
	}
	length -= 4
	caplen -= 4
	switch family {
	case 2:
		c.ipPrint(4, length)
	case 24, 28, 30:
		c.ip6Print(4, length)
	case 7, 16, 23:
		if !c.p.opts.LinkHeader {
			header(length + 4)
		}
		c.inexact()
	default:
		if !c.p.opts.LinkHeader {
			header(length + 4)
		}
		c.defaultPrint(4, caplen)
	}
}
