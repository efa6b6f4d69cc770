package websocket

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// RFC 6455 §5.7 examples.
var (
	rfcHelloUnmasked = []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}
	rfcHelloMasked   = []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	rfcHel           = []byte{0x01, 0x03, 0x48, 0x65, 0x6c}
	rfcLo            = []byte{0x80, 0x02, 0x6c, 0x6f}
	rfcPing          = []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}
	rfcPongMasked    = []byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	rfc256Header     = []byte{0x82, 0x7e, 0x01, 0x00}
	rfc64KHeader     = []byte{0x82, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}
	rfcMaskKey       = [4]byte{0x37, 0xfa, 0x21, 0x3d}
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Header
	}{
		{"unmasked text Hello", rfcHelloUnmasked,
			Header{Fin: true, Opcode: OpText, PayloadLength: 5, LengthBits: 7, HeaderLength: 2}},
		{"masked text Hello", rfcHelloMasked,
			Header{Fin: true, Opcode: OpText, Masked: true, MaskKey: rfcMaskKey, PayloadLength: 5, LengthBits: 7, HeaderLength: 6}},
		{"first fragment Hel", rfcHel,
			Header{Opcode: OpText, PayloadLength: 3, LengthBits: 7, HeaderLength: 2}},
		{"last fragment lo", rfcLo,
			Header{Fin: true, Opcode: OpContinuation, PayloadLength: 2, LengthBits: 7, HeaderLength: 2}},
		{"unmasked ping", rfcPing,
			Header{Fin: true, Opcode: OpPing, PayloadLength: 5, LengthBits: 7, HeaderLength: 2}},
		{"masked pong", rfcPongMasked,
			Header{Fin: true, Opcode: OpPong, Masked: true, MaskKey: rfcMaskKey, PayloadLength: 5, LengthBits: 7, HeaderLength: 6}},
		{"256 bytes binary", rfc256Header,
			Header{Fin: true, Opcode: OpBinary, PayloadLength: 256, LengthBits: 16, HeaderLength: 4}},
		{"64 KiB binary", rfc64KHeader,
			Header{Fin: true, Opcode: OpBinary, PayloadLength: 65536, LengthBits: 64, HeaderLength: 10}},
		{"all RSV bits", []byte{0xf1, 0x00},
			Header{Fin: true, RSV: RSV1 | RSV2 | RSV3, Opcode: OpText, LengthBits: 7, HeaderLength: 2}},
		{"RSV1 compressed", []byte{0xc1, 0x07},
			Header{Fin: true, RSV: RSV1, Opcode: OpText, PayloadLength: 7, LengthBits: 7, HeaderLength: 2}},
		{"masked 64-bit length", []byte{0x02, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4},
			Header{Opcode: OpBinary, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}, PayloadLength: 1<<63 - 1, LengthBits: 64, HeaderLength: 14}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, n, err := ParseHeader(tt.in)
			if err != nil {
				t.Fatalf("ParseHeader: %v", err)
			}
			if h != tt.want || n != tt.want.HeaderLength {
				t.Errorf("ParseHeader = %+v, %d; want %+v, %d", h, n, tt.want, tt.want.HeaderLength)
			}
			for i := 0; i < tt.want.HeaderLength; i++ {
				if _, _, err := ParseHeader(tt.in[:i]); !errors.Is(err, ErrShort) {
					t.Errorf("ParseHeader(first %d bytes) error = %v, want ErrShort", i, err)
				}
			}
			if got := AppendHeader(nil, h); !bytes.Equal(got, tt.in[:n]) {
				t.Errorf("AppendHeader = % x, want % x", got, tt.in[:n])
			}
		})
	}
}

func TestHeaderFaults(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		sender Role
		want   []FaultKind
	}{
		{"server Hello", rfcHelloUnmasked, Server, nil},
		{"client Hello", rfcHelloMasked, Client, nil},
		{"unmasked client frame", rfcHelloUnmasked, Client, []FaultKind{FaultUnmaskedClientFrame}},
		{"masked server frame", rfcHelloMasked, Server, []FaultKind{FaultMaskedServerFrame}},
		{"unknown sender", rfcHelloMasked, 0, nil},
		{"16-bit length 5", []byte{0x81, 0x7e, 0x00, 0x05}, Server, []FaultKind{FaultNonMinimalLength}},
		{"16-bit length 126", []byte{0x81, 0x7e, 0x00, 0x7e}, Server, nil},
		{"64-bit length 65535", []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, Server, []FaultKind{FaultNonMinimalLength}},
		{"64-bit length top bit", []byte{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}, Server, []FaultKind{FaultLengthTopBit}},
		{"reserved data opcode", []byte{0x83, 0x00}, Server, []FaultKind{FaultReservedOpcode}},
		{"reserved control opcode", []byte{0x8b, 0x00}, Server, []FaultKind{FaultReservedOpcode}},
		{"ping of 126 bytes", []byte{0x89, 0x7e, 0x00, 0x7e}, Server, []FaultKind{FaultControlTooLong}},
		{"fragmented close", []byte{0x08, 0x00}, Server, []FaultKind{FaultFragmentedControl}},
		{"several", []byte{0x0c, 0x7e, 0x00, 0x05}, Client,
			[]FaultKind{FaultNonMinimalLength, FaultUnmaskedClientFrame, FaultReservedOpcode, FaultFragmentedControl}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, err := ParseHeader(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := faultKinds(h.Faults(tt.sender)); !slices.Equal(got, tt.want) {
				t.Errorf("Faults = %v, want %v", got, tt.want)
			}
		})
	}
}

func faultKinds(fs []Fault) []FaultKind {
	var ks []FaultKind
	for _, f := range fs {
		ks = append(ks, f.Kind)
	}
	return ks
}

func TestAppendHeaderNonMinimal(t *testing.T) {
	h := Header{Fin: true, Opcode: OpText, PayloadLength: 5, LengthBits: 64}
	got := AppendHeader(nil, h)
	want := []byte{0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0, 5}
	if !bytes.Equal(got, want) {
		t.Errorf("AppendHeader = % x, want % x", got, want)
	}
	// A LengthBits too small for the length falls back to the minimal form.
	h = Header{Opcode: OpBinary, PayloadLength: 70000, LengthBits: 7}
	if got := AppendHeader(nil, h); len(got) != 10 {
		t.Errorf("AppendHeader(70000 in 7 bits) = % x, want a 64-bit length", got)
	}
}

func TestUnmask(t *testing.T) {
	payload := rfcHelloMasked[6:]
	b := slices.Clone(payload)
	if end := Unmask(rfcMaskKey, 0, b); end != 5 || string(b) != "Hello" {
		t.Fatalf("Unmask = %q, %d; want Hello, 5", b, end)
	}
	// Any split across segments gives the same result as a single call.
	long := make([]byte, 1000)
	for i := range long {
		long[i] = byte(i * 7)
	}
	key := [4]byte{0xde, 0xad, 0xbe, 0xef}
	want := slices.Clone(long)
	for i := range want {
		want[i] ^= key[i%4]
	}
	for _, cuts := range [][]int{{1}, {3, 10}, {7, 8, 9, 500}, {999}, {0, 0, 17}} {
		got := slices.Clone(long)
		pos := 0
		for _, c := range append(cuts, len(got)) {
			if c < pos {
				continue
			}
			pos = Unmask(key, pos, got[pos:c])
		}
		if !bytes.Equal(got, want) {
			t.Errorf("Unmask in pieces %v differs from whole", cuts)
		}
	}
	// Masking twice restores the input.
	again := slices.Clone(want)
	Unmask(key, 0, again)
	if !bytes.Equal(again, long) {
		t.Error("Unmask twice is not the identity")
	}
}

func TestOpcode(t *testing.T) {
	tests := []struct {
		op       Opcode
		name     string
		control  bool
		reserved bool
	}{
		{OpContinuation, "continuation", false, false},
		{OpText, "text", false, false},
		{OpBinary, "binary", false, false},
		{3, "reserved-3", false, true},
		{7, "reserved-7", false, true},
		{OpClose, "close", true, false},
		{OpPing, "ping", true, false},
		{OpPong, "pong", true, false},
		{11, "reserved-11", true, true},
		{15, "reserved-15", true, true},
	}
	for _, tt := range tests {
		if got := tt.op.String(); got != tt.name {
			t.Errorf("Opcode(%d).String() = %q, want %q", tt.op, got, tt.name)
		}
		if got := tt.op.IsControl(); got != tt.control {
			t.Errorf("Opcode(%d).IsControl() = %v", tt.op, got)
		}
		if got := tt.op.IsReserved(); got != tt.reserved {
			t.Errorf("Opcode(%d).IsReserved() = %v", tt.op, got)
		}
	}
}
