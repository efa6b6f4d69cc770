package annotate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/internal/capturetest"
)

// writeCapture writes packets to a pcapng file with the project's writer
// and returns its name.
func writeCapture(t *testing.T, pkts []*capture.Packet) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := capture.NewNgWriter(&buf, capture.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "reordered.pcapng")
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// captureLate returns the packets of a real capture in a different order:
// each data segment chosen by pick is moved to just after the first packet
// that acknowledges all of it, as a capture on several CPUs (or a merge of
// captures) can show it; dup packets are written twice.
func captureLate(t *testing.T, res *Result, pkts []*capture.Packet, pick func(pi *PacketInfo) bool, dup map[int]bool) (out []*capture.Packet, moved map[int]int) {
	t.Helper()
	after := map[int][]int{} // ACK packet -> data packets moved behind it
	moved = map[int]int{}
	for _, pi := range res.Packets {
		if pi.Conn == nil || pi.PayloadLength == 0 || !pick(pi) {
			continue
		}
		end := pi.Seq + uint32(pi.PayloadLength)
		for _, q := range res.Packets[pi.Number:] {
			if q.Conn != pi.Conn || q.From == pi.From || q.TCPFlags&decode.ACK == 0 || !q.Relative || !pi.Relative {
				continue
			}
			if int32(q.Ack-end) >= 0 {
				if _, taken := moved[q.Number]; !taken {
					after[q.Number] = append(after[q.Number], pi.Number)
					moved[pi.Number] = q.Number
				}
				break
			}
		}
	}
	for i, p := range pkts {
		n := i + 1
		if _, late := moved[n]; !late {
			out = append(out, p)
			if dup[n] {
				out = append(out, p)
			}
		}
		for _, m := range after[n] {
			out = append(out, pkts[m-1])
		}
	}
	if len(moved) == 0 {
		t.Fatal("no segment to move")
	}
	return out, moved
}

// TestCaptureOrder moves data segments of real captures behind the ACK
// that covers them (and repeats some packets): every message is still
// recovered, as in the capture in order and as the browser logged it, no
// byte is taken as lost, and each late segment is named as captured out of
// order.
func TestCaptureOrder(t *testing.T) {
	type msgKey struct {
		conn int
		from Role
		op   uint8
		data string
	}
	// The messages of each direction of each connection, in order (the
	// two directions interleave as the capture orders them).
	keys := func(res *Result) map[string][]msgKey {
		out := map[string][]msgKey{}
		for _, m := range res.Messages {
			k := fmt.Sprintf("%d-%s", m.Conn.ID, m.From)
			out[k] = append(out[k], msgKey{m.Conn.ID, m.From, uint8(m.Opcode), string(m.Data)})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		pick func(pi *PacketInfo) bool
	}{
		{"every data segment", func(pi *PacketInfo) bool { return true }},
		{"server data", func(pi *PacketInfo) bool { return pi.From == Server }},
		{"every other", func(pi *PacketInfo) bool { return pi.Number%2 == 0 }},
	} {
		for _, name := range []string{"chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap", "workerman-chat.pcap"} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				pkts := capturetest.Read(t, filepath.Join("..", "testdata", name))
				whole := collect(pkts, Options{})
				dup := map[int]bool{3: true, 10: true, 25: true}
				reordered, moved := captureLate(t, whole, pkts, tc.pick, dup)
				file := writeCapture(t, reordered)
				res := annotatePath(t, file, Options{})
				if got, want := fmt.Sprint(keys(res)), fmt.Sprint(keys(whole)); got != want {
					t.Errorf("%d segments captured late: messages differ\n got %.600s\nwant %.600s", len(moved), got, want)
				}
				late := 0
				for _, pi := range res.Packets {
					for _, e := range pi.Events {
						switch e.Kind {
						case "tcp-gap", "tcp-ack-unseen", "ws-sync-lost", "http-lost":
							t.Errorf("packet %d: %s %v", pi.Number, e.Kind, e.Params)
						case "tcp-out-of-order":
							if ack, ok := e.Params.Get("acked_first").(int); ok {
								if a := res.Packets[ack-1]; a.Conn != pi.Conn || a.From == pi.From || a.Number > pi.Number {
									t.Errorf("packet %d: acked_first %d is not an earlier ACK of the peer", pi.Number, ack)
								}
								late++
							}
						}
					}
				}
				if late < len(moved)/2 {
					t.Errorf("%d segments captured late, %d named so", len(moved), late)
				}
				if name == "chromium-ws-deflate.pcap" {
					checkBrowserLog(t, res)
				}
				// Streaming hands over the same.
				res2, got, _ := annotateBoth(t, capturetest.Read(t, file), Options{})
				compareStreams(t, res2, got)
			})
		}
	}
}
