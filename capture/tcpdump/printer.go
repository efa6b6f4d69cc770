// Package tcpdump prints packets exactly as tcpdump 4.99 prints them with -n
// (numeric addresses and ports), byte for byte: the packet line, and the
// dumps of -A, -X and -x.
//
// The printer follows tcpdump's own rules, quirks included: its relative
// sequence numbers, which it keys on addresses and ports and restarts on
// every SYN; the names and formats of TCP options, bad option lengths and
// "[|tcp]" for data the capture cut short; its treatment of Ethernet
// padding and of the link-layer header in the dumps. TCP, IPv4, IPv6 (with
// extension headers), UDP, ICMP, ICMPv6, ARP and the link types wstrace
// reads are printed exactly, and so are the application protocols tcpdump
// recognizes by port that matter here: HTTP, RTSP, FTP, SMTP, WHOIS, SSH and
// DNS. For the others (tcpdump decodes hundreds) the line ends in a short
// summary of the printer's own, and [Printer.Exact] says so.
//
// A Printer holds per-capture state (tcpdump's relative sequence numbers, the
// time of the previous packet), so feed it the packets of one capture in
// order.
package tcpdump

import (
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/wstrace/wstrace/capture"
)

// TimeFormat says how the packet line starts, like tcpdump's -t options.
type TimeFormat int

// The timestamp formats.
const (
	TimeOfDay      TimeFormat = iota // default: local time of day, "15:04:05.000000 "
	TimeNone                         // -t: no timestamp
	TimeUnix                         // -tt: seconds since the epoch, "1400000000.000000 "
	TimeDelta                        // -ttt: time since the previous packet
	TimeDate                         // -tttt: date and local time
	TimeSinceFirst                   // -ttttt: time since the first packet
)

// Options mirror the tcpdump flags that change its output. The zero value
// prints what `tcpdump -n -r FILE` prints.
type Options struct {
	// ASCII prints each packet's bytes as text after its line (-A).
	ASCII bool
	// Hex prints each packet's bytes in hex and ASCII after its line (-X).
	// It wins over ASCII, as in tcpdump.
	Hex bool
	// HexOnly prints each packet's bytes in hex only (-x). Hex wins over it.
	HexOnly bool
	// DumpLinkHeader makes the dumps start at the link-layer header rather
	// than at the network header (-AA, -XX, -xx).
	DumpLinkHeader bool
	// AbsoluteSeq prints absolute TCP sequence numbers (-S).
	AbsoluteSeq bool
	// LinkHeader prints the link-layer header on each line (-e).
	LinkHeader bool
	// Time selects the timestamp format (-t, -tt, ...).
	Time TimeFormat
	// Nano prints nanoseconds rather than microseconds (--nano).
	Nano bool
	// Location is the time zone of the time of day; nil means time.Local,
	// which, like tcpdump, honours the TZ environment variable.
	Location *time.Location
	// InterfaceName returns the name of the interface with the given index,
	// for the LINUX_SLL2 link type. tcpdump looks the index up on the
	// machine it runs on; so does a nil InterfaceName.
	InterfaceName func(index int) (name string, ok bool)
}

// Printer prints packets as tcpdump does. It keeps tcpdump's per-capture
// state, so use one Printer per capture and give it the packets in order. A
// Printer is not safe for concurrent use.
type Printer struct {
	w    io.Writer
	opts Options

	seq4 map[convKey4]seqBase
	seq6 map[convKey6]seqBase

	ifnames map[uint32]string

	tsRef    time.Time // -ttt, -ttttt: time of the previous (or first) packet
	tsRefSet bool

	// The last packet printed, so that Line and Print on the same packet do
	// not advance the state twice.
	last    *capture.Packet
	lastKey packetKey
	out     rendered

	c   ctx    // the state of printing the last packet, reused
	buf []byte // Print's output, reused
}

// rendered is the output for one packet.
type rendered struct {
	line   []byte // the packet line, without the dump and newline; valid until the next packet
	dumpAt int    // where the dump starts in the packet data
	noDump bool   // tcpdump prints no dump for the packet
	exact  bool
}

// NewPrinter returns a Printer that writes to w.
func NewPrinter(w io.Writer, opts Options) *Printer {
	return &Printer{
		w:       w,
		opts:    opts,
		seq4:    make(map[convKey4]seqBase),
		seq6:    make(map[convKey6]seqBase),
		ifnames: make(map[uint32]string),
	}
}

// Print writes everything tcpdump prints for the packet: its line, the dump
// the options ask for, and a newline. tcpdump's output depends on details
// of the raw bytes (where the capture cut them, malformed lengths), so the
// printer reads everything from pkt itself.
func (p *Printer) Print(pkt *capture.Packet) error {
	r := p.render(pkt)
	buf := slices.Grow(p.buf[:0], len(r.line)+1+p.dumpSize(pkt))
	buf = append(buf, r.line...)
	buf = p.appendDump(buf, pkt, r)
	buf = append(buf, '\n')
	p.buf = buf
	if _, err := p.w.Write(buf); err != nil {
		return fmt.Errorf("tcpdump: write packet %d: %w", pkt.Number, err)
	}
	return nil
}

// Line returns the packet's line as tcpdump prints it, without the dump and
// the final newline. Calling Line and then Print (or Line again) for the same
// packet prints the same line: the state advances once per packet.
//
// The line holds newlines only where tcpdump puts raw bytes in it: for an
// Ethernet type or ICMPv6 message it cannot decode, it appends them in hex
// (not with Hex or HexOnly, which dump the whole packet anyway).
func (p *Printer) Line(pkt *capture.Packet) string {
	return string(p.render(pkt).line)
}

// Exact reports whether the line for the packet is tcpdump's byte for byte.
// It is false when the packet carries a protocol the printer does not decode
// as deeply as tcpdump does (LLDP, GRE, NTP, ...); the line then ends, where
// tcpdump would go on, in a summary such as "GRE, length 84" or
// "UDP, length 48". Like Line, it does not advance the state when called
// again for the same packet.
func (p *Printer) Exact(pkt *capture.Packet) bool {
	return p.render(pkt).exact
}

// packetKey tells a packet from the one printed before, even when a caller
// reuses the same Packet value.
type packetKey struct {
	number int
	ts     time.Time
	data   *byte
	n      int
}

func keyOf(pkt *capture.Packet) packetKey {
	k := packetKey{number: pkt.Number, ts: pkt.Timestamp, n: len(pkt.Data)}
	if len(pkt.Data) > 0 {
		k.data = &pkt.Data[0]
	}
	return k
}

func (p *Printer) render(pkt *capture.Packet) rendered {
	if k := keyOf(pkt); pkt == p.last && k == p.lastKey {
		return p.out
	}
	p.last, p.lastKey = pkt, keyOf(pkt)
	p.out = p.print(pkt)
	return p.out
}

// appendDump appends the -A, -X or -x dump of the packet.
func (p *Printer) appendDump(buf []byte, pkt *capture.Packet, r rendered) []byte {
	if !p.opts.Hex && !p.opts.HexOnly && !p.opts.ASCII || r.noDump {
		return buf
	}
	data := pkt.Data
	start := r.dumpAt
	if p.opts.DumpLinkHeader {
		start = 0
	}
	if start >= len(data) {
		return buf
	}
	data = data[start:]
	switch {
	case p.opts.Hex:
		buf = append(buf, '\n')
		buf = appendHexASCII(buf, data)
	case p.opts.HexOnly:
		buf = append(buf, '\n')
		buf = appendHex(buf, data)
	default:
		buf = append(buf, '\n')
		buf = appendASCII(buf, data)
	}
	return buf
}

func (p *Printer) dumpSize(pkt *capture.Packet) int {
	n := len(pkt.Data)
	switch {
	case p.opts.Hex:
		return n/16*68 + 68
	case p.opts.HexOnly:
		return n/16*50 + 50
	case p.opts.ASCII:
		return n + 1
	}
	return 0
}

// maxSnaplen is tcpdump's MAXIMUM_SNAPLEN: longer packets are invalid.
const maxSnaplen = 262144

// print renders one packet as tcpdump's pretty_print_packet does.
func (p *Printer) print(pkt *capture.Packet) rendered {
	c := &p.c
	*c = ctx{p: p, data: pkt.Data, exact: true, out: c.out[:0], stack: c.stack[:0]}
	caplen, length := len(pkt.Data), pkt.Length

	// tcpdump's sanity checks of the record header: each problem found
	// opens the bracket or continues it after a comma.
	invalid := false
	problem := func() {
		if invalid {
			c.print(",")
			return
		}
		invalid = true
		c.print("[Invalid header:")
	}
	if caplen == 0 {
		problem()
		c.print(" caplen==0")
	}
	if length == 0 {
		problem()
		c.print(" len==0")
	} else if length < caplen {
		problem()
		c.print(" len(")
		c.printInt(length)
		c.print(") < caplen(")
		c.printInt(caplen)
		c.print(")")
	}
	if caplen > maxSnaplen {
		problem()
		c.print(" caplen(")
		c.printInt(caplen)
		c.print(") > ")
		c.printInt(maxSnaplen)
	}
	if length > maxSnaplen {
		problem()
		c.print(" len(")
		c.printInt(length)
		c.print(") > ")
		c.printInt(maxSnaplen)
	}
	if invalid {
		c.print("]")
		// tcpdump prints nothing else for the packet, not even a dump.
		return rendered{line: c.out, noDump: true, exact: true}
	}

	c.out = p.appendTimestamp(c.out, pkt.Timestamp)
	c.snapend = caplen
	c.linkPrint(pkt, length)
	return rendered{line: c.out, dumpAt: c.llHdrLen, exact: c.exact}
}

// linkPrint runs the link-layer printer and catches a printer walking off
// the captured bytes, as tcpdump's setjmp does.
func (c *ctx) linkPrint(pkt *capture.Packet, length int) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(truncated); !ok {
				panic(r)
			}
			c.trunc()
			// tcpdump dumps the whole packet after a truncation.
			c.llHdrLen = 0
		}
		c.stack = c.stack[:0]
		c.snapend = len(c.data)
	}()
	lt := capture.LinkType(0)
	if pkt.Interface != nil {
		lt = pkt.Interface.LinkType
	}
	switch lt {
	case capture.LinkTypeEthernet:
		c.proto = "ether"
		c.llHdrLen += c.etherPrint(0, length, len(c.data))
	case capture.LinkTypeLinuxSLL:
		c.sllPrint(length)
	case capture.LinkTypeLinuxSLL2:
		c.sll2Print(length)
	case capture.LinkTypeNull, capture.LinkTypeLoop:
		c.nullPrint(length)
	case capture.LinkTypeRaw, capture.LinkTypeIPv4, capture.LinkTypeIPv6:
		c.proto = "raw"
		if c.p.opts.LinkHeader {
			c.print("ip: ")
		}
		c.ipNPrint(0, length)
	default:
		// tcpdump's unsupported_if_print: the raw bytes in hex and ASCII.
		c.exact = lt.Supported()
		c.defaultPrint(0, len(c.data))
	}
}

// interfaceName returns the name tcpdump prints for an interface index.
func (p *Printer) interfaceName(index uint32) string {
	if name, ok := p.ifnames[index]; ok {
		return name
	}
	name := "?"
	if p.opts.InterfaceName != nil {
		if n, ok := p.opts.InterfaceName(int(index)); ok {
			name = n
		}
	} else if index != 0 && index <= 1<<31-1 {
		if ifi, err := net.InterfaceByIndex(int(index)); err == nil {
			name = ifi.Name
		}
	}
	p.ifnames[index] = name
	return name
}

// appendTimestamp appends the timestamp and the space after it.
func (p *Printer) appendTimestamp(b []byte, ts time.Time) []byte {
	if ts.IsZero() {
		// A packet without a timestamp (a pcapng Simple Packet Block):
		// libpcap gives it time 0.
		ts = time.Unix(0, 0)
	}
	if !p.opts.Nano {
		// libpcap hands tcpdump microseconds, truncated.
		ts = ts.Truncate(time.Microsecond)
	}
	switch p.opts.Time {
	case TimeNone:
		return b
	case TimeUnix:
		sec := ts.Unix()
		if uint32(sec)&0x80000000 != 0 {
			return append(b, "[Error converting time] "...)
		}
		b = strconv.AppendInt(b, sec, 10)
		b = p.appendFrac(b, ts.Nanosecond())
	case TimeDelta, TimeSinceFirst:
		if !p.tsRefSet {
			p.tsRef, p.tsRefSet = ts, true
		}
		diff := ts.Sub(p.tsRef)
		if diff < 0 {
			b = append(b, '-')
			diff = -diff
		} else {
			b = append(b, ' ')
		}
		b = appendHMSFrac(b, time.Unix(0, 0).UTC().Add(diff), false)
		b = p.appendFrac(b, int(diff%time.Second))
		if p.opts.Time == TimeDelta {
			p.tsRef = ts
		}
	default:
		sec := ts.Unix()
		if uint32(sec)&0x80000000 != 0 {
			return append(b, "[Error converting time] "...)
		}
		loc := p.opts.Location
		if loc == nil {
			loc = time.Local
		}
		b = appendHMSFrac(b, ts.In(loc), p.opts.Time == TimeDate)
		b = p.appendFrac(b, ts.Nanosecond())
	}
	return append(b, ' ')
}

// appendHMSFrac appends the time of day as "15:04:05", after the date as
// "2006-01-02 " if date is set.
func appendHMSFrac(b []byte, t time.Time, date bool) []byte {
	if date {
		b = t.AppendFormat(b, "2006-01-02 ")
	}
	hour, min, sec := t.Clock()
	b = appendDecimal(b, uint64(hour), 2)
	b = append(b, ':')
	b = appendDecimal(b, uint64(min), 2)
	b = append(b, ':')
	return appendDecimal(b, uint64(sec), 2)
}

// appendFrac appends the fraction of a second, in microseconds (truncated,
// as libpcap converts) or nanoseconds.
func (p *Printer) appendFrac(b []byte, nsec int) []byte {
	b = append(b, '.')
	if p.opts.Nano {
		return appendDecimal(b, uint64(nsec), 9)
	}
	return appendDecimal(b, uint64(nsec/1000), 6)
}
