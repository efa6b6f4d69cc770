package app

import (
	"sort"
	"strings"
)

// Dir is the end of a connection that sent a message.
type Dir uint8

// The two ends.
const (
	Client Dir = iota + 1
	Server
)

// String returns "client" or "server".
func (d Dir) String() string {
	switch d {
	case Client:
		return "client"
	case Server:
		return "server"
	}
	return ""
}

// Peer returns the other end.
func (d Dir) Peer() Dir {
	if d == Client {
		return Server
	}
	return Client
}

// Loc says where a record's bytes travelled: in a WebSocket message
// (Message is its index, Packet -1 or the packet that completed it) or in an
// HTTP body (Message -1, Packet the number of the packet that completed the
// body).
type Loc struct {
	Message int
	Packet  int
}

// Message is one WebSocket message handed to a [Stream].
type Message struct {
	Loc
	From Dir
	// Binary reports an opcode-2 message; Control a close, ping or pong
	// frame (Close is a close frame's status code, 0 when it has none).
	Binary, Control bool
	Close           int
	// Data is the message payload (unmasked, inflated). Truncated reports
	// that bytes of it are missing (cut by a size cap or never captured).
	Data      []byte
	Truncated bool
}

// Record is one application packet: an Engine.IO packet, a Socket.IO packet,
// a STOMP frame, an MQTT control packet, a GraphQL-over-WebSocket or JSON-RPC
// or SignalR message.
type Record struct {
	// Protocol is the protocol's name as the package lists it (ProtoSocketIO,
	// ...). Type is the packet type as the protocol's own specification names
	// it: "EVENT", "PUBLISH", "SEND", "subscribe", "request", ...
	Protocol, Type string
	// Loc is where it travelled; Part numbers the records of one message or
	// body from 0 (several MQTT packets in one frame, an Engine.IO payload
	// with several packets); Parts lists the messages of a packet carried by
	// several (MQTT), in order, when there are more than one.
	Loc   Loc
	Part  int
	Parts []int
	// From is the end that sent it.
	From Dir
	// Session is the Engine.IO session id (sid) an Engine.IO or Socket.IO
	// record belongs to, when known: one session spans its long-polling
	// requests and its WebSocket connection.
	Session string
	// Fields are the packet's fields, named in snake_case; each protocol's
	// file documents them.
	Fields Fields
	// Links point at the records this one is linked with.
	Links []Link
	// Heartbeat marks keep-alive traffic (Engine.IO ping/pong/noop, STOMP
	// heart-beats, MQTT PINGREQ/PINGRESP, GraphQL ping/pong/ka, SignalR
	// pings), which --hide-heartbeats leaves out.
	Heartbeat bool
	// Guess reports a protocol recognised by the heuristic only.
	Guess bool
	// Error names what is wrong with a packet that does not parse (stable
	// names such as "bad-json", "json-too-deep", "missing-nul",
	// "bad-packet-type"); the fields then hold what could be read.
	Error string
}

// Link points from a record at another one.
type Link struct {
	// Rel is the relation: "answers" (an ACK, a response, a RECEIPT, a
	// PUBACK, ...), "attachment_of" (a binary attachment of a Socket.IO
	// BINARY_EVENT/BINARY_ACK), "subscription" (a STOMP MESSAGE of a
	// SUBSCRIBE), "operation" (a GraphQL result of its subscribe or start),
	// "invocation" (a SignalR stream item or completion).
	Rel  string
	Loc  Loc
	Part int
}

// Field is one named field of a record.
type Field struct {
	Name  string
	Value any
}

// Fields holds a record's fields in the order they were read. Values are
// string, bool, int64, []string, []int64, or JSON values as they were sent
// (json.RawMessage, or []any of json.RawMessage for argument lists), which
// keep their members' order.
type Fields []Field

// Get returns the value of the named field, nil when absent.
func (f Fields) Get(name string) any {
	for _, kv := range f {
		if kv.Name == name {
			return kv.Value
		}
	}
	return nil
}

// Has reports whether the named field is present.
func (f Fields) Has(name string) bool {
	for _, kv := range f {
		if kv.Name == name {
			return true
		}
	}
	return false
}

// String returns the named field as a string ("" when absent or not a
// string).
func (f Fields) String(name string) string {
	s, _ := f.Get(name).(string)
	return s
}

// Int returns the named field as an int64 and whether it is an integer.
func (f Fields) Int(name string) (int64, bool) {
	switch v := f.Get(name).(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	}
	return 0, false
}

// Set sets the named field, adding it when absent.
func (f *Fields) Set(name string, v any) {
	for i := range *f {
		if (*f)[i].Name == name {
			(*f)[i].Value = v
			return
		}
	}
	*f = append(*f, Field{name, v})
}

// Map returns the fields as a map.
func (f Fields) Map() map[string]any {
	m := make(map[string]any, len(f))
	for _, kv := range f {
		m[kv.Name] = kv.Value
	}
	return m
}

// Handshake is what the HTTP upgrade (or the HTTP request of a polling
// exchange) tells about the application protocol.
type Handshake struct {
	// Path is the request target, query included.
	Path string
	// Offered are the subprotocols the client offered; Protocol the one the
	// server chose ("" when none).
	Offered  []string
	Protocol string
}

// Query returns the value of a query parameter of Path ("" when absent).
func (h Handshake) Query(name string) string {
	_, q, ok := strings.Cut(h.Path, "?")
	if !ok {
		return ""
	}
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k == name {
			return v
		}
	}
	return ""
}

// Options tune the decoders.
type Options struct {
	// Reveal keeps secrets that are redacted by default: the Socket.IO
	// CONNECT auth payload, the STOMP passcode, the MQTT password, the
	// GraphQL connection_init payload.
	Reveal bool
	// MaxPacket caps the bytes an MQTT packet split over several messages
	// may hold while it waits for its end (default 1 MiB); a larger packet
	// is reported from its header and the bytes that came, its body
	// skipped.
	MaxPacket int
}

func (o Options) maxPacket() int {
	if o.MaxPacket <= 0 {
		return 1 << 20
	}
	return o.MaxPacket
}

// redacted is the value that stands for a secret.
const redacted = "<redacted>"

// sortedKeys returns the keys of a JSON object, sorted.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
