package annotate

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/testenv"
)

// cutCapture keeps packets first..last of a testdata capture, with editcap.
func cutCapture(t *testing.T, name string, first, last int, extra ...string) string {
	t.Helper()
	editcap := testenv.NeedTool(t, "editcap")
	out := filepath.Join(t.TempDir(), fmt.Sprintf("%d-%d-%s", first, last, name))
	args := append(append([]string{}, extra...), "-r", filepath.Join("..", "testdata", name), out, strconv.Itoa(first)+"-"+strconv.Itoa(last))
	if b, err := exec.Command(editcap, args...).CombinedOutput(); err != nil {
		t.Fatalf("editcap %v: %v\n%s", args, err, b)
	}
	return out
}

// frameKey is what must match between a frame of a cut capture and the
// same frame of the whole one.
func frameKey(f *Frame, shift int) string {
	return fmt.Sprintf("%d %s fin=%v rsv=%d op=%d mask=%x len=%d", f.Packet-shift, f.From, f.FIN, f.RSV, f.Opcode, f.MaskKey, f.PayloadLength)
}

const midFrame = "the cut starts inside the 70,000-byte frame: tshark, told to decode the port as WebSocket, " +
	"takes the payload's bytes for frame headers (268 frames in the first packet) and never finds the next real one; " +
	"the frames are compared with those of the whole capture instead"

// Captures that begin mid-session: no SYN and no upgrade. The frames are
// recognised heuristically (or by --ws-port), the roles settled by the
// masking, and every frame that lies wholly in the cut is found as in the
// whole capture and as tshark reads it.
func TestMidSession(t *testing.T) {
	tshark := testenv.NeedTool(t, "tshark")
	for _, tc := range []struct {
		file        string
		first, last int
		opts        Options
		roleBasis   string
		wsBasis     string
		sameTexts   bool
		// noTshark says why tshark cannot serve as the oracle.
		noTshark string
	}{
		{"workerman-chat.pcap", 19, 30, Options{}, "ws-masking", "heuristic", true, ""},
		{"chromium-ws-plain-any.pcap", 30, 72, Options{}, "ws-masking", "heuristic", true, ""},
		{"chromium-ws-plain-any.pcap", 55, 72, Options{}, "ws-masking", "heuristic", true, midFrame},
		{"chromium-ws-plain-any.pcap", 55, 72, Options{WSPorts: []uint16{9003}}, "ws-port", "ws-port", true, midFrame},
		{"chromium-ws-deflate.pcap", 30, 69, Options{}, "ws-masking", "heuristic", false, ""},
	} {
		name := fmt.Sprintf("%s_%d-%d_%v", tc.file, tc.first, tc.last, tc.opts.WSPorts)
		t.Run(name, func(t *testing.T) {
			whole := annotateFile(t, tc.file, Options{})
			cut := cutCapture(t, tc.file, tc.first, tc.last)
			res := annotatePath(t, cut, tc.opts)
			for _, c := range res.Connections {
				if c.Server.Port() != whole.Connections[0].Server.Port() || !c.WebSocket ||
					(c.RoleBasis != tc.roleBasis && c.RoleBasis != "shared-port") || c.WebSocketBasis != tc.wsBasis {
					t.Errorf("connection %d: %v -> %v basis %s, websocket %v (%s)", c.ID, c.Client, c.Server, c.RoleBasis, c.WebSocket, c.WebSocketBasis)
				}
			}
			shift := tc.first - 1
			var want, got []string
			for _, f := range whole.Frames {
				if f.FirstPacket >= tc.first && f.Packet <= tc.last {
					want = append(want, frameKey(f, shift))
				}
			}
			for _, f := range res.Frames {
				if f.Complete {
					got = append(got, frameKey(f, 0))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("frames:\n got %q\nwant %q", got, want)
			}
			if tc.sameTexts {
				var wantT, gotT []string
				for _, m := range whole.Messages {
					if len(m.Frames) > 0 && m.Frames[0].FirstPacket >= tc.first {
						wantT = append(wantT, fmt.Sprintf("%d %s %q", m.Packet-shift, m.OpcodeName(), m.Data))
					}
				}
				for _, m := range res.Messages {
					gotT = append(gotT, fmt.Sprintf("%d %s %q", m.Packet, m.OpcodeName(), m.Data))
				}
				if fmt.Sprint(gotT) != fmt.Sprint(wantT) {
					t.Errorf("messages:\n got %.300q\nwant %.300q", gotT, wantT)
				}
			}
			if tc.noTshark != "" {
				t.Log(tc.noTshark)
				return
			}
			n, texts := compareWithTshark(t, tshark, cut, res)
			t.Logf("%d frames identical to tshark's, %d texts", n, texts)
		})
	}
}

// deleteCapturePackets removes packets from a testdata capture, with
// editcap, as a capture that missed them would.
func deleteCapturePackets(t *testing.T, name string, extra []string, packets ...int) string {
	t.Helper()
	editcap := testenv.NeedTool(t, "editcap")
	out := filepath.Join(t.TempDir(), "cut-"+name)
	args := append(append([]string{}, extra...), filepath.Join("..", "testdata", name), out)
	for _, p := range packets {
		args = append(args, strconv.Itoa(p))
	}
	if b, err := exec.Command(editcap, args...).CombinedOutput(); err != nil {
		t.Fatalf("editcap %v: %v\n%s", args, err, b)
	}
	return out
}

const tsharkAckUnseenAgain = "tshark flags a second 'ACKed unseen segment' for the same hole: its 'max seq to be " +
	"acked' stays below the hole after the first flag, so the next ACK beyond it is flagged again although it only " +
	"acknowledges bytes that were captured; the hole was reported once, at the first ACK"

// Bytes never captured: whole segments missing, and the snap length cutting
// every packet short. What the gaps hide is reported incomplete; parsing
// resumes after them.
func TestGaps(t *testing.T) {
	whole := annotateFile(t, "chromium-ws-plain-any.pcap", Options{})
	type msgKey struct {
		from   Role
		opcode uint8
		data   string
	}
	keys := func(res *Result, skip map[string]bool) []msgKey {
		var out []msgKey
		for _, m := range res.Messages {
			if !skip[string(m.Data)] {
				out = append(out, msgKey{m.From, uint8(m.Opcode), string(m.Data)})
			}
		}
		return out
	}
	t.Run("segment inside a frame", func(t *testing.T) {
		file := deleteCapturePackets(t, "chromium-ws-plain-any.pcap", nil, 55)
		res := annotatePath(t, file, Options{})
		compareAnalysisFile(t, file, res, map[int]string{57: tsharkAckUnseenAgain})
		var big *Message
		for _, m := range res.Messages {
			if m.WireSize == 70000 {
				big = m
			}
		}
		if big == nil || !big.Incomplete || big.Frames[0].Complete || big.Size != 70000 || len(big.Data) != 32768-10 {
			t.Fatalf("the 70,000-byte message: %+v", big)
		}
		bigWhole := strings.Repeat("x", 70000)
		if fmt.Sprint(keys(res, map[string]bool{string(big.Data): true})) != fmt.Sprint(keys(whole, map[string]bool{bigWhole: true})) {
			t.Errorf("the other messages differ from the whole capture's")
		}
		if !hasEvent(res, 55, "tcp-gap", paramMap{"bytes": 32768, "reason": "ack"}) || !hasEvent(res, 56, "tcp-previous-segment-missing", nil) {
			t.Errorf("packets 55, 56: %s | %s", eventsOf(res, 55), eventsOf(res, 56))
		}
	})
	t.Run("a whole frame", func(t *testing.T) {
		file := deleteCapturePackets(t, "chromium-ws-plain-any.pcap", nil, 45)
		res := annotatePath(t, file, Options{})
		compareAnalysisFile(t, file, res, map[int]string{47: tsharkAckUnseenAgain})
		lost := `{"type":"frag"}`
		if fmt.Sprint(keys(res, nil)) != fmt.Sprint(keys(whole, map[string]bool{lost: true})) {
			t.Errorf("messages:\n got %.400v\nwant %.400v", keys(res, nil), keys(whole, map[string]bool{lost: true}))
		}
		if !hasEvent(res, 45, "ws-sync-lost", nil) && !hasEvent(res, 45, "tcp-gap", nil) {
			t.Errorf("packet 45: %s", eventsOf(res, 45))
		}
	})
	t.Run("snap length", func(t *testing.T) {
		res := annotatePath(t, deleteCapturePackets(t, "chromium-ws-plain-any.pcap", []string{"-s", "120"}), Options{})
		if len(res.Messages) != len(whole.Messages) {
			t.Fatalf("%d messages, want %d", len(res.Messages), len(whole.Messages))
		}
		cut := 0
		for i, m := range res.Messages {
			w := whole.Messages[i]
			if m.Opcode != w.Opcode || m.From != w.From || m.Size != w.Size || !strings.HasPrefix(string(w.Data), string(m.Data)) {
				t.Errorf("message %d: %s %s %d bytes of %d; want %s %s %d", i, m.From, m.OpcodeName(), len(m.Data), m.Size, w.From, w.OpcodeName(), w.Size)
			}
			if m.Incomplete != (len(m.Data) < len(w.Data)) {
				t.Errorf("message %d: incomplete %v with %d of %d bytes", i, m.Incomplete, len(m.Data), len(w.Data))
			}
			if m.Incomplete {
				cut++
			}
		}
		if cut == 0 {
			t.Error("no message was cut by the snap length")
		}
		t.Logf("%d of %d messages cut by the snap length", cut, len(res.Messages))
	})
}
