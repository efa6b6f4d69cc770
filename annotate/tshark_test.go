package annotate

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/testenv"
)

// tsharkFrame is a frame's header as tshark shows it.
type tsharkFrame struct {
	fin     bool
	rsv     uint8
	opcode  uint8
	masked  bool
	maskKey string
	length  uint64
}

func (f tsharkFrame) String() string {
	return fmt.Sprintf("fin=%v rsv=%d op=%d mask=%v key=%s len=%d", f.fin, f.rsv, f.opcode, f.masked, f.maskKey, f.length)
}

// tsharkPacket is what tshark shows of a packet's WebSocket frames.
type tsharkPacket struct {
	frames []tsharkFrame
	texts  []string // websocket.payload.text occurrences
	codes  []string // close status codes
}

// runTshark reads the WebSocket frames of a capture with tshark.
func runTshark(t *testing.T, tshark, file string, decodeAs []string) map[int]*tsharkPacket {
	t.Helper()
	args := []string{"-r", file, "-Y", "websocket", "-T", "fields", "-E", "occurrence=a", "-E", "separator=/t", "-E", "aggregator=|"}
	for _, d := range decodeAs {
		args = append(args, "-d", d)
	}
	for _, f := range []string{"frame.number", "websocket.fin", "websocket.rsv", "websocket.opcode", "websocket.mask",
		"websocket.masking_key", "websocket.payload_length", "websocket.payload_length_ext_16", "websocket.payload_length_ext_64",
		"websocket.payload.text", "websocket.payload.close.status_code"} {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	res := map[int]*tsharkPacket{}
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		col := strings.Split(line, "\t")
		for len(col) < 11 {
			col = append(col, "")
		}
		num, err := strconv.Atoi(col[0])
		if err != nil {
			t.Fatalf("tshark line %q: %v", line, err)
		}
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "|")
		}
		fins, rsvs, ops, masks := split(col[1]), split(col[2]), split(col[3]), split(col[4])
		keys, lens, l16, l64 := split(col[5]), split(col[6]), split(col[7]), split(col[8])
		p := &tsharkPacket{texts: split(col[9]), codes: split(col[10])}
		ki, i16, i64 := 0, 0, 0
		for i := range fins {
			var f tsharkFrame
			f.fin = fins[i] == "1" || fins[i] == "True"
			r, _ := strconv.ParseUint(strings.TrimPrefix(rsvs[i], "0x"), 16, 8)
			f.rsv = uint8(r)
			op, _ := strconv.ParseUint(opsAt(ops, i), 0, 8)
			f.opcode = uint8(op)
			f.masked = opsAt(masks, i) == "1" || opsAt(masks, i) == "True"
			if f.masked && ki < len(keys) {
				f.maskKey = strings.ReplaceAll(keys[ki], ":", "")
				ki++
			}
			n, _ := strconv.ParseUint(opsAt(lens, i), 10, 64)
			switch n {
			case 126:
				n, _ = strconv.ParseUint(opsAt(l16, i16), 10, 64)
				i16++
			case 127:
				n, _ = strconv.ParseUint(opsAt(l64, i64), 10, 64)
				i64++
			}
			f.length = n
			p.frames = append(p.frames, f)
		}
		res[num] = p
	}
	return res
}

func opsAt(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// tsharkWrong lists what tshark 4.0 gets wrong in the corpus, with the
// content we know instead: it garbles the text of compressed fragmented
// messages (it inflates each fragment's payload without the others').
var tsharkWrong = map[string]map[int]string{
	"chromium-ws-deflate.pcap": {50: "part-one,part-two,part-three"},
}

// compareWithTshark checks every complete frame of res, and the text of
// every text message, against tshark's reading of file. It returns how many
// frames and texts it compared.
func compareWithTshark(t *testing.T, tshark, file string, res *Result) (compared, texts int) {
	t.Helper()
	name := filepath.Base(file)
	var decodeAs []string
	ports := map[uint16]bool{}
	for _, c := range res.Connections {
		if c.WebSocket && c.WebSocketBasis != "upgrade" && !ports[c.Server.Port()] {
			ports[c.Server.Port()] = true
			decodeAs = append(decodeAs, fmt.Sprintf("tcp.port==%d,websocket", c.Server.Port()))
		}
	}
	want := runTshark(t, tshark, file, decodeAs)
	got := map[int][]*Frame{}
	for _, f := range res.Frames {
		if f.Complete {
			got[f.Packet] = append(got[f.Packet], f)
		}
	}
	for num, tp := range want {
		ours := got[num]
		if len(ours) != len(tp.frames) {
			t.Errorf("%s packet %d: %d frames, tshark shows %d", name, num, len(ours), len(tp.frames))
			continue
		}
		for i, tf := range tp.frames {
			f := ours[i]
			g := tsharkFrame{fin: f.FIN, rsv: f.RSV, opcode: uint8(f.Opcode), masked: f.Masked, length: f.PayloadLength}
			if f.Masked {
				g.maskKey = hex.EncodeToString(f.MaskKey[:])
			}
			if g != tf {
				t.Errorf("%s packet %d frame %d: %v; tshark %v", name, num, i, g, tf)
			}
			compared++
		}
		// The texts and close codes of the messages the packet completes.
		var ourTexts, ourCodes []string
		for _, m := range res.Packets[num-1].Messages {
			switch m.Opcode {
			case 1:
				ourTexts = append(ourTexts, string(m.Data))
			case 8:
				if m.CloseCode != 0 {
					ourCodes = append(ourCodes, strconv.Itoa(m.CloseCode))
				}
			}
		}
		if fmt.Sprint(ourCodes) != fmt.Sprint(tp.codes) {
			t.Errorf("%s packet %d: close codes %v, tshark %v", name, num, ourCodes, tp.codes)
		}
		if known, ok := tsharkWrong[name][num]; ok {
			t.Logf("%s packet %d: tshark shows %q for a compressed fragmented message; checking the known content instead", name, num, tp.texts)
			if len(ourTexts) != 1 || ourTexts[0] != known {
				t.Errorf("%s packet %d: text %q, want %q", name, num, ourTexts, known)
			}
			texts++
			continue
		}
		if len(tp.texts) == 0 {
			continue
		}
		if inferredDeflate(res.Packets[num-1]) {
			// Without the upgrade, tshark does not know the frames are
			// compressed and shows their compressed bytes as text.
			continue
		}
		if len(ourTexts) != len(tp.texts) {
			t.Errorf("%s packet %d: %d text messages, tshark shows %d", name, num, len(ourTexts), len(tp.texts))
			continue
		}
		for i := range ourTexts {
			if ourTexts[i] != tp.texts[i] {
				t.Errorf("%s packet %d: text %.60q, tshark %.60q", name, num, ourTexts[i], tp.texts[i])
			}
			texts++
		}
	}
	for num, fs := range got {
		if _, ok := want[num]; !ok {
			t.Errorf("%s packet %d: %d frames that tshark does not show", name, num, len(fs))
		}
	}
	return compared, texts
}

func inferredDeflate(p *PacketInfo) bool {
	return p.Conn != nil && p.Conn.Deflate != nil && p.Conn.Deflate.Inferred
}

// Every frame of the corpus, compared with tshark's reading of it.
func TestFramesAgainstTshark(t *testing.T) {
	tshark := testenv.NeedTool(t, "tshark")
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.pcap*"))
	if len(files) == 0 {
		t.Fatal("no captures in testdata")
	}
	total, totalTexts := 0, 0
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			res := annotateFile(t, name, Options{})
			compared, texts := compareWithTshark(t, tshark, file, res)
			total += compared
			totalTexts += texts
			t.Logf("%s: %d frames identical to tshark's; %d message texts compared", name, compared, texts)
		})
	}
	t.Logf("corpus: %d frames compared with tshark, %d message texts", total, totalTexts)
}

// The TCP analysis of the corpus (retransmissions, out-of-order segments,
// duplicate ACKs, window updates, keep-alives, zero windows, segments and
// ACKs of bytes never captured), compared with tshark's.
func TestTCPAnalysisAgainstTshark(t *testing.T) {
	testenv.NeedTool(t, "tshark")
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.pcap*"))
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			res := annotatePath(t, file, Options{})
			compareAnalysisFile(t, file, res, nil)
		})
	}
}

// The sequence and acknowledgement numbers of every TCP packet, compared
// with what tcpdump prints (relative numbers, absolute on the first packet
// of an address pair).
func TestSeqAckAgainstTcpdump(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.pcap*"))
	files = append(files, cutCapture(t, "chromium-ws-plain-any.pcap", 30, 72), cutCapture(t, "workerman-chat.pcap", 19, 30))
	seqRE := regexp.MustCompile(`, seq (\d+)(?::\d+)?,`)
	ackRE := regexp.MustCompile(`, ack (\d+),`)
	for _, file := range files {
		out, err := exec.Command(tcpdump, "-n", "-r", file).Output()
		if err != nil {
			t.Fatalf("tcpdump %s: %v", file, err)
		}
		res := annotatePath(t, file, Options{})
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if len(lines) != len(res.Packets) {
			t.Fatalf("%s: tcpdump prints %d lines for %d packets", file, len(lines), len(res.Packets))
		}
		checked := 0
		for i, line := range lines {
			p := res.Packets[i]
			if p.Decoded.TCP == nil {
				continue
			}
			if m := seqRE.FindStringSubmatch(line); m != nil {
				if m[1] != strconv.FormatUint(uint64(p.Seq), 10) {
					t.Errorf("%s packet %d: seq %d, tcpdump %s", filepath.Base(file), p.Number, p.Seq, m[1])
				}
				checked++
			}
			if m := ackRE.FindStringSubmatch(line); m != nil {
				if m[1] != strconv.FormatUint(uint64(p.Ack), 10) {
					t.Errorf("%s packet %d: ack %d, tcpdump %s", filepath.Base(file), p.Number, p.Ack, m[1])
				}
				checked++
			}
		}
		t.Logf("%s: %d sequence and acknowledgement numbers identical to tcpdump's", filepath.Base(file), checked)
	}
}
