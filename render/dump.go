package render

import (
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/wstrace/wstrace/capture/tcpdump"
)

// A Dump is a packet's bytes laid out as tcpdump prints them after the
// packet's line: with -A as ASCII, with -X as offset, hex and ASCII columns.
// Every character of the dump remembers the byte it shows, so that an HTML
// page can highlight the bytes of a field.
//
// A Dump keeps only the bytes it shows; its lines are laid out when they
// are asked for, so that a page of many packets does not hold every
// character of every dump.
type Dump struct {
	// Hex reports the -X layout; otherwise the -A layout.
	Hex bool
	// Shown is how many bytes the dump shows; Omitted how many more the
	// capture holds for the packet (cut by the page's byte limit).
	Shown, Omitted int

	data []byte // the bytes shown
}

// A DumpLine is one line of a dump.
type DumpLine []DumpCell

// A DumpCell is a piece of a dump line: the text showing one byte, or (Byte
// is -1) a label or spacing.
type DumpCell struct {
	Text string
	Byte int
}

// Lines returns the dump's lines, without their newlines.
func (d *Dump) Lines() []DumpLine {
	var lines []DumpLine
	for l := range d.All() {
		lines = append(lines, slices.Clone(l))
	}
	return lines
}

// All yields the dump's lines one at a time. A line is valid only until
// the next one is yielded: the memory is reused.
func (d *Dump) All() iter.Seq[DumpLine] {
	return func(yield func(DumpLine) bool) {
		if d.Hex {
			hexLines(d.data, yield)
		} else {
			asciiLines(d.data, yield)
		}
	}
}

// String returns the dump's text: its lines, each ending in a newline,
// exactly as tcpdump prints them.
func (d *Dump) String() string {
	if len(d.data) == 0 {
		return ""
	}
	if d.Hex {
		return tcpdump.HexASCII(d.data) + "\n"
	}
	return tcpdump.ASCII(d.data) + "\n"
}

// String returns the line's text.
func (l DumpLine) String() string {
	var b strings.Builder
	for _, c := range l {
		b.WriteString(c.Text)
	}
	return b.String()
}

// newDump lays out data (a packet's bytes from the network-layer header on)
// as tcpdump -A (hex false) or -X (hex true) prints it, showing at most max
// bytes when max > 0. The dump keeps data, which must not change.
func newDump(data []byte, hex bool, max int) *Dump {
	d := &Dump{Hex: hex}
	if max > 0 && len(data) > max {
		d.Omitted = len(data) - max
		data = data[:max]
	}
	d.Shown = len(data)
	d.data = data
	return d
}

// asciiLines follows tcpdump's -A: printable ASCII, space, tab and newline as
// themselves, every other byte as '.', except a carriage return: tcpdump
// prints it as '.' only when at least two bytes follow it and the next is not
// a newline, and otherwise prints nothing.
func asciiLines(data []byte, yield func(DumpLine) bool) {
	line := make(DumpLine, 0, min(len(data), 128)+1)
	for i, c := range data {
		switch {
		case c == '\n':
			line = append(line, DumpCell{Text: "", Byte: i})
			if !yield(line) {
				return
			}
			line = line[:0]
		case c == '\r' && !(len(data)-i-1 > 1 && data[i+1] != '\n'):
			line = append(line, DumpCell{Text: "", Byte: i})
		case c == '\t':
			line = append(line, DumpCell{Text: "\t", Byte: i})
		case c >= 0x20 && c < 0x7f:
			line = append(line, DumpCell{Text: printableASCII[c-0x20 : c-0x20+1], Byte: i})
		default:
			line = append(line, DumpCell{Text: ".", Byte: i})
		}
	}
	yield(line)
}

// printableASCII holds the characters from space to '~', to slice
// one-character strings from without allocating.
const printableASCII = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

// hexPairs holds every byte value's two hex digits, to slice from.
const hexPairs = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" +
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" +
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f" +
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" +
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf" +
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

// hexPad holds the spaces that pad a short last line of -X.
const hexPad = "                                          "

// hexLines follows tcpdump's -X: "\t0x0000:  4500 003c ...  E..<...", 16
// bytes a line in groups of two, the ASCII column showing only graphic
// characters (a space is '.').
func hexLines(data []byte, yield func(DumpLine) bool) {
	line := make(DumpLine, 0, 42)
	for off := 0; off < len(data); off += 16 {
		end := min(off+16, len(data))
		line = append(line[:0], DumpCell{Text: fmt.Sprintf("\t0x%04x: ", off), Byte: -1})
		width := 0
		for i := off; i < end; i++ {
			if (i-off)%2 == 0 {
				line = append(line, DumpCell{Text: " ", Byte: -1})
				width++
			}
			c := int(data[i])
			line = append(line, DumpCell{Text: hexPairs[2*c : 2*c+2], Byte: i})
			width += 2
		}
		line = append(line, DumpCell{Text: hexPad[:40-width+2], Byte: -1})
		for i := off; i < end; i++ {
			t := "."
			if c := data[i]; c > 0x20 && c < 0x7f {
				t = printableASCII[c-0x20 : c-0x20+1]
			}
			line = append(line, DumpCell{Text: t, Byte: i})
		}
		if !yield(line) {
			return
		}
	}
}
