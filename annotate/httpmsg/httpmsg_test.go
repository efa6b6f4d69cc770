package httpmsg

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The opening handshake of RFC 6455 §1.2.
const (
	rfcRequest = "GET /chat HTTP/1.1\r\n" +
		"Host: server.example.com\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Origin: http://example.com\r\n" +
		"Sec-WebSocket-Protocol: chat, superchat\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"\r\n"
	rfcResponse = "HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
		"Sec-WebSocket-Protocol: chat\r\n" +
		"\r\n"
)

func TestParseRequestHead(t *testing.T) {
	in := rfcRequest + "\x81\x85frame bytes"
	req, n, err := ParseRequestHead([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(rfcRequest) || req.HeadLength != n {
		t.Errorf("n = %d, HeadLength %d, want %d", n, req.HeadLength, len(rfcRequest))
	}
	if req.Method != "GET" || req.Target != "/chat" || req.Proto != "HTTP/1.1" {
		t.Errorf("request line %q %q %q", req.Method, req.Target, req.Proto)
	}
	if len(req.Header) != 7 {
		t.Fatalf("%d fields", len(req.Header))
	}
	for _, f := range req.Header {
		if got := in[f.Offset : f.Offset+f.Length]; got != f.Name+": "+f.Value {
			t.Errorf("field bytes %q for %s: %s", got, f.Name, f.Value)
		}
	}
	h := req.Header
	if h.Get("sec-websocket-key") != "dGhlIHNhbXBsZSBub25jZQ==" || h.Get("Missing") != "" || !h.Has("ORIGIN") {
		t.Error("Get/Has")
	}
	if got := h.Tokens("Sec-WebSocket-Protocol"); !slices.Equal(got, []string{"chat", "superchat"}) {
		t.Errorf("Tokens = %q", got)
	}
	if !h.HasToken("connection", "upgrade") || h.HasToken("Connection", "close") {
		t.Error("HasToken")
	}
	if n, chunked, ok := req.BodyLength(); n != 0 || chunked || !ok {
		t.Errorf("BodyLength = %d %v %v", n, chunked, ok)
	}
}

func TestParseResponseHead(t *testing.T) {
	resp, n, err := ParseResponseHead([]byte(rfcResponse + "\x81\x05Hello"))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(rfcResponse) || resp.Proto != "HTTP/1.1" || resp.StatusCode != 101 || resp.Reason != "Switching Protocols" {
		t.Errorf("%d %+v", n, resp)
	}
	if resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Error("accept")
	}
	if n, _, ok := resp.BodyLength(); n != 0 || !ok {
		t.Error("a 101 response has no body")
	}
}

// Every proper prefix of a head is incomplete, never an error.
func TestIncomplete(t *testing.T) {
	for _, head := range []string{rfcRequest, "\r\n" + rfcRequest, strings.ReplaceAll(rfcRequest, "\r\n", "\n")} {
		for i := range len(head) {
			if _, _, err := ParseRequestHead([]byte(head[:i])); !errors.Is(err, ErrIncomplete) {
				t.Fatalf("ParseRequestHead(%q) error = %v, want ErrIncomplete", head[:i], err)
			}
		}
	}
	for i := range len(rfcResponse) {
		if _, _, err := ParseResponseHead([]byte(rfcResponse[:i])); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("ParseResponseHead(%q) error = %v, want ErrIncomplete", rfcResponse[:i], err)
		}
	}
}

func TestBareLF(t *testing.T) {
	in := "GET / HTTP/1.1\nHost: a\r\nX:  spaced value \t\n\n"
	req, n, err := ParseRequestHead([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("%v, n %d", err, n)
	}
	want := Header{{"Host", "a", 15, 7}, {"X", "spaced value", 24, 18}}
	if !reflect.DeepEqual(req.Header, want) {
		t.Errorf("Header = %+v, want %+v", req.Header, want)
	}
}

func TestObsFold(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nX-Long: first\r\n  second\r\n\tthird\r\nY: y\r\n\r\n"
	resp, _, err := ParseResponseHead([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	f := resp.Header[0]
	if f.Value != "first second third" || in[f.Offset:f.Offset+f.Length] != "X-Long: first\r\n  second\r\n\tthird" {
		t.Errorf("folded field %+v", f)
	}
}

func TestMalformed(t *testing.T) {
	requests := []string{
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", // TLS ClientHello
		"SSH-2.0-OpenSSH_9.2p1\r\n",
		"GET\r\n\r\n",
		"GET /\r\n\r\n",
		"GET / HTTP/1.1 extra\r\n\r\n",
		"GET / HTTX/1.1\r\n\r\n",
		"GET /a\x01 HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		" GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
		"GET / HTTP/1.1\r\nBad name: x\r\n\r\n",
		"GET / HTTP/1.1\r\nName : x\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
		"GET / HTTP/1.1\r\n folded first\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
		"\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		"\x81\x85\x37\xfa\x21\x3d", // a WebSocket frame
		"{\"type\":\"login\"}",
	}
	for _, in := range requests {
		_, _, err := ParseRequestHead([]byte(in))
		var se *SyntaxError
		if !errors.Is(err, ErrMalformed) || !errors.As(err, &se) {
			t.Errorf("ParseRequestHead(%q) error = %v, want a SyntaxError", in, err)
		}
	}
	responses := []string{
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/11 200 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"\x16\x03\x03",
		"HTTP/1.1 200 OK\r\nX\r\n",
	}
	for _, in := range responses {
		if _, _, err := ParseResponseHead([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseResponseHead(%q) error = %v, want ErrMalformed", in, err)
		}
	}
}

func TestTolerated(t *testing.T) {
	tests := []struct {
		in   string
		code int
	}{
		{"HTTP/1.1 200\r\n\r\n", 200},
		{"HTTP/1.1 200 \r\n\r\n", 200},
		{"HTTP/1.0 404 Not Found\n\n", 404},
		{"HTTP/1.1 599 Whatever it\tis\r\n\r\n", 599},
		{"\r\nHTTP/1.1 204 No Content\r\n\r\n", 204},
		{"HTTP/1.1 200 OK\r\nX:\r\nY: \xff\xfe\r\n\r\n", 200},
	}
	for _, tt := range tests {
		resp, n, err := ParseResponseHead([]byte(tt.in))
		if err != nil || resp.StatusCode != tt.code || n != len(tt.in) {
			t.Errorf("ParseResponseHead(%q) = %+v, %d, %v", tt.in, resp, n, err)
		}
	}
}

func TestTooLarge(t *testing.T) {
	long := "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 200) + "\r\n\r\n"
	l := Limits{MaxHeadLength: 100}
	for _, in := range []string{long, long[:150], long[:100]} {
		if _, _, err := l.ParseRequestHead([]byte(in)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("ParseRequestHead(%d bytes) error = %v, want ErrTooLarge", len(in), err)
		}
	}
	if _, _, err := l.ParseRequestHead([]byte(long[:99])); !errors.Is(err, ErrIncomplete) {
		t.Errorf("99 bytes: %v, want ErrIncomplete", err)
	}
	if _, n, err := (Limits{MaxHeadLength: len(long)}).ParseRequestHead([]byte(long)); err != nil || n != len(long) {
		t.Errorf("at the limit: %d, %v", n, err)
	}
	huge := "GET / HTTP/1.1\r\n" + strings.Repeat("X-A: b\r\n", 10000)
	if _, _, err := ParseRequestHead([]byte(huge)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("default limit: %v, want ErrTooLarge", err)
	}
}

func TestBodyLength(t *testing.T) {
	tests := []struct {
		fields  string
		n       int64
		chunked bool
		ok      bool
	}{
		{"", 0, false, false},
		{"Content-Length: 42\r\n", 42, false, true},
		{"Content-Length: 42\r\nContent-Length: 42\r\n", 42, false, true},
		{"Content-Length: 42, 42\r\n", 42, false, true},
		{"Content-Length: 42\r\nContent-Length: 43\r\n", 0, false, false},
		{"Content-Length: -1\r\n", 0, false, false},
		{"Content-Length: 0x10\r\n", 0, false, false},
		{"Content-Length: 99999999999999999999\r\n", 0, false, false},
		{"Content-Length:\r\n", 0, false, false},
		{"Transfer-Encoding: chunked\r\n", 0, true, true},
		{"Transfer-Encoding: gzip, Chunked\r\nContent-Length: 3\r\n", 0, true, true},
		{"Transfer-Encoding: chunked, gzip\r\n", 0, false, false},
	}
	for _, tt := range tests {
		resp, _, err := ParseResponseHead([]byte("HTTP/1.1 200 OK\r\n" + tt.fields + "\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		n, chunked, ok := BodyLength(resp.Header)
		if n != tt.n || chunked != tt.chunked || ok != tt.ok {
			t.Errorf("BodyLength(%q) = %d %v %v, want %d %v %v", tt.fields, n, chunked, ok, tt.n, tt.chunked, tt.ok)
		}
	}
	for _, code := range []int{100, 101, 204, 304} {
		r := &Response{StatusCode: code, Header: Header{{Name: "Content-Length", Value: "5"}}}
		if n, _, ok := r.BodyLength(); n != 0 || !ok {
			t.Errorf("status %d: body %d %v", code, n, ok)
		}
	}
}

func TestChunkedBody(t *testing.T) {
	body := "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n"
	next := "NEXT"
	for _, size := range []int{1, 2, 5, len(body) + len(next)} {
		var c ChunkedBody
		in := body + next
		total, done := 0, false
		for off := 0; off < len(in) && !done; off += size {
			chunk := in[off:min(off+size, len(in))]
			n, d, err := c.Consume([]byte(chunk))
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
			total += n
			done = d
			if !d && n != len(chunk) {
				t.Fatalf("size %d: consumed %d of %d without ending", size, n, len(chunk))
			}
		}
		if !done || total != len(body) {
			t.Errorf("size %d: done %v after %d bytes, want %d", size, done, total, len(body))
		}
	}
	var c ChunkedBody
	if n, done, err := c.Consume([]byte("4 ; a\r\nWiki\r\n0\r\n\r\n")); err != nil || !done || n != 18 {
		t.Errorf("chunk extension with spaces: %d %v %v", n, done, err)
	}
	for _, bad := range []string{"x\r\n", "4\r\nWikiX", "10000000000000000\r\n", strings.Repeat("1", 5000)} {
		var c ChunkedBody
		if _, _, err := c.Consume([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Consume(%.20q) error = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestSniff(t *testing.T) {
	requests := map[string]bool{
		"GET / HTTP/1.1":     true,
		"GET ":               true,
		"OPTIONS * HTTP/1.1": true,
		"PRI * HTTP/2.0":     true,
		"PROPFIND /x":        true,
		"MKCOL *":            true,
		"GET":                false,
		"get / HTTP/1.1":     false,
		"HTTP/1.1 200 OK":    false,
		"\x16\x03\x01":       false,
		"\x81\x85\x37\xfa":   false,
		"HELLO world":        false,
		"":                   false,
	}
	for in, want := range requests {
		if got := LooksLikeRequest([]byte(in)); got != want {
			t.Errorf("LooksLikeRequest(%q) = %v", in, got)
		}
	}
	responses := map[string]bool{
		"HTTP/1.1 101 Switching Protocols": true,
		"HTTP/1.0 200":                     true,
		"HTTP/1.1 20":                      false,
		"HTTP/1.1 2000":                    true,
		"HTTP/2 200":                       false,
		"GET / HTTP/1.1":                   false,
		"":                                 false,
	}
	for in, want := range responses {
		if got := LooksLikeResponse([]byte(in)); got != want {
			t.Errorf("LooksLikeResponse(%q) = %v", in, got)
		}
	}
}
