package tcpdump

import "slices"

// The dumps tcpdump prints after a packet's line with -A, -X and -x.

// ASCII returns the bytes as tcpdump -A prints them after the packet line
// (without the newline that ends the line): printable ASCII characters,
// spaces, tabs and newlines as they are, every other byte as '.', except
// that a carriage return is dropped before a newline and in the last two
// bytes, as tcpdump does.
//
// tcpdump -A dumps a packet from its network header on; pass that part of
// the packet to get tcpdump's text (or only the payload, to show it alone).
func ASCII(data []byte) string {
	return string(appendASCII(make([]byte, 0, len(data)), data))
}

// HexASCII returns the bytes as tcpdump -X prints them: lines of 16 bytes
// such as "\t0x0010:  4500 0034 ...  E..4", without a final newline.
func HexASCII(data []byte) string {
	return string(appendHexASCII(make([]byte, 0, len(data)/16*68+68), data))
}

// Hex returns the bytes as tcpdump -x prints them: lines of 16 bytes such as
// "\t0x0010:  4500 0034 ...", without a final newline.
func Hex(data []byte) string {
	return string(appendHex(make([]byte, 0, len(data)/16*50+50), data))
}

// isGraph reports whether b is a printable ASCII character other than space.
func isGraph(b byte) bool { return b > 0x20 && b < 0x7f }

// isPrint reports whether b is a printable ASCII character or space.
func isPrint(b byte) bool { return b >= 0x20 && b < 0x7f }

// The characters the dumps print for each byte: textChars for -A (white
// space kept; a carriage return is dealt with apart), graphChars for the
// right-hand column of -X (nothing but graphic characters).
var textChars, graphChars = func() (text, graph [256]byte) {
	for i := range 256 {
		b := byte(i)
		text[i], graph[i] = '.', '.'
		if isGraph(b) || b == '\t' || b == ' ' || b == '\n' {
			text[i] = b
		}
		if isGraph(b) {
			graph[i] = b
		}
	}
	return text, graph
}()

func appendASCII(out, data []byte) []byte {
	n := len(out)
	out = slices.Grow(out, len(data))[:n+len(data)]
	text := out[n:]
	j := 0
	for i, b := range data {
		if b == '\r' {
			// tcpdump drops a CR before a LF, and (a quirk of its
			// test) any CR among the last two bytes.
			if len(data)-i > 2 && data[i+1] != '\n' {
				text[j] = '.'
				j++
			}
			continue
		}
		text[j] = textChars[b]
		j++
	}
	return out[:n+j]
}

// hexLineWidth is how wide the hex part of a dump line is: 16 bytes in
// groups of two, each group after a space.
const hexLineWidth = 40

func appendHexASCII(out, data []byte) []byte {
	const spaces = "                                          " // hexLineWidth+2
	for off := 0; off < len(data); off += 16 {
		line := data[off:min(off+16, len(data))]
		if off > 0 {
			out = append(out, '\n')
		}
		out = appendOffset(out, off)
		out = appendHexLine(out, line)
		// Pad a short last line's hex part to the full width; two
		// spaces separate it from the characters.
		hexLen := 2*len(line) + (len(line)+1)/2
		out = append(out, spaces[:hexLineWidth-hexLen+2]...)
		var chars [16]byte
		for i, b := range line {
			chars[i] = graphChars[b]
		}
		out = append(out, chars[:len(line)]...)
	}
	return out
}

func appendHex(out, data []byte) []byte {
	for off := 0; off < len(data); off += 16 {
		line := data[off:min(off+16, len(data))]
		if off > 0 {
			out = append(out, '\n')
		}
		out = appendOffset(out, off)
		out = appendHexLine(out, line)
	}
	return out
}

// appendHexLine appends the hex part of a dump line, at most 16 bytes: the
// bytes in groups of two, each group after a space.
func appendHexLine(out, line []byte) []byte {
	var hex [hexLineWidth]byte
	n := 0
	for i, b := range line {
		if i%2 == 0 {
			hex[n] = ' '
			n++
		}
		hex[n], hex[n+1] = hexDigits[b>>4], hexDigits[b&0xf]
		n += 2
	}
	return append(out, hex[:n]...)
}

// appendOffset appends "\t0x%04x: ".
func appendOffset(out []byte, off int) []byte {
	out = append(out, '\t', '0', 'x')
	out = appendHexUint(out, uint64(off), 4)
	return append(out, ':', ' ')
}
