package websocket

import (
	"slices"
	"testing"
)

func TestParseClosePayload(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		code   uint16
		reason string
		faults []FaultKind
	}{
		{"empty", nil, 0, "", nil},
		{"one byte", []byte{0x03}, 0, "", []FaultKind{FaultClosePayloadTooShort}},
		{"normal", []byte{0x03, 0xe8}, 1000, "", nil},
		{"with reason", append([]byte{0x03, 0xe8}, "see you"...), 1000, "see you", nil},
		{"going away", []byte{0x03, 0xe9}, 1001, "", nil},
		{"1005 on the wire", []byte{0x03, 0xed}, 1005, "", []FaultKind{FaultInvalidCloseCode}},
		{"private 4000", []byte{0x0f, 0xa0}, 4000, "", nil},
		{"999", []byte{0x03, 0xe7}, 999, "", []FaultKind{FaultInvalidCloseCode}},
		{"bad reason", []byte{0x03, 0xe8, 0xff, 0xfe}, 1000, "\xff\xfe", []FaultKind{FaultInvalidCloseReason}},
		{"both", []byte{0x00, 0x00, 0xc0}, 0, "\xc0", []FaultKind{FaultInvalidCloseCode, FaultInvalidCloseReason}},
	}
	for _, tt := range tests {
		code, reason, faults := ParseClosePayload(tt.in)
		if code != tt.code || reason != tt.reason || !slices.Equal(faultKinds(faults), tt.faults) {
			t.Errorf("%s: ParseClosePayload = %d, %q, %v; want %d, %q, %v",
				tt.name, code, reason, faultKinds(faults), tt.code, tt.reason, tt.faults)
		}
	}
}

func TestCloseCodes(t *testing.T) {
	tests := []struct {
		code  uint16
		name  string
		valid bool
	}{
		{0, "unused", false},
		{999, "unused", false},
		{1000, "normal closure", true},
		{1001, "going away", true},
		{1002, "protocol error", true},
		{1003, "unsupported data", true},
		{1004, "reserved", false},
		{1005, "no status received", false},
		{1006, "abnormal closure", false},
		{1007, "invalid frame payload data", true},
		{1008, "policy violation", true},
		{1009, "message too big", true},
		{1010, "mandatory extension", true},
		{1011, "internal error", true},
		{1012, "service restart", true},
		{1013, "try again later", true},
		{1014, "bad gateway", true},
		{1015, "TLS handshake", false},
		{1016, "reserved", false},
		{2999, "reserved", false},
		{3000, "unauthorized", true},
		{3001, "registered", true},
		{3999, "registered", true},
		{4000, "private use", true},
		{4999, "private use", true},
		{5000, "invalid", false},
		{65535, "invalid", false},
	}
	for _, tt := range tests {
		if got := CloseCodeName(tt.code); got != tt.name {
			t.Errorf("CloseCodeName(%d) = %q, want %q", tt.code, got, tt.name)
		}
		if got := ValidCloseCode(tt.code); got != tt.valid {
			t.Errorf("ValidCloseCode(%d) = %v, want %v", tt.code, got, tt.valid)
		}
	}
}
