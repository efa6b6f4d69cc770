package render

import (
	"strings"
	"testing"
)

func TestRedactHead(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GET /chat?token=abcdefabcdef HTTP/1.1\r\nHost: x\r\nCookie: sid=42\r\n\r\n\x81\x05hello",
			"GET /chat?token=************ HTTP/1.1\r\nHost: x\r\nCookie: ******\r\n\r\n\x81\x05hello"},
		{"HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: a=b; Path=/\r\n\r\n",
			"HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: **** ******\r\n\r\n"},
		{"\x81\x0eCookie: secret", "\x81\x0eCookie: secret"},
	} {
		got := string(redactHead([]byte(tc.in)))
		want := strings.ReplaceAll(tc.want, "*", string(RedactMark))
		if got != want {
			t.Errorf("redactHead(%q) = %q, want %q", tc.in, got, want)
		}
	}
}
