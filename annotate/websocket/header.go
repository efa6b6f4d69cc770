package websocket

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrShort means that the input ends before the thing being parsed does;
// more bytes are needed.
var ErrShort = errors.New("websocket: need more bytes")

// MaxHeaderLength is the length of the longest frame header: 2 bytes, a
// 64-bit extended payload length and a masking key.
const MaxHeaderLength = 14

// The reserved bits of a frame header as they appear in [Header.RSV].
const (
	RSV1 uint8 = 4 // "Per-Message Compressed" under permessage-deflate
	RSV2 uint8 = 2
	RSV3 uint8 = 1
)

// A Header is a decoded frame header (RFC 6455 §5.2).
type Header struct {
	Fin           bool
	RSV           uint8 // the three reserved bits as a number: RSV1 is 4, RSV2 is 2, RSV3 is 1
	Opcode        Opcode
	Masked        bool
	MaskKey       [4]byte // valid when Masked
	PayloadLength uint64
	LengthBits    int // how the length was encoded: 7, 16 or 64 bits
	HeaderLength  int // bytes taken by the header: 2 to 14
}

// ParseHeader decodes the frame header at the start of b. It returns the
// header and its length, or ErrShort if b holds less than the whole header.
// Every header that fits is syntactically valid; use [Header.Faults] to
// check it against the protocol.
func ParseHeader(b []byte) (Header, int, error) {
	if len(b) < 2 {
		return Header{}, 0, ErrShort
	}
	h := Header{
		Fin:    b[0]&0x80 != 0,
		RSV:    b[0] >> 4 & 0x7,
		Opcode: Opcode(b[0] & 0xf),
		Masked: b[1]&0x80 != 0,
	}
	n := 2
	switch l := b[1] & 0x7f; l {
	case 126:
		if len(b) < n+2 {
			return Header{}, 0, ErrShort
		}
		h.PayloadLength = uint64(binary.BigEndian.Uint16(b[n:]))
		h.LengthBits = 16
		n += 2
	case 127:
		if len(b) < n+8 {
			return Header{}, 0, ErrShort
		}
		h.PayloadLength = binary.BigEndian.Uint64(b[n:])
		h.LengthBits = 64
		n += 8
	default:
		h.PayloadLength = uint64(l)
		h.LengthBits = 7
	}
	if h.Masked {
		if len(b) < n+4 {
			return Header{}, 0, ErrShort
		}
		copy(h.MaskKey[:], b[n:n+4])
		n += 4
	}
	h.HeaderLength = n
	return h, n, nil
}

// headerLength returns the length of the header whose second byte is b1.
func headerLength(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// Faults checks the header against the rules of RFC 6455 that need no
// context beyond the sender: minimal length encoding, the top bit of a 64-bit
// length, masking by direction (skipped when sender is neither Client nor
// Server), reserved opcodes and control frame rules. The RSV bits are
// checked by [MessageAssembler], which knows the negotiated extensions.
func (h Header) Faults(sender Role) []Fault {
	var fs []Fault
	switch {
	case h.LengthBits == 16 && h.PayloadLength < 126,
		h.LengthBits == 64 && h.PayloadLength <= 0xffff:
		fs = append(fs, Fault{FaultNonMinimalLength,
			fmt.Sprintf("payload length %d encoded in %d bits", h.PayloadLength, h.LengthBits)})
	case h.LengthBits == 64 && h.PayloadLength>>63 != 0:
		fs = append(fs, Fault{FaultLengthTopBit,
			fmt.Sprintf("64-bit payload length %#x has its most significant bit set", h.PayloadLength)})
	}
	switch {
	case sender == Client && !h.Masked:
		fs = append(fs, Fault{FaultUnmaskedClientFrame, "frame from the client is not masked"})
	case sender == Server && h.Masked:
		fs = append(fs, Fault{FaultMaskedServerFrame, "frame from the server is masked"})
	}
	if h.Opcode.IsReserved() {
		fs = append(fs, Fault{FaultReservedOpcode, fmt.Sprintf("opcode %#x is reserved", uint8(h.Opcode))})
	}
	if h.Opcode.IsControl() {
		if h.PayloadLength > 125 {
			fs = append(fs, Fault{FaultControlTooLong,
				fmt.Sprintf("%s frame has a %d-byte payload; control frames carry at most 125", h.Opcode, h.PayloadLength)})
		}
		if !h.Fin {
			fs = append(fs, Fault{FaultFragmentedControl, fmt.Sprintf("%s frame without FIN", h.Opcode)})
		}
	}
	return fs
}

// AppendHeader appends the wire form of h to b. The payload length is
// written with h.LengthBits when that can hold it (so that non-minimal
// encodings can be produced for tests), otherwise in the shortest form;
// HeaderLength is ignored.
func AppendHeader(b []byte, h Header) []byte {
	b0 := byte(h.Opcode&0xf) | (h.RSV&7)<<4
	if h.Fin {
		b0 |= 0x80
	}
	var b1 byte
	if h.Masked {
		b1 = 0x80
	}
	bits := h.LengthBits
	switch {
	case bits == 7 && h.PayloadLength <= 125:
	case bits == 16 && h.PayloadLength <= 0xffff:
	case bits == 64:
	case h.PayloadLength <= 125:
		bits = 7
	case h.PayloadLength <= 0xffff:
		bits = 16
	default:
		bits = 64
	}
	switch bits {
	case 7:
		b = append(b, b0, b1|byte(h.PayloadLength))
	case 16:
		b = append(b, b0, b1|126)
		b = binary.BigEndian.AppendUint16(b, uint16(h.PayloadLength))
	default:
		b = append(b, b0, b1|127)
		b = binary.BigEndian.AppendUint64(b, h.PayloadLength)
	}
	if h.Masked {
		b = append(b, h.MaskKey[:]...)
	}
	return b
}

// Unmask XORs b in place with the masking key (RFC 6455 §5.3), b being the
// payload bytes that start pos bytes into the payload, and returns pos+len(b),
// the position to pass for the bytes that follow. Masking and unmasking are
// the same operation.
func Unmask(key [4]byte, pos int, b []byte) int {
	end := pos + len(b)
	k := pos & 3
	i := 0
	for ; i < len(b) && k != 0; i++ {
		b[i] ^= key[k]
		k = (k + 1) & 3
	}
	if len(b)-i >= 8 {
		w := uint64(binary.LittleEndian.Uint32(key[:]))
		w |= w << 32
		for ; len(b)-i >= 8; i += 8 {
			binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^w)
		}
	}
	for ; i < len(b); i++ {
		b[i] ^= key[k]
		k = (k + 1) & 3
	}
	return end
}
