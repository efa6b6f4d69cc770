package tcpdump

import "bytes"

// TCP flag bits, as in the header's flags octet.
const (
	thFIN = 0x01
	thSYN = 0x02
	thRST = 0x04
	thPSH = 0x08
	thACK = 0x10
	thURG = 0x20
	thECE = 0x40
	thCWR = 0x80
)

// tcpFlagLetters are the letters tcpdump prints for the flags, in its
// order.
var tcpFlagLetters = [...]struct {
	bit    uint8
	letter byte
}{{thFIN, 'F'}, {thSYN, 'S'}, {thRST, 'R'}, {thPSH, 'P'}, {thACK, '.'}, {thURG, 'U'}, {thECE, 'E'}, {thCWR, 'W'}}

// Flags returns TCP flags (the header's flags octet) as tcpdump prints
// them, brackets included: "[S.E]", "[P.]", "[none]". Every place that
// shows flags the way tcpdump does calls it (or appendTCPFlags), so that
// the order of the letters has one home.
func Flags(f uint8) string {
	b := make([]byte, 0, 10)
	b = append(b, '[')
	b = appendTCPFlags(b, f)
	return string(append(b, ']'))
}

// appendTCPFlags appends the flags as tcpdump prints them between brackets.
func appendTCPFlags(b []byte, f uint8) []byte {
	if f == 0 {
		return append(b, "none"...)
	}
	for _, x := range tcpFlagLetters {
		if f&x.bit != 0 {
			b = append(b, x.letter)
		}
	}
	return b
}

// The conversation keys of tcpdump's relative sequence numbers: addresses
// and ports in a canonical order, so that both directions share an entry.
type convKey4 struct {
	src, dst [4]byte
	port     uint32
}

type convKey6 struct {
	src, dst [16]byte
	port     uint32
}

// seqBase holds a conversation's initial sequence numbers, in the key's
// direction: seq for the "src" side, ack for the other.
type seqBase struct {
	seq, ack uint32
}

// tcpOptionNames is tcpdump's tcp_option_values table.
var tcpOptionNames = map[int]string{
	0: "eol", 1: "nop", 2: "mss", 3: "wscale", 4: "sackOK", 5: "sack", 6: "echo",
	7: "echoreply", 8: "TS", 11: "cc", 12: "ccnew", 13: "", 19: "md5", 20: "scps",
	28: "uto", 29: "tcp-ao", 30: "mptcp", 34: "tfo", 254: "exp",
}

// optStop says why the TCP options printer stopped.
type optStop int

const (
	optOK    optStop = iota // it printed them all
	optBad                  // a length was wrong: "[bad opt]"
	optTrunc                // the capture cut them short: "[|tcp]"
)

// tcpPrint prints a TCP segment at bp; length is the segment length the IP
// header declares, iph where that header starts (tcp_print).
func (c *ctx) tcpPrint(bp, length, iph int, fragmented bool) {
	c.proto = "tcp"
	v6 := c.data[iph]>>4 == 6
	if !c.avail(bp+2, 2) {
		src, dst := c.ipAddrs(iph, v6)
		c.printIP(src)
		c.print(" > ")
		c.printIP(dst)
		c.print(":")
		c.trunc()
		return
	}
	sport := int(c.be16(bp))
	dport := int(c.be16(bp + 2))
	var direct bool
	if v6 {
		direct = c.u8(iph+6) == protoTCP
	} else {
		direct = c.u8(iph+9) == protoTCP
	}
	if direct {
		src, dst := c.ipAddrs(iph, v6)
		c.printEndpoint(src, sport)
		c.print(" > ")
		c.printEndpoint(dst, dport)
		c.print(": ")
	} else {
		c.printInt(sport)
		c.print(" > ")
		c.printInt(dport)
		c.print(": ")
	}
	if !c.avail(bp, 20) {
		c.trunc()
		return
	}
	hlen := int(c.u8(bp+12)>>4) * 4
	if hlen < 20 {
		c.print(" tcp ")
		c.printUint(uint64(uint32(length - hlen)))
		c.print(" [bad hdr length ")
		c.printInt(hlen)
		c.print(" - too short, < 20]")
		return
	}
	seq := c.be32(bp + 4)
	ack := c.be32(bp + 8)
	win := c.be16(bp + 14)
	urp := c.be16(bp + 18)
	flags := c.u8(bp + 13)
	c.print("Flags [")
	c.out = appendTCPFlags(c.out, flags)
	c.print("]")

	var thseq, thack uint32
	rev := false
	if !c.p.opts.AbsoluteSeq && flags&thACK != 0 {
		var base seqBase
		var found bool
		if v6 {
			var k convKey6
			src, dst := [16]byte(c.bytes(iph+8, 16)), [16]byte(c.bytes(iph+24, 16))
			rev = sport > dport || (sport == dport && bytes.Compare(src[:], dst[:]) > 0)
			if rev {
				k = convKey6{src: dst, dst: src, port: uint32(dport)<<16 | uint32(sport)}
			} else {
				k = convKey6{src: src, dst: dst, port: uint32(sport)<<16 | uint32(dport)}
			}
			base, found = c.p.seq6[k]
			if !found || flags&thSYN != 0 {
				base = newSeqBase(seq, ack, rev)
				c.p.seq6[k] = base
			}
		} else {
			var k convKey4
			src, dst := [4]byte(c.bytes(iph+12, 4)), [4]byte(c.bytes(iph+16, 4))
			rev = sport > dport || (sport == dport && bytes.Compare(src[:], dst[:]) > 0)
			if rev {
				k = convKey4{src: dst, dst: src, port: uint32(dport)<<16 | uint32(sport)}
			} else {
				k = convKey4{src: src, dst: dst, port: uint32(sport)<<16 | uint32(dport)}
			}
			base, found = c.p.seq4[k]
			if !found || flags&thSYN != 0 {
				base = newSeqBase(seq, ack, rev)
				c.p.seq4[k] = base
			}
		}
		if found && flags&thSYN == 0 {
			if rev {
				seq -= base.ack
				ack -= base.seq
			} else {
				seq -= base.seq
				ack -= base.ack
			}
		}
		thseq, thack = base.seq, base.ack
	}
	if hlen > length {
		c.print(" [bad hdr length ")
		c.printInt(hlen)
		c.print(" - too long, > ")
		c.printInt(length)
		c.print("]")
		return
	}
	length -= hlen
	if length > 0 || flags&(thSYN|thFIN|thRST) != 0 {
		c.print(", seq ")
		c.printUint(uint64(seq))
		if length > 0 {
			c.print(":")
			c.printUint(uint64(seq + uint32(length)))
		}
	}
	if flags&thACK != 0 {
		c.print(", ack ")
		c.printUint(uint64(ack))
	}
	c.print(", win ")
	c.printUint(uint64(win))
	if flags&thURG != 0 {
		c.print(", urg ")
		c.printUint(uint64(urp))
	}
	if hlen > 20 {
		c.print(", options [")
		sep, stop := c.tcpOptions(bp, bp+20, hlen-20, length, flags, rev, thseq, thack)
		switch stop {
		case optBad:
			c.print("[bad opt]")
			if sep {
				c.print("]")
			}
			return
		case optTrunc:
			c.trunc()
			if sep {
				c.print(">")
			}
			return
		}
		c.print("]")
	}
	c.print(", length ")
	c.printInt(length)
	if length == 0 {
		return
	}
	headerLen := int(c.u8(bp+12)>>4) * 4
	if !c.avail(bp, headerLen) {
		c.print(" [remaining caplen(")
		c.printInt(c.remaining(bp))
		c.print(") < header length(")
		c.printInt(headerLen)
		c.print(")]")
		panic(truncated{})
	}
	c.tcpPayloadPrint(bp+headerLen, length, sport, dport)
}

// newSeqBase returns the entry of a conversation whose segment with the
// sequence and acknowledgment numbers seq and ack starts it; rev says the
// segment goes against the direction of the conversation's key.
func newSeqBase(seq, ack uint32, rev bool) seqBase {
	if rev {
		return seqBase{seq: ack - 1, ack: seq}
	}
	return seqBase{seq: seq, ack: ack - 1}
}

// optLenCheck is tcpdump's LENCHECK for the option data at cp: n bytes of
// it must be within the hlen bytes left of the header, and captured.
func (c *ctx) optLenCheck(cp, n, hlen int) optStop {
	if n > hlen {
		return optBad
	}
	if !c.avail(cp, n) {
		return optTrunc
	}
	return optOK
}

// tcpOptions prints the options of a TCP header at tp; cp is where they
// start and hlen how many bytes they take. It reports whether an option was
// printed before it stopped, and why it stopped.
func (c *ctx) tcpOptions(tp, cp, hlen, length int, flags uint8, rev bool, thseq, thack uint32) (bool, optStop) {
	sep := false
	for hlen > 0 {
		if sep {
			c.print(",")
		}
		opt := int(c.u8(cp))
		cp++
		var olen int
		if opt == 0 || opt == 1 {
			olen = 1
		} else {
			olen = int(c.u8(cp))
			cp++
			if olen < 2 || olen > hlen {
				return sep, optBad
			}
			hlen--
		}
		hlen--
		datalen := 0
		if name, ok := tcpOptionNames[opt]; ok {
			c.print(name)
		} else {
			c.print("unknown-")
			c.printInt(opt)
		}
		switch opt {
		case 2: // mss
			datalen = 2
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			c.print(" ")
			c.printUint(uint64(c.be16(cp)))
		case 3: // wscale
			datalen = 1
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			c.print(" ")
			c.printUint(uint64(c.u8(cp)))
		case 5: // sack
			datalen = olen - 2
			if datalen%8 != 0 {
				c.print(" invalid sack")
			} else {
				c.print(" ")
				c.printInt(datalen / 8)
				c.print(" ")
				for i := 0; i < datalen; i += 8 {
					if s := c.optLenCheck(cp, i+4, hlen); s != optOK {
						return sep, s
					}
					s := c.be32(cp + i)
					if st := c.optLenCheck(cp, i+8, hlen); st != optOK {
						return sep, st
					}
					e := c.be32(cp + i + 4)
					if rev {
						s -= thseq
						e -= thseq
					} else {
						s -= thack
						e -= thack
					}
					c.print("{")
					c.printUint(uint64(s))
					c.print(":")
					c.printUint(uint64(e))
					c.print("}")
				}
			}
		case 11, 12, 13, 6, 7: // cc, ccnew, ccecho, echo, echoreply
			datalen = 4
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			c.print(" ")
			c.printUint(uint64(c.be32(cp)))
		case 8: // timestamp
			datalen = 8
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			c.print(" val ")
			c.printUint(uint64(c.be32(cp)))
			c.print(" ecr ")
			c.printUint(uint64(c.be32(cp + 4)))
		case 19: // md5 signature
			datalen = 16
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			c.print(" ")
			// tcpdump (built with OpenSSL) tries to verify the
			// signature, which needs the segment and -M secret.
			if tp+int(c.u8(tp+12)>>4)*4+length > c.snapend {
				c.print("snaplen too short, ")
			} else {
				c.print("shared secret not supplied with -M, ")
			}
			c.print("can't check - ")
			for i := 0; i < 16; i++ {
				c.printHex(uint64(c.u8(cp+i)), 2)
			}
		case 20: // scps
			datalen = 2
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			c.printf(" cap %02x id %d", c.u8(cp), c.u8(cp+1))
		case 29: // tcp-ao
			datalen = olen - 2
			if datalen < 2 {
				c.invalid()
			} else {
				if s := c.optLenCheck(cp, 1, hlen); s != optOK {
					return sep, s
				}
				c.printf(" keyid %d", c.u8(cp))
				if s := c.optLenCheck(cp, 2, hlen); s != optOK {
					return sep, s
				}
				c.printf(" rnextkeyid %d", c.u8(cp+1))
				if datalen > 2 {
					c.print(" mac 0x")
					for i := 2; i < datalen; i++ {
						if s := c.optLenCheck(cp, i+1, hlen); s != optOK {
							return sep, s
						}
						c.printHex(uint64(c.u8(cp+i)), 2)
					}
				}
			}
		case 0, 1, 4: // eol, nop, sackOK
		case 28: // uto
			datalen = 2
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			uto := int(c.be16(cp))
			c.printf(" 0x%x", uto)
			if uto&1 != 0 {
				uto = (uto >> 1) * 60
			} else {
				uto >>= 1
			}
			c.printf(" %d", uto)
		case 30: // mptcp
			datalen = olen - 2
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			saved := c.snapend
			c.snapend = min(cp-2+olen, c.snapend)
			ok := c.mptcpPrint(cp-2, olen, flags)
			c.snapend = saved
			if !ok {
				return sep, optBad
			}
		case 34: // tfo
			datalen = olen - 2
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			c.print(" ")
			c.fastOpenPrint(cp, datalen, false)
		case 254: // experimental
			datalen = olen - 2
			if s := c.optLenCheck(cp, datalen, hlen); s != optOK {
				return sep, s
			}
			if datalen < 2 {
				return sep, optBad
			}
			magic := c.be16(cp)
			c.print("-")
			if magic == 0xf989 {
				c.fastOpenPrint(cp+2, datalen-2, true)
			} else {
				c.printf("%04x", magic)
			}
		default:
			datalen = olen - 2
			if datalen != 0 {
				c.print(" 0x")
			}
			for i := 0; i < datalen; i++ {
				if s := c.optLenCheck(cp, i+1, hlen); s != optOK {
					return sep, s
				}
				c.printHex(uint64(c.u8(cp+i)), 2)
			}
		}
		cp += datalen
		hlen -= datalen
		datalen++
		if opt != 0 && opt != 1 {
			datalen++
		}
		if datalen != olen {
			c.print("[len ")
			c.printInt(olen)
			c.print("]")
		}
		sep = true
		if opt == 0 {
			break
		}
	}
	return sep, optOK
}

// fastOpenPrint prints a TCP Fast Open option's data.
func (c *ctx) fastOpenPrint(cp, datalen int, exp bool) {
	if exp {
		c.print("tfo")
	}
	if datalen == 0 {
		c.print(" cookiereq")
		return
	}
	if datalen%2 != 0 || datalen < 4 || datalen > 16 {
		c.invalid()
		return
	}
	c.print(" cookie ")
	for i := 0; i < datalen; i++ {
		c.printHex(uint64(c.u8(cp+i)), 2)
	}
}

// mptcpPrint prints a multipath TCP option starting at its kind octet
// (mptcp_print) and reports whether it was well formed.
func (c *ctx) mptcpPrint(opt, olen int, flags uint8) bool {
	c.proto = "mptcp"
	if olen < 3 {
		return false
	}
	sub := int(c.u8(opt+2)>>4) & 0xf
	if sub > 8 {
		sub = 8
	}
	names := [...]string{"capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail", "fast-close", "unknown"}
	c.printf(" %d", olen)
	c.printf(" %s", names[sub])
	switch sub {
	case 0: // capable
		if !((olen == 12 || olen == 4) && flags&thSYN != 0) &&
			!((olen == 20 || olen == 22) && flags&(thSYN|thACK) == thACK) {
			return false
		}
		version := c.u8(opt+2) & 0xf
		switch version {
		case 0, 1:
			c.printf(" v%d", version)
		default:
			c.printf(" Unknown Version (%d)", version)
			return true
		}
		if c.u8(opt+3)&0x80 != 0 {
			c.print(" csum")
		}
		if olen == 12 || olen >= 20 {
			c.printf(" {0x%x", c.be64(opt+4))
			if olen >= 20 {
				c.printf(",0x%x", c.be64(opt+12))
			}
			c.print("}")
		}
	case 1: // join
		if !(olen == 12 && flags&thSYN != 0) &&
			!(olen == 16 && flags&(thSYN|thACK) == thSYN|thACK) &&
			!(olen == 24 && flags&thACK != 0) {
			return false
		}
		if olen != 24 {
			if c.u8(opt+2)&1 != 0 {
				c.print(" backup")
			}
			c.printf(" id %d", c.u8(opt+3))
		}
		switch olen {
		case 12:
			c.printf(" token 0x%x nonce 0x%x", c.be32(opt+4), c.be32(opt+8))
		case 16:
			c.printf(" hmac 0x%x nonce 0x%x", c.be64(opt+4), c.be32(opt+12))
		case 24:
			c.print(" hmac 0x")
			for i := 0; i < 20; i++ {
				c.printf("%02x", c.data[opt+4+i])
			}
		}
	case 2: // dss
		if olen < 4 || flags&thSYN != 0 {
			return false
		}
		f := c.u8(opt + 3)
		if f&0x10 != 0 {
			c.print(" fin")
		}
		p, n := opt+4, olen-4
		// number prints the 8-byte (wide) or 4-byte number at p and
		// steps past it, or reports that the option is too short.
		number := func(wide bool) bool {
			size := 4
			if wide {
				size = 8
			}
			if n < size {
				return false
			}
			if wide {
				c.printf("%d", c.be64(p))
			} else {
				c.printf("%d", c.be32(p))
			}
			p, n = p+size, n-size
			return true
		}
		if f&0x01 != 0 {
			c.print(" ack ")
			if !number(f&0x02 != 0) {
				return false
			}
		}
		if f&0x04 != 0 {
			c.print(" seq ")
			if !number(f&0x08 != 0) {
				return false
			}
			if n < 4 {
				return false
			}
			c.printf(" subseq %d", c.be32(p))
			p, n = p+4, n-4
			if n < 2 {
				return false
			}
			c.printf(" len %d", c.be16(p))
			p, n = p+2, n-2
			if n >= 2 {
				c.printf(" csum 0x%x", c.be16(p))
				n -= 2
			}
		}
		if n != 0 {
			return false
		}
	case 3: // add-addr
		switch olen {
		case 8, 10, 16, 18, 20, 22, 28, 30:
		default:
			return false
		}
		echo := map[int]string{6: "v0-ip6", 4: "v0-ip4", 1: "v1-echo", 0: "v1"}
		c.printf(" %s", tok(echo, int(c.u8(opt+2)&0xf), "[bad version/echo]"))
		c.printf(" id %d", c.u8(opt+3))
		switch olen {
		case 8, 10, 16, 18:
			c.printf(" %s", c.ipv4(opt+4))
			if olen == 10 || olen == 18 {
				c.printf(":%d", c.be16(opt+8))
			}
			if olen == 16 {
				c.printf(" hmac 0x%x", c.be64(opt+8))
			}
			if olen == 18 {
				c.printf(" hmac 0x%x", c.be64(opt+10))
			}
		default:
			c.printf(" %s", c.ipv6(opt+4))
			if olen == 22 || olen == 30 {
				c.printf(":%d", c.be16(opt+20))
			}
			if olen == 28 {
				c.printf(" hmac 0x%x", c.be64(opt+20))
			}
			if olen == 30 {
				c.printf(" hmac 0x%x", c.be64(opt+22))
			}
		}
	case 4: // rem-addr
		if olen < 4 {
			return false
		}
		c.print(" id")
		for i := 0; i < olen-3; i++ {
			c.printf(" %d", c.u8(opt+3+i))
		}
	case 5: // prio
		if olen != 3 && olen != 4 {
			return false
		}
		if c.u8(opt+2)&1 != 0 {
			c.print(" backup")
		} else {
			c.print(" non-backup")
		}
		if olen == 4 {
			c.printf(" id %d", c.u8(opt+3))
		}
	case 6: // fail
		if olen != 12 {
			return false
		}
		c.printf(" seq %d", c.be64(opt+4))
	case 7: // fast-close
		if olen != 12 {
			return false
		}
		c.printf(" key 0x%x", c.be64(opt+4))
	}
	return true
}
