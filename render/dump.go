package render

import (
	"fmt"
	"strings"
)

// A Dump is a packet's bytes laid out as tcpdump prints them after the
// packet's line: with -A as ASCII, with -X as offset, hex and ASCII columns.
// Every character of the dump remembers the byte it shows, so that an HTML
// page can highlight the bytes of a field.
type Dump struct {
	// Hex reports the -X layout; otherwise the -A layout.
	Hex bool
	// Lines are the dump's lines, without their newlines.
	Lines []DumpLine
	// Shown is how many bytes the dump shows; Omitted how many more the
	// capture holds for the packet (cut by the page's byte limit).
	Shown, Omitted int
}

// A DumpLine is one line of a dump.
type DumpLine []DumpCell

// A DumpCell is a piece of a dump line: the text showing one byte, or (Byte
// is -1) a label or spacing.
type DumpCell struct {
	Text string
	Byte int
}

// String returns the dump's text: its lines, each ending in a newline.
func (d *Dump) String() string {
	var b strings.Builder
	for _, l := range d.Lines {
		b.WriteString(l.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// String returns the line's text.
func (l DumpLine) String() string {
	var b strings.Builder
	for _, c := range l {
		b.WriteString(c.Text)
	}
	return b.String()
}

// NewDump lays out data (a packet's bytes from the network-layer header on)
// as tcpdump -A (hex false) or -X (hex true) prints it, showing at most max
// bytes when max > 0.
func NewDump(data []byte, hex bool, max int) *Dump {
	d := &Dump{Hex: hex}
	if max > 0 && len(data) > max {
		d.Omitted = len(data) - max
		data = data[:max]
	}
	d.Shown = len(data)
	if hex {
		d.Lines = hexLines(data)
	} else {
		d.Lines = asciiLines(data)
	}
	return d
}

// asciiLines follows tcpdump's -A: printable ASCII, space, tab and newline as
// themselves, every other byte as '.', except a carriage return: tcpdump
// prints it as '.' only when at least two bytes follow it and the next is not
// a newline, and otherwise prints nothing.
func asciiLines(data []byte) []DumpLine {
	lines := []DumpLine{nil}
	for i, c := range data {
		cur := &lines[len(lines)-1]
		switch {
		case c == '\n':
			*cur = append(*cur, DumpCell{Text: "", Byte: i})
			lines = append(lines, nil)
		case c == '\r' && !(len(data)-i-1 > 1 && data[i+1] != '\n'):
			*cur = append(*cur, DumpCell{Text: "", Byte: i})
		case c == '\t' || (c >= 0x20 && c < 0x7f):
			*cur = append(*cur, DumpCell{Text: string(rune(c)), Byte: i})
		default:
			*cur = append(*cur, DumpCell{Text: ".", Byte: i})
		}
	}
	return lines
}

// hexLines follows tcpdump's -X: "\t0x0000:  4500 003c ...  E..<...", 16
// bytes a line in groups of two, the ASCII column showing only graphic
// characters (a space is '.').
func hexLines(data []byte) []DumpLine {
	var lines []DumpLine
	for off := 0; off < len(data); off += 16 {
		end := min(off+16, len(data))
		line := DumpLine{{Text: fmt.Sprintf("\t0x%04x: ", off), Byte: -1}}
		width := 0
		for i := off; i < end; i++ {
			if (i-off)%2 == 0 {
				line = append(line, DumpCell{Text: " ", Byte: -1})
				width++
			}
			line = append(line, DumpCell{Text: fmt.Sprintf("%02x", data[i]), Byte: i})
			width += 2
		}
		line = append(line, DumpCell{Text: strings.Repeat(" ", 40-width) + "  ", Byte: -1})
		for i := off; i < end; i++ {
			t := "."
			if c := data[i]; c > 0x20 && c < 0x7f {
				t = string(rune(c))
			}
			line = append(line, DumpCell{Text: t, Byte: i})
		}
		lines = append(lines, line)
	}
	return lines
}
