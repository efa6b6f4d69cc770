package tcpdump

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
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

// unsupported prints a summary where tcpdump would decode a protocol the
// printer does not, and notes that the line is not tcpdump's.
func (c *ctx) unsupported(format string, args ...any) {
	c.exact = false
	c.printf(format, args...)
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
	return ipv4String(c.bytes(off, 4))
}

// ipv6 formats 16 captured bytes at off as tcpdump does.
func (c *ctx) ipv6(off int) string {
	return ipv6String(c.bytes(off, 16))
}

// mac formats 6 captured bytes at off as a MAC address.
func (c *ctx) mac(off int) string {
	return macString(c.bytes(off, 6))
}

func ipv4String(b []byte) string {
	buf := make([]byte, 0, 15)
	for i, v := range b[:4] {
		if i > 0 {
			buf = append(buf, '.')
		}
		buf = strconv.AppendUint(buf, uint64(v), 10)
	}
	return string(buf)
}

const hexDigits = "0123456789abcdef"

func macString(b []byte) string {
	return linkAddrString(b[:6])
}

// linkAddrString formats bytes as lowercase hex octets separated by colons.
func linkAddrString(b []byte) string {
	if len(b) == 0 {
		return "<empty>"
	}
	buf := make([]byte, 0, 3*len(b))
	for i, v := range b {
		if i > 0 {
			buf = append(buf, ':')
		}
		buf = append(buf, hexDigits[v>>4], hexDigits[v&0xf])
	}
	return string(buf)
}

// ipv6String formats an IPv6 address the way tcpdump's addrtostr6 does: the
// longest run of two or more zero groups (the first of equals) becomes "::",
// and an address whose first 96 bits are zero, or that is IPv4-mapped, ends
// in dotted-quad form.
func ipv6String(a []byte) string {
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
	buf := make([]byte, 0, 46)
	for i := 0; i < 8; i++ {
		if bestBase != -1 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				buf = append(buf, ':')
			}
			continue
		}
		if i != 0 {
			buf = append(buf, ':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
			buf = append(buf, ipv4String(a[12:16])...)
			return string(buf)
		}
		buf = strconv.AppendUint(buf, uint64(w[i]), 16)
	}
	if bestBase != -1 && bestBase+bestLen == 8 {
		buf = append(buf, ':')
	}
	return string(buf)
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
