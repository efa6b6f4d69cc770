package app_test

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/app"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/render"
)

// The oracle tests run real peers from the npm registry (package.json in
// testdata/peers, installed there by .ci/run with npm ci), capture their
// traffic on loopback with tcpdump, and check the records against what the
// peers themselves logged receiving.

// peerLine is one line a peer script logged.
type peerLine map[string]any

func (l peerLine) s(k string) string { v, _ := l[k].(string); return v }

// runPeers runs testdata/peers/<script> with a free port, captures it and
// returns its log and the records of the capture.
func runPeers(t *testing.T, script string) ([]peerLine, *annotate.Result, *app.Result) {
	t.Helper()
	testenv.NeedRoot(t)
	node := testenv.NeedTool(t, "node")
	peers, _ := filepath.Abs("testdata/peers")
	if _, err := os.Stat(filepath.Join(peers, "node_modules")); err != nil {
		testenv.Missing(t, "the npm peers are not installed (cd %s && npm ci): %v", peers, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pcap := filepath.Join(t.TempDir(), "peers.pcap")
	td := testenv.StartTcpdump(t, "-i", "lo", "-U", "-n", "-w", pcap, "tcp", "port", strconv.Itoa(port))
	p := testenv.Start(t, peers, "", node, script, strconv.Itoa(port))
	if code := p.Wait(t, 30*time.Second); code != 0 {
		t.Fatalf("node %s exited with %d:\n%s\n%s", script, code, p.Stdout(), p.Stderr())
	}
	testenv.StopTcpdump(t, td)
	var lines []peerLine
	sc := bufio.NewScanner(strings.NewReader(p.Stdout()))
	for sc.Scan() {
		var l peerLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s logged %q: %v", script, sc.Text(), err)
		}
		lines = append(lines, l)
	}
	res, ar := explainFile(t, pcap, app.Options{})
	if t.Failed() || testing.Verbose() {
		for _, l := range lines {
			t.Logf("peer: %v", l)
		}
		for _, r := range ar.Records {
			t.Logf("record %v/%d %s %s %s %s %v", r.Loc, r.Part, r.From, r.Protocol, r.Type, app.Text(r.Fields.Map()), r.Links)
		}
	}
	return lines, res, ar
}

// jsonEqual compares two values by their JSON.
func jsonEqual(a, b any) bool {
	var va, vb any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return json.Unmarshal(ja, &va) == nil && json.Unmarshal(jb, &vb) == nil && reflect.DeepEqual(va, vb)
}

// find returns the records that match.
func find(ar *app.Result, match func(*app.Record) bool) []*app.Record {
	var out []*app.Record
	for i := range ar.Records {
		if match(&ar.Records[i]) {
			out = append(out, &ar.Records[i])
		}
	}
	return out
}

// linked returns the record a link points at.
func linked(ar *app.Result, l app.Link) *app.Record {
	for i := range ar.Records {
		r := &ar.Records[i]
		if r.Loc == l.Loc && r.Part == l.Part {
			return r
		}
	}
	return nil
}

func sideOf(l peerLine) app.Dir {
	if l.s("side") == "client" {
		return app.Client
	}
	return app.Server
}

func TestSocketIOPeers(t *testing.T) {
	lines, _, ar := runPeers(t, "socketio.js")
	checkSocketIO(t, lines, ar, 4)
}

// Socket.IO 2 speaks Engine.IO v3: length-prefixed polling payloads,
// client pings, ERROR instead of CONNECT_ERROR, no client CONNECT for the
// main namespace.
func TestSocketIOv2Peers(t *testing.T) {
	lines, _, ar := runPeers(t, "socketio-v2.js")
	checkSocketIO(t, lines, ar, 3)
}

// checkSocketIO compares the records of a Socket.IO session with what the
// peers logged.
func checkSocketIO(t *testing.T, lines []peerLine, ar *app.Result, eio int) {
	t.Helper()
	if len(lines) < 14 {
		t.Fatalf("the peers logged %d lines", len(lines))
	}
	for _, l := range lines {
		switch l.s("ev") {
		case "connection": // the server: the client's CONNECT, redacted, and the session
			got := find(ar, func(r *app.Record) bool {
				return r.Type == "CONNECT" && r.From == app.Client && r.Fields.String("namespace") == "/"
			})
			if eio == 3 {
				if len(got) != 0 { // Socket.IO 2 clients join "/" without a CONNECT
					t.Errorf("client CONNECT with EIO=3: %+v", got)
				}
				continue
			}
			if len(got) != 1 || got[0].Session != l.s("eio") || got[0].Fields.String("auth") != "<redacted>" ||
				!jsonEqual(got[0].Fields.Get("auth_keys"), []string{"token"}) {
				t.Errorf("CONNECT for %v: %+v", l, got)
			}
		case "connect": // the client: the server's CONNECT with its id (v5)
			got := find(ar, func(r *app.Record) bool {
				return r.Type == "CONNECT" && r.From == app.Server && r.Fields.String("namespace") == "/"
			})
			if len(got) != 1 || got[0].Session != l.s("eio") || (eio == 4 && got[0].Fields.String("sid") != l.s("id")) {
				t.Errorf("server CONNECT for %v: %+v", l, got)
			}
		case "event": // an EVENT the other side sent
			got := find(ar, func(r *app.Record) bool {
				return r.Type == "EVENT" && r.From == sideOf(l).Peer() && r.Fields.String("event") == l.s("name") &&
					jsonEqual(r.Fields.Get("args"), l["args"])
			})
			if len(got) != 1 {
				t.Errorf("%v: %d EVENT records", l, len(got))
			}
		case "ack": // an ACK the other side sent, linked to the EVENT it answers
			got := find(ar, func(r *app.Record) bool {
				return r.Type == "ACK" && r.From == sideOf(l).Peer() && jsonEqual(r.Fields.Get("args"), l["args"])
			})
			if len(got) != 1 || len(got[0].Links) != 1 {
				t.Errorf("%v: ACK records %+v", l, got)
				continue
			}
			if ev := linked(ar, got[0].Links[0]); ev == nil || ev.Fields.String("event") != l.s("name") {
				t.Errorf("%v: the ACK answers %+v", l, ev)
			}
		case "binary", "binary-ack": // attachments the other side sent, linked to their packet
			typ := map[string]string{"binary": "BINARY_EVENT", "binary-ack": "BINARY_ACK"}[l.s("ev")]
			got := find(ar, func(r *app.Record) bool { return r.Type == "attachment" && r.From == sideOf(l).Peer() })
			ok := false
			for _, r := range got {
				of := linked(ar, r.Links[0])
				if of != nil && of.Type == typ && r.Fields.Get("bytes") == int64(l["bytes"].(float64)) {
					ok = true
					if typ == "BINARY_ACK" && (len(of.Links) != 1 || linked(ar, of.Links[0]).Fields.String("event") != l.s("name")) {
						t.Errorf("%v: the BINARY_ACK answers %+v", l, of.Links)
					}
				}
			}
			if !ok {
				t.Errorf("%v: no attachment of a %s", l, typ)
			}
		case "connect_error":
			typ := map[int]string{3: "ERROR", 4: "CONNECT_ERROR"}[eio]
			got := find(ar, func(r *app.Record) bool {
				return r.Type == typ && r.Fields.String("namespace") == l.s("nsp") && r.Fields.String("message") == l.s("message")
			})
			if len(got) != 1 {
				t.Errorf("%v: %s records %+v", l, typ, got)
			}
		case "disconnect":
			if got := find(ar, func(r *app.Record) bool { return r.Type == "DISCONNECT" && r.From == app.Client }); len(got) != 1 {
				t.Errorf("%v: DISCONNECT records %+v", l, got)
			}
		}
	}
	// The open packet has the server's settings; in v4 the server pings
	// and the client answers, in v3 the other way round.
	opens := find(ar, func(r *app.Record) bool { return r.Type == "open" })
	if len(opens) != 1 || opens[0].Fields.Get("ping_interval") != int64(300) || opens[0].Fields.Get("transport") != "polling" ||
		opens[0].Fields.Get("eio") != int64(eio) {
		t.Errorf("open records %+v", opens)
	}
	pinger := map[int]app.Dir{3: app.Client, 4: app.Server}[eio]
	pongs := find(ar, func(r *app.Record) bool { return r.Type == "pong" && r.Heartbeat })
	if len(pongs) == 0 {
		t.Error("no heartbeat pong")
	}
	for _, p := range pongs {
		if p.From != pinger.Peer() || len(p.Links) != 1 || linked(ar, p.Links[0]).From != pinger {
			t.Errorf("pong %+v", p)
		}
	}
	if got := find(ar, func(r *app.Record) bool { return r.Type == "upgrade" }); len(got) != 1 {
		t.Errorf("upgrade records %+v", got)
	}
	for _, r := range ar.Records {
		if r.Error != "" {
			t.Errorf("record %+v: %s", r, r.Error)
		}
	}
}

func TestSTOMPPeers(t *testing.T) {
	lines, res, ar := runPeers(t, "stomp.js")
	checkPage(t, res, map[string]bool{"SEND /topic/chat": true, "SUBSCRIBE /topic/chat": true, "MESSAGE /topic/chat": true},
		"The browser sends a message to `/topic/chat`: `hi, all ！`, asking for the receipt `r-1`.",
		"This connection speaks STOMP: the subprotocol the server chose, `v12.stomp`, names it.")
	var connects, sends, messages int
	for _, l := range lines {
		switch side, ev := sideOf(l), l.s("ev"); {
		case side == app.Server && ev == "CONNECT":
			h := l["headers"].(map[string]any)
			got := find(ar, func(r *app.Record) bool { return r.Type == "CONNECT" && r.Fields.String("login") == h["login"] })
			if len(got) != 1 || got[0].Fields.String("passcode") != "<redacted>" || got[0].Fields.String("heart_beat") != h["heart-beat"] ||
				got[0].Fields.String("accept_version") != h["accept-version"] {
				t.Errorf("%v: CONNECT records %+v", l, got)
			}
			connects++
		case side == app.Client && ev == "CONNECTED":
			h := l["headers"].(map[string]any)
			got := find(ar, func(r *app.Record) bool { return r.Type == "CONNECTED" && r.Fields.String("session") == h["session"] })
			if len(got) != 1 || got[0].Fields.String("version") != h["version"] || len(got[0].Links) != 1 ||
				linked(ar, got[0].Links[0]).Type != "CONNECT" {
				t.Errorf("%v: CONNECTED records %+v", l, got)
			}
		case side == app.Server && ev == "SUBSCRIBE":
			if got := find(ar, func(r *app.Record) bool {
				return r.Type == "SUBSCRIBE" && r.Fields.String("id") == l.s("id") && r.Fields.String("destination") == l.s("destination")
			}); len(got) != 1 {
				t.Errorf("%v: SUBSCRIBE records %+v", l, got)
			}
		case side == app.Server && ev == "SEND":
			got := find(ar, func(r *app.Record) bool {
				return r.Type == "SEND" && r.Fields.String("destination") == l.s("destination")
			})
			if len(got) != 1 || got[0].Fields.String("body") != l.s("body") || got[0].Error != "" {
				t.Errorf("%v: SEND records %+v", l, got)
			}
			sends++
		case side == app.Client && ev == "MESSAGE":
			got := find(ar, func(r *app.Record) bool {
				return r.Type == "MESSAGE" && r.Fields.String("subscription") == l.s("subscription")
			})
			if len(got) != 1 || len(got[0].Links) != 1 || linked(ar, got[0].Links[0]).Type != "SUBSCRIBE" {
				t.Errorf("%v: MESSAGE records %+v", l, got)
				continue
			}
			// stomp-broker-js writes content-length as the body's length
			// in UTF-16 units, not bytes; @stomp/stompjs reads that many
			// bytes, so it logged the body cut (and a replacement char).
			// The record keeps the bytes up to the NUL and says so.
			r := got[0]
			n, _ := r.Fields.Int("content_length")
			body := r.Fields.String("body")
			if r.Error != "content-length-mismatch" || strings.ToValidUTF8(body[:n], "\uFFFD") != l.s("body") {
				t.Errorf("MESSAGE %+v: the client read %q", r, l.s("body"))
			}
			messages++
		}
	}
	if connects != 2 || sends != 1 || messages != 1 {
		t.Errorf("the peers logged %d CONNECT, %d SEND, %d MESSAGE", connects, sends, messages)
	}
	beats := find(ar, func(r *app.Record) bool { return r.Type == "heart-beat" })
	if len(beats) == 0 || !beats[0].Heartbeat || beats[0].From != app.Client {
		t.Errorf("heart-beats %+v", beats)
	}
	for _, r := range find(ar, func(r *app.Record) bool { return r.Type == "RECEIPT" }) {
		if len(r.Links) != 1 || linked(ar, r.Links[0]).Fields.String("receipt") != r.Fields.String("receipt_id") {
			t.Errorf("RECEIPT %+v", r)
		}
	}
}

func TestMQTTPeers(t *testing.T) {
	lines, res, ar := runPeers(t, "mqtt.js")
	// The page says it, and labels the diagram by meaning.
	checkPage(t, res, map[string]bool{"PUBLISH chat/room1": true, "SUBSCRIBE chat/#": true, "CONNACK": true},
		"The browser publishes `hi, all ！` to the topic `chat/room1` at QoS 0.",
		"The server answers the CONNECT: code 0 (Connection Accepted).")
	var v5 int
	for _, l := range lines {
		side, ev := sideOf(l), l.s("ev")
		switch {
		case l.s("side") == "mqtt-packet":
			// MQTT 5 packets from mqtt.js's writer, read back.
			b, err := hexDecode(l.s("hex"))
			if err != nil {
				t.Fatal(err)
			}
			a := app.NewAnalyzer(app.Options{})
			s := a.Open(app.Handshake{Protocol: "mqtt"})
			if ev != "CONNECT" {
				s.Decode(app.Message{From: app.Client, Binary: true, Data: mustHex(lines[len(lines)-9].s("hex"))})
			}
			recs := s.Decode(app.Message{Loc: app.Loc{Message: 1}, From: app.Client, Binary: true, Data: b})
			if len(recs) != 1 || recs[0].Type != ev || recs[0].Error != "" {
				t.Errorf("%v: %+v", l, recs)
				continue
			}
			checkMQTT5(t, l["packet"].(map[string]any), &recs[0])
			v5++
		case side == app.Server && ev == "CONNECT":
			got := find(ar, func(r *app.Record) bool {
				return r.Type == "CONNECT" && r.Fields.String("client_id") == l.s("client_id")
			})
			if len(got) != 1 || got[0].Fields.String("username") != l.s("username") || got[0].Fields.String("password") != "<redacted>" ||
				got[0].Fields.String("version") != "3.1.1" || got[0].Fields.String("will_topic") != "chat/will" {
				t.Errorf("%v: CONNECT records %+v", l, got)
			}
		case side == app.Client && ev == "CONNACK":
			got := find(ar, func(r *app.Record) bool { return r.Type == "CONNACK" })
			if len(got) != 1 || got[0].Fields.Get("session_present") != l["session_present"] || len(got[0].Links) != 1 {
				t.Errorf("%v: CONNACK records %+v", l, got)
			}
		case side == app.Client && ev == "SUBACK":
			got := find(ar, func(r *app.Record) bool { return r.Type == "SUBACK" })
			if len(got) != 1 || !jsonEqual(got[0].Fields.Get("reason_codes"), l["qos"]) || len(got[0].Links) != 1 ||
				!jsonEqual(linked(ar, got[0].Links[0]).Fields.Get("topics"), []string{"chat/#"}) {
				t.Errorf("%v: SUBACK records %+v", l, got)
			}
		case ev == "PUBLISH":
			got := find(ar, func(r *app.Record) bool {
				n, _ := r.Fields.Int("payload_bytes")
				q, _ := r.Fields.Int("qos")
				return r.Type == "PUBLISH" && r.From == side.Peer() && r.Fields.String("topic") == l.s("topic") &&
					n == int64(l["bytes"].(float64)) && q == int64(l["qos"].(float64))
			})
			if len(got) != 1 || (l["payload"] != nil && got[0].Fields.String("payload") != l.s("payload")) {
				t.Errorf("%v: PUBLISH records %+v", l, got)
				continue
			}
			q, _ := got[0].Fields.Int("qos")
			acks := find(ar, func(r *app.Record) bool {
				return len(r.Links) == 1 && r.Links[0].Loc == got[0].Loc && r.Links[0].Part == got[0].Part
			})
			want := map[int64]string{0: "", 1: "PUBACK", 2: "PUBREC"}[q]
			if (want == "") != (len(acks) == 0) || (want != "" && acks[0].Type != want) {
				t.Errorf("%v: answered by %+v", l, acks)
			}
		}
	}
	if v5 != 9 {
		t.Errorf("%d MQTT 5 packets checked", v5)
	}
	// mqtt.js writes a packet's parts as separate WebSocket messages.
	connect := find(ar, func(r *app.Record) bool { return r.Type == "CONNECT" })
	if len(connect) != 1 || len(connect[0].Parts) < 2 {
		t.Errorf("CONNECT over %v", connect)
	}
	ping := find(ar, func(r *app.Record) bool { return r.Type == "PINGRESP" })
	if len(ping) == 0 || !ping[0].Heartbeat || len(ping[0].Links) != 1 {
		t.Errorf("PINGRESP %+v", ping)
	}
}

// checkMQTT5 compares an MQTT 5 record with the packet mqtt-packet wrote.
func checkMQTT5(t *testing.T, p map[string]any, r *app.Record) {
	t.Helper()
	num := func(k string) int64 { f, _ := p[k].(float64); return int64(f) }
	f := r.Fields
	check := func(name string, got, want any) {
		if !jsonEqual(got, want) {
			t.Errorf("MQTT 5 %s %s: %v, mqtt-packet wrote %v", r.Type, name, got, want)
		}
	}
	switch r.Type {
	case "CONNECT":
		check("client_id", f.Get("client_id"), p["clientId"])
		check("keep_alive", f.Get("keep_alive"), p["keepalive"])
		check("username", f.Get("username"), p["username"])
		check("version", f.Get("version"), "5.0")
		check("will_topic", f.Get("will_topic"), "chat/will")
		check("will_payload", f.Get("will_payload"), "gone")
		check("will_retain", f.Get("will_retain"), true)
	case "CONNACK":
		check("session_present", f.Get("session_present"), p["sessionPresent"])
		check("reason_code", f.Get("reason_code"), p["reasonCode"])
	case "SUBSCRIBE":
		check("packet_id", f.Get("packet_id"), p["messageId"])
		check("topics", f.Get("topics"), []string{"chat/#", "news"})
		check("qos_list", f.Get("qos_list"), []int{1, 2})
	case "SUBACK":
		check("reason_codes", f.Get("reason_codes"), p["granted"])
		check("reason_names", f.Get("reason_names"), []string{"Granted QoS 1", "Not authorized"})
	case "PUBLISH":
		check("topic", f.Get("topic"), p["topic"])
		check("payload", f.Get("payload"), p["payload"])
		check("packet_id", f.Get("packet_id"), p["messageId"])
		check("qos", f.Get("qos"), p["qos"])
	case "PUBREC", "PUBREL", "PUBCOMP":
		check("packet_id", f.Get("packet_id"), p["messageId"])
		if num("reasonCode") != 0 {
			check("reason_code", f.Get("reason_code"), p["reasonCode"])
			check("reason_name", f.Get("reason_name"), "No matching subscribers")
		}
	case "DISCONNECT":
		check("reason_code", f.Get("reason_code"), p["reasonCode"])
		check("reason_name", f.Get("reason_name"), "Session taken over")
	}
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestGraphQLPeers(t *testing.T) {
	lines, _, ar := runPeers(t, "graphql.js")
	handled := 0
	for _, l := range lines {
		side, ev := sideOf(l), l.s("ev")
		switch {
		case side == app.Server && ev == "connection_init":
			handled++
			got := find(ar, func(r *app.Record) bool { return r.Type == "connection_init" })
			if len(got) != 1 || got[0].Fields.String("payload") != "<redacted>" || !jsonEqual(got[0].Fields.Get("payload_keys"), []string{"authToken"}) {
				t.Errorf("%v: %+v", l, got)
			}
		case side == app.Server && ev == "subscribe":
			handled++
			got := find(ar, func(r *app.Record) bool { return r.Type == "subscribe" && r.Fields.String("id") == l.s("id") })
			if len(got) != 1 || got[0].Fields.String("query") != l.s("query") || got[0].Protocol != app.ProtoGraphQLTransportWS {
				t.Errorf("%v: %+v", l, got)
			}
		case side == app.Client && (ev == "next" || ev == "error" || ev == "complete"):
			handled++
			got := find(ar, func(r *app.Record) bool {
				if r.Type != ev || r.From != app.Server || len(r.Links) != 1 {
					return false
				}
				op := linked(ar, r.Links[0])
				return op != nil && op.Fields.String("query") == l.s("query") && (ev == "complete" || jsonEqual(r.Fields.Get("payload"), l["payload"]))
			})
			if len(got) != 1 {
				t.Errorf("%v: %d records", l, len(got))
			}
		case ev == "close":
			handled++
			got := find(ar, func(r *app.Record) bool {
				return r.Type == "close" && r.From == app.Server && r.Fields.Get("code") == int64(l["code"].(float64))
			})
			if len(got) != 1 || got[0].Fields.String("code_name") != l.s("reason") {
				t.Errorf("%v: %+v", l, got)
			}
		}
	}
}

func TestJSONRPCPeers(t *testing.T) {
	lines, _, ar := runPeers(t, "jsonrpc.js")
	handled := 0
	for _, l := range lines {
		side, ev := sideOf(l), l.s("ev")
		switch {
		case side == app.Server:
			handled++
			got := find(ar, func(r *app.Record) bool {
				return r.Type == ev && r.Fields.String("method") == l.s("method") && jsonEqual(r.Fields.Get("params"), l["params"])
			})
			if len(got) != 1 {
				t.Errorf("%v: %+v", l, got)
			}
		case ev == "response" || ev == "error":
			handled++
			got := find(ar, func(r *app.Record) bool {
				if r.Type != ev || len(r.Links) != 1 {
					return false
				}
				req := linked(ar, r.Links[0])
				return req != nil && req.Fields.String("method") == l.s("method")
			})
			if len(got) != 1 || (ev == "response" && !jsonEqual(got[0].Fields.Get("result"), l["result"])) ||
				(ev == "error" && (!jsonEqual(got[0].Fields.Get("error_code"), l["code"]) || got[0].Fields.String("error_message") != l.s("message"))) {
				t.Errorf("%v: %+v", l, got)
			}
		case ev == "notification":
			handled++
			// rpc-websockets sends its events as {"notification":...},
			// which is not JSON-RPC: the record says so.
			got := find(ar, func(r *app.Record) bool { return r.From == app.Server && r.Error == "not-json-rpc" })
			if len(got) != 1 {
				t.Errorf("%v: %+v", l, got)
			}
		}
	}
	if handled != len(lines) {
		t.Errorf("%d of the %d lines the peers logged checked", handled, len(lines))
	}
	for _, r := range ar.Records {
		if !r.Guess {
			t.Errorf("%+v: rpc-websockets names no subprotocol, so the protocol is a guess", r)
		}
	}
}

// subscriptions-transport-ws speaks the older graphql-ws subprotocol:
// start, data, stop, ka.
func TestGraphQLLegacyPeers(t *testing.T) {
	lines, _, ar := runPeers(t, "graphql-legacy.js")
	handled := 0
	for _, l := range lines {
		side, ev := sideOf(l), l.s("ev")
		switch {
		case side == app.Server && ev == "connection_init":
			handled++
			got := find(ar, func(r *app.Record) bool { return r.Type == "connection_init" })
			if len(got) != 1 || got[0].Protocol != app.ProtoGraphQLWS || got[0].Fields.String("payload") != "<redacted>" {
				t.Errorf("%v: %+v", l, got)
			}
		case side == app.Server && ev == "start":
			handled++
			got := find(ar, func(r *app.Record) bool { return r.Type == "start" && r.Fields.String("id") == l.s("id") })
			if len(got) != 1 || got[0].Fields.String("query") != l.s("query") {
				t.Errorf("%v: %+v", l, got)
			}
		case side == app.Client && (ev == "data" || ev == "error" || ev == "complete"):
			handled++
			got := find(ar, func(r *app.Record) bool {
				if r.From != app.Server || len(r.Links) != 1 || (ev == "complete") != (r.Type == "complete") {
					return false
				}
				op := linked(ar, r.Links[0])
				return op != nil && op.Fields.String("query") == l.s("query") && (ev == "complete" || jsonEqual(r.Fields.Get("payload"), l["payload"]))
			})
			if len(got) != 1 {
				t.Errorf("%v: %d records", l, len(got))
			}
		}
	}
	if handled != len(lines) {
		t.Errorf("%d of the %d lines the peers logged checked", handled, len(lines))
	}
	ka := find(ar, func(r *app.Record) bool { return r.Type == "ka" })
	if len(ka) == 0 || !ka[0].Heartbeat || ka[0].From != app.Server {
		t.Errorf("keep-alives %+v", ka)
	}
	if got := find(ar, func(r *app.Record) bool { return r.Type == "stop" || r.Type == "connection_terminate" }); len(got) == 0 {
		t.Error("the client's goodbye (stop or connection_terminate) not seen")
	}
}

// The SignalR client (@microsoft/signalr) against a stand-in hub whose
// messages the client library itself writes (no SignalR server ships on
// npm): recognised by its handshake, not guessed.
func TestSignalRPeers(t *testing.T) {
	lines, _, ar := runPeers(t, "signalr.js")
	names := map[float64]string{1: "Invocation", 2: "StreamItem", 3: "Completion", 4: "StreamInvocation", 5: "CancelInvocation", 6: "Ping", 7: "Close"}
	handled := 0
	for _, l := range lines {
		side, ev := sideOf(l), l.s("ev")
		switch {
		case side == app.Server && ev == "handshake":
			handled++
			got := find(ar, func(r *app.Record) bool { return r.Type == "handshake" && r.From == app.Client })
			req := l["request"].(map[string]any)
			if len(got) != 1 || got[0].Fields.String("hub_protocol") != req["protocol"] || got[0].Fields.Get("version") != int64(req["version"].(float64)) {
				t.Errorf("%v: %+v", l, got)
			}
		case side == app.Server && ev == "message":
			handled++
			typ := names[l["type"].(float64)]
			got := find(ar, func(r *app.Record) bool {
				return r.From == app.Client && r.Type == typ && r.Fields.String("target") == l.s("target") &&
					r.Fields.String("invocation_id") == l.s("invocationId") && (l["arguments"] == nil || jsonEqual(r.Fields.Get("arguments"), l["arguments"]))
			})
			if len(got) == 0 {
				t.Errorf("%v: no %s record", l, typ)
			}
		case side == app.Client:
			handled++
			got := find(ar, func(r *app.Record) bool {
				if r.From != app.Server || r.Type != ev {
					return false
				}
				switch ev {
				case "Invocation":
					return r.Fields.String("target") == l.s("target") && jsonEqual(r.Fields.Get("arguments"), l["arguments"])
				case "Completion", "StreamItem":
					if len(r.Links) != 1 || linked(ar, r.Links[0]).Fields.String("target") != l.s("target") {
						return false
					}
					if ev == "StreamItem" {
						return jsonEqual(r.Fields.Get("item"), l["item"])
					}
					return jsonEqual(r.Fields.Get("result"), l["result"])
				}
				return false
			})
			if len(got) != 1 {
				t.Errorf("%v: %d records", l, len(got))
			}
		}
	}
	if handled != len(lines) {
		t.Errorf("%d of the %d lines the peers logged checked", handled, len(lines))
	}
	for _, r := range ar.Records {
		if r.Protocol != app.ProtoSignalR || r.Guess || r.Error != "" {
			t.Errorf("record %+v", r)
		}
		if (r.Type == "Ping") != r.Heartbeat {
			t.Errorf("record %+v: heartbeat %v", r, r.Heartbeat)
		}
	}
}

// checkPage builds the English page of a capture and checks diagram labels
// and sentences.
func checkPage(t *testing.T, res *annotate.Result, labels map[string]bool, sentences ...string) {
	t.Helper()
	page, err := render.Build(res, render.Capture{Name: "peers.pcap"}, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Diagram != nil {
		for _, a := range page.Diagram.Arrows {
			delete(labels, a.Label)
		}
	}
	for l := range labels {
		t.Errorf("no diagram arrow labelled %q", l)
	}
	var all strings.Builder
	for _, p := range page.Packets {
		for _, s := range p.Text {
			all.WriteString(s + "\n")
		}
	}
	for _, s := range sentences {
		if !strings.Contains(all.String(), s) {
			t.Errorf("no sentence %q", s)
		}
	}
}
