package render

import (
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/app"
	"github.com/wstrace/wstrace/capture"
)

func annotateFixture(t *testing.T, name string) *annotate.Result {
	t.Helper()
	r, err := capture.OpenFile("../testdata/" + name)
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

// The Socket.IO fixture's page says what the application did, in every
// language, and labels the diagram by meaning.
func TestSocketIOPage(t *testing.T) {
	res := annotateFixture(t, "socketio-chat.pcap")
	want := map[string][]string{
		"en": {
			"Mynick emits the event `say` with `\"hi, all ！\"`.",
			"The server acknowledges the event `login` of packet 83 (ack id 0), answering `{\"ok\":true,\"id\":\"hNvd5Xp6qv-M5tnbAAAB\"}`.",
			"Mynick emits the event `file` with binary data: 1 attachment follows in binary frames",
			"This binary frame is attachment 0 (5 bytes) of the BINARY_EVENT `file` in packet 100.",
			"Mynick asks to join the Socket.IO namespace `/`, sending an auth payload `<redacted>` (members `token`).",
			"The server opens the Engine.IO session `7joIyeVrYuTHDj5FAAAA` (Engine.IO v4, over polling), offers to upgrade to `websocket`, and will ping every 1,000 ms, giving up after 3,000 ms without an answer; payloads may hold up to 1,000,000 bytes.",
			"The server pings: an Engine.IO heartbeat (since Engine.IO v4 the server pings and the client answers).",
			"Mynick probes the new WebSocket connection (`2probe`)",
			"This connection speaks Socket.IO by HTTP long-polling: the request target's `EIO` and `transport` parameters name it.",
		},
		"zh-TW": {"mynick發出事件 `say`，參數為 `\"hi, all ！\"`。", "遠端伺服器確認封包 83 的事件 `login`（ack id 0）"},
		"zh-CN": {"mynick发出事件 `say`，参数为 `\"hi, all ！\"`。", "远程服务器确认包 83 的事件 `login`（ack id 0）"},
	}
	for lang, sentences := range want {
		page, err := Build(res, Capture{Name: "socketio-chat.pcap"}, Options{Lang: lang, ClientName: "mynick"})
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, p := range page.Packets {
			for _, s := range p.Text {
				all.WriteString(s + "\n")
			}
		}
		for _, s := range sentences {
			if !strings.Contains(all.String(), s) {
				t.Errorf("%s: no sentence %q", lang, s)
			}
		}
		if lang != "en" {
			continue
		}
		labels := map[int]string{}
		for _, a := range page.Diagram.Arrows {
			labels[a.Packet] = a.Label
		}
		for n, l := range map[int]string{98: "EVENT say", 85: "ACK 0", 100: "BINARY_EVENT file", 45: "ping probe", 52: "upgrade"} {
			if labels[n] != l {
				t.Errorf("diagram label of packet %d: %q, want %q", n, labels[n], l)
			}
		}
		if l := labels[27]; !strings.HasPrefix(l, "CONNECT; POST /socket.io/") {
			t.Errorf("diagram label of the POST: %q", l)
		}
	}
}

// --hide-heartbeats leaves the Engine.IO pings and pongs (and their ACKs)
// out and says how many.
func TestHideHeartbeats(t *testing.T) {
	res := annotateFixture(t, "socketio-chat.pcap")
	full, err := Build(res, Capture{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := Build(res, Capture{}, Options{HideHeartbeats: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Packets)-len(page.Packets) != 18 {
		t.Errorf("%d packets hidden, want 18 (10 heartbeats, 8 ACKs)", len(full.Packets)-len(page.Packets))
	}
	for _, p := range page.Packets {
		for _, s := range p.Text {
			if strings.Contains(s, "Engine.IO heartbeat") || strings.Contains(s, "with a pong") {
				t.Errorf("packet %d shown: %s", p.Number, s)
			}
		}
	}
	found := false
	for _, n := range page.Notes {
		found = found || strings.Contains(n, "10 heartbeat packets") && strings.Contains(n, "8 bare ACKs")
	}
	if !found {
		t.Errorf("no note of the hidden heartbeats: %q", page.Notes)
	}
}

// Every app message executes, in every language, for records of every
// protocol (the packets of the protocols' own specification examples).
func TestAppMessages(t *testing.T) {
	type msg struct {
		from app.Dir
		data string
		bin  bool
	}
	cases := []struct {
		h    app.Handshake
		msgs []msg
	}{
		{app.Handshake{Path: "/socket.io/?EIO=3&transport=websocket"}, []msg{{app.Server, `0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":5000}`, false}, {app.Client, "2", false}, {app.Server, "3", false}, {app.Client, `40/admin`, false}, {app.Server, `44/admin,"no"`, false}, {app.Client, `461-1[{"_placeholder":true,"num":0}]`, false}, {app.Client, "\x04\x01", true}, {app.Server, "6", false}, {app.Server, "1", false}, {app.Server, "4hello", false}, {app.Client, "x", false}}},
		{app.Handshake{Protocol: "v12.stomp"}, []msg{{app.Client, "STOMP\naccept-version:1.2\nhost:h\n\n\x00", false}, {app.Server, "CONNECTED\nversion:1.2\n\n\x00", false}, {app.Client, "SUBSCRIBE\nid:0\ndestination:/q\n\n\x00", false}, {app.Server, "MESSAGE\nsubscription:0\nmessage-id:1\nack:1\ndestination:/q\n\nx\x00", false}, {app.Client, "NACK\nid:1\n\n\x00", false}, {app.Client, "BEGIN\ntransaction:t\n\n\x00", false}, {app.Client, "UNSUBSCRIBE\nid:0\nreceipt:r\n\n\x00", false}, {app.Server, "RECEIPT\nreceipt-id:r\n\n\x00", false}, {app.Server, "ERROR\nmessage:bad\n\nno NUL", false}, {app.Client, "DISCONNECT\n\n\x00", false}, {app.Client, "BOGUS\n\n\x00", false}}},
		{app.Handshake{Protocol: "mqtt"}, []msg{{app.Client, "\xa2\x05\x00\x03\x00\x01a", true}, {app.Server, "\xb0\x02\x00\x03", true}, {app.Client, "\xe0\x00", true}, {app.Client, "\x30\x03\x00\x01t", true}, {app.Client, "\x00\x00", true}}},
		{app.Handshake{Protocol: "graphql-ws"}, []msg{{app.Client, `{"type":"connection_init"}`, false}, {app.Server, `{"type":"ka"}`, false}, {app.Client, `{"id":"1","type":"start","payload":{"query":"{a}","operationName":"A","variables":{"x":1}}}`, false}, {app.Server, `{"id":"1","type":"data","payload":{"data":{"a":1}}}`, false}, {app.Server, `{"id":"1","type":"error","payload":[{"message":"m"}]}`, false}, {app.Client, `{"id":"1","type":"stop"}`, false}, {app.Client, `{"type":"connection_terminate"}`, false}, {app.Server, `{"type":"connection_error","payload":{}}`, false}, {app.Client, `{"id":"2","type":"complete"}`, false}, {app.Client, `{"type":"ping"}`, false}, {app.Server, `{"type":"pong"}`, false}, {app.Client, `[`, false}}},
		{app.Handshake{Protocol: "jsonrpc"}, []msg{{app.Client, `{"jsonrpc":"2.0","method":"a","id":"x"}`, false}, {app.Server, `{"jsonrpc":"2.0","error":{"code":-32000,"message":"m"},"id":"x"}`, false}, {app.Server, `{"jsonrpc":"2.0","result":null,"id":9}`, false}, {app.Client, `{"x":1}`, false}}},
		{app.Handshake{}, []msg{{app.Client, "{\"protocol\":\"json\",\"version\":1}\x1e", false}, {app.Server, "{\"error\":\"no\"}\x1e", false}, {app.Client, "{\"type\":4,\"invocationId\":\"1\",\"target\":\"S\",\"arguments\":[]}\x1e{\"type\":5,\"invocationId\":\"1\"}\x1e", false}, {app.Server, "{\"type\":2,\"invocationId\":\"1\",\"item\":3}\x1e{\"type\":3,\"invocationId\":\"1\",\"error\":\"e\"}\x1e{\"type\":7,\"error\":\"bye\",\"allowReconnect\":true}\x1e{\"type\":9}\x1e{\"type\":1,\"target\":\"n\"}\x1e", false}}},
	}
	for _, lang := range Languages() {
		cat, err := LoadCatalog(lang, "")
		if err != nil {
			t.Fatal(err)
		}
		b := &builder{client: "the browser", server: "the server", knowledge: knowledge{res: &annotate.Result{}, app: &appPage{}}, sentences: sentences{cat: cat}}
		seen := map[string]bool{}
		for _, c := range cases {
			s := app.NewAnalyzer(app.Options{}).Open(c.h)
			var recs []app.Record
			for i, m := range c.msgs {
				recs = append(recs, s.Decode(app.Message{Loc: app.Loc{Message: i, Packet: i + 1}, From: m.from, Binary: m.bin, Data: []byte(m.data)})...)
			}
			b.app.res = app.NewResult(recs)
			for i := range b.app.res.Records {
				r := &b.app.res.Records[i]
				{
					key := "app." + app.CatalogKey(r)
					if !cat.Has(key) {
						key = "app.generic"
					}
					seen[key] = true
					if lang == "en" && testing.Verbose() {
						t.Log(b.text(key, b.appData(r)))
					}
					if text := b.text(key, b.appData(r)); text == "" || strings.Contains(text, "no value") || b.err != nil {
						t.Errorf("%s %s: %q %v", lang, key, text, b.err)
						b.err = nil
					}
				}
			}
		}
		for _, basis := range []string{"subprotocol", "url", "handshake", "heuristic"} {
			if text := b.text("app.detected", map[string]any{"Protocol": Wire("STOMP"), "Basis": basis, "Sub": Wire("v12.stomp"), "Polling": false}); text == "" || b.err != nil {
				t.Errorf("%s app.detected %s: %q %v", lang, basis, text, b.err)
				b.err = nil
			}
		}
		t.Logf("%s: %d app messages executed", lang, len(seen))
	}
}

// WebSocket pings and pongs are heartbeats too: the chromium fixture's
// server pings ("hb", one to each tab) and the browsers' pongs go with
// --hide-heartbeats.
func TestHideWebSocketPings(t *testing.T) {
	res := annotateFixture(t, "chromium-ws-deflate.pcap")
	page, err := Build(res, Capture{}, Options{HideHeartbeats: true})
	if err != nil {
		t.Fatal(err)
	}
	full, err := Build(res, Capture{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pings []int
	for _, pi := range res.Packets {
		for _, m := range pi.Messages {
			if m.Opcode == 9 || m.Opcode == 10 {
				pings = append(pings, pi.Number)
			}
		}
	}
	if len(pings) != 4 {
		t.Fatalf("the fixture has pings and pongs in packets %v, want 4", pings)
	}
	shown := map[int]bool{}
	for _, p := range page.Packets {
		shown[p.Number] = true
	}
	for _, n := range pings {
		if shown[n] {
			t.Errorf("packet %d (ping or pong) shown", n)
		}
	}
	if hidden := len(full.Packets) - len(page.Packets); hidden < 4 || hidden > 8 {
		t.Errorf("%d packets hidden, want the 4 pings and pongs and at most their 4 ACKs", hidden)
	}
}
