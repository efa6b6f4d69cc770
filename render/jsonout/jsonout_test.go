package jsonout_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render/jsonout"
)

func annotateFile(t *testing.T, name string) *annotate.Result {
	t.Helper()
	r, err := capture.OpenFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// render writes the JSON and decodes it back, both into the document types
// and into generic values (to check the member names as written).
func render(t *testing.T, res *annotate.Result, opts jsonout.Options) (*jsonout.Document, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	if err := jsonout.Write(&buf, res, opts); err != nil {
		t.Fatal(err)
	}
	var doc jsonout.Document
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decoding the output: %v", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	return &doc, raw
}

func TestWorkerman(t *testing.T) {
	doc, raw := render(t, annotateFile(t, "workerman-chat.pcap"), jsonout.Options{})
	if doc.Format != "wstrace" || doc.Version != 1 {
		t.Errorf("format %q version %d", doc.Format, doc.Version)
	}
	if len(doc.Connections) != 2 || len(doc.Packets) != 30 || len(doc.Frames) != 11 || len(doc.Messages) != 11 {
		t.Fatalf("%d connections, %d packets, %d frames, %d messages", len(doc.Connections), len(doc.Packets), len(doc.Frames), len(doc.Messages))
	}
	c := doc.Connections[1]
	if c.ID != 2 || c.Client != "127.0.0.1:60653" || c.Server != "127.0.0.1:7272" || c.Upgrade == nil || !c.Upgrade.AcceptValid ||
		c.Upgrade.Key != "zPDr6m4czzUdOFnsxIUEAw==" {
		t.Errorf("connection 2: %+v upgrade %+v", c, c.Upgrade)
	}

	// The tutorial's 19 lines are the summaries of packets 12-30.
	lines, err := os.ReadFile(filepath.Join("..", "..", "testdata", "workerman-chat.seed-lines.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(lines))
	n := 12
	for sc.Scan() {
		if p := doc.Packets[n-1]; p.Summary != sc.Text() || p.Number != n {
			t.Errorf("packet %d summary\n got %q\nwant %q", n, p.Summary, sc.Text())
		}
		n++
	}
	if n != 31 {
		t.Errorf("the seed has %d lines", n-12)
	}

	p := doc.Packets[14] // the upgrade request
	if p.Connection != 2 || p.From != "client" || p.Phase != "ws-upgrade-request" || p.PayloadLength != 715 ||
		p.Seq == nil || *p.Seq != 1 || p.Ack == nil || *p.Ack != 1 || !p.Relative {
		t.Errorf("packet 15: %+v", p)
	}
	if len(p.Events) == 0 || p.Events[0].Kind() != "ws-upgrade-request" || p.Events[0]["key"] != "zPDr6m4czzUdOFnsxIUEAw==" ||
		p.Events[0]["length"] != float64(715) {
		t.Errorf("packet 15 events %v", p.Events)
	}
	headers := 0
	for _, f := range p.Fields {
		if f.Kind == "http-header" {
			headers++
			if f.DataStart-f.Start != p.PayloadOffset || f.End <= f.Start {
				t.Errorf("field %+v", f)
			}
		}
	}
	if headers != 13 {
		t.Errorf("%d header fields, want 13", headers)
	}
	ack := doc.Packets[15]
	if ack.Phase != "ack" || ack.Events[0]["acked_bytes"] != float64(715) || ack.Events[0]["acked_phase"] != "ws-upgrade-request" {
		t.Errorf("packet 16 %+v", ack)
	}

	// The masked login frame and its message.
	f := doc.Frames[4]
	if f.Packet != 19 || f.Connection != 2 || f.From != "client" || !f.FIN || f.RSV != 0 || f.Opcode != 1 || f.OpcodeName != "text" ||
		!f.Masked || f.MaskKey == nil || *f.MaskKey != "9c265fd1" || f.PayloadLength != 32 || f.LengthBits != 7 || f.Message == nil {
		t.Errorf("frame 4: %+v", f)
	}
	m := doc.Messages[*f.Message]
	if m.Packet != 19 || m.Text == nil || *m.Text != `{"type":"login","name":"mynick"}` || m.DataBase64 != nil || !m.JSON ||
		m.CloseCode != nil || m.RelayOf != nil || m.Fragments != 1 {
		t.Errorf("message: %+v", m)
	}
	// The relays.
	for relay, origin := range map[int]int{24: 22, 29: 27} {
		rm := doc.Messages[doc.Packets[relay-1].Messages[0]]
		om := doc.Messages[doc.Packets[origin-1].Messages[0]]
		if rm.RelayOf == nil || *rm.RelayOf != om.Index || len(om.Relays) != 1 || om.Relays[0] != rm.Index {
			t.Errorf("packet %d: relay_of %v, origin relays %v", relay, rm.RelayOf, om.Relays)
		}
	}
	// The causes: packet 24 tells the other browser of mynick's login
	// (packet 19), packet 29 passes on what mynick said in packet 26.
	for p, cause := range map[int]int{24: 19, 29: 26, 27: 26} {
		pm := doc.Messages[doc.Packets[p-1].Messages[0]]
		cm := doc.Messages[doc.Packets[cause-1].Messages[0]]
		if pm.CausedBy == nil || *pm.CausedBy != cm.Index {
			t.Errorf("packet %d: caused_by %v, want message %d (packet %d)", p, pm.CausedBy, cm.Index, cause)
		}
	}
	if m.CausedBy != nil {
		t.Errorf("a client message has caused_by %d", *m.CausedBy)
	}

	// Member names as written, for the fields the issue names.
	for _, name := range []string{"connections", "packets", "frames", "messages"} {
		if _, ok := raw[name].([]any); !ok {
			t.Errorf("no %q array", name)
		}
	}
	need := map[string][]string{
		"connections": {"id", "client", "server"},
		"packets":     {"number", "time", "connection", "from", "summary", "phase", "events"},
		"frames":      {"packet", "connection", "from", "fin", "rsv", "opcode", "masked", "mask_key", "payload_length", "length_bits"},
		"messages":    {"packet", "connection", "from", "opcode", "fragments", "compressed", "close_code", "close_reason", "relay_of", "caused_by"},
	}
	for list, names := range need {
		obj := raw[list].([]any)[0].(map[string]any)
		for _, name := range names {
			if _, ok := obj[name]; !ok {
				t.Errorf("%s[0] has no %q", list, name)
			}
		}
	}
}

func TestChromiumDeflate(t *testing.T) {
	doc, _ := render(t, annotateFile(t, "chromium-ws-deflate.pcap"), jsonout.Options{Indent: true, FramePayloads: true})
	var binary, closes, big, frag int
	for _, m := range doc.Messages {
		switch {
		case m.OpcodeName == "binary":
			binary++
			b, err := base64.StdEncoding.DecodeString(*m.DataBase64)
			if err != nil || string(b) != "\x00\x01\x02\x03\xff\xfe\x0a\x0d" || m.Text != nil || !m.Compressed {
				t.Errorf("binary message %+v", m)
			}
		case m.OpcodeName == "close":
			closes++
			if m.CloseCode == nil || m.CloseReason == nil || (*m.CloseCode != 1000 && *m.CloseCode != 1001) {
				t.Errorf("close message %+v", m)
			}
		case m.Size == 70000:
			big++
			if m.Text == nil || *m.Text != strings.Repeat("x", 70000) {
				t.Errorf("the 70,000-byte message")
			}
		case m.Fragments == 3:
			frag++
			if m.Text == nil || *m.Text != "part-one,part-two,part-three" || !m.Compressed || doc.Frames[m.Frames[0]].RSV != 4 {
				t.Errorf("fragmented message %+v", m)
			}
		}
	}
	if binary != 2 || closes != 4 || big != 1 || frag != 1 {
		t.Errorf("%d binary, %d close, %d big, %d fragmented messages", binary, closes, big, frag)
	}
	for _, c := range doc.Connections {
		if c.Deflate == nil || c.Deflate.ServerMaxWindowBits != 15 || c.Deflate.Raw != "permessage-deflate" {
			t.Errorf("connection %d deflate %+v", c.ID, c.Deflate)
		}
	}
	// Frame payloads, unmasked, when asked for.
	f := doc.Frames[0]
	if f.PayloadBase64 == nil {
		t.Fatal("no payload_base64")
	}
	if b, _ := base64.StdEncoding.DecodeString(*f.PayloadBase64); len(b) != int(f.PayloadLength) {
		t.Errorf("frame 0 payload %d bytes, length %d", len(b), f.PayloadLength)
	}
}

func ExampleWrite() {
	r, err := capture.OpenFile("../../testdata/workerman-chat.pcap")
	if err != nil {
		panic(err)
	}
	defer r.Close()
	res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	if err := jsonout.Write(&buf, res, jsonout.Options{}); err != nil {
		panic(err)
	}
	var doc jsonout.Document
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		panic(err)
	}
	for _, p := range doc.Packets[11:19] {
		fmt.Println(p.Number, p.From, p.Phase)
	}
	// Output:
	// 12 client tcp-handshake-1
	// 13 server tcp-handshake-2
	// 14 client tcp-handshake-3
	// 15 client ws-upgrade-request
	// 16 server ack
	// 17 server ws-upgrade-response
	// 18 client ack
	// 19 client ws-data
}
