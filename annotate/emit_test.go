package annotate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/internal/capturetest"
)

// describe writes what the annotation says about one packet, with
// pointers replaced by the indexes they stand for.
func describePacket(pi *PacketInfo) string {
	var b strings.Builder
	conn := 0
	if pi.Conn != nil {
		conn = pi.Conn.ID
	}
	fmt.Fprintf(&b, "#%d conn %d %s %s seq %d ack %d rel %v off %d win %d\n", pi.Number, conn, pi.From, pi.Phase, pi.Seq, pi.Ack, pi.Relative, pi.StreamOffset, pi.Window)
	for _, e := range pi.Events {
		fmt.Fprintf(&b, "  event %s %v", e.Kind, e.Params)
		if e.Frame != nil {
			fmt.Fprintf(&b, " frame %d", e.Frame.Index)
		}
		if e.Message != nil {
			fmt.Fprintf(&b, " message %d", e.Message.Index)
		}
		b.WriteByte('\n')
	}
	for _, f := range pi.Fields {
		fi := -1
		if f.Frame != nil {
			fi = f.Frame.Index
		}
		fmt.Fprintf(&b, "  field %s %q %v %v frame %d off %d partial %v\n", f.Kind, f.Name, f.Payload, f.Data, fi, f.Offset, f.Partial)
	}
	for _, f := range pi.Frames {
		fmt.Fprintf(&b, "  %s\n", describeFrame(f))
	}
	for _, m := range pi.Messages {
		fmt.Fprintf(&b, "  %s\n", describeMessage(m))
	}
	return b.String()
}

func describeFrame(f *Frame) string {
	mi := -1
	if f.Message != nil {
		mi = f.Message.Index
	}
	return fmt.Sprintf("frame %d conn %d %s packets %d-%d op %d fin %v len %d complete %v message %d faults %v payload %x",
		f.Index, f.Conn.ID, f.From, f.FirstPacket, f.Packet, f.Opcode, f.FIN, f.PayloadLength, f.Complete, mi, f.Faults, f.Payload)
}

func describeMessage(m *Message) string {
	ri := -1
	if m.RelayOf != nil {
		ri = m.RelayOf.Index
	}
	var relays []int
	for _, r := range m.Relays {
		relays = append(relays, r.Index)
	}
	var frames []int
	for _, f := range m.Frames {
		frames = append(frames, f.Index)
	}
	return fmt.Sprintf("message %d conn %d %s packet %d op %d frames %v size %d truncated %v incomplete %v relay_of %d relays %v faults %v data %q",
		m.Index, m.Conn.ID, m.From, m.Packet, m.Opcode, frames, m.Size, m.Truncated, m.Incomplete, ri, relays, m.Faults, m.Data)
}

func describeConn(c *Connection) string {
	s := fmt.Sprintf("conn %d %s %s %s packets %d-%d (%d) isn %v %d %d ws %v %s teardown %q bytes %d %d gaps %d %d",
		c.ID, c.Client, c.Server, c.RoleBasis, c.FirstPacket, c.LastPacket, c.Packets, c.HaveISN, c.ClientISN, c.ServerISN,
		c.WebSocket, c.WebSocketBasis, c.Teardown, c.ClientBytes, c.ServerBytes, c.ClientGapBytes, c.ServerGapBytes)
	if c.Upgrade != nil {
		s += fmt.Sprintf(" upgrade %+v", *c.Upgrade)
	}
	if c.Deflate != nil {
		s += fmt.Sprintf(" deflate %+v", *c.Deflate)
	}
	return s
}

// streamed is what a streaming Annotator handed over, described.
type streamed struct {
	packets, frames, messages, conns []string
	order                            []RecordKind
}

// annotateBoth annotates src's packets once collecting everything and once
// streaming.
func annotateBoth(t *testing.T, pkts []*capture.Packet, opts Options) (*Result, *streamed, *Annotator) {
	t.Helper()
	res := collect(pkts, opts)
	var got streamed
	opts.Emit = func(r Record) error {
		got.order = append(got.order, r.Kind)
		switch r.Kind {
		case RecordPacket:
			got.packets = append(got.packets, describePacket(r.Packet))
		case RecordFrame:
			got.frames = append(got.frames, describeFrame(r.Frame))
		case RecordMessage:
			got.messages = append(got.messages, describeMessage(r.Message))
		case RecordConnection:
			got.conns = append(got.conns, describeConn(r.Connection))
		default:
			t.Errorf("record of kind %v", r.Kind)
		}
		return nil
	}
	a := New(opts)
	for _, p := range pkts {
		if _, err := a.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if r := a.Finish(); len(r.Packets)+len(r.Frames)+len(r.Messages)+len(r.Connections) != 0 {
		t.Errorf("a streaming Finish returned a Result with %d packets", len(r.Packets))
	}
	return res, &got, a
}

func collect(pkts []*capture.Packet, opts Options) *Result {
	a := New(opts)
	for _, p := range pkts {
		a.Add(p)
	}
	return a.Finish()
}

// compareStreams checks that streaming hands over exactly what collecting
// returns, in order.
func compareStreams(t *testing.T, res *Result, got *streamed) {
	t.Helper()
	check := func(what string, want, got []string) {
		t.Helper()
		if len(want) != len(got) {
			t.Errorf("%s: streamed %d, collected %d", what, len(got), len(want))
		}
		for i := range min(len(want), len(got)) {
			if want[i] != got[i] {
				t.Errorf("%s %d differs:\nstreamed:  %s\ncollected: %s", what, i, got[i], want[i])
				return
			}
		}
	}
	var want []string
	for _, pi := range res.Packets {
		want = append(want, describePacket(pi))
	}
	check("packet", want, got.packets)
	want = nil
	for _, f := range res.Frames {
		want = append(want, describeFrame(f))
	}
	check("frame", want, got.frames)
	want = nil
	for _, m := range res.Messages {
		want = append(want, describeMessage(m))
	}
	check("message", want, got.messages)
	want = nil
	for _, c := range res.Connections {
		want = append(want, describeConn(c))
	}
	// Connections come as they close; compare as sets in ID order.
	byID := map[string]bool{}
	for _, c := range got.conns {
		byID[c] = true
	}
	for _, c := range want {
		if !byID[c] {
			t.Errorf("connection not streamed as collected: %s\nstreamed: %q", c, got.conns)
		}
	}
	if len(want) != len(got.conns) {
		t.Errorf("streamed %d connections, collected %d", len(got.conns), len(want))
	}
}

// TestStreamMatchesCollect streams every fixture and checks that each
// packet, frame, message and connection handed over says what Annotate
// says of it.
func TestStreamMatchesCollect(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*.pcap"))
	more, _ := filepath.Glob(filepath.Join("..", "testdata", "corpus", "*.pcap*"))
	paths = append(paths, more...)
	if len(paths) < 5 {
		t.Fatalf("only %d fixtures", len(paths))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			pkts := capturetest.Read(t, path)
			res, got, _ := annotateBoth(t, pkts, Options{Location: time.UTC})
			compareStreams(t, res, got)
		})
	}
}

// TestStreamSmallHold forces the look-ahead bound on every packet: nothing
// is lost or handed over twice, only some facts come too late.
func TestStreamSmallHold(t *testing.T) {
	pkts := capturetest.Read(t, filepath.Join("..", "testdata", "chromium-ws-deflate.pcap"))
	res, got, _ := annotateBoth(t, pkts, Options{Location: time.UTC, MaxHeld: 2})
	if len(got.packets) != len(res.Packets) || len(got.frames) != len(res.Frames) || len(got.messages) != len(res.Messages) || len(got.conns) != len(res.Connections) {
		t.Errorf("streamed %d/%d/%d/%d packets/frames/messages/connections, collected %d/%d/%d/%d",
			len(got.packets), len(got.frames), len(got.messages), len(got.conns), len(res.Packets), len(res.Frames), len(res.Messages), len(res.Connections))
	}
	for i, p := range got.packets {
		if !strings.HasPrefix(p, fmt.Sprintf("#%d ", i+1)) {
			t.Fatalf("record %d is %s", i, p[:min(len(p), 20)])
		}
	}
}

// TestStreamMemoryBounded streams a capture of many sessions, one after
// the other, and checks that what the Annotator holds stays the size of
// one session, not of the capture.
func TestStreamMemoryBounded(t *testing.T) {
	one := capturetest.Read(t, filepath.Join("..", "testdata", "chromium-ws-deflate.pcap"))
	pkts := capturetest.Repeat(one, 30)
	maxHeld, maxConns, maxMsgs := 0, 0, 0
	var a *Annotator
	records := 0
	a = New(Options{Location: time.UTC, Emit: func(r Record) error {
		records++
		maxHeld = max(maxHeld, len(a.queue)-a.queueHead)
		maxConns = max(maxConns, len(a.states)+len(a.doneConns))
		maxMsgs = max(maxMsgs, len(a.msgs)-a.msgsHead)
		return nil
	}})
	for _, p := range pkts {
		if _, err := a.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	a.Finish()
	t.Logf("%d packets in, %d records out; at most %d packets, %d connections, %d messages held", len(pkts), records, maxHeld, maxConns, maxMsgs)
	if maxHeld > len(one)+256 || maxConns > 3*4 || records < len(pkts) {
		t.Errorf("held up to %d packets and %d connections for %d sessions of %d packets", maxHeld, maxConns, 30, len(one))
	}
	if a.retained != 0 {
		t.Errorf("%d message bytes still counted after Finish", a.retained)
	}
	// The same as collecting.
	res, got, _ := annotateBoth(t, pkts, Options{Location: time.UTC})
	compareStreams(t, res, got)
}

// TestStreamEmitError stops at the first error Emit returns.
func TestStreamEmitError(t *testing.T) {
	pkts := capturetest.Read(t, filepath.Join("..", "testdata", "workerman-chat.pcap"))
	stop := errors.New("disk full")
	n := 0
	a := New(Options{Location: time.UTC, MaxHeld: 1, Emit: func(Record) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	}})
	var err error
	for _, p := range pkts {
		if _, err = a.Add(p); err != nil {
			break
		}
	}
	if !errors.Is(err, stop) || !errors.Is(a.Err(), stop) || n != 3 {
		t.Errorf("Add returned %v after %d records, Err %v", err, n, a.Err())
	}
	a.Finish()
	if n != 3 {
		t.Errorf("Finish went on emitting: %d records", n)
	}
}

// TestRetainCap caps the message content kept: later messages keep what
// fits and say so.
func TestRetainCap(t *testing.T) {
	pkts := capturetest.Read(t, filepath.Join("..", "testdata", "chromium-ws-deflate.pcap"))
	full := collect(pkts, Options{Location: time.UTC, MaxRetained: -1})
	total := int64(0)
	for _, m := range full.Messages {
		total += int64(len(m.Data))
	}
	limit := total / 2
	res := collect(pkts, Options{Location: time.UTC, MaxRetained: limit})
	kept, cut := int64(0), 0
	for i, m := range res.Messages {
		kept += int64(len(m.Data))
		if !bytes.HasPrefix(full.Messages[i].Data, m.Data) {
			t.Errorf("message %d: kept data is not a prefix of the whole", i)
		}
		if m.RetainCapHit {
			cut++
			pi := res.Packets[m.Packet-1]
			e, ok := pi.Event("ws-memory-cap")
			if !ok || e.Int("cap") != limit || e.Int("kept") != int64(len(m.Data)) || !m.Truncated {
				t.Errorf("message %d cut without a ws-memory-cap event: %v", i, pi.Events)
			}
		}
	}
	if kept > limit || cut == 0 {
		t.Errorf("kept %d bytes of %d under a cap of %d, %d messages cut", kept, total, limit, cut)
	}
}

var _ = io.EOF
var _ = os.Open

// TestRetainCapBombs sends compressed messages that each inflate to
// 1 MiB (deflated by compress/flate, as a permessage-deflate peer does):
// the content kept stays under the cap, every message is still there and
// the cut ones say so.
func TestRetainCapBombs(t *testing.T) {
	b := newCapBuilder()
	c := upgradeWith(b, "permessage-deflate", "permessage-deflate; server_no_context_takeover")
	const n, size, limit = 12, 1 << 20, 3 << 20
	for i := range n {
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, flate.BestCompression)
		fmt.Fprintf(w, "message %d ", i)
		w.Write(make([]byte, size-16))
		w.Flush()
		payload := bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
		c.send(Server, wsFrame(true, 4, 2, nil, payload))
		c.ack(Client)
	}
	for _, stream := range []bool{false, true} {
		opts := Options{MaxRetained: limit}
		var msgs []*Message
		if stream {
			opts.Emit = func(r Record) error {
				if r.Kind == RecordMessage {
					msgs = append(msgs, r.Message)
				}
				return nil
			}
		}
		res := b.annotate(t, opts)
		if !stream {
			msgs = res.Messages
		}
		kept, cut := 0, 0
		for _, m := range msgs {
			kept += len(m.Data)
			if m.RetainCapHit {
				cut++
			}
			if (m.Size < size-16 || len(m.Data) != int(m.Size)) && !m.RetainCapHit {
				t.Errorf("stream %v: message %d of %d bytes", stream, m.Index, m.Size)
			}
		}
		if len(msgs) != n || kept > limit || cut == 0 {
			t.Errorf("stream %v: %d messages, %d bytes kept under a cap of %d, %d cut", stream, len(msgs), kept, limit, cut)
		}
	}
}
