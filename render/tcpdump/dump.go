package tcpdump

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

func appendASCII(out, data []byte) []byte {
	for i, b := range data {
		left := len(data) - i - 1
		switch {
		case b == '\r':
			// tcpdump drops a CR before a LF, and (a quirk of its
			// test) any CR among the last two bytes.
			if left > 1 && data[i+1] != '\n' {
				out = append(out, '.')
			}
		case isGraph(b) || b == '\t' || b == ' ' || b == '\n':
			out = append(out, b)
		default:
			out = append(out, '.')
		}
	}
	return out
}

func appendHexASCII(out, data []byte) []byte {
	for off := 0; off < len(data); off += 16 {
		line := data[off:min(off+16, len(data))]
		if off > 0 {
			out = append(out, '\n')
		}
		out = appendOffset(out, off)
		start := len(out)
		for i := 0; i < len(line); i += 2 {
			out = append(out, ' ')
			out = append(out, hexDigits[line[i]>>4], hexDigits[line[i]&0xf])
			if i+1 < len(line) {
				out = append(out, hexDigits[line[i+1]>>4], hexDigits[line[i+1]&0xf])
			}
		}
		for len(out)-start < 40 {
			out = append(out, ' ')
		}
		out = append(out, ' ', ' ')
		for _, b := range line {
			if isGraph(b) {
				out = append(out, b)
			} else {
				out = append(out, '.')
			}
		}
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
		for i := 0; i < len(line); i += 2 {
			out = append(out, ' ')
			out = append(out, hexDigits[line[i]>>4], hexDigits[line[i]&0xf])
			if i+1 < len(line) {
				out = append(out, hexDigits[line[i+1]>>4], hexDigits[line[i+1]&0xf])
			}
		}
	}
	return out
}

// appendOffset appends "\t0x%04x: ".
func appendOffset(out []byte, off int) []byte {
	out = append(out, '\t', '0', 'x')
	digits := 4
	for v := off >> 16; v > 0; v >>= 4 {
		digits++
	}
	for i := digits - 1; i >= 0; i-- {
		out = append(out, hexDigits[(off>>(4*i))&0xf])
	}
	return append(out, ':', ' ')
}
