package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
)

// session builds a capture of one TCP connection for tests, packet by
// packet, as raw IPv4 with correct checksums, and writes it with the
// capture package's pcapng writer. Only the headers are made up here; what
// a test puts in the payloads is what it is about.
type session struct {
	ifc     *capture.Interface
	pkts    []*capture.Packet
	now     time.Time
	ends    [2]netip.AddrPort // client, server
	next    [2]uint32
	snapLen int
}

func newSession(client, server string) *session {
	return &session{
		ifc:  &capture.Interface{LinkType: capture.LinkTypeRaw, Name: "lo"},
		now:  time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		ends: [2]netip.AddrPort{netip.MustParseAddrPort(client), netip.MustParseAddrPort(server)},
		next: [2]uint32{1000, 90000},
	}
}

func sum16(b []byte, sum uint32) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	return sum
}

func fold(sum uint32) uint16 {
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// TCP flag bits.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

// segment sends one TCP segment from end from (0 client, 1 server).
func (s *session) segment(from int, flags byte, payload []byte) {
	src, dst := s.ends[from], s.ends[1-from]
	var ack uint32
	if flags&tcpACK != 0 {
		ack = s.next[1-from]
	}
	tcp := make([]byte, 20+len(payload))
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], s.next[from])
	binary.BigEndian.PutUint32(tcp[8:], ack)
	tcp[12] = 5 << 4
	tcp[13] = flags
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	copy(tcp[20:], payload)
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	pseudo := append(append(append([]byte{}, s4[:]...), d4[:]...), 0, 6, byte(len(tcp)>>8), byte(len(tcp)))
	binary.BigEndian.PutUint16(tcp[16:], fold(sum16(tcp, sum16(pseudo, 0))))
	ip := make([]byte, 20, 20+len(tcp))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(tcp)))
	binary.BigEndian.PutUint16(ip[4:], uint16(len(s.pkts)+1))
	ip[6], ip[8], ip[9] = 0x40, 64, 6
	copy(ip[12:], s4[:])
	copy(ip[16:], d4[:])
	binary.BigEndian.PutUint16(ip[10:], fold(sum16(ip, 0)))
	data := append(ip, tcp...)
	length := len(data)
	if s.snapLen > 0 && len(data) > s.snapLen {
		data = data[:s.snapLen]
	}
	s.pkts = append(s.pkts, &capture.Packet{Number: len(s.pkts) + 1, Timestamp: s.now, Interface: s.ifc, Data: data, Length: length})
	s.now = s.now.Add(time.Millisecond)
	s.next[from] += uint32(len(payload))
	if flags&(tcpSYN|tcpFIN) != 0 {
		s.next[from]++
	}
}

// handshake opens the connection.
func (s *session) handshake() {
	s.segment(0, tcpSYN, nil)
	s.segment(1, tcpSYN|tcpACK, nil)
	s.segment(0, tcpACK, nil)
}

// send sends data from one end, and the other end's ACK.
func (s *session) send(from int, data []byte) {
	s.segment(from, tcpPSH|tcpACK, data)
	s.segment(1-from, tcpACK, nil)
}

// teardown closes the connection with FINs from both ends.
func (s *session) teardown() {
	s.segment(0, tcpFIN|tcpACK, nil)
	s.segment(1, tcpFIN|tcpACK, nil)
	s.segment(0, tcpACK, nil)
}

// write writes the capture to dir/name as pcapng and returns its path.
func (s *session) write(t *testing.T, dir, name string) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := capture.NewNgWriter(&buf, capture.NgWriterOptions{Application: "wstrace test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.pkts {
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wsFrame returns an RFC 6455 frame: masked (as a client sends) when mask
// is not nil.
func wsFrame(opcode byte, payload []byte, mask []byte) []byte {
	b := []byte{0x80 | opcode}
	m := byte(0)
	if mask != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, m|byte(n))
	case n < 1<<16:
		b = append(b, m|126, byte(n>>8), byte(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if mask == nil {
		return append(b, payload...)
	}
	b = append(b, mask...)
	for i, c := range payload {
		b = append(b, c^mask[i%4])
	}
	return b
}

// hostile is what a hostile peer puts on the wire: terminal escapes (OSC
// set-title, OSC 52 clipboard write, clear screen, CSI as a C1 character),
// a bell, a backspace, a NUL and a bidi override.
const hostile = "\x1b]0;pwned\x07\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\x1b[H\u009b31m\x08\x00\u202e"

// hostileCapture writes a WebSocket session whose every string from the
// wire carries terminal escapes: the request path, a header name and
// values, the subprotocol, a text message, a ping and the close reasons.
func hostileCapture(t *testing.T, dir string) string {
	t.Helper()
	s := newSession("10.0.0.1:50000", "10.0.0.2:8080")
	s.handshake()
	h := strings.NewReplacer("\r", "", "\n", "").Replace(hostile) // a header line cannot hold CR or LF
	s.send(0, []byte("GET /chat"+strings.ReplaceAll(h, " ", "")+" HTTP/1.1\r\n"+
		"Host: example.com\r\n"+
		"Upgrade: websocket\r\n"+
		"Connection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"+
		"Sec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Protocol: chat"+h+"\r\n"+
		"User-Agent: evil"+h+"\r\n"+
		"X-Evil"+h+": value\r\n\r\n"))
	s.send(1, []byte("HTTP/1.1 101 Switching Protocols"+h+"\r\n"+
		"Upgrade: websocket\r\n"+
		"Connection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"+
		"Sec-WebSocket-Protocol: chat"+h+"\r\n"+
		"Server: evil"+h+"\r\n\r\n"))
	mask := []byte{1, 2, 3, 4}
	s.send(0, wsFrame(0x1, []byte("text"+hostile), mask))
	s.send(1, wsFrame(0x9, []byte("ping"+hostile), nil))
	s.send(0, wsFrame(0x8, append([]byte{0x03, 0xe8}, "bye"+hostile...), mask))
	s.send(1, wsFrame(0x8, append([]byte{0x03, 0xe8}, "ok"+hostile...), nil))
	s.teardown()
	return s.write(t, dir, "hostile.pcapng")
}

// controlBytes returns a description of the C0 and C1 control characters
// (other than tab and newline) in out, or "" when there are none. allowed
// lists escape sequences the writer itself may emit (colours).
func controlBytes(out string, allowed ...string) string {
	for _, a := range allowed {
		out = strings.ReplaceAll(out, a, "")
	}
	var found []string
	for i, r := range out {
		if r == '\t' || r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			lo, hi := max(0, i-40), min(len(out), i+40)
			found = append(found, strings.ToValidUTF8(out[lo:hi], "?"))
			if len(found) == 3 {
				break
			}
		}
	}
	return strings.Join(found, "\n---\n")
}

// TestNoControlBytesReachOutput renders a capture whose every wire string
// carries terminal escapes in every format and style, and checks that no
// control character but tab and newline reaches the output, while the
// escaped content is still there to read.
func TestNoControlBytesReachOutput(t *testing.T) {
	dir := t.TempDir()
	in := hostileCapture(t, dir)
	// The text format's own colours are the only escape sequences allowed.
	colors := []string{"\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[32m", "\x1b[33m", "\x1b[35m", "\x1b[36m"}
	for _, format := range []string{"md", "html", "json", "text", "text-color"} {
		for _, style := range []string{"guide", "classic"} {
			if format == "json" && style == "classic" {
				continue
			}
			t.Run(format+"-"+style, func(t *testing.T) {
				args := []string{"render", "--lang", "en", "--max-bytes", "-1", "--style", style, in}
				var allowed []string
				if format == "text-color" {
					args = append(args, "--format", "text", "--color", "always")
					allowed = colors
				} else {
					args = append(args, "--format", format)
				}
				out, stderr, code := runCLI(t, nil, args...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if bad := controlBytes(out, allowed...); bad != "" {
					t.Errorf("control characters reach the %s output:\n%s", format, bad)
				}
				if format == "text-color" && !strings.Contains(out, "\x1b[1m") {
					t.Error("--color always wrote no colour")
				}
				if !strings.Contains(out, "pwned") || !strings.Contains(out, "bye") {
					t.Errorf("the %s output lost the escaped content", format)
				}
				if format == "json" {
					// JSON escapes, and keeps the values exact.
					var doc struct {
						Messages []struct {
							CloseReason *string `json:"close_reason"`
							Text        *string `json:"text"`
						} `json:"messages"`
					}
					if err := json.Unmarshal([]byte(out), &doc); err != nil {
						t.Fatal(err)
					}
					var reasons []string
					for _, m := range doc.Messages {
						if m.CloseReason != nil {
							reasons = append(reasons, *m.CloseReason)
						}
					}
					if want := []string{"bye" + hostile, "ok" + hostile}; !slices.Equal(reasons, want) {
						t.Errorf("close reasons %q, want %q", reasons, want)
					}
				}
			})
		}
	}
}

// TestNoControlBytesInComments renders the hostile capture as pcapng:
// each packet's explanation, a pcapng comment that Wireshark shows, holds
// no control character but tab and newline either.
func TestNoControlBytesInComments(t *testing.T) {
	in := hostileCapture(t, t.TempDir())
	out, stderr, code := runCLI(t, nil, "render", "--lang", "en", "--format", "pcapng", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r, err := capture.NewReader(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	comments, pwned := 0, false
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		for _, c := range p.Comments {
			comments++
			pwned = pwned || strings.Contains(c, "pwned")
			if bad := controlBytes(c); bad != "" {
				t.Errorf("packet %d: control characters in the comment:\n%s", p.Number, bad)
			}
		}
	}
	if comments == 0 || !pwned {
		t.Fatalf("%d comments in the pcapng output, none with the (escaped) hostile strings", comments)
	}
}

// TestNoColor checks that --color never, and NO_COLOR with --color auto,
// keep colours out of a text page, and --color always puts them in.
// (TestColorOnTerminal tries auto on a real terminal.)
func TestNoColor(t *testing.T) {
	in := hostileCapture(t, t.TempDir())
	t.Setenv("NO_COLOR", "1")
	for _, c := range []struct {
		when  string
		color bool
	}{{"auto", false}, {"never", false}, {"always", true}} {
		out, stderr, code := runCLI(t, nil, "render", "--format", "text", "--color", c.when, in)
		if code != 0 {
			t.Fatalf("--color %s: exit %d: %s", c.when, code, stderr)
		}
		if got := strings.Contains(out, "\x1b[1m"); got != c.color {
			t.Errorf("--color %s: colours %v, want %v", c.when, got, c.color)
		}
	}
	_, stderr, code := runCLI(t, nil, "render", "--format", "text", "--color", "sometimes", in)
	if code != exitUsage || !strings.Contains(stderr, "auto, always or never") {
		t.Errorf("--color sometimes: exit %d, %q", code, stderr)
	}
}
