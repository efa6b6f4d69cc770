package websocket_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/wstrace/wstrace/annotate/httpmsg"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/internal/testenv"
)

// The oracle tests decode the WebSocket connections of real captures and
// compare every frame with what tshark (Wireshark's dissector) makes of it,
// and the messages with what the browser that received them logged.

var oracleCaptures = []string{
	"../../testdata/workerman-chat.pcap",
	"../../testdata/chromium-ws-deflate.pcap",
	"../../testdata/chromium-ws-plain-any.pcap",
}

// followedStream is one TCP connection as tshark's "follow,tcp,raw" shows
// it: the payload of each segment, per side.
type followedStream struct {
	index int
	ports [2]string   // node 0 and node 1
	segs  [2][][]byte // segments per node, in order
}

func tsharkFollow(t *testing.T, tshark, pcap string, streams []int) []followedStream {
	t.Helper()
	args := []string{"-r", pcap, "-q"}
	for _, s := range streams {
		args = append(args, "-z", fmt.Sprintf("follow,tcp,raw,%d", s))
	}
	out, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark follow: %v", err)
	}
	var res []followedStream
	var cur *followedStream
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Filter: tcp.stream eq "):
			n, _ := strconv.Atoi(strings.TrimPrefix(line, "Filter: tcp.stream eq "))
			res = append(res, followedStream{index: n})
			cur = &res[len(res)-1]
		case cur == nil, strings.HasPrefix(line, "===="), strings.HasPrefix(line, "Follow:"), line == "":
		case strings.HasPrefix(line, "Node 0: "), strings.HasPrefix(line, "Node 1: "):
			node := line[5] - '0'
			addr := line[8:]
			cur.ports[node] = addr[strings.LastIndexByte(addr, ':')+1:]
		default:
			node := 0
			if strings.HasPrefix(line, "\t") {
				node = 1
			}
			b, err := hex.DecodeString(strings.TrimSpace(line))
			if err != nil {
				t.Fatalf("tshark follow line %q: %v", line, err)
			}
			cur.segs[node] = append(cur.segs[node], b)
		}
	}
	return res
}

// tsharkPacket is one packet's WebSocket fields as tshark -T json shows
// them: every field is an array with one element per frame that has it.
type tsharkPacket map[string][]string

func tsharkWebSocket(t *testing.T, tshark, pcap string) []tsharkPacket {
	t.Helper()
	fields := []string{"tcp.stream", "tcp.srcport", "websocket.fin", "websocket.rsv", "websocket.opcode",
		"websocket.mask", "websocket.payload_length", "websocket.payload_length_ext_16",
		"websocket.payload_length_ext_64", "websocket.masking_key", "websocket.payload.text", "data.data",
		"websocket.payload.close.status_code", "websocket.payload.close.reason"}
	args := []string{"-r", pcap, "-Y", "websocket", "-T", "json"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark -T json: %v", err)
	}
	var doc []struct {
		Source struct {
			Layers tsharkPacket `json:"layers"`
		} `json:"_source"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("tshark JSON: %v", err)
	}
	var pkts []tsharkPacket
	for _, d := range doc {
		pkts = append(pkts, d.Source.Layers)
	}
	return pkts
}

// oracleFrame is a frame with the index of the segment that completed it.
type oracleFrame struct {
	*websocket.Frame
	seg int
	msg *websocket.Message // the message the frame completed, if any
}

// decodeSide decodes one side's segments after its HTTP head.
func decodeSide(t *testing.T, segs [][]byte, skip int, sender websocket.Role, deflate *websocket.DeflateParams) []oracleFrame {
	t.Helper()
	r := websocket.NewFrameReader(sender)
	a := websocket.NewMessageAssembler(websocket.AssemblerOptions{Sender: sender, Deflate: deflate})
	var frames []oracleFrame
	off := 0
	for i, seg := range segs {
		start := off
		off += len(seg)
		if off <= skip {
			continue
		}
		if start < skip {
			seg, start = seg[skip-start:], skip
		}
		r.Feed(seg, int64(start))
		for {
			f, err := r.Next()
			if errors.Is(err, websocket.ErrShort) {
				break
			}
			if err != nil {
				t.Fatalf("%v: %v", sender, err)
			}
			m, faults := a.Add(f)
			if len(f.Faults)+len(faults) > 0 {
				t.Errorf("%v frame at %d: faults %v %v", sender, f.Offset, f.Faults, faults)
			}
			frames = append(frames, oracleFrame{f, i, m})
		}
	}
	return frames
}

func TestOracleTshark(t *testing.T) {
	tshark := testenv.NeedTool(t, "tshark")
	for _, pcap := range oracleCaptures {
		t.Run(pcap[strings.LastIndexByte(pcap, '/')+1:], func(t *testing.T) {
			pkts := tsharkWebSocket(t, tshark, pcap)
			streamSet := map[int]bool{}
			for _, p := range pkts {
				n, _ := strconv.Atoi(p["tcp.stream"][0])
				streamSet[n] = true
			}
			var streams []int
			for n := range streamSet {
				streams = append(streams, n)
			}
			slices.Sort(streams)
			compared := 0
			for _, fs := range tsharkFollow(t, tshark, pcap, streams) {
				compared += checkStream(t, pcap, fs, pkts)
			}
			t.Logf("%d packets with WebSocket frames compared with tshark", compared)
			if compared != len(pkts) {
				t.Errorf("compared %d packets, tshark shows %d", compared, len(pkts))
			}
		})
	}
}

// checkStream decodes one connection and compares it with tshark's view. It
// returns the number of packets compared.
func checkStream(t *testing.T, pcap string, fs followedStream, pkts []tsharkPacket) int {
	client := 0
	if !httpmsg.LooksLikeRequest(fs.segs[0][0]) {
		client = 1
	}
	server := 1 - client
	reqBytes, respBytes := bytes.Join(fs.segs[client], nil), bytes.Join(fs.segs[server], nil)
	req, reqLen, err := httpmsg.ParseRequestHead(reqBytes)
	if err != nil {
		t.Fatalf("stream %d: request: %v", fs.index, err)
	}
	resp, respLen, err := httpmsg.ParseResponseHead(respBytes)
	if err != nil {
		t.Fatalf("stream %d: response: %v", fs.index, err)
	}
	key := req.Header.Get("Sec-WebSocket-Key")
	if err := websocket.CheckKey(key); err != nil || resp.Header.Get("Sec-WebSocket-Accept") != websocket.AcceptKey(key) {
		t.Errorf("stream %d: key %q, accept %q: %v", fs.index, key, resp.Header.Get("Sec-WebSocket-Accept"), err)
	}
	offer, err1 := websocket.ParseExtensions(req.Header.Values("Sec-WebSocket-Extensions"))
	accepted, err2 := websocket.ParseExtensions(resp.Header.Values("Sec-WebSocket-Extensions"))
	deflate, err3 := websocket.NegotiateDeflate(offer, accepted)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("stream %d: extensions: %v", fs.index, err)
	}
	if want := strings.Contains(pcap, "deflate"); (deflate != nil) != want {
		t.Errorf("stream %d: deflate %+v", fs.index, deflate)
	}

	compared, payloads := 0, 0
	sides := []struct {
		role websocket.Role
		node int
		skip int
	}{{websocket.Client, client, reqLen}, {websocket.Server, server, respLen}}
	for _, side := range sides {
		frames := decodeSide(t, fs.segs[side.node], side.skip, side.role, deflate)
		// Group our frames by the segment that completed them.
		var groups [][]oracleFrame
		for i, f := range frames {
			if i == 0 || f.seg != frames[i-1].seg {
				groups = append(groups, nil)
			}
			groups[len(groups)-1] = append(groups[len(groups)-1], f)
		}
		var theirs []tsharkPacket
		for _, p := range pkts {
			if p["tcp.stream"][0] == strconv.Itoa(fs.index) && p["tcp.srcport"][0] == fs.ports[side.node] {
				theirs = append(theirs, p)
			}
		}
		if len(groups) != len(theirs) {
			t.Errorf("stream %d %v: frames complete in %d packets, tshark shows %d", fs.index, side.role, len(groups), len(theirs))
			continue
		}
		for i, g := range groups {
			diff, payload := comparePacket(g, theirs[i])
			if diff != "" {
				t.Errorf("stream %d %v packet %d: %s", fs.index, side.role, i, diff)
			}
			compared++
			if payload {
				payloads++
			}
		}
		if strings.Contains(pcap, "chromium") && side.role == websocket.Server && isMynick(frames) {
			checkBrowserLog(t, frames)
			t.Logf("stream %d: messages to the browser match its log", fs.index)
		}
	}
	t.Logf("stream %d: %d packets compared, %d with their payloads", fs.index, compared, payloads)
	return compared
}

// comparePacket compares our frames completed in one packet with tshark's
// fields for that packet.
func comparePacket(ours []oracleFrame, p tsharkPacket) (diff string, payload bool) {
	var fin, rsv, op, mask, plen, ext16, ext64, key []string
	for _, f := range ours {
		h := f.Header
		fin = append(fin, map[bool]string{true: "1", false: "0"}[h.Fin])
		mask = append(mask, map[bool]string{true: "1", false: "0"}[h.Masked])
		rsv = append(rsv, fmt.Sprintf("0x%02x", h.RSV))
		op = append(op, strconv.Itoa(int(h.Opcode)))
		switch h.LengthBits {
		case 7:
			plen = append(plen, strconv.FormatUint(h.PayloadLength, 10))
		case 16:
			plen = append(plen, "126")
			ext16 = append(ext16, strconv.FormatUint(h.PayloadLength, 10))
		case 64:
			plen = append(plen, "127")
			ext64 = append(ext64, strconv.FormatUint(h.PayloadLength, 10))
		}
		if h.Masked {
			key = append(key, hex.EncodeToString(h.MaskKey[:]))
		}
	}
	for _, c := range []struct {
		field string
		ours  []string
	}{
		{"websocket.fin", fin}, {"websocket.rsv", rsv}, {"websocket.opcode", op}, {"websocket.mask", mask},
		{"websocket.payload_length", plen}, {"websocket.payload_length_ext_16", ext16},
		{"websocket.payload_length_ext_64", ext64}, {"websocket.masking_key", key},
	} {
		if !slices.Equal(c.ours, p[c.field]) {
			return fmt.Sprintf("%s: ours %q, tshark %q", c.field, c.ours, p[c.field]), false
		}
	}
	// Payloads, where tshark shows a whole message in a single frame.
	if len(ours) != 1 || ours[0].msg == nil || ours[0].msg.Fragments != 1 {
		return "", false
	}
	m := ours[0].msg
	switch m.Opcode {
	case websocket.OpText:
		if want := p["websocket.payload.text"]; len(want) != 1 || want[0] != string(m.Payload) {
			return fmt.Sprintf("text: ours %.60q, tshark %.60q", m.Payload, want), true
		}
	case websocket.OpBinary:
		if want := p["data.data"]; len(want) != 1 || strings.ReplaceAll(want[0], ":", "") != hex.EncodeToString(m.Payload) {
			return fmt.Sprintf("binary: ours %x, tshark %q", m.Payload, want), true
		}
	case websocket.OpClose:
		code, reason := p["websocket.payload.close.status_code"], p["websocket.payload.close.reason"]
		if len(code) != 1 || code[0] != strconv.Itoa(int(m.CloseCode)) || strings.Join(reason, "") != m.CloseReason {
			return fmt.Sprintf("close: ours %d %q, tshark %q %q", m.CloseCode, m.CloseReason, code, reason), true
		}
	default:
		return "", false
	}
	return "", true
}

// isMynick reports whether the server's frames are those sent to the tab
// that logged what it received (it is the one that got the 70,000 x's).
func isMynick(frames []oracleFrame) bool {
	for _, f := range frames {
		if f.msg != nil && len(f.msg.Payload) == 70000 {
			return true
		}
	}
	return false
}

// checkBrowserLog compares the messages the server sent to the "mynick" tab
// with what that tab logged: "recv " and the first 80 UTF-16 units of each
// text message, "recv binary", and "closed CODE REASON".
func checkBrowserLog(t *testing.T, frames []oracleFrame) {
	data, err := os.ReadFile("../../testdata/chromium-ws-deflate.browser-log.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var got []string
	for _, f := range frames {
		m := f.msg
		if m == nil {
			continue
		}
		switch m.Opcode {
		case websocket.OpText:
			u := utf16.Encode([]rune(string(m.Payload)))
			if len(u) > 80 {
				u = u[:80]
			}
			got = append(got, "recv "+string(utf16.Decode(u)))
		case websocket.OpBinary:
			got = append(got, "recv binary")
		case websocket.OpClose:
			got = append(got, fmt.Sprintf("closed %d %s", m.CloseCode, m.CloseReason))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("messages to the browser:\n%s\nbrowser log:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
