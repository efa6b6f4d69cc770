package annotate

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
)

// annotateFile annotates a capture file from testdata.
func annotateFile(t testing.TB, name string, opts Options) *Result {
	t.Helper()
	return annotatePath(t, filepath.Join("..", "testdata", name), opts)
}

// annotatePath annotates a capture file.
func annotatePath(t testing.TB, name string, opts Options) *Result {
	t.Helper()
	r, err := capture.OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	res, err := Annotate(r, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// The tutorial's 19 packets, as it describes them.
func TestWorkermanTutorialPhases(t *testing.T) {
	res := annotateFile(t, "workerman-chat.pcap", Options{})
	if len(res.Packets) != 30 {
		t.Fatalf("got %d packets, want 30", len(res.Packets))
	}
	want := []struct {
		n     int
		from  Role
		phase Phase
		what  string
	}{
		{12, Client, PhaseHandshake1, "SYN"},
		{13, Server, PhaseHandshake2, "SYN-ACK"},
		{14, Client, PhaseHandshake3, "ACK"},
		{15, Client, PhaseUpgradeRequest, "715-byte upgrade request"},
		{16, Server, PhaseAck, "server's ACK of the request"},
		{17, Server, PhaseUpgradeResponse, "101 response"},
		{18, Client, PhaseAck, "browser's ACK of the 101"},
		{19, Client, PhaseWSData, "masked login frame"},
		{20, Server, PhaseWSData, "user list"},
		{21, Client, PhaseAck, "browser's ACK"},
		{22, Server, PhaseWSData, "login notice"},
		{23, Client, PhaseAck, "browser's ACK"},
		{24, Server, PhaseWSData, "notice relayed to the other browser"},
		{25, Client, PhaseAck, "other browser's ACK"},
		{26, Client, PhaseWSData, "masked say frame"},
		{27, Server, PhaseWSData, "say relayed to the sender"},
		{28, Client, PhaseAck, "browser's ACK"},
		{29, Server, PhaseWSData, "say relayed to the other browser"},
		{30, Client, PhaseAck, "other browser's ACK"},
	}
	for _, w := range want {
		p := res.Packets[w.n-1]
		if p.Number != w.n || p.Phase != w.phase || p.From != w.from {
			t.Errorf("packet %d (%s): number %d, phase %q from %s; want %q from %s", w.n, w.what, p.Number, p.Phase, p.From, w.phase, w.from)
		}
	}
	// The ACK names what it acknowledges: the 715-byte upgrade request.
	if e, ok := res.Packets[15].Event("ack"); !ok || e.Int("acked_bytes") != 715 || e.String("acked_phase") != string(PhaseUpgradeRequest) {
		t.Errorf("packet 16 ack event = %+v, want 715 bytes of %s", e.Params, PhaseUpgradeRequest)
	}
	if e, ok := res.Packets[14].Event("ws-upgrade-request"); !ok || e.Int("length") != 715 || e.String("key") != "zPDr6m4czzUdOFnsxIUEAw==" {
		t.Errorf("packet 15 upgrade event = %+v", e.Params)
	}
	// The connection of the tutorial, its roles and the upgrade.
	c := res.Packets[11].Conn
	if c.Client.String() != "127.0.0.1:60653" || c.Server.String() != "127.0.0.1:7272" || c.RoleBasis != "syn" {
		t.Errorf("connection %v -> %v (%s)", c.Client, c.Server, c.RoleBasis)
	}
	u := c.Upgrade
	if u == nil {
		t.Fatal("no upgrade")
	}
	if u.Method != "GET" || u.Path != "/" || u.Host != "127.0.0.1:7272" || u.Origin != "http://127.0.0.1:55151" ||
		u.Version != "13" || u.Status != 101 || !u.AcceptValid || u.Accept != u.ExpectedAccept || !u.Succeeded {
		t.Errorf("upgrade = %+v", u)
	}
	// The two masked client frames, decoded.
	texts := map[int]string{
		19: `{"type":"login","name":"mynick"}`,
		26: `{"type":"say","to_uid":"all","content":"hi,  all !"}`,
	}
	for n, text := range texts {
		p := res.Packets[n-1]
		if len(p.Frames) != 1 || len(p.Messages) != 1 {
			t.Fatalf("packet %d: %d frames, %d messages", n, len(p.Frames), len(p.Messages))
		}
		f, m := p.Frames[0], p.Messages[0]
		if !f.Masked || string(f.Payload) != text || string(m.Data) != text || !m.Text || !m.JSON {
			t.Errorf("packet %d: masked %v payload %q message %q text %v json %v", n, f.Masked, f.Payload, m.Data, m.Text, m.JSON)
		}
	}
	// The relays point at their origin.
	for relay, origin := range map[int]int{24: 22, 29: 27} {
		m := res.Packets[relay-1].Messages[0]
		o := res.Packets[origin-1].Messages[0]
		if m.RelayOf != o {
			t.Errorf("packet %d relays %v, want the message of packet %d", relay, m.RelayOf, origin)
		}
		if _, ok := res.Packets[relay-1].Event("ws-relay"); !ok {
			t.Errorf("packet %d has no ws-relay event", relay)
		}
		if m.Conn.Client.Port() != 60584 {
			t.Errorf("relay %d goes to port %d, want 60584", relay, m.Conn.Client.Port())
		}
	}
	for _, n := range []int{19, 20, 22, 26, 27} {
		if m := res.Packets[n-1].Messages[0]; m.RelayOf != nil {
			t.Errorf("packet %d is marked as a relay of packet %d", n, m.RelayOf.Packet)
		}
	}
}

// wantMsg is one message of the Chromium scenario.
type wantMsg struct {
	from        Role
	opcode      uint8
	data        string
	fragments   int
	closeCode   int
	closeReason string
}

func text(from Role, s string) wantMsg { return wantMsg{from: from, opcode: 1, data: s, fragments: 1} }
func closeMsg(from Role, code int, reason string) wantMsg {
	return wantMsg{from: from, opcode: 8, data: string([]byte{byte(code >> 8), byte(code)}) + reason, fragments: 1, closeCode: code, closeReason: reason}
}

// The scenario of testdata/README (copied from the fixtures' README).
func chromiumScenario() (listener, mynick []wantMsg) {
	const (
		loginMynick = `{"type":"login","uid":102,"name":"mynick","time":"2014-08-12 17:50:30"}`
		sayHi       = `{"type":"say","from_uid":102,"to_uid":"all","content":"hi, all ！"}`
		sayChinese  = `{"type":"say","from_uid":102,"to_uid":"all","content":"大家好，這是中文訊息 <script>alert(1)</script> ` + "```" + ` fence"}`
	)
	ping := wantMsg{from: Server, opcode: 9, data: "hb", fragments: 1}
	pong := wantMsg{from: Client, opcode: 10, data: "hb", fragments: 1}
	bin := "\x00\x01\x02\x03\xff\xfe\x0a\x0d"
	listener = []wantMsg{
		text(Client, `{"type":"login","client_name":"listener","room_id":"1"}`),
		text(Server, `{"type":"user_list","user_list":[{"uid":101,"name":"listener"}]}`),
		text(Server, `{"type":"login","uid":101,"name":"listener","time":"2014-08-12 17:50:30"}`),
		ping, pong,
		text(Server, loginMynick),
		text(Server, sayHi),
		text(Server, sayChinese),
		closeMsg(Client, 1001, ""),
		closeMsg(Server, 1001, ""),
	}
	mynick = []wantMsg{
		text(Client, `{"type":"login","client_name":"mynick","room_id":"1"}`),
		text(Server, `{"type":"user_list","user_list":[{"uid":101,"name":"listener"},{"uid":102,"name":"mynick"}]}`),
		text(Server, loginMynick),
		ping, pong,
		text(Client, `{"type":"say","to_client_id":"all","content":"hi, all ！"}`),
		text(Server, sayHi),
		text(Client, `{"type":"say","to_client_id":"all","content":"大家好，這是中文訊息 <script>alert(1)</script> `+"```"+` fence"}`),
		text(Server, sayChinese),
		{from: Client, opcode: 2, data: bin, fragments: 1},
		{from: Server, opcode: 2, data: bin, fragments: 1},
		text(Client, `{"type":"frag"}`),
		{from: Server, opcode: 1, data: "part-one,part-two,part-three", fragments: 3},
		text(Client, `{"type":"big","n":70000}`),
		text(Server, strings.Repeat("x", 70000)),
		text(Client, strings.Repeat("y", 300)),
		text(Server, "echo:"+strings.Repeat("y", 40)),
		closeMsg(Client, 1000, "see you"),
		closeMsg(Server, 1000, "see you"),
	}
	return listener, mynick
}

func checkMessages(t *testing.T, name string, got []*Message, want []wantMsg) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d messages, want %d", name, len(got), len(want))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		g, w := got[i], want[i]
		if g.From != w.from || uint8(g.Opcode) != w.opcode || string(g.Data) != w.data || len(g.Frames) != w.fragments ||
			g.CloseCode != w.closeCode || g.CloseReason != w.closeReason || g.Truncated || g.Incomplete || len(g.Faults) > 0 {
			d := string(g.Data)
			if len(d) > 80 {
				d = d[:80] + "..."
			}
			t.Errorf("%s message %d (packet %d): %s %s %q (%d bytes) frames %d close %d %q faults %v; want %s opcode %d %d bytes frames %d close %d %q",
				name, i, g.Packet, g.From, g.OpcodeName(), d, len(g.Data), len(g.Frames), g.CloseCode, g.CloseReason, g.Faults,
				w.from, w.opcode, len(w.data), w.fragments, w.closeCode, w.closeReason)
		}
	}
}

func TestChromiumScenario(t *testing.T) {
	for _, tc := range []struct {
		file     string
		port     uint16
		deflate  bool
		bigBits  int // length form of the 70,000-byte frame
		bigPkts  int // packets that carry it
		linkType capture.LinkType
	}{
		{"chromium-ws-deflate.pcap", 9001, true, 7, 1, capture.LinkTypeEthernet},
		{"chromium-ws-plain-any.pcap", 9003, false, 64, 3, capture.LinkTypeLinuxSLL2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res := annotateFile(t, tc.file, Options{})
			if lt := res.Packets[0].Packet.LinkType(); lt != tc.linkType {
				t.Errorf("link type %v, want %v", lt, tc.linkType)
			}
			if len(res.Connections) != 2 {
				t.Fatalf("%d connections, want 2", len(res.Connections))
			}
			byConn := map[*Connection][]*Message{}
			for _, m := range res.Messages {
				byConn[m.Conn] = append(byConn[m.Conn], m)
			}
			listener, mynick := chromiumScenario()
			checkMessages(t, "listener", byConn[res.Connections[0]], listener)
			checkMessages(t, "mynick", byConn[res.Connections[1]], mynick)
			for _, c := range res.Connections {
				if c.Server.Port() != tc.port || c.RoleBasis != "syn" || !c.WebSocket || c.Upgrade == nil || !c.Upgrade.AcceptValid {
					t.Errorf("connection %d: %v -> %v %s ws %v upgrade %+v", c.ID, c.Client, c.Server, c.RoleBasis, c.WebSocket, c.Upgrade)
				}
				if (c.Deflate != nil) != tc.deflate {
					t.Errorf("connection %d: deflate %+v, want %v", c.ID, c.Deflate, tc.deflate)
				} else if c.Deflate != nil && (c.Deflate.ServerNoContextTakeover || c.Deflate.ClientNoContextTakeover) {
					t.Errorf("connection %d: deflate %+v, want context takeover", c.ID, c.Deflate)
				}
			}
			if got := res.Connections[1].Teardown; got != "three-way" {
				t.Errorf("mynick teardown %q, want three-way", got)
			}
			if got := res.Connections[0].Teardown; got != "reset" {
				t.Errorf("listener teardown %q, want reset", got)
			}
			msgs := byConn[res.Connections[1]]
			if len(msgs) < 15 {
				return
			}
			big := msgs[14]
			if f := big.Frames[0]; f.LengthBits != tc.bigBits || f.FIN != true || len(big.Data) != 70000 {
				t.Errorf("70,000-byte message: length bits %d, %d bytes", f.LengthBits, len(big.Data))
			} else if n := f.Packet - f.FirstPacket; tc.bigPkts > 1 && n <= 0 {
				t.Errorf("70,000-byte frame from packet %d to %d, want several", f.FirstPacket, f.Packet)
			}
			frag := msgs[12]
			wantRSV := []uint8{0, 0, 0}
			if tc.deflate {
				wantRSV[0] = 4
			}
			for i, f := range frag.Frames {
				wantOp := uint8(0)
				if i == 0 {
					wantOp = 1
				}
				if uint8(f.Opcode) != wantOp || f.FIN != (i == 2) || f.RSV != wantRSV[i] {
					t.Errorf("fragment %d: opcode %d fin %v rsv %d", i, f.Opcode, f.FIN, f.RSV)
				}
			}
			if !frag.Compressed != !tc.deflate {
				t.Errorf("fragmented message compressed = %v", frag.Compressed)
			}
		})
	}
}

// The browser's own log of what it received agrees with the server's
// messages on the mynick connection.
func TestChromiumBrowserLog(t *testing.T) {
	checkBrowserLog(t, annotateFile(t, "chromium-ws-deflate.pcap", Options{}))
}

// checkBrowserLog compares the messages the server sent on the second
// connection of chromium-ws-deflate.pcap with what the browser logged.
func checkBrowserLog(t *testing.T, res *Result) {
	t.Helper()
	log, err := os.ReadFile(filepath.Join("..", "testdata", "chromium-ws-deflate.browser-log.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var received []*Message
	for _, m := range res.Messages {
		if m.Conn == res.Connections[1] && m.From == Server && m.Opcode != 9 {
			received = append(received, m)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(log))
	i := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if i >= len(received) {
			t.Fatalf("browser log has more lines than messages: %q", line)
		}
		m := received[i]
		i++
		switch {
		case line == "recv binary":
			if m.Opcode != 2 {
				t.Errorf("%q: got %s message", line, m.OpcodeName())
			}
		case strings.HasPrefix(line, "recv "):
			if !strings.HasPrefix(string(m.Data), strings.TrimPrefix(line, "recv ")) {
				t.Errorf("%q: got %.80q", line, m.Data)
			}
		case strings.HasPrefix(line, "closed "):
			var want string
			if m.Opcode == 8 {
				want = "closed " + strconv.Itoa(m.CloseCode) + " " + m.CloseReason
			}
			if line != want {
				t.Errorf("%q: got %q", line, want)
			}
		}
	}
	if i != len(received) {
		t.Errorf("browser log has %d lines, the server sent %d messages", i, len(received))
	}
}
