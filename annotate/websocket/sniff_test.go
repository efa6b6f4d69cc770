package websocket

import (
	"testing"
)

func TestLooksLikeFrames(t *testing.T) {
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	server, _ := rfcServerStream()
	client := concat(rfcHelloMasked, buildFrame(false, 0, OpBinary, &key, []byte{1, 2}), rfcPongMasked,
		buildFrame(true, 0, OpContinuation, &key, []byte{3}))
	tests := []struct {
		name       string
		in         []byte
		fromClient bool
		want       bool
	}{
		{"server frames", server, false, true},
		{"server frames as client", server, true, false},
		{"client frames", client, true, true},
		{"client frames as server", client, false, false},
		{"cut inside a payload", server[:40], false, true},
		{"cut inside a header", concat(rfcHelloUnmasked, rfc256Header[:3]), false, true},
		{"lone partial header", rfc256Header[:3], false, false},
		{"empty", nil, false, false},
		{"starts with a continuation", concat(rfcLo, rfcHelloUnmasked), false, true},
		{"HTTP request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), true, false},
		{"HTTP response", []byte("HTTP/1.1 101 Switching Protocols\r\n"), false, false},
		{"JSON", []byte(`{"type":"login"}`), false, false},
		{"reserved opcode", []byte{0x83, 0x00}, false, false},
		{"RSV2", []byte{0xa1, 0x00}, false, false},
		{"RSV1 on a continuation", concat(rfcHel, []byte{0xc0, 0x00}), false, false},
		{"fragmented ping", []byte{0x09, 0x00}, false, false},
		{"two starts in a row", concat(rfcHel, rfcHel), false, false},
		{"invalid close code", []byte{0x88, 0x02, 0x03, 0xed}, false, false},
		{"close of one byte", []byte{0x88, 0x01, 0x03}, false, false},
		{"text not UTF-8", []byte{0x81, 0x02, 0xff, 0xfe}, false, false},
		{"text cut inside a rune", []byte{0x81, 0x03, 0xe5, 0xa4}, false, true},
		{"non-minimal length", []byte{0x81, 0x7e, 0x00, 0x01, 'a'}, false, false},
	}
	for _, tt := range tests {
		if got := LooksLikeFrames(tt.in, tt.fromClient); got != tt.want {
			t.Errorf("%s: LooksLikeFrames = %v, want %v", tt.name, got, tt.want)
		}
	}
}
