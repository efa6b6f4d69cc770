package annotate

import (
	"bytes"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/internal/testenv"
)

// The upgrade of RFC 6455 §1.2 and §1.3, and its example frames (§5.7).
const (
	rfcRequest = "GET /chat HTTP/1.1\r\n" +
		"Host: server.example.com\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Origin: http://example.com\r\n" +
		"Sec-WebSocket-Protocol: chat, superchat\r\n" +
		"Sec-WebSocket-Version: 13\r\n\r\n"
	rfcResponse = "HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
		"Sec-WebSocket-Protocol: chat\r\n\r\n"
)

var (
	rfcMaskedHello   = []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	rfcUnmaskedHello = []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}
	rfcFragment1     = []byte{0x01, 0x03, 0x48, 0x65, 0x6c}
	rfcFragment2     = []byte{0x80, 0x02, 0x6c, 0x6f}
	rfcPing          = []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}
	rfcMaskedPong    = []byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// upgraded starts a conversation through the RFC's upgrade.
func upgraded(b *capBuilder) *conv {
	c := b.conv("10.0.0.1:50000", "10.0.0.2:8080")
	c.handshake()
	c.send(Client, []byte(rfcRequest))
	c.ack(Server)
	c.send(Server, []byte(rfcResponse))
	c.ack(Client)
	return c
}

// tcpKinds are the events that tshark's TCP analysis flags too.
var tcpKinds = map[string]string{
	"tcp.analysis.retransmission":          "tcp-retransmission",
	"tcp.analysis.fast_retransmission":     "tcp-retransmission",
	"tcp.analysis.spurious_retransmission": "tcp-retransmission",
	"tcp.analysis.out_of_order":            "tcp-out-of-order",
	"tcp.analysis.keep_alive":              "tcp-keepalive",
	"tcp.analysis.keep_alive_ack":          "tcp-keepalive",
	"tcp.analysis.window_update":           "tcp-window-update",
	"tcp.analysis.zero_window":             "tcp-zero-window",
	"tcp.analysis.duplicate_ack":           "tcp-dup-ack",
	"tcp.analysis.lost_segment":            "tcp-previous-segment-missing",
	"tcp.analysis.ack_lost_segment":        "tcp-ack-unseen",
}

// analysisEvents returns, per packet number, the set of our events that
// correspond to tshark's TCP analysis flags.
func analysisEvents(res *Result) map[int][]string {
	want := map[string]bool{}
	for _, k := range tcpKinds {
		want[k] = true
	}
	out := map[int][]string{}
	for _, p := range res.Packets {
		seen := map[string]bool{}
		for _, e := range p.Events {
			if want[string(e.Kind)] && !seen[string(e.Kind)] && !(e.Kind == EventTCPRetransmission && e.Bool("syn")) {
				seen[string(e.Kind)] = true
				out[p.Number] = append(out[p.Number], string(e.Kind))
			}
		}
		sort.Strings(out[p.Number])
	}
	return out
}

// tsharkAnalysis runs tshark's TCP analysis on a capture.
func tsharkAnalysis(t *testing.T, tshark, file string) map[int][]string {
	t.Helper()
	fields := make([]string, 0, len(tcpKinds))
	for f := range tcpKinds {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	args := []string{"-r", file, "-o", "tcp.analyze_sequence_numbers:TRUE", "-T", "fields", "-e", "frame.number"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	res := map[int][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		col := strings.Split(line, "\t")
		n, err := strconv.Atoi(col[0])
		if err != nil {
			continue
		}
		seen := map[string]bool{}
		for i, f := range fields {
			if i+1 < len(col) && col[i+1] != "" && !seen[tcpKinds[f]] {
				seen[tcpKinds[f]] = true
				res[n] = append(res[n], tcpKinds[f])
			}
		}
		sort.Strings(res[n])
	}
	return res
}

// compareAnalysis checks our TCP analysis against tshark's for the packets
// built.
func compareAnalysis(t *testing.T, b *capBuilder, res *Result, known map[int]string) {
	t.Helper()
	compareAnalysisFile(t, b.writePcap(t), res, known)
}

// compareAnalysisFile checks our TCP analysis of a capture file against
// tshark's.
func compareAnalysisFile(t *testing.T, file string, res *Result, known map[int]string) {
	t.Helper()
	tshark := testenv.NeedTool(t, "tshark")
	theirs := tsharkAnalysis(t, tshark, file)
	ours := analysisEvents(res)
	same, flagged := 0, 0
	for n := 1; n <= len(res.Packets); n++ {
		if why, ok := known[n]; ok {
			t.Logf("packet %d: ours %v, tshark's %v: %s", n, ours[n], theirs[n], why)
			continue
		}
		if fmt.Sprint(ours[n]) != fmt.Sprint(theirs[n]) {
			t.Errorf("packet %d: our TCP analysis %v, tshark's %v", n, ours[n], theirs[n])
			continue
		}
		same++
		if len(ours[n]) > 0 {
			flagged++
		}
	}
	t.Logf("TCP analysis identical to tshark's for %d of %d packets (%d of them flagged)", same, len(res.Packets), flagged)
}

// hasEvent reports whether packet n has an event of the kind whose
// parameters include want.
// paramMap lists event parameters to look for.
type paramMap map[string]any

func hasEvent(res *Result, n int, kind EventKind, want paramMap) bool {
	if n < 1 || n > len(res.Packets) {
		return false
	}
	for _, e := range res.Packets[n-1].Events {
		if e.Kind != kind {
			continue
		}
		ok := true
		for k, v := range want {
			if fmt.Sprint(e.Params.Get(k)) != fmt.Sprint(v) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func eventsOf(res *Result, n int) string {
	var b strings.Builder
	for _, e := range res.Packets[n-1].Events {
		fmt.Fprintf(&b, "%s%v ", e.Kind, e.Params)
	}
	return b.String()
}

func messageTexts(res *Result) []string {
	var out []string
	for _, m := range res.Messages {
		out = append(out, fmt.Sprintf("%s:%s:%s", m.From, m.OpcodeName(), m.Data))
	}
	return out
}

func TestTCPScenarios(t *testing.T) {
	type check struct {
		packet int
		kind   string
		params paramMap
	}
	for _, tc := range []struct {
		name     string
		build    func(b *capBuilder)
		checks   []check
		messages []string
		phases   map[int]Phase
		// tsharkDiffers lists the packets where tshark's analysis is known
		// to differ, and why.
		tsharkDiffers map[int]string
	}{
		{
			name: "upgrade request in three segments, out of order",
			build: func(b *capBuilder) {
				b.step = 5 * time.Millisecond
				c := b.conv("10.0.0.1:50000", "10.0.0.2:8080")
				c.handshake()
				b.step = 100 * time.Microsecond
				req := []byte(rfcRequest)
				c.sendAt(Client, 0, req[:60])
				c.sendAt(Client, 120, req[120:])
				c.sendAt(Client, 60, req[60:120])
				c.skip(Client, len(req))
				c.ack(Server)
				c.send(Server, []byte(rfcResponse))
				c.ack(Client)
				c.send(Client, rfcMaskedHello)
				c.send(Server, rfcUnmaskedHello)
			},
			checks: []check{
				{5, "tcp-previous-segment-missing", paramMap{"missing_bytes": 60}},
				{6, "tcp-out-of-order", paramMap{"bytes": 60}},
				{6, "ws-upgrade-request", paramMap{"key": "dGhlIHNhbXBsZSBub25jZQ==", "path": "/chat", "packets": []int{4, 6, 5}}},
				{4, "ws-upgrade-request", paramMap{"part": true, "completed_by": 6}},
				{7, "ack", paramMap{"acked_bytes": len(rfcRequest), "acked_packets": []int{4, 6, 5}}},
				{8, "ws-upgrade-response", paramMap{"accept_valid": true, "protocol": "chat", "expected_accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}},
			},
			messages: []string{"client:text:Hello", "server:text:Hello"},
			phases:   map[int]Phase{4: PhaseUpgradeRequest, 5: PhaseUpgradeRequest, 6: PhaseOutOfOrder, 7: PhaseAck},
		},
		{
			name: "retransmissions, whole and overlapping",
			build: func(b *capBuilder) {
				c := upgraded(b)
				c.send(Client, rfcMaskedHello)                    // 8
				c.sendAt(Client, len(rfcRequest), rfcMaskedHello) // 9: again
				two := cat(rfcMaskedHello, rfcMaskedPong)
				b.step = 10 * time.Millisecond            // later than a round trip: not "out of order" for Wireshark
				c.send(Client, two[:6])                   // 10
				c.sendAt(Client, len(rfcRequest)+11, two) // 11: overlaps 6 bytes
				c.skip(Client, len(two)-6)
				c.ack(Server) // 12
			},
			checks: []check{
				{9, "tcp-retransmission", paramMap{"bytes": 11, "original": 8}},
				{11, "tcp-retransmission", paramMap{"overlap": 6, "original": 10}},
				{11, "ws-data", paramMap{"opcode_name": "text", "packets": []int{10, 11}}},
				{11, "ws-control", paramMap{"opcode_name": "pong"}},
			},
			messages: []string{"client:text:Hello", "client:text:Hello", "client:pong:Hello"},
			phases:   map[int]Phase{8: PhaseWSData, 9: PhaseRetransmission, 10: PhaseWSData, 12: PhaseAck},
			tsharkDiffers: map[int]string{12: "tshark's 'max seq to be acked' does not advance over the new bytes of an " +
				"overlapping retransmission, so it flags the ACK of bytes it saw (packet 11) as an ACK of unseen bytes"},
		},
		{
			name: "keep-alives, window updates, zero window",
			build: func(b *capBuilder) {
				c := upgraded(b)
				c.send(Server, rfcPing) // 8
				c.ack(Client)           // 9
				// keep-alive probe: one byte below the next sequence number
				b.tcp(c.ends[Client], c.ends[Server], c.next[Client]-1, c.next[Server], 0x10, c.win[Client], nil, nil) // 10
				c.ack(Server)                                                                                          // 11: keep-alive ACK
				c.win[Client] = 0
				c.ack(Client) // 12: zero window
				c.win[Client] = 1024
				c.ack(Client)                                                                                                // 13: window update
				b.tcp(c.ends[Server], c.ends[Client], c.next[Server]-1, c.next[Client], 0x10, c.win[Server], nil, []byte{0}) // 14: 1-byte probe
				c.ack(Client)                                                                                                // 15
			},
			checks: []check{
				{10, "tcp-keepalive", paramMap{"bytes": 0}},
				{11, "tcp-keepalive", paramMap{"reply": true, "probe": 10}},
				{12, "tcp-zero-window", nil},
				{13, "tcp-window-update", paramMap{"window": 1024 << 7}},
				{14, "tcp-keepalive", paramMap{"bytes": 1}},
			},
			messages: []string{"server:ping:Hello"},
			phases:   map[int]Phase{10: PhaseKeepAlive, 11: PhaseKeepAlive, 13: PhaseWindowUpdate, 14: PhaseKeepAlive},
		},
		{
			name: "duplicate ACKs and a fast retransmission",
			build: func(b *capBuilder) {
				c := upgraded(b)
				base := int(c.next[Server] - c.isn[Server] - 1)
				c.sendAt(Server, base, rfcUnmaskedHello)    // 8
				c.sendAt(Server, base+14, rfcPing)          // 9: 7 bytes missing before
				c.ackAt(Client, base+7)                     // 10
				c.sendAt(Server, base+21, rfcUnmaskedHello) // 11
				c.ackAt(Client, base+7)                     // 12: dup
				c.ackAt(Client, base+7)                     // 13: dup
				c.sendAt(Server, base+7, rfcUnmaskedHello)  // 14: fast retransmission
				c.skip(Server, 28)
				c.ack(Client) // 15
			},
			checks: []check{
				{9, "tcp-previous-segment-missing", paramMap{"missing_bytes": 7}},
				{12, "tcp-dup-ack", paramMap{"count": 1, "original": 10}},
				{13, "tcp-dup-ack", paramMap{"count": 2, "original": 10}},
				{14, "tcp-retransmission", paramMap{"fast": true}},
				{15, "ack", paramMap{"acked_bytes": 21, "acked_packets": []int{14, 9, 11}}},
			},
			messages: []string{"server:text:Hello", "server:text:Hello", "server:ping:Hello", "server:text:Hello"},
		},
		{
			name: "bytes never captured, acknowledged",
			build: func(b *capBuilder) {
				c := upgraded(b)
				c.send(Client, rfcMaskedHello) // 8
				c.skip(Client, len(rfcMaskedPong))
				c.send(Client, cat(rfcMaskedHello, rfcMaskedHello)) // 9: previous segment missing
				c.ack(Server)                                       // 10: acks the unseen bytes
			},
			checks: []check{
				{9, "tcp-previous-segment-missing", paramMap{"missing_bytes": 11}},
				{10, "tcp-gap", paramMap{"bytes": 11, "reason": "ack"}},
			},
			messages: []string{"client:text:Hello", "client:text:Hello", "client:text:Hello"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newCapBuilder()
			tc.build(b)
			res := b.annotate(t, Options{})
			for _, ch := range tc.checks {
				if !hasEvent(res, ch.packet, EventKind(ch.kind), ch.params) {
					t.Errorf("packet %d: no %s %v; events: %s", ch.packet, ch.kind, ch.params, eventsOf(res, ch.packet))
				}
			}
			for n, ph := range tc.phases {
				if got := res.Packets[n-1].Phase; got != ph {
					t.Errorf("packet %d: phase %s, want %s", n, got, ph)
				}
			}
			if got := messageTexts(res); tc.messages != nil && fmt.Sprint(got) != fmt.Sprint(tc.messages) {
				t.Errorf("messages %q, want %q", got, tc.messages)
			}
			compareAnalysis(t, b, res, tc.tsharkDiffers)
		})
	}
}

// A second connection on the same addresses and ports after the first
// closed, and a capture that starts with pure ACKs only.
func TestPortReuse(t *testing.T) {
	b := newCapBuilder()
	c := upgraded(b)
	c.send(Client, rfcMaskedHello)
	c.fin(Client)
	c.fin(Server)
	c.ack(Client)
	d := b.conv("10.0.0.1:50000", "10.0.0.2:8080")
	d.isn = [3]uint32{0, 77777, 88888}
	d.next = d.isn
	d.handshake()
	d.send(Client, []byte(rfcRequest))
	d.send(Server, []byte(rfcResponse))
	d.send(Client, rfcMaskedPong)
	res := b.annotate(t, Options{})
	if len(res.Connections) != 2 {
		t.Fatalf("%d connections, want 2", len(res.Connections))
	}
	first, second := res.Connections[0], res.Connections[1]
	if first.Teardown != "three-way" || second.FirstPacket != 12 || second.ClientISN != 77777 || !second.WebSocket {
		t.Errorf("connections %+v %+v", first, second)
	}
	if got := messageTexts(res); fmt.Sprint(got) != "[client:text:Hello client:pong:Hello]" {
		t.Errorf("messages %q", got)
	}
	if res.Messages[1].Conn != second {
		t.Error("the pong is not on the second connection")
	}
	tcpdump := testenv.NeedTool(t, "tcpdump")
	out, err := exec.Command(tcpdump, "-n", "-r", b.writePcap(t)).Output()
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		p := res.Packets[i]
		if strings.Contains(line, "ack ") && !strings.Contains(line, fmt.Sprintf("ack %d,", p.Ack)) {
			t.Errorf("packet %d: ack %d; tcpdump: %s", p.Number, p.Ack, line)
		}
	}
}
