package tcpdump

// udpSpecialPorts are the ports (either side) for which tcpdump hands UDP
// payloads to a protocol printer instead of printing "UDP, length N".
var udpSpecialPorts = map[int]bool{
	525: true, 69: true, 67: true, 68: true, 520: true, 654: true, 500: true,
	4500: true, 7500: true, 8500: true, 161: true, 162: true, 123: true, 88: true,
	750: true, 1701: true, 2103: true, 2104: true, 521: true, 546: true, 547: true,
	5359: true, 6696: true, 6697: true, 8231: true, 496: true, 1645: true, 1812: true,
	1646: true, 1813: true, 1700: true, 3799: true, 921: true, 646: true, 698: true,
	3503: true, 701: true, 1589: true, 6343: true, 12222: true, 5060: true, 514: true,
	8472: true, 4789: true, 6081: true, 4342: true, 4790: true, 17754: true, 6635: true,
	319: true, 320: true, 30490: true,
}

// udpPrint prints a UDP datagram at bp (udp_print).
func (c *ctx) udpPrint(bp, length, iph int, fragmented bool) {
	c.proto = "udp"
	v6 := c.data[iph]>>4 == 6
	addrPrint := func(sport, dport int) { c.udpAddrPrint(iph, v6, sport, dport) }
	if !c.avail(bp+2, 2) {
		addrPrint(-1, -1)
		c.trunc()
		return
	}
	sport, dport := int(c.be16(bp)), int(c.be16(bp+2))
	if length < 8 {
		addrPrint(sport, dport)
		c.printf("truncated-udp %d", length)
		return
	}
	if !c.avail(bp+4, 2) {
		addrPrint(sport, dport)
		c.trunc()
		return
	}
	ulen := int(c.be16(bp + 4))
	if ulen == 0 && length > 65535 {
		ulen = length
	}
	if ulen < 8 {
		addrPrint(sport, dport)
		c.printf("truncated-udplength %d", ulen)
		return
	}
	ulen -= 8
	length -= 8
	if ulen < length {
		length = ulen
	}
	cp := bp + 8
	if cp > c.snapend {
		addrPrint(sport, dport)
		c.trunc()
		return
	}
	addrPrint(sport, dport)
	if c.avail(cp+4, 4) {
		dir := c.be32(cp + 4)
		if (dport == 2049 && dir == 0) || (sport == 2049 && dir == 1) {
			c.unsupported("NFS", length) // over UDP
			return
		}
	}
	port := func(p int) bool { return sport == p || dport == p }
	switch {
	case port(53):
		c.domainPrint(cp, length, false, false)
		return
	case port(5353):
		c.domainPrint(cp, length, false, true)
		return
	}
	special := udpSpecialPorts[sport] || udpSpecialPorts[dport] ||
		dport == 3456 || dport == 4567 || dport == 1985 || sport == 49152 ||
		dport == 3784 || dport == 4784 || dport == 6784 || dport == 3785 ||
		(sport >= 7000 && sport <= 7009) || (dport >= 7000 && dport <= 7009)
	if !special && c.avail(cp+2, 1) && c.data[cp+2] == 2 && (atalkPort(sport) || atalkPort(dport)) {
		special = true // AppleTalk over UDP
	}
	if special {
		c.inexact()
	}
	if ulen > length && !fragmented {
		c.print("UDP, bad length ")
		c.printInt(ulen)
		c.print(" > ")
		c.printInt(length)
	} else {
		c.print("UDP, length ")
		c.printInt(ulen)
	}
}

// udpAddrPrint prints the addresses and ports that start a UDP line; the
// addresses are those of the IP header at iph, and a negative sport means
// the ports were not captured.
func (c *ctx) udpAddrPrint(iph int, v6 bool, sport, dport int) {
	var direct bool
	if v6 {
		direct = c.u8(iph+6) == protoUDP
	} else {
		direct = c.u8(iph+9) == protoUDP
	}
	switch {
	case direct && sport < 0:
		src, dst := c.ipAddrs(iph, v6)
		c.printIP(src)
		c.print(" > ")
		c.printIP(dst)
		c.print(": ")
	case direct:
		src, dst := c.ipAddrs(iph, v6)
		c.printEndpoint(src, sport)
		c.print(" > ")
		c.printEndpoint(dst, dport)
		c.print(": ")
	case sport >= 0:
		c.printInt(sport)
		c.print(" > ")
		c.printInt(dport)
		c.print(": ")
	}
}

// atalkPort reports whether tcpdump takes the UDP port for AppleTalk.
func atalkPort(p int) bool {
	return uint(p-16512) < 128 || uint(p-200) < 128 || uint(p-768) < 128
}
