package annotate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
)

// checkResult checks what must hold of any annotation, whatever the input.
func checkResult(t *testing.T, res *Result) {
	t.Helper()
	for i, p := range res.Packets {
		if p.Phase == "" {
			t.Fatalf("packet %d has no phase", p.Number)
		}
		if p.Number != i+1 {
			t.Fatalf("packet %d is numbered %d", i+1, p.Number)
		}
		for _, f := range p.Fields {
			if f.Payload.Start < 0 || f.Payload.End < f.Payload.Start || f.Data.End > len(p.Packet.Data) || f.Data.Start < 0 {
				t.Fatalf("packet %d: field %s out of range: %+v (data %d bytes)", p.Number, f.Kind, f, len(p.Packet.Data))
			}
		}
	}
	for i, f := range res.Frames {
		if f.Index != i || f.Packet < 1 || f.Packet > len(res.Packets) || f.FirstPacket > f.Packet {
			t.Fatalf("frame %d: index %d packet %d first %d", i, f.Index, f.Packet, f.FirstPacket)
		}
	}
	for i, m := range res.Messages {
		if m.Index != i || m.Packet < 1 || m.Packet > len(res.Packets) {
			t.Fatalf("message %d: index %d packet %d", i, m.Index, m.Packet)
		}
		if m.RelayOf != nil && m.RelayOf.Index >= m.Index {
			t.Fatalf("message %d relays a later message %d", i, m.RelayOf.Index)
		}
	}
}

func annotateBytes(t *testing.T, data []byte, opts Options) *Result {
	r, err := capture.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	opts.Location = time.UTC
	opts.Summary = noSummary // the printer has fuzz targets of its own
	res, _ := Annotate(r, opts)
	return res
}

func noSummary(*capture.Packet) string { return "" }

// FuzzAnnotate feeds arbitrary bytes as a capture file through the reader
// and the annotator: nothing may panic, and the result must hang together.
func FuzzAnnotate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.pcap*"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	b := newCapBuilder()
	c := upgradeWith(b, "permessage-deflate", "permessage-deflate")
	c.send(Server, mustHex("c107f248cdc9c90700"))
	c.sendAt(Client, 300, rfcMaskedHello)
	c.send(Client, rfcMaskedHello[:3])
	c.fin(Client)
	f.Add(b.pcap())
	f.Fuzz(func(t *testing.T, data []byte) {
		res := annotateBytes(t, data, Options{MaxMessageSize: 1 << 16, MaxReassembly: 1 << 16})
		if res != nil {
			checkResult(t, res)
		}
	})
}

// FuzzAnnotateStreams keeps the packet headers valid and fuzzes what the
// connection carries: the client's and the server's bytes, cut into
// segments and sent in an order the fuzzer picks, so that the HTTP and
// WebSocket parsers and the reassembly see arbitrary streams.
func FuzzAnnotateStreams(f *testing.F) {
	f.Add([]byte(rfcRequest), []byte(rfcResponse+string(rfcUnmaskedHello)), []byte{7, 3, 200, 1})
	f.Add([]byte(rfcRequest+string(rfcMaskedHello)), []byte(rfcResponse), []byte{0, 0, 0})
	f.Add(cat(rfcMaskedHello, rfcMaskedPong), cat(mustHex("4103f248cd"), mustHex("8004c9c90700")), []byte{1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, client, server, plan []byte) {
		if len(client)+len(server) > 1<<16 || len(plan) > 256 {
			return
		}
		b := newCapBuilder()
		c := b.conv("10.0.0.1:50000", "10.0.0.2:8080")
		if len(plan) > 0 && plan[0]&1 == 0 {
			c.handshake()
		}
		// Each plan byte sends the next piece of one side: bit 7 picks the
		// side, bits 0-5 the length, bit 6 re-sends the previous piece.
		sent := [3]int{}
		streams := [3][]byte{nil, client, server}
		for _, step := range plan {
			r := Client
			if step&0x80 != 0 {
				r = Server
			}
			n := int(step&0x3f) + 1
			s := streams[r]
			at := sent[r]
			if step&0x40 != 0 && at > 0 {
				at = max(0, at-n)
			}
			end := min(len(s), at+n)
			c.sendAt(r, at, s[at:end])
			sent[r] = max(sent[r], end)
			c.next[r] = c.isn[r] + 1 + uint32(sent[r])
		}
		for _, r := range []Role{Client, Server} {
			if sent[r] < len(streams[r]) {
				c.sendAt(r, sent[r], streams[r][sent[r]:])
			}
		}
		res := annotateBytes(t, b.pcap(), Options{MaxMessageSize: 1 << 12})
		if res == nil {
			t.Fatal("the capture built could not be read")
		}
		checkResult(t, res)
	})
}
