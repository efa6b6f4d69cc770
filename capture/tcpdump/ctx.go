package tcpdump

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// truncated is the panic value with which a printer gives up on a packet
// whose captured bytes end too early, as tcpdump's printers longjmp. Only
// ctx.linkPrint recovers it; it never leaves the package.
type truncated struct{}

// ctx is the state of printing one packet, in tcpdump's terms: the captured
// bytes, the current end of the bytes a printer may read (snapend, which IP
// moves back to the end of the datagram), the protocol named in "[|proto]",
// and the length of the link-layer header the dumps skip.
type ctx struct {
	p        *Printer
	data     []byte
	snapend  int
	stack    []int // saved snapends
	out      []byte
	proto    string
	llHdrLen int
	exact    bool
}

// avail reports whether n bytes at off were captured (ND_TTEST_LEN).
func (c *ctx) avail(off, n int) bool {
	return n >= 0 && off >= 0 && off <= c.snapend-n
}

// check panics with truncated unless n bytes at off were captured.
func (c *ctx) check(off, n int) {
	if !c.avail(off, n) {
		panic(truncated{})
	}
}

// remaining returns how many captured bytes follow off (ND_BYTES_AVAILABLE_AFTER).
func (c *ctx) remaining(off int) int {
	if off >= c.snapend || off < 0 {
		return 0
	}
	return c.snapend - off
}

func (c *ctx) u8(off int) uint8 {
	c.check(off, 1)
	return c.data[off]
}

func (c *ctx) be16(off int) uint16 {
	c.check(off, 2)
	return binary.BigEndian.Uint16(c.data[off:])
}

func (c *ctx) be32(off int) uint32 {
	c.check(off, 4)
	return binary.BigEndian.Uint32(c.data[off:])
}

func (c *ctx) be64(off int) uint64 {
	c.check(off, 8)
	return binary.BigEndian.Uint64(c.data[off:])
}

// bytes returns n captured bytes at off, or panics with truncated.
func (c *ctx) bytes(off, n int) []byte {
	c.check(off, n)
	return c.data[off : off+n]
}

// pushSnaplen moves snapend back to off+n if that is earlier, remembering the
// old one (nd_push_snaplen).
func (c *ctx) pushSnaplen(off, n int) {
	c.stack = append(c.stack, c.snapend)
	if uint(n) <= uint(c.snapend-off) {
		c.snapend = min(off+n, len(c.data))
	}
}

// changeSnaplen sets snapend to off+n unless that is past the snapend before
// the last push (nd_change_snaplen).
func (c *ctx) changeSnaplen(off, n int) {
	prev := c.snapend
	if len(c.stack) >= 2 {
		prev = c.stack[len(c.stack)-2]
	}
	if uint(n) <= uint(prev-off) {
		c.snapend = min(off+n, len(c.data))
	}
}

// popSnaplen restores the snapend saved by the last push.
func (c *ctx) popSnaplen() {
	if n := len(c.stack); n > 0 {
		c.snapend = c.stack[n-1]
		c.stack = c.stack[:n-1]
	}
}

func (c *ctx) print(s string) { c.out = append(c.out, s...) }

func (c *ctx) printf(format string, args ...any) { c.out = fmt.Appendf(c.out, format, args...) }

func (c *ctx) printUint(v uint64) { c.out = strconv.AppendUint(c.out, v, 10) }

// printLinkLength prints ", length N: ", which ends a link-layer header.
func (c *ctx) printLinkLength(n int) {
	c.print(", length ")
	c.printInt(n)
	c.print(": ")
}

// printPadded prints s left-justified in a field of width characters, as
// %-*s does.
func (c *ctx) printPadded(s string, width int) {
	c.print(s)
	for n := utf8.RuneCountInString(s); n < width; n++ {
		c.out = append(c.out, ' ')
	}
}

// printRightAligned prints s right-justified in a field of width
// characters, as %*s does.
func (c *ctx) printRightAligned(s string, width int) {
	for n := utf8.RuneCountInString(s); n < width; n++ {
		c.out = append(c.out, ' ')
	}
	c.print(s)
}

// trunc prints tcpdump's mark for a packet cut short: " [|proto]".
func (c *ctx) trunc() {
	c.out = append(c.out, " [|"...)
	c.out = append(c.out, c.proto...)
	c.out = append(c.out, ']')
}

// invalid prints " (invalid)".
func (c *ctx) invalid() { c.print(" (invalid)") }

// inexact notes that the line stops short of what tcpdump prints.
func (c *ctx) inexact() { c.exact = false }

// unsupported prints a summary, "name, length N", where tcpdump would
// decode a protocol the printer does not, and notes that the line is not
// tcpdump's.
func (c *ctx) unsupported(name string, length int) {
	c.exact = false
	c.print(name)
	c.print(", length ")
	c.printInt(length)
}

// defaultPrint is tcpdump's ND_DEFAULTPRINT: the bytes in hex and ASCII,
// unless -x or -X already dump the packet.
func (c *ctx) defaultPrint(off, n int) {
	if c.p.opts.Hex || c.p.opts.HexOnly {
		return
	}
	c.hexASCIIPrint(off, n)
}

// hexASCIIPrint is hex_and_ascii_print with "\n\t" as the line prefix,
// reading through snapend: it panics with truncated after printing what
// was captured, if that is less than n.
func (c *ctx) hexASCIIPrint(off, n int) {
	short := false
	if avail := c.remaining(off); n > avail {
		n, short = avail, true
	}
	if n > 0 {
		c.out = append(c.out, '\n')
		c.out = appendHexASCII(c.out, c.data[off:off+n])
	}
	if short {
		panic(truncated{})
	}
}

// ipv4 formats 4 captured bytes at off as a dotted quad.
func (c *ctx) ipv4(off int) string {
	return string(appendIPv4(nil, c.bytes(off, 4)))
}

// ipv6 formats 16 captured bytes at off as tcpdump does.
func (c *ctx) ipv6(off int) string {
	return string(appendIPv6(nil, c.bytes(off, 16)))
}

// printInt prints v in decimal, as %d does.
func (c *ctx) printInt(v int) { c.out = strconv.AppendInt(c.out, int64(v), 10) }

// printHex prints v in lowercase hex, zero-padded to width digits, as %0*x
// does.
func (c *ctx) printHex(v uint64, width int) { c.out = appendHexUint(c.out, v, width) }

// printIP prints an IPv4 (4 bytes) or IPv6 (16 bytes) address.
func (c *ctx) printIP(addr []byte) {
	if len(addr) == 16 {
		c.out = appendIPv6(c.out, addr)
	} else {
		c.out = appendIPv4(c.out, addr)
	}
}

// printIPv4 prints the 4 captured bytes at off as a dotted quad.
func (c *ctx) printIPv4(off int) { c.out = appendIPv4(c.out, c.bytes(off, 4)) }

// printMAC prints the 6 captured bytes at off as a MAC address.
func (c *ctx) printMAC(off int) { c.out = appendLinkAddr(c.out, c.bytes(off, 6)) }

// ipAddrs returns the source and destination addresses of the IPv4 or IPv6
// header at iph, both checked to be captured.
func (c *ctx) ipAddrs(iph int, v6 bool) (src, dst []byte) {
	if v6 {
		return c.bytes(iph+8, 16), c.bytes(iph+24, 16)
	}
	return c.bytes(iph+12, 4), c.bytes(iph+16, 4)
}

// printEndpoint prints an address and a port as "addr.port".
func (c *ctx) printEndpoint(addr []byte, port int) {
	c.printIP(addr)
	c.out = append(c.out, '.')
	c.printInt(port)
}

const hexDigits = "0123456789abcdef"

// appendHexUint appends v in lowercase hex, zero-padded to width digits.
func appendHexUint(b []byte, v uint64, width int) []byte {
	var digits [16]byte
	i := len(digits)
	for v != 0 || i == len(digits) {
		i--
		digits[i] = hexDigits[v&0xf]
		v >>= 4
	}
	for n := len(digits) - i; n < width; n++ {
		b = append(b, '0')
	}
	return append(b, digits[i:]...)
}

// appendDecimal appends v in decimal, zero-padded to width digits, as %0*d
// does for a value that is not negative.
func appendDecimal(b []byte, v uint64, width int) []byte {
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], v, 10)
	for n := len(d); n < width; n++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// appendIPv4 appends 4 bytes as a dotted quad.
func appendIPv4(b, addr []byte) []byte {
	for i, v := range addr[:4] {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return b
}

// appendLinkAddr appends bytes as lowercase hex octets separated by colons.
func appendLinkAddr(b, addr []byte) []byte {
	if len(addr) == 0 {
		return append(b, "<empty>"...)
	}
	for i, v := range addr {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexDigits[v>>4], hexDigits[v&0xf])
	}
	return b
}

// appendIPv6 appends an IPv6 address the way tcpdump's addrtostr6 formats
// it: the longest run of two or more zero groups (the first of equals)
// becomes "::", and an address whose first 96 bits are zero, or that is
// IPv4-mapped, ends in dotted-quad form.
func appendIPv6(b, a []byte) []byte {
	var w [8]int
	for i := range w {
		w[i] = int(a[2*i])<<8 | int(a[2*i+1])
	}
	bestBase, bestLen := -1, 0
	curBase, curLen := -1, 0
	for i := 0; i < 8; i++ {
		if w[i] == 0 {
			if curBase == -1 {
				curBase, curLen = i, 1
			} else {
				curLen++
			}
		} else if curBase != -1 {
			if bestBase == -1 || curLen > bestLen {
				bestBase, bestLen = curBase, curLen
			}
			curBase = -1
		}
	}
	if curBase != -1 && (bestBase == -1 || curLen > bestLen) {
		bestBase, bestLen = curBase, curLen
	}
	if bestBase != -1 && bestLen < 2 {
		bestBase = -1
	}
	for i := 0; i < 8; i++ {
		if bestBase != -1 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				b = append(b, ':')
			}
			continue
		}
		if i != 0 {
			b = append(b, ':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
			return appendIPv4(b, a[12:16])
		}
		b = strconv.AppendUint(b, uint64(w[i]), 16)
	}
	if bestBase != -1 && bestBase+bestLen == 8 {
		b = append(b, ':')
	}
	return b
}

// tok looks a value up in a table of names, falling back to a format of it.
func tok(names map[int]string, v int, fallback string) string {
	if s, ok := names[v]; ok {
		return s
	}
	if !strings.Contains(fallback, "%") {
		return fallback
	}
	return fmt.Sprintf(fallback, v)
}

// printTok prints prefix and then what tok returns for v.
func (c *ctx) printTok(prefix string, names map[int]string, v int, fallback string) {
	c.print(prefix)
	if s, ok := names[v]; ok {
		c.print(s)
	} else {
		c.print(tok(names, v, fallback))
	}
}
