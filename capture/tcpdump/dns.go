package tcpdump

// DNS, as tcpdump prints it without -v: the header flags, the questions of
// a query, the answers of a response.

var dnsOps = [16]string{
	"", " inv_q", " stat", " op3", " notify", " update", " op6", " op7",
	" op8", " updateA", " updateD", " updateDA", " updateM", " updateMA", " zoneInit", " zoneRef",
}

// dnsResponseCodes is tcpdump's ns_resp table, missing spaces included.
var dnsResponseCodes = [24]string{
	"", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused", " YXDomain", " YXRRSet",
	" NXRRSet", " NotAuth", " NotZone", " Resp11", " Resp12", " Resp13", " Resp14", " NoChange",
	" BadVers", "Resp17", " Resp18", " Resp19", " Resp20", "Resp21", " Resp22", " BadCookie",
}

var dnsTypes = map[int]string{
	1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR",
	10: "NULL", 11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT",
	17: "RP", 18: "AFSDB", 19: "X25", 20: "ISDN", 21: "RT", 22: "NSAP", 23: "NSAP_PTR",
	24: "SIG", 25: "KEY", 26: "PX", 27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT",
	31: "EID", 32: "NIMLOC", 33: "SRV", 34: "ATMA", 35: "NAPTR", 36: "KX", 37: "CERT",
	38: "A6", 39: "DNAME", 40: "SINK", 41: "OPT", 42: "APL", 43: "DS", 44: "SSHFP",
	45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 99: "SPF", 100: "UINFO",
	101: "UID", 102: "GID", 103: "UNSPEC", 104: "UNSPECA", 249: "TKEY", 250: "TSIG",
	251: "IXFR", 252: "AXFR", 253: "MAILB", 254: "MAILA", 255: "ANY", 256: "URI",
}

var dnsClasses = map[int]string{1: "IN", 3: "CHAOS", 4: "HS", 255: "ANY"}

const (
	dnsTypeOPT  = 41
	maxCDName   = 255
	labelMask   = 0xc0
	labelIndir  = 0xc0
	labelResvd  = 0x80
	labelEDNS0  = 0x40
	eltBitlabel = 0x01
)

// domainPrint prints a DNS message at bp (domain_print without -v).
func (c *ctx) domainPrint(bp, length int, overTCP, mdns bool) {
	c.proto = "domain"
	if overTCP {
		if length < 2 {
			c.printf(" [DNS over TCP: length %d < 2]", length)
			c.invalid()
			return
		}
		length -= 2
		if prefix := int(c.be16(bp)); prefix != length {
			c.printf(" [prefix length(%d) != length(%d)]", prefix, length)
			c.invalid()
			return
		}
		bp += 2
		c.print(" ")
	}
	if length < 12 {
		c.printf("domain [length %d < 12]", length)
		c.invalid()
		return
	}
	if !c.avail(bp, 12) {
		c.trunc()
		return
	}
	flags := int(c.be16(bp + 2))
	qd, an, ns, ar := int(c.be16(bp+4)), int(c.be16(bp+6)), int(c.be16(bp+8)), int(c.be16(bp+10))
	rcode := flags & 0xf
	rcode = c.dnsExtendedRcode(bp, rcode, qd, an, ns, ar)

	opcode := flags >> 11 & 0xf
	if flags&0x8000 != 0 { // response
		c.printUint(uint64(c.be16(bp)))
		c.print(dnsOps[opcode])
		if rcode < len(dnsResponseCodes) {
			c.print(dnsResponseCodes[rcode])
		} else {
			c.printf(" Resp%d", rcode&0xfff)
		}
		if flags&0x0400 != 0 {
			c.print("*")
		}
		if flags&0x0080 == 0 {
			c.print("-")
		}
		if flags&0x0200 != 0 {
			c.print("|")
		}
		if flags&0x0020 != 0 {
			c.print("$")
		}
		if qd != 1 {
			c.printf(" [%dq]", qd)
		}
		cp := bp + 12
		for i := 0; i < qd; i++ {
			if i != 0 {
				c.print(",")
			}
			if cp = c.dnsSkipName(cp); cp < 0 {
				c.trunc()
				return
			}
			cp += 4
		}
		c.printf(" %d/%d/%d", an, ns, ar)
		if an > 0 {
			if cp = c.dnsRRPrint(cp, bp, mdns); cp < 0 {
				c.trunc()
				return
			}
			an--
			for cp < c.snapend && an > 0 {
				c.print(",")
				if cp = c.dnsRRPrint(cp, bp, mdns); cp < 0 {
					c.trunc()
					return
				}
				an--
			}
		}
		if an > 0 {
			c.trunc()
			return
		}
	} else { // query
		c.printUint(uint64(c.be16(bp)))
		c.print(dnsOps[opcode])
		if flags&0x0100 != 0 {
			c.print("+")
		}
		if flags&0x0010 != 0 {
			c.print("%")
		}
		if b2 := c.be16(bp + 2); b2&0x6cf != 0 {
			c.printf(" [b2&3=0x%x]", b2)
		}
		if opcode == 1 { // inverse query
			if qd != 0 {
				c.printf(" [%dq]", qd)
			}
			if an != 1 {
				c.printf(" [%da]", an)
			}
		} else {
			if an != 0 {
				c.printf(" [%da]", an)
			}
			if qd != 1 {
				c.printf(" [%dq]", qd)
			}
		}
		if ns != 0 {
			c.printf(" [%dn]", ns)
		}
		if ar != 0 {
			c.printf(" [%dau]", ar)
		}
		cp := bp + 12
		if qd > 0 {
			if cp = c.dnsQuestionPrint(cp, bp, mdns); cp < 0 {
				c.trunc()
				return
			}
			qd--
			for cp < c.snapend && qd > 0 {
				if cp = c.dnsQuestionPrint(cp, bp, mdns); cp < 0 {
					c.trunc()
					return
				}
				qd--
			}
		}
		if qd > 0 {
			c.trunc()
			return
		}
	}
	c.printf(" (%d)", length)
}

// dnsExtendedRcode adds the upper bits of the response code from an OPT
// record in the additional section, if it can find one.
func (c *ctx) dnsExtendedRcode(bp, rcode, qd, an, ns, ar int) int {
	cp := bp + 12
	for i := 0; i < qd; i++ {
		if cp = c.dnsSkipName(cp); cp < 0 {
			return rcode
		}
		cp += 4
		if cp >= c.snapend {
			return rcode
		}
	}
	for i := 0; i < an+ns; i++ {
		if cp = c.dnsSkipName(cp); cp < 0 {
			return rcode
		}
		cp += 8
		if cp+2 > c.snapend {
			return rcode
		}
		cp += 2 + int(c.be16(cp))
		if cp >= c.snapend {
			return rcode
		}
	}
	for i := 0; i < ar; i++ {
		if cp = c.dnsSkipName(cp); cp < 0 {
			return rcode
		}
		if cp+2 > c.snapend {
			return rcode
		}
		typ := c.be16(cp)
		cp += 4
		if cp+1 > c.snapend {
			return rcode
		}
		if typ == dnsTypeOPT {
			return rcode | int(c.u8(cp))<<4
		}
		cp += 4
		if cp+2 > c.snapend {
			return rcode
		}
		cp += 2 + int(c.be16(cp))
		if cp >= c.snapend {
			return rcode
		}
	}
	return rcode
}

// dnsSkipName returns where the name at cp ends, or -1 (ns_nskip).
func (c *ctx) dnsSkipName(cp int) int {
	if !c.avail(cp, 1) {
		return -1
	}
	i := int(c.data[cp])
	cp++
	for i != 0 {
		switch i & labelMask {
		case labelIndir:
			return cp + 1
		case labelEDNS0:
			if i&^labelMask != eltBitlabel || !c.avail(cp, 1) {
				return -1
			}
			bitlen := int(c.data[cp])
			if bitlen == 0 {
				bitlen = 256
			}
			cp++
			cp += (bitlen + 7) / 8
		case labelResvd:
			return -1
		default:
			cp += i
		}
		if !c.avail(cp, 1) {
			return -1
		}
		i = int(c.data[cp])
		cp++
	}
	return cp
}

// dnsLabelLen returns the length of the label at cp, or -1 (labellen).
func (c *ctx) dnsLabelLen(cp int) int {
	if !c.avail(cp, 1) {
		return -1
	}
	i := int(c.data[cp])
	switch i & labelMask {
	case labelEDNS0:
		if elt := i &^ labelMask; elt != eltBitlabel {
			c.printf("<ELT %d>", elt)
			return -1
		}
		if !c.avail(cp+1, 1) {
			return -1
		}
		bitlen := int(c.data[cp+1])
		if bitlen == 0 {
			bitlen = 256
		}
		return (bitlen+7)/8 + 1
	case labelIndir, 0:
		return i
	default:
		c.print("<BAD LABEL TYPE>")
		return -1
	}
}

// dnsNamePrint prints the domain name at cp of the message at bp and
// returns where it ends, or -1 (fqdn_print).
func (c *ctx) dnsNamePrint(cp, bp int) int {
	l := c.dnsLabelLen(cp)
	if l < 0 || !c.avail(cp, 1) {
		return -1
	}
	maxOffset := cp - bp
	i := int(c.data[cp])
	cp++
	rp := -1
	compress := false
	if i&labelMask != labelIndir {
		rp = cp + l
	}
	if i == 0 {
		c.print(".")
		return rp
	}
	nameChars := 0
	for i != 0 && cp < c.snapend {
		switch i & labelMask {
		case labelIndir:
			if !compress {
				rp = cp + 1
				compress = true
			}
			if !c.avail(cp, 1) {
				return -1
			}
			offset := (i<<8 | int(c.data[cp])) & 0x3fff
			if offset >= maxOffset {
				c.print("<BAD PTR>")
				return -1
			}
			maxOffset = offset
			cp = bp + offset
			if !c.avail(cp, 1) {
				return -1
			}
			i = int(c.data[cp])
			if l = c.dnsLabelLen(cp); l < 0 {
				return -1
			}
			cp++
			continue
		case labelEDNS0:
			if elt := i &^ labelMask; elt != eltBitlabel {
				c.printf("<ELT %d>", elt)
				return -1
			}
			c.dnsBitLabelPrint(cp)
		case labelResvd:
			c.print("<BAD LABEL TYPE>")
			return -1
		default:
			if nameChars+l <= maxCDName {
				if c.printn(cp, l) {
					return -1
				}
			} else if nameChars < maxCDName {
				if c.printn(cp, maxCDName-nameChars) {
					return -1
				}
			}
			nameChars += l
		}
		cp += l
		if nameChars <= maxCDName {
			c.print(".")
		}
		nameChars++
		if !c.avail(cp, 1) {
			return -1
		}
		i = int(c.data[cp])
		if l = c.dnsLabelLen(cp); l < 0 {
			return -1
		}
		cp++
		if !compress {
			rp += l + 1
		}
	}
	if nameChars > maxCDName {
		c.print("<DOMAIN NAME TOO LONG>")
	}
	return rp
}

// dnsBitLabelPrint prints an EDNS0 bit-string label (blabel_print).
func (c *ctx) dnsBitLabelPrint(cp int) {
	bitlen := int(c.u8(cp))
	if bitlen == 0 {
		bitlen = 256
	}
	lim := cp + 1 + (bitlen+3)/4
	c.print("\\[x")
	bitp, b := cp+1, bitlen
	for ; bitp < lim && b > 7; b, bitp = b-8, bitp+1 {
		c.printf("%02x", c.u8(bitp))
	}
	if b > 4 {
		c.printf("%02x", int(c.u8(bitp))&(0xff<<(8-b)))
	} else if b > 0 {
		c.printf("%1x", (int(c.u8(bitp))>>4&0x0f)&(0x0f<<(4-b)))
	}
	c.printf("/%d]", bitlen)
}

// printn prints up to n bytes at cp, stopping at the end of the captured
// bytes, with tcpdump's escapes for unprintable ones; it reports whether it
// stopped early (nd_printn).
func (c *ctx) printn(cp, n int) bool {
	for n > 0 && cp < c.snapend {
		n--
		c.printChar(c.data[cp])
		cp++
	}
	return n != 0
}

// printChar prints a byte as tcpdump's fn_print_char does: "M-" for the
// high bit, "^" for control characters.
func (c *ctx) printChar(b byte) {
	if b >= 0x80 {
		b &= 0x7f
		c.print("M-")
	}
	if !isPrint(b) {
		b ^= 0x40
		c.print("^")
	}
	c.out = append(c.out, b)
}

// dnsQuestionPrint prints a question (ns_qprint) and returns where it
// ends, or -1.
func (c *ctx) dnsQuestionPrint(cp, bp int, mdns bool) int {
	np := cp
	cp = c.dnsSkipName(cp)
	if cp < 0 || !c.avail(cp, 4) {
		return -1
	}
	c.printTok(" ", dnsTypes, int(c.be16(cp)), "Type%d")
	i := int(c.be16(cp + 2))
	class := i
	if mdns {
		class &^= 0x8000
	}
	if class != 1 {
		c.printTok(" ", dnsClasses, class, "(Class %d)")
	}
	if mdns {
		if i&0x8000 != 0 {
			c.print(" (QU)")
		} else {
			c.print(" (QM)")
		}
	}
	c.print("? ")
	if cp = c.dnsNamePrint(np, bp); cp < 0 {
		return -1
	}
	return cp + 4
}

// dnsRRPrint prints a resource record without its name (ns_rprint without
// -v) and returns where it ends, or -1.
func (c *ctx) dnsRRPrint(cp, bp int, mdns bool) int {
	cp = c.dnsSkipName(cp)
	if cp < 0 || !c.avail(cp, 10) {
		return c.snapend
	}
	typ := int(c.be16(cp))
	i := int(c.be16(cp + 2))
	cp += 4
	class := i
	if mdns {
		class &^= 0x8000
	}
	if class != 1 && typ != dnsTypeOPT {
		c.printTok(" ", dnsClasses, class, "(Class %d)")
	}
	if mdns && i&0x8000 != 0 {
		c.print(" (Cache flush)")
	}
	optFlags := 0
	if typ == dnsTypeOPT {
		optFlags = int(c.be16(cp + 2))
	}
	cp += 4
	n := int(c.be16(cp))
	cp += 2
	rp := cp + n
	c.printTok(" ", dnsTypes, typ, "Type%d")
	if rp > c.snapend {
		return -1
	}
	switch typ {
	case 1: // A
		if !c.avail(cp, 4) {
			return -1
		}
		c.printf(" %s", c.ipv4(cp))
	case 2, 5, 12, 39: // NS, CNAME, PTR, DNAME
		c.print(" ")
		if c.dnsNamePrint(cp, bp) < 0 {
			return -1
		}
	case 15: // MX
		c.print(" ")
		if !c.avail(cp, 2) || c.dnsNamePrint(cp+2, bp) < 0 {
			return -1
		}
		c.printf(" %d", c.be16(cp))
	case 16: // TXT
		for cp < rp {
			c.print(` "`)
			if !c.avail(cp, 1) {
				return -1
			}
			l := int(c.data[cp])
			if c.printn(cp+1, l) {
				return -1
			}
			cp += 1 + l
			c.print(`"`)
		}
	case 33: // SRV
		c.print(" ")
		if !c.avail(cp, 6) || c.dnsNamePrint(cp+6, bp) < 0 {
			return -1
		}
		c.printf(":%d %d %d", c.be16(cp+4), c.be16(cp), c.be16(cp+2))
	case 28: // AAAA
		if !c.avail(cp, 16) {
			return -1
		}
		c.printf(" %s", c.ipv6(cp))
	case 38: // A6
		if !c.avail(cp, 1) {
			return -1
		}
		pbit := int(c.data[cp])
		pbyte := (pbit &^ 7) / 8
		if pbit > 128 {
			c.printf(" %d(bad plen)", pbit)
			break
		} else if pbit < 128 {
			var a [16]byte
			copy(a[pbyte:], c.bytes(cp+1, 16-pbyte))
			c.printf(" %d %s", pbit, string(appendIPv6(nil, a[:])))
		}
		if pbit > 0 {
			c.print(" ")
			if c.dnsNamePrint(cp+1+16-pbyte, bp) < 0 {
				return -1
			}
		}
	case 256: // URI
		if !c.avail(cp, n) {
			return -1
		}
		c.printf(" %d %d ", c.be16(cp), c.be16(cp+2))
		if c.printn(cp+4, int(uint32(n-4))) {
			return -1
		}
	case dnsTypeOPT:
		c.printf(" UDPsize=%d", class)
		if optFlags&0x8000 != 0 {
			c.print(" DO")
		}
		if cp < rp {
			// EDNS options: not reproduced.
			c.inexact()
			c.print(" [...]")
		}
	case 104: // UNSPECA
		if !c.avail(cp, n) || c.printn(cp, n) {
			return -1
		}
	case 250: // TSIG
		if cp+n > c.snapend {
			return -1
		}
	}
	return rp
}
