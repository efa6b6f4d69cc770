package websocket

import (
	"errors"
	"fmt"
	"testing"
)

func TestAcceptKey(t *testing.T) {
	tests := []struct{ key, accept string }{
		{"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}, // RFC 6455 §1.3
		{"x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="}, // RFC 6455 §1.2
	}
	for _, tt := range tests {
		if got := AcceptKey(tt.key); got != tt.accept {
			t.Errorf("AcceptKey(%q) = %q, want %q", tt.key, got, tt.accept)
		}
	}
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"dGhlIHNhbXBsZSBub25jZQ==", true},
		{"AAAAAAAAAAAAAAAAAAAAAA==", true},
		{"", false},
		{"dGhlIHNhbXBsZSBub25jZQ", false},     // no padding
		{"dGhlIHNhbXBsZSBub25jZSE=", false},   // 17 bytes
		{"dGhlIHNhbXBsZSBub25j", false},       // 15 bytes
		{"dGhlIHNhbXBsZSBub25jZQ==\n", false}, // trailing newline
		{"dGhlIHNhbXBsZSBub25jZR==", false},   // non-zero padding bits
		{"!!!!!!!!!!!!!!!!!!!!!!==", false},
	}
	for _, tt := range tests {
		err := CheckKey(tt.key)
		if (err == nil) != tt.ok {
			t.Errorf("CheckKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadKey) {
			t.Errorf("CheckKey(%q) error %v does not wrap ErrBadKey", tt.key, err)
		}
	}
}

func ExampleAcceptKey() {
	// The key and answer of the opening handshake in RFC 6455 §1.3.
	fmt.Println(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
	// Output: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}
