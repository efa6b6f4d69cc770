package app

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// feed runs msgs through a stream opened with h and returns every record.
func feed(t testing.TB, h Handshake, opts Options, msgs ...Message) ([]Record, *Stream) {
	t.Helper()
	a := NewAnalyzer(opts)
	s := a.Open(h)
	var recs []Record
	for i, m := range msgs {
		m.Loc = Loc{Message: i, Packet: i + 1}
		recs = append(recs, s.Decode(m)...)
	}
	return recs, s
}

func text(from Dir, s string) Message { return Message{From: from, Data: []byte(s)} }
func bin(from Dir, b ...byte) Message { return Message{From: from, Binary: true, Data: b} }

func fieldsJSON(r Record) string {
	var b strings.Builder
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(r.Fields.Map())
	return strings.TrimSpace(b.String())
}

// The examples of the protocols' own specifications.
func TestSpecExamples(t *testing.T) {
	tests := []struct {
		name  string
		h     Handshake
		msgs  []Message
		want  []string // "protocol TYPE fields-json"
		links map[int]Link
	}{
		{
			name: "socket.io v5",
			h:    Handshake{Path: "/socket.io/?EIO=4&transport=websocket"},
			msgs: []Message{
				text(Server, `0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`),
				text(Client, `40{"token":"123"}`),
				text(Server, `40{"sid":"wZX3oN0bSVIhsaknAAAI"}`),
				text(Client, `42/admin,12["project:delete",123]`),
				text(Server, `43/admin,12[]`),
				text(Client, `451-["hello",{"_placeholder":true,"num":0}]`),
				bin(Client, 1, 2, 3, 4),
				text(Server, `2`),
				text(Client, `3`),
				text(Server, `44{"message":"Not authorized"}`),
				text(Client, `41/admin,`),
			},
			want: []string{
				`engine.io open {"eio":4,"max_payload":1000000,"ping_interval":25000,"ping_timeout":20000,"sid":"lv_VI97HAXpY6yYWAAAC","transport":"websocket","upgrades":null}`,
				`socket.io CONNECT {"auth":"<redacted>","auth_keys":["token"],"eio":4,"namespace":"/"}`,
				`socket.io CONNECT {"eio":4,"namespace":"/","sid":"wZX3oN0bSVIhsaknAAAI"}`,
				`socket.io EVENT {"ack_id":12,"args":[123],"eio":4,"event":"project:delete","namespace":"/admin"}`,
				`socket.io ACK {"ack_id":12,"args":[],"eio":4,"namespace":"/admin"}`,
				`socket.io BINARY_EVENT {"args":[{"_placeholder":true,"num":0}],"attachments":1,"eio":4,"event":"hello","namespace":"/"}`,
				`socket.io attachment {"bytes":4,"num":0}`,
				`engine.io ping {"eio":4,"transport":"websocket"}`,
				`engine.io pong {"eio":4,"transport":"websocket"}`,
				`socket.io CONNECT_ERROR {"eio":4,"message":"Not authorized","namespace":"/"}`,
				`socket.io DISCONNECT {"eio":4,"namespace":"/admin"}`,
			},
			links: map[int]Link{4: {Rel: "answers", Loc: Loc{3, 4}}, 6: {Rel: "attachment_of", Loc: Loc{5, 6}}, 8: {Rel: "answers", Loc: Loc{7, 8}}},
		},
		{
			name: "stomp 1.2",
			h:    Handshake{Protocol: "v12.stomp"},
			msgs: []Message{
				text(Client, "CONNECT\naccept-version:1.2\nhost:stomp.github.org\nlogin:guest\npasscode:s3cret\nheart-beat:10000,10000\n\n\x00"),
				text(Server, "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\x00"),
				text(Client, "SUBSCRIBE\nid:0\ndestination:/queue/foo\nack:client\n\n\x00"),
				text(Client, "SEND\ndestination:/queue/a\nreceipt:message-12345\ncontent-type:text/plain\n\nhello queue a\x00"),
				text(Server, "RECEIPT\nreceipt-id:message-12345\n\n\x00"),
				text(Server, "MESSAGE\nsubscription:0\nmessage-id:007\ndestination:/queue/a\nack:a\\c1\n\nhello\x00\n"),
				text(Client, "ACK\nid:a:1\n\n\x00"),
				text(Client, "\n"),
			},
			want: []string{
				`stomp CONNECT {"accept_version":"1.2","headers":["accept-version:1.2","host:stomp.github.org","login:guest","passcode:<redacted>","heart-beat:10000,10000"],"heart_beat":"10000,10000","host":"stomp.github.org","login":"guest","passcode":"<redacted>","version":"1.2"}`,
				`stomp CONNECTED {"headers":["version:1.2","heart-beat:0,0"],"heart_beat":"0,0","version":"1.2"}`,
				`stomp SUBSCRIBE {"ack":"client","destination":"/queue/foo","headers":["id:0","destination:/queue/foo","ack:client"],"id":"0","version":"1.2"}`,
				`stomp SEND {"body":"hello queue a","body_bytes":13,"content_type":"text/plain","destination":"/queue/a","headers":["destination:/queue/a","receipt:message-12345","content-type:text/plain"],"receipt":"message-12345","version":"1.2"}`,
				`stomp RECEIPT {"headers":["receipt-id:message-12345"],"receipt_id":"message-12345","version":"1.2"}`,
				`stomp MESSAGE {"ack":"a:1","body":"hello","body_bytes":5,"destination":"/queue/a","headers":["subscription:0","message-id:007","destination:/queue/a","ack:a:1"],"message_id":"007","subscription":"0","version":"1.2"}`,
				`stomp ACK {"headers":["id:a:1"],"id":"a:1","version":"1.2"}`,
				`stomp heart-beat {}`,
			},
			links: map[int]Link{1: {Rel: "answers", Loc: Loc{0, 1}}, 4: {Rel: "answers", Loc: Loc{3, 4}}, 5: {Rel: "subscription", Loc: Loc{2, 3}}, 6: {Rel: "answers", Loc: Loc{5, 6}}},
		},
		{
			name: "graphql-transport-ws",
			h:    Handshake{Protocol: "graphql-transport-ws"},
			msgs: []Message{
				text(Client, `{"type":"connection_init","payload":{"authToken":"x"}}`),
				text(Server, `{"type":"connection_ack"}`),
				text(Client, `{"id":"1","type":"subscribe","payload":{"query":"subscription { greetings }"}}`),
				text(Server, `{"id":"1","type":"next","payload":{"data":{"greetings":"Hi"}}}`),
				text(Server, `{"id":"1","type":"complete"}`),
				{From: Server, Control: true, Close: 4409},
			},
			want: []string{
				`graphql-transport-ws connection_init {"payload":"<redacted>","payload_keys":["authToken"]}`,
				`graphql-transport-ws connection_ack {}`,
				`graphql-transport-ws subscribe {"id":"1","query":"subscription { greetings }"}`,
				`graphql-transport-ws next {"id":"1","payload":{"data":{"greetings":"Hi"}}}`,
				`graphql-transport-ws complete {"id":"1"}`,
				`graphql-transport-ws close {"code":4409,"code_name":"Subscriber already exists"}`,
			},
			links: map[int]Link{1: {Rel: "answers", Loc: Loc{0, 1}}, 3: {Rel: "operation", Loc: Loc{2, 3}}, 4: {Rel: "operation", Loc: Loc{2, 3}}},
		},
		{
			name: "json-rpc",
			h:    Handshake{Protocol: "jsonrpc"},
			msgs: []Message{
				text(Client, `{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`),
				text(Server, `{"jsonrpc": "2.0", "result": 19, "id": 1}`),
				text(Client, `[{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]},{"jsonrpc": "2.0", "method": "foobar", "id": "1"}]`),
				text(Server, `{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}`),
			},
			want: []string{
				`jsonrpc request {"id":1,"method":"subtract","params":[42,23]}`,
				`jsonrpc response {"id":1,"result":19}`,
				`jsonrpc notification {"batch":2,"method":"update","params":[1,2,3,4,5]}`,
				`jsonrpc request {"batch":2,"id":"1","method":"foobar"}`,
				`jsonrpc error {"error_code":-32601,"error_message":"Method not found","error_name":"Method not found","id":"1"}`,
			},
			links: map[int]Link{1: {Rel: "answers", Loc: Loc{0, 1}}, 4: {Rel: "answers", Loc: Loc{2, 3}, Part: 1}},
		},
		{
			name: "signalr",
			msgs: []Message{
				text(Client, "{\"protocol\":\"json\",\"version\":1}\x1e"),
				text(Server, "{}\x1e"),
				text(Client, "{\"type\":1,\"invocationId\":\"123\",\"target\":\"Send\",\"arguments\":[42,\"Test Message\"]}\x1e"),
				text(Server, "{\"type\":3,\"invocationId\":\"123\",\"result\":42}\x1e{\"type\":6}\x1e"),
			},
			want: []string{
				`signalr handshake {"hub_protocol":"json","version":1}`,
				`signalr handshake {}`,
				`signalr Invocation {"arguments":[42,"Test Message"],"invocation_id":"123","target":"Send"}`,
				`signalr Completion {"invocation_id":"123","result":42}`,
				`signalr Ping {}`,
			},
			links: map[int]Link{3: {Rel: "invocation", Loc: Loc{2, 3}}},
		},
		{
			name: "mqtt 3.1.1 across and within frames",
			h:    Handshake{Protocol: "mqtt"},
			msgs: []Message{
				// CONNECT "MQTT" level 4, flags user+password+clean, keep-alive 60, client id "c1", user "u", password "pw",
				// split over two messages.
				bin(Client, 0x10, 0x15, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xC2, 0, 60, 0, 2),
				bin(Client, 'c', '1', 0, 1, 'u', 0, 2, 'p', 'w'),
				bin(Server, 0x20, 2, 0, 0),
				// SUBSCRIBE id 1 "chat/room1" QoS 1, then PUBLISH QoS 1 id 2 "chat/room1" "hi" in the same message.
				bin(Client, 0x82, 15, 0, 1, 0, 10, 'c', 'h', 'a', 't', '/', 'r', 'o', 'o', 'm', '1', 1,
					0x32, 16, 0, 10, 'c', 'h', 'a', 't', '/', 'r', 'o', 'o', 'm', '1', 0, 2, 'h', 'i'),
				bin(Server, 0x90, 3, 0, 1, 1, 0x40, 2, 0, 2),
				bin(Client, 0xC0, 0),
				bin(Server, 0xD0, 0),
			},
			want: []string{
				`mqtt CONNECT {"clean_start":true,"client_id":"c1","keep_alive":60,"password":"<redacted>","protocol_level":4,"protocol_name":"MQTT","remaining_length":21,"username":"u","version":"3.1.1"}`,
				`mqtt CONNACK {"reason_code":0,"reason_name":"Connection Accepted","remaining_length":2,"session_present":false}`,
				`mqtt SUBSCRIBE {"packet_id":1,"qos_list":[1],"remaining_length":15,"topics":["chat/room1"]}`,
				`mqtt PUBLISH {"dup":false,"packet_id":2,"payload":"hi","payload_bytes":2,"qos":1,"remaining_length":16,"retain":false,"topic":"chat/room1"}`,
				`mqtt SUBACK {"packet_id":1,"reason_codes":[1],"reason_names":["Granted QoS 1"],"remaining_length":3}`,
				`mqtt PUBACK {"packet_id":2,"remaining_length":2}`,
				`mqtt PINGREQ {"remaining_length":0}`,
				`mqtt PINGRESP {"remaining_length":0}`,
			},
			links: map[int]Link{1: {Rel: "answers", Loc: Loc{1, 2}}, 4: {Rel: "answers", Loc: Loc{3, 4}}, 5: {Rel: "answers", Loc: Loc{3, 4}, Part: 1}, 7: {Rel: "answers", Loc: Loc{5, 6}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _ := feed(t, tt.h, Options{}, tt.msgs...)
			if len(recs) != len(tt.want) {
				for _, r := range recs {
					t.Logf("%s %s %s", r.Protocol, r.Type, fieldsJSON(r))
				}
				t.Fatalf("%d records, want %d", len(recs), len(tt.want))
			}
			for i, r := range recs {
				if r.Error != "" {
					t.Errorf("record %d: error %s", i, r.Error)
				}
				got := r.Protocol + " " + r.Type + " " + fieldsJSON(r)
				if got != tt.want[i] {
					t.Errorf("record %d:\n got %s\nwant %s", i, got, tt.want[i])
				}
				want, ok := tt.links[i]
				switch {
				case ok && (len(r.Links) != 1 || r.Links[0] != want):
					t.Errorf("record %d: links %v, want %v", i, r.Links, want)
				case !ok && len(r.Links) != 0:
					t.Errorf("record %d: links %v, want none", i, r.Links)
				}
			}
		})
	}
}

// Secrets show only with Options.Reveal.
func TestReveal(t *testing.T) {
	recs, _ := feed(t, Handshake{Protocol: "v12.stomp"}, Options{Reveal: true},
		text(Client, "CONNECT\naccept-version:1.2\npasscode:s3cret\n\n\x00"))
	if got := recs[0].Fields.String("passcode"); got != "s3cret" {
		t.Errorf("passcode %q with Reveal", got)
	}
}

// Detection: the handshake first, then the first messages.
func TestDetect(t *testing.T) {
	tests := []struct {
		h            Handshake
		first        Message
		proto, basis string
	}{
		{Handshake{Path: "/socket.io/?EIO=4&transport=websocket&sid=x"}, text(Client, "2probe"), "socket.io", "url"},
		{Handshake{Path: "/x/?EIO=3&transport=websocket"}, text(Client, "2probe"), "socket.io", "url"},
		{Handshake{Protocol: "v11.stomp"}, text(Client, "CONNECT\n\n\x00"), "stomp", "subprotocol"},
		{Handshake{Protocol: "mqtt"}, bin(Client, 0xc0, 0), "mqtt", "subprotocol"},
		{Handshake{Protocol: "graphql-ws"}, text(Client, `{"type":"connection_init"}`), "graphql", "subprotocol"},
		{Handshake{Protocol: "jsonrpc2.0"}, text(Client, `{}`), "jsonrpc", "subprotocol"},
		{Handshake{}, text(Client, "{\"protocol\":\"json\",\"version\":1}\x1e"), "signalr", "handshake"},
		{Handshake{}, text(Client, `{"jsonrpc":"2.0","method":"a","id":1}`), "jsonrpc", "heuristic"},
		{Handshake{}, text(Client, "STOMP\naccept-version:1.2\n\n\x00"), "stomp", "heuristic"},
		{Handshake{}, bin(Client, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0), "mqtt", "heuristic"},
		{Handshake{}, text(Client, `{"type":"login","name":"mynick"}`), "", ""},
		{Handshake{}, text(Client, `42["say","hi"]`), "", ""},
	}
	for _, tt := range tests {
		recs, s := feed(t, tt.h, Options{}, tt.first)
		name, basis := s.Protocol()
		if name != tt.proto || basis != tt.basis {
			t.Errorf("%+v %q: %s/%s, want %s/%s", tt.h, tt.first.Data, name, basis, tt.proto, tt.basis)
		}
		for _, r := range recs {
			if r.Guess != (basis == "heuristic") {
				t.Errorf("%q: Guess %v with basis %s", tt.first.Data, r.Guess, basis)
			}
		}
	}
}

// Engine.IO long-polling payloads: v4 with 0x1E and base64 binary, v3
// length-prefixed (lengths in UTF-16 units).
func TestPollingPayloads(t *testing.T) {
	a := NewAnalyzer(Options{})
	recs := a.Body("/socket.io/?EIO=4&transport=polling&sid=s", Server, []byte("2\x1e42[\"a\",\"é\"]\x1ebAQID\x1e6"), Loc{-1, 7})
	var got []string
	for _, r := range recs {
		got = append(got, r.Type)
	}
	if strings.Join(got, " ") != "ping EVENT message noop" {
		t.Errorf("v4: %v", got)
	}
	recs = a.Body("/socket.io/?EIO=3&transport=polling&sid=t", Server, []byte("1:22:4012:42[\"b\",\"𝄞\"]"), Loc{-1, 8})
	got = nil
	for _, r := range recs {
		got = append(got, r.Type+":"+r.Fields.String("event"))
	}
	if strings.Join(got, " ") != "ping: CONNECT: EVENT:b" {
		t.Errorf("v3: %v", got)
	}
}

// Hostile payloads cost bounded time and memory.
func TestHostile(t *testing.T) {
	deep := []byte("42" + strings.Repeat("[", 1<<20))
	huge := []byte{0x30, 0xff, 0xff, 0xff, 0x7f, 0, 1, 't'}
	noNUL := []byte("SEND\ndestination:/a\n\n" + strings.Repeat("x", 1<<20))
	cases := []struct {
		h   Handshake
		msg Message
		err string
	}{
		{Handshake{Path: "/socket.io/?EIO=4&transport=websocket"}, Message{From: Client, Data: deep}, "json-too-deep"},
		{Handshake{Protocol: "graphql-transport-ws"}, Message{From: Client, Data: deep[2:]}, "json-too-deep"},
		{Handshake{Protocol: "v12.stomp"}, Message{From: Client, Data: noNUL}, "missing-nul"},
	}
	for _, c := range cases {
		recs, _ := feed(t, c.h, Options{}, c.msg)
		if len(recs) != 1 || recs[0].Error != c.err {
			t.Errorf("%s: %+v, want error %s", c.h, recs, c.err)
		}
	}
	// A PUBLISH that claims 256 MiB: the bytes kept stay at MaxPacket.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a := NewAnalyzer(Options{MaxPacket: 1 << 16})
	s := a.Open(Handshake{Protocol: "mqtt"})
	var recs []Record
	recs = append(recs, s.Decode(Message{From: Client, Binary: true, Data: huge})...)
	chunk := make([]byte, 1<<16)
	for i := 0; i < 64; i++ {
		recs = append(recs, s.Decode(Message{Loc: Loc{Message: i + 1}, From: Client, Binary: true, Data: chunk})...)
	}
	runtime.ReadMemStats(&after)
	if len(recs) != 0 {
		t.Errorf("records before the packet's end: %+v", recs)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 8<<20 {
		t.Errorf("%d bytes allocated for 4 MiB of a 256 MiB packet", grown)
	}
}

// TestSniffEscapes: the sniffers that skip a message lacking their
// protocol's word still recognise it spelled with JSON escapes.
func TestSniffEscapes(t *testing.T) {
	for _, tc := range []struct {
		p    Protocol
		m    Message
		want string
	}{
		{JSONRPC{}, text(Client, `{"jsonrpc":"2.0","method":"a","id":1}`), "heuristic"},
		{JSONRPC{}, text(Client, `{"json\u0072pc":"2.0","method":"a","id":1}`), "heuristic"},
		{JSONRPC{}, text(Client, `{"json_rpc":"2.0","method":"a","id":1}`), ""},
		{GraphQL{}, text(Client, `{"type":"connection_init"}`), "heuristic"},
		{GraphQL{}, text(Client, `{"type":"connection\u005finit"}`), "heuristic"},
		{GraphQL{}, text(Client, `{"type":"connection-init"}`), ""},
		{SignalR{}, text(Client, "{\"protocol\":\"json\",\"version\":1}\x1e"), "handshake"},
		{SignalR{}, text(Client, "{\"pr\\u006ftocol\":\"json\",\"version\":1}\x1e"), "handshake"},
		{SignalR{}, text(Client, "{\"proto\":\"json\",\"version\":1}\x1e"), ""},
	} {
		if got := tc.p.Sniff(tc.m); got != tc.want {
			t.Errorf("%s.Sniff(%s) = %q, want %q", tc.p.Name(), tc.m.Data, got, tc.want)
		}
	}
}
