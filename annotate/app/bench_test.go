package app_test

import (
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate/app"
)

// BenchmarkExplainSocketIO explains the Socket.IO fixture (annotated once).
func BenchmarkExplainSocketIO(b *testing.B) {
	res, _ := explainFile(b, "../../testdata/socketio-chat.pcap", app.Options{})
	var size int64
	for _, m := range res.Messages {
		size += int64(len(m.Data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		app.Explain(res, app.Options{})
	}
}

// benchStream decodes the same message n times per op on one stream.
func benchStream(b *testing.B, h app.Handshake, m app.Message) {
	b.SetBytes(int64(len(m.Data)))
	b.ReportAllocs()
	s := app.NewAnalyzer(app.Options{}).Open(h)
	i := 0
	for b.Loop() {
		m.Loc = app.Loc{Message: i}
		i++
		if len(s.Decode(m)) == 0 {
			b.Fatal("no record")
		}
	}
}

func BenchmarkSocketIOEvent(b *testing.B) {
	benchStream(b, app.Handshake{Path: "/socket.io/?EIO=4&transport=websocket"},
		app.Message{From: app.Client, Data: []byte(`42["say",{"from":"mynick","text":"hi, all ！","n":12345}]`)})
}

func BenchmarkSTOMPMessage(b *testing.B) {
	benchStream(b, app.Handshake{Protocol: "v12.stomp"},
		app.Message{From: app.Server, Data: []byte("MESSAGE\nsubscription:0\nmessage-id:007\ndestination:/topic/chat\ncontent-type:text/plain\n\n" + strings.Repeat("x", 200) + "\x00")})
}

func BenchmarkMQTTPublish(b *testing.B) {
	payload := strings.Repeat("y", 1000)
	pkt := append([]byte{0x32, 0x80 | byte((2+10+2+len(payload))&0x7f), byte((2 + 10 + 2 + len(payload)) >> 7), 0, 10}, "chat/room1\x00\x07"+payload...)
	benchStream(b, app.Handshake{Protocol: "mqtt"}, app.Message{From: app.Client, Binary: true, Data: pkt})
}

func BenchmarkJSONRPCRequest(b *testing.B) {
	benchStream(b, app.Handshake{Protocol: "jsonrpc"},
		app.Message{From: app.Client, Data: []byte(`{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":1}`)})
}
