package app

import "testing"

// fuzzStream feeds data to a stream as messages split at the 0xFF bytes,
// alternating client and server.
func fuzzStream(h Handshake, data []byte, binary bool) {
	a := NewAnalyzer(Options{MaxPacket: 4096})
	s := a.Open(h)
	from := Client
	start, i := 0, 0
	for j := 0; j <= len(data); j++ {
		if j == len(data) || data[j] == 0xff {
			s.Decode(Message{Loc: Loc{Message: i}, From: from, Binary: binary, Data: data[start:j]})
			from = from.Peer()
			start, i = j+1, i+1
		}
	}
}

func FuzzEngineIO(f *testing.F) {
	f.Add([]byte(`0{"sid":"a","upgrades":["websocket"],"pingInterval":1}` + "\xff" + `451-/x,3["e",{"_placeholder":true,"num":0}]` + "\xff\x01\x02"))
	f.Add([]byte("1:22:4012:42[\"b\",\"x\"]\x00\x01\xff40"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStream(Handshake{Path: "/socket.io/?EIO=4&transport=websocket"}, data, false)
		a := NewAnalyzer(Options{})
		a.Body("/socket.io/?EIO=4&transport=polling", Server, data, Loc{-1, 1})
		a.Body("/socket.io/?EIO=3&transport=polling&sid=x", Client, data, Loc{-1, 2})
	})
}

func FuzzSTOMP(f *testing.F) {
	f.Add([]byte("CONNECT\naccept-version:1.2\npasscode:x\n\n\x00\xffCONNECTED\nversion:1.2\n\n\x00\xffMESSAGE\ncontent-length:2\nsubscription:0\n\nab\x00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStream(Handshake{Protocol: "v12.stomp"}, data, false)
	})
}

func FuzzMQTT(f *testing.F) {
	f.Add([]byte{0x10, 0x15, 0, 4, 'M', 'Q', 'T', 'T', 5, 0xC6, 0, 60, 0, 0, 2, 'c', 0xff, 0x20, 3, 0, 0, 0})
	f.Add([]byte{0x32, 0xff, 0xff, 0xff, 0x7f, 0, 1, 't', 0xff, 0x90, 3, 0, 1, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStream(Handshake{Protocol: "mqtt"}, data, true)
	})
}

func FuzzJSONProtocols(f *testing.F) {
	f.Add([]byte(`{"type":"connection_init"}` + "\xff" + `{"id":"1","type":"next","payload":{"errors":[]}}`))
	f.Add([]byte(`[{"jsonrpc":"2.0","method":"a","id":1}]` + "\xff" + `{"jsonrpc":"2.0","error":{"code":-32601},"id":1}`))
	f.Add([]byte("{\"protocol\":\"json\",\"version\":1}\x1e\xff{}\x1e{\"type\":3,\"invocationId\":\"1\"}\x1e"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStream(Handshake{Protocol: "graphql-transport-ws"}, data, false)
		fuzzStream(Handshake{Protocol: "jsonrpc"}, data, false)
		fuzzStream(Handshake{}, data, false) // sniffing, SignalR
	})
}
