package annotate

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// wsFrame encodes a frame by hand (RFC 6455 §5.2), masked when key is not
// nil.
func wsFrame(fin bool, rsv, op byte, key []byte, payload []byte) []byte {
	b0 := rsv<<4 | op
	if fin {
		b0 |= 0x80
	}
	var b1 byte
	if key != nil {
		b1 = 0x80
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		out = append(out, b1|byte(n))
	case n < 1<<16:
		out = append(out, b1|126, byte(n>>8), byte(n))
	default:
		out = append(out, b1|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	if key == nil {
		return append(out, payload...)
	}
	out = append(out, key...)
	for i, c := range payload {
		out = append(out, c^key[i%4])
	}
	return out
}

var key1 = []byte{1, 2, 3, 4}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// upgradeWith runs the RFC upgrade with extra response headers (and
// request extensions).
func upgradeWith(b *capBuilder, reqExt, respExt string) *conv {
	c := b.conv("10.0.0.1:50000", "10.0.0.2:8080")
	c.handshake()
	req := rfcRequest
	if reqExt != "" {
		req = strings.Replace(req, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: "+reqExt+"\r\n\r\n", 1)
	}
	c.send(Client, []byte(req))
	c.ack(Server)
	resp := rfcResponse
	if respExt != "" {
		resp = strings.Replace(resp, "\r\n\r\n", "\r\nSec-WebSocket-Extensions: "+respExt+"\r\n\r\n", 1)
	}
	c.send(Server, []byte(resp))
	c.ack(Client)
	return c
}

func faultsOf(res *Result) []string {
	var out []string
	for _, p := range res.Packets {
		for _, e := range p.Events {
			if e.Kind == "ws-fault" {
				out = append(out, fmt.Sprintf("%d:%s", p.Number, e.String("fault")))
			}
		}
	}
	return out
}

func TestProtocolFaults(t *testing.T) {
	b := newCapBuilder()
	c := upgraded(b)
	c.send(Client, rfcUnmaskedHello)                                         // 8 unmasked client frame
	c.send(Server, rfcMaskedHello)                                           // 9 masked server frame
	c.send(Server, wsFrame(true, 0, 9, nil, bytes.Repeat([]byte("p"), 126))) // 10 control frame too long
	c.send(Server, []byte{0x09, 0x00})                                       // 11 fragmented control frame
	c.send(Server, []byte{0xc1, 0x05, 'H', 'e', 'l', 'l', 'o'})              // 12 RSV1 without extension
	c.send(Server, []byte{0x83, 0x00})                                       // 13 reserved opcode
	c.send(Server, []byte{0x81, 0x02, 0xff, 0xfe})                           // 14 invalid UTF-8
	c.send(Server, []byte{0x88, 0x02, 0x03, 0xed})                           // 15 close code 1005 may not be sent
	c.send(Server, rfcUnmaskedHello)                                         // 16 data after close
	c.send(Client, wsFrame(true, 0, 1, key1, []byte("still decoded")))       // 17 a good frame
	res := b.annotate(t, Options{})
	want := []string{
		"8:unmasked-client-frame",
		"9:masked-server-frame",
		"10:control-frame-too-long",
		"11:fragmented-control-frame",
		"12:rsv-without-extension",
		"13:reserved-opcode",
		"14:invalid-utf8",
		"15:invalid-close-code",
		"16:data-after-close",
	}
	if got := faultsOf(res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("faults:\n got %v\nwant %v", got, want)
	}
	last := res.Messages[len(res.Messages)-1]
	if string(last.Data) != "still decoded" || last.From != Client {
		t.Errorf("last message %s %q", last.From, last.Data)
	}
	if m := res.Packets[14-1].Messages[0]; m.Text || m.ValidUTF8 {
		t.Errorf("invalid UTF-8 message: text %v valid %v", m.Text, m.ValidUTF8)
	}
	if e, ok := res.Packets[15-1].Event("ws-control"); !ok || e.Int("close_code") != 1005 || e.String("close_code_name") != "no status received" {
		t.Errorf("close event %v", e.Params)
	}
}

func TestPermessageDeflate(t *testing.T) {
	// RFC 7692 §7.2.3 examples, and payloads compressed by zlib 1.2.13.
	helloRFC := mustHex("c107f248cdc9c90700")
	helloAgain := mustHex("c105f200110000")
	fox := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog. "), 40)
	fox9 := mustHex("0ac94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb29848c2a1e553caa7854f1a8e251c5c34b3100")
	x100k := mustHex("ecc13101000000c2a0da8b6f0d0fa0" + strings.Repeat("00", 96) + "805703")

	for _, tc := range []struct {
		name     string
		reqExt   string
		respExt  string
		frames   [][]byte // from the server
		opts     Options
		want     []string
		deflate  DeflateParams
		capHit   bool
		checkEvt paramMap
	}{
		{
			name:    "context takeover",
			reqExt:  "permessage-deflate; client_max_window_bits",
			respExt: "permessage-deflate",
			frames:  [][]byte{helloRFC, helloAgain},
			want:    []string{"Hello", "Hello"},
			deflate: DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15},
		},
		{
			name:    "no context takeover",
			reqExt:  "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			respExt: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			frames:  [][]byte{helloRFC, helloRFC},
			want:    []string{"Hello", "Hello"},
			deflate: DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15},
		},
		{
			name:     "fragmented compressed message",
			reqExt:   "permessage-deflate",
			respExt:  "permessage-deflate",
			frames:   [][]byte{mustHex("4103f248cd"), mustHex("8004c9c90700")},
			want:     []string{"Hello"},
			deflate:  DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15},
			checkEvt: paramMap{"fragments": 2, "compressed": true},
		},
		{
			name:    "window bits",
			reqExt:  "permessage-deflate; server_max_window_bits=9; client_max_window_bits",
			respExt: "permessage-deflate; server_max_window_bits=9; client_max_window_bits=12",
			frames:  [][]byte{wsFrame(true, 4, 1, nil, fox9)},
			want:    []string{string(fox)},
			deflate: DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 12},
		},
		{
			name:    "size cap",
			reqExt:  "permessage-deflate",
			respExt: "permessage-deflate",
			frames:  [][]byte{wsFrame(true, 4, 1, nil, x100k)},
			opts:    Options{MaxMessageSize: 50000},
			want:    []string{strings.Repeat("x", 50000)},
			deflate: DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15},
			capHit:  true,
		},
		{
			name:    "within the default cap",
			reqExt:  "permessage-deflate",
			respExt: "permessage-deflate",
			frames:  [][]byte{wsFrame(true, 4, 1, nil, x100k)},
			want:    []string{strings.Repeat("x", 100000)},
			deflate: DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newCapBuilder()
			c := upgradeWith(b, tc.reqExt, tc.respExt)
			for _, f := range tc.frames {
				c.send(Server, f)
			}
			res := b.annotate(t, tc.opts)
			conn := res.Connections[0]
			if conn.Deflate == nil {
				t.Fatal("deflate not negotiated")
			}
			got := *conn.Deflate
			got.Raw = ""
			if got != tc.deflate {
				t.Errorf("deflate %+v, want %+v", got, tc.deflate)
			}
			if e, ok := res.Packets[5].Event("ws-upgrade-response"); !ok || e.Bool("deflate") != true ||
				e.Int("server_max_window_bits") != int64(tc.deflate.ServerMaxWindowBits) {
				t.Errorf("upgrade response event %v", e.Params)
			}
			if len(res.Messages) != len(tc.want) {
				t.Fatalf("%d messages, want %d", len(res.Messages), len(tc.want))
			}
			for i, m := range res.Messages {
				if string(m.Data) != tc.want[i] || !m.Compressed || len(m.Faults) > 0 {
					t.Errorf("message %d: %d bytes %.40q compressed %v faults %v", i, len(m.Data), m.Data, m.Compressed, m.Faults)
				}
				if m.CapHit != tc.capHit {
					t.Errorf("message %d: cap hit %v", i, m.CapHit)
				}
			}
			last := res.Packets[len(res.Packets)-1]
			if _, ok := last.Event("ws-size-cap"); ok != tc.capHit {
				t.Errorf("ws-size-cap event: %v, want %v", ok, tc.capHit)
			}
			if tc.checkEvt != nil && !hasEvent(res, last.Number, "ws-message", tc.checkEvt) {
				t.Errorf("no ws-message %v: %s", tc.checkEvt, eventsOf(res, last.Number))
			}
		})
	}
}

func TestFailedUpgradesAndPlainHTTP(t *testing.T) {
	for _, tc := range []struct {
		status   string
		response string
	}{
		{"400", "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nBad Request"},
		{"403", "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden"},
		{"426", "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n"},
	} {
		t.Run(tc.status, func(t *testing.T) {
			b := newCapBuilder()
			c := b.conv("10.0.0.1:50000", "10.0.0.2:8080")
			c.handshake()
			req := []byte(rfcRequest)
			c.send(Client, req[:100]) // 4
			c.send(Client, req[100:]) // 5
			resp := []byte(tc.response)
			c.send(Server, resp[:20])                                                              // 6
			c.send(Server, resp[20:])                                                              // 7
			c.send(Client, []byte("GET /index.html HTTP/1.1\r\nHost: server.example.com\r\n\r\n")) // 8
			c.send(Server, []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))            // 9
			c.fin(Client)                                                                          // 10
			c.fin(Server)                                                                          // 11
			c.ack(Client)                                                                          // 12
			res := b.annotate(t, Options{})
			phases := []Phase{}
			for _, p := range res.Packets[3:] {
				phases = append(phases, p.Phase)
			}
			want := []Phase{PhaseUpgradeRequest, PhaseUpgradeRequest, PhaseHTTPResponse, PhaseHTTPResponse,
				PhaseHTTPRequest, PhaseHTTPResponse, PhaseTeardown, PhaseTeardown, PhaseTeardown}
			if fmt.Sprint(phases) != fmt.Sprint(want) {
				t.Errorf("phases %v\nwant   %v", phases, want)
			}
			if !hasEvent(res, 7, "http-response", paramMap{"status": tc.status, "upgrade_rejected": true, "request_packet": 5, "packets": []int{6, 7}}) {
				t.Errorf("packet 7: %s", eventsOf(res, 7))
			}
			if !hasEvent(res, 8, "http-request", paramMap{"method": "GET", "path": "/index.html"}) {
				t.Errorf("packet 8: %s", eventsOf(res, 8))
			}
			if !hasEvent(res, 9, "http-response", paramMap{"status": 200}) {
				t.Errorf("packet 9: %s", eventsOf(res, 9))
			}
			conn := res.Connections[0]
			if conn.WebSocket || conn.Upgrade == nil || conn.Upgrade.Succeeded || len(res.Frames) != 0 || conn.Teardown != "three-way" {
				t.Errorf("connection: ws %v upgrade %+v frames %d teardown %q", conn.WebSocket, conn.Upgrade, len(res.Frames), conn.Teardown)
			}
			// The body is a field of its own.
			var kinds []string
			for _, f := range res.Packets[6].Fields {
				kinds = append(kinds, string(f.Kind))
			}
			if !strings.Contains(fmt.Sprint(kinds), "http-body") {
				t.Errorf("packet 7 fields %v", kinds)
			}
		})
	}
}

func TestTeardowns(t *testing.T) {
	for _, tc := range []struct {
		name    string
		close   func(c *conv)
		pattern string
		steps   []string // per packet after the upgrade: the teardown event's shape
	}{
		{"four-way", func(c *conv) { c.fin(Client); c.ack(Server); c.fin(Server); c.ack(Client) }, "four-way",
			[]string{"fin", "ack", "fin", "ack"}},
		{"three-way", func(c *conv) { c.fin(Server); c.fin(Client); c.ack(Server) }, "three-way",
			[]string{"fin", "fin", "ack"}},
		{"simultaneous", func(c *conv) {
			cn, sn := c.next[Client], c.next[Server]
			c.finAcking(Client, sn)
			c.finAcking(Server, cn)
			c.ack(Client)
			c.ack(Server)
		}, "simultaneous", []string{"fin", "fin", "ack", "ack"}},
		{"reset", func(c *conv) { c.rst(Client) }, "reset", nil},
		{"half-closed", func(c *conv) { c.fin(Client); c.ack(Server) }, "half-closed", []string{"fin", "ack"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newCapBuilder()
			c := upgraded(b)
			tc.close(c)
			res := b.annotate(t, Options{})
			conn := res.Connections[0]
			if conn.Teardown != tc.pattern {
				t.Errorf("teardown %q, want %q", conn.Teardown, tc.pattern)
			}
			for i, shape := range tc.steps {
				p := res.Packets[7+i]
				e, ok := p.Event("tcp-teardown")
				if !ok || p.Phase != PhaseTeardown {
					t.Errorf("packet %d: phase %s, events %s", p.Number, p.Phase, eventsOf(res, p.Number))
					continue
				}
				if e.Bool("fin") != (shape == "fin") || e.Int("step") != int64(i+1) {
					t.Errorf("packet %d: %v, want %s step %d", p.Number, e.Params, shape, i+1)
				}
				if tc.pattern != "half-closed" && e.String("pattern") != tc.pattern {
					t.Errorf("packet %d: pattern %q", p.Number, e.String("pattern"))
				}
			}
			if tc.pattern == "reset" && res.Packets[7].Phase != PhaseReset {
				t.Errorf("reset phase %s", res.Packets[7].Phase)
			}
		})
	}
}
