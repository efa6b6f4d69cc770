package redact

import (
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate"
)

func TestTarget(t *testing.T) {
	tests := []struct{ in, want, names string }{
		{"/", "/", ""},
		{"/chat?room=1", "/chat?room=1", ""},
		{"/chat?token=abc123&room=1", "/chat?token=******&room=1", "token"},
		{"/ws?access_token=x&api_key=yy#frag", "/ws?access_token=*&api_key=**#frag", "access_token, api_key"},
		{"/ws?t=eyJhbGciOi.e30.sig", "/ws?t=******************", "t"},
		{"/ws?session=", "/ws?session=", ""},
	}
	for _, tt := range tests {
		got, names := Target(tt.in)
		if got != tt.want || strings.Join(names, ", ") != tt.names {
			t.Errorf("Target(%q) = %q, %v; want %q, %s", tt.in, got, names, tt.want, tt.names)
		}
	}
}

func TestRedactPayload(t *testing.T) {
	head := "GET /s?token=abc HTTP/1.1\r\nHost: h\r\nCookie: a=1; b=2\r\nAuthorization: Bearer xyz\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
	field := func(kind annotate.FieldKind, name, line string) annotate.Field {
		i := strings.Index(head, line)
		return annotate.Field{Kind: kind, Name: name, Payload: annotate.Range{Start: i, End: i + len(line)}}
	}
	fields := []annotate.Field{
		field("http-start-line", "", "GET /s?token=abc HTTP/1.1\r\n"),
		field("http-header", "Host", "Host: h\r\n"),
		field("http-header", "Cookie", "Cookie: a=1; b=2\r\n"),
		field("http-header", "Authorization", "Authorization: Bearer xyz\r\n"),
		field("http-header", "Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: chat\r\n"),
	}
	got, red := Payload([]byte(head), fields)
	want := "GET /s?token=*** HTTP/1.1\r\nHost: h\r\nCookie: **** ***\r\nAuthorization: ****** ***\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
	if string(got) != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if len(got) != len(head) {
		t.Error("redaction changed the length")
	}
	if len(red) != 3 {
		t.Errorf("redactions = %v", red)
	}

	// A header split over two packets: the second part starts inside the
	// value.
	part := []byte("e=secret\r\n")
	got, _ = Payload(part, []annotate.Field{{Kind: "http-header", Name: "Cookie", Payload: annotate.Range{Start: 0, End: len(part)}, Offset: 10}})
	if string(got) != "********\r\n" {
		t.Errorf("continued header: %q", got)
	}
	// The first part holds the name and the start of the value.
	part = []byte("Cookie: sessi")
	got, _ = Payload(part, []annotate.Field{{Kind: "http-header", Name: "Cookie", Payload: annotate.Range{Start: 0, End: len(part)}, Partial: true}})
	if string(got) != "Cookie: *****" {
		t.Errorf("first part: %q", got)
	}
	// Nothing to redact: the payload comes back as is.
	plain := []byte("Host: h\r\n")
	if got, red := Payload(plain, []annotate.Field{{Kind: "http-header", Name: "Host", Payload: annotate.Range{Start: 0, End: len(plain)}}}); &got[0] != &plain[0] || red != nil {
		t.Error("a payload without secrets was copied or reported")
	}
	// Ranges outside the payload are ignored.
	if got, _ := Payload(plain, []annotate.Field{{Kind: "http-header", Name: "Cookie", Payload: annotate.Range{Start: 5, End: 50}}}); string(got) != "Host: h\r\n" {
		t.Errorf("bad range: %q", got)
	}
}

func TestHead(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GET /chat?token=abcdefabcdef HTTP/1.1\r\nHost: x\r\nCookie: sid=42\r\n\r\n\x81\x05hello",
			"GET /chat?token=************ HTTP/1.1\r\nHost: x\r\nCookie: ******\r\n\r\n\x81\x05hello"},
		{"HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: a=b; Path=/\r\n\r\n",
			"HTTP/1.1 101 Switching Protocols\r\nSet-Cookie: **** ******\r\n\r\n"},
		{"\x81\x0eCookie: secret", "\x81\x0eCookie: secret"},
	} {
		if got := string(Head([]byte(tc.in))); got != tc.want {
			t.Errorf("Head(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
