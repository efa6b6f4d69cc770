package jsonout_test

import (
	"testing"

	"github.com/wstrace/wstrace/render/jsonout"
)

// The Socket.IO fixture (Chromium and npm socket.io 4): every message has
// its application records, links are message indexes, and the packets that
// complete long-polling bodies have theirs.
func TestSocketIOApp(t *testing.T) {
	doc, _ := render(t, annotateFile(t, "socketio-chat.pcap"), jsonout.Options{Redact: true})
	byText := map[string]*jsonout.Message{}
	for i := range doc.Messages {
		m := &doc.Messages[i]
		if m.Text != nil {
			byText[*m.Text] = m
		}
		if m.OpcodeName != "close" && len(m.App) == 0 {
			t.Errorf("message %d (%v): no app record", m.Index, m.Text)
		}
	}
	say := byText[`42["say","hi, all ！"]`]
	if say == nil || len(say.App) != 1 {
		t.Fatalf("the say message: %+v", say)
	}
	a := say.App[0]
	if a.Protocol != "socket.io" || a.Type != "EVENT" || a.Fields[0].Name != "namespace" {
		t.Errorf("say: %+v", a)
	}
	got := map[string]any{}
	for _, f := range a.Fields {
		got[f.Name] = f.Value
	}
	if got["event"] != "say" || len(got["args"].([]any)) != 1 || got["args"].([]any)[0] != "hi, all ！" {
		t.Errorf("say fields: %v", got)
	}
	ack := byText[`430[{"ok":true,"id":"hNvd5Xp6qv-M5tnbAAAB"}]`]
	if ack == nil || len(ack.App) != 1 || len(ack.App[0].Links) != 1 {
		t.Fatalf("the ACK: %+v", ack)
	}
	l := ack.App[0].Links[0]
	if l.Rel != "answers" || l.Message == nil || doc.Messages[*l.Message].Text == nil || *doc.Messages[*l.Message].Text != `420["login",{"name":"mynick"}]` {
		t.Errorf("the ACK's link: %+v", l)
	}
	var opens, connects int
	for _, p := range doc.Packets {
		for _, h := range p.App {
			if p.PayloadLength == 0 {
				t.Errorf("packet %d without payload: %+v", p.Number, h)
			}
			switch h.Type {
			case "open":
				opens++
			case "CONNECT":
				connects++
				if p.From == "client" && h.Fields[2].Value != "<redacted>" {
					t.Errorf("CONNECT auth: %+v", h.Fields)
				}
			}
		}
	}
	if opens != 2 || connects != 4 {
		t.Errorf("the packets' app: %d open, %d CONNECT", opens, connects)
	}
}

// Each connection says which protocol it speaks and how that was found.
func TestConnectionApp(t *testing.T) {
	doc, _ := render(t, annotateFile(t, "socketio-chat.pcap"), jsonout.Options{Redact: true})
	var polling, ws int
	for _, c := range doc.Connections {
		if c.App == nil {
			continue
		}
		if c.App.Protocol != "socket.io" || c.App.Basis != "url" {
			t.Errorf("connection %d: %+v", c.ID, c.App)
		}
		if c.App.Polling {
			polling++
		}
		if c.WebSocket {
			ws++
		}
	}
	if polling != 3 || ws != 2 {
		t.Errorf("%d polling and %d WebSocket Socket.IO connections, want 3 and 2", polling, ws)
	}
	doc, _ = render(t, annotateFile(t, "workerman-chat.pcap"), jsonout.Options{})
	for _, c := range doc.Connections {
		if c.App != nil {
			t.Errorf("workerman-chat connection %d: %+v", c.ID, c.App)
		}
	}
}
