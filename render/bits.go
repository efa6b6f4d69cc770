package render

import (
	"fmt"
	"strings"
)

// A bitField is one field of a frame header for the bit diagram.
type bitField struct {
	Name  string
	Bits  int
	Value uint64
}

// bitDiagram draws header fields the way RFC 6455 section 5.2 does, 32 bits
// a row, and fills in each field's value: the bits themselves for fields of
// up to 8 bits, the number (or, for the masking key, hex bytes) for wider
// ones. The result is ASCII only.
func bitDiagram(fields []bitField) string {
	type part struct {
		field      bitField
		start, end int // bit positions within the row, [start, end)
		first      bool
		shift      int // bits of the field after this part
	}
	var rows [][]part
	pos := 0
	for _, f := range fields {
		done := 0
		for done < f.Bits {
			row, col := pos/32, pos%32
			for len(rows) <= row {
				rows = append(rows, nil)
			}
			n := min(f.Bits-done, 32-col)
			rows[row] = append(rows[row], part{field: f, start: col, end: col + n, first: done == 0, shift: f.Bits - done - n})
			done += n
			pos += n
		}
	}
	var b strings.Builder
	b.WriteString(" 0                   1                   2                   3\n")
	b.WriteString(" 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1\n")
	sep := func(parts []part) string {
		line := []byte(strings.Repeat(" ", 65))
		for _, p := range parts {
			line[2*p.start] = '+'
			for i := 2*p.start + 1; i < 2*p.end; i++ {
				line[i] = '-'
			}
			line[2*p.end] = '+'
		}
		return strings.TrimRight(string(line), " ")
	}
	for r, parts := range rows {
		if r == 0 {
			b.WriteString(sep(parts) + "\n")
		}
		// Names: across when they fit; a one-bit field's name one letter a
		// line, as the RFC draws FIN, RSV1 and MASK.
		name := func(p part) string {
			w := 2*(p.end-p.start) - 1
			n := p.field.Name
			if !p.first {
				n += " (continued)"
				if len(n) > w {
					n = "(continued)"
				}
			}
			if len(n) > w && p.end-p.start > 1 {
				n = n[:w]
			}
			return n
		}
		height := 1
		for _, p := range parts {
			if n := name(p); len(n) > 1 && p.end-p.start == 1 {
				height = max(height, len(n))
			}
		}
		for l := 0; l < height; l++ {
			line := []byte(strings.Repeat(" ", 65))
			for _, p := range parts {
				line[2*p.start], line[2*p.end] = '|', '|'
				w := 2*(p.end-p.start) - 1
				n := name(p)
				var s string
				switch {
				case len(n) <= w && l == 0:
					s = center(n, w)
				case len(n) > w && l < len(n):
					s = center(n[l:l+1], w)
				}
				copy(line[2*p.start+1:], s)
			}
			b.WriteString(strings.TrimRight(string(line), " ") + "\n")
		}
		b.WriteString(sep(parts) + "\n")
		line := []byte(strings.Repeat(" ", 65))
		for _, p := range parts {
			line[2*p.start], line[2*p.end] = '|', '|'
			w := 2*(p.end-p.start) - 1
			var s string
			switch {
			case p.field.Bits <= 8:
				bits := make([]string, p.field.Bits)
				for i := range bits {
					bits[i] = fmt.Sprint(p.field.Value >> (p.field.Bits - 1 - i) & 1)
				}
				s = strings.Join(bits, " ")
			default:
				// The part's bytes in hex; the last part of a number also
				// gives its value.
				n := (p.end - p.start) / 8
				hexes := make([]string, n)
				for i := range hexes {
					hexes[i] = fmt.Sprintf("%02x", byte(p.field.Value>>(p.shift+8*(n-1-i))))
				}
				s = strings.Join(hexes, " ")
				if p.shift == 0 && p.field.Name != "Masking-key" {
					s += " = " + groupDigits(fmt.Sprint(p.field.Value))
				}
				s = center(s, w)
			}
			copy(line[2*p.start+1:], s)
		}
		b.WriteString(strings.TrimRight(string(line), " ") + "\n")
		b.WriteString(sep(parts) + "\n")
	}
	return b.String()
}

// center pads s with spaces to width w, s in the middle.
func center(s string, w int) string {
	if len(s) >= w {
		return s[:w]
	}
	left := (w - len(s)) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", w-len(s)-left)
}
