package annotate

import (
	"net/netip"
	"time"

	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// Role names an end of a TCP connection.
type Role uint8

// The roles. RoleUnknown is the role of packets that belong to no connection.
const (
	RoleUnknown Role = iota
	Client
	Server
)

// String returns "client", "server" or "" for RoleUnknown.
func (r Role) String() string {
	switch r {
	case Client:
		return "client"
	case Server:
		return "server"
	}
	return ""
}

// Peer returns the other end: Server for Client and Client for Server.
func (r Role) Peer() Role {
	switch r {
	case Client:
		return Server
	case Server:
		return Client
	}
	return RoleUnknown
}

// Phase is the step of a connection's life a packet stands for. Every packet
// has exactly one; its events say everything else it does. The values are
// the event kinds of the same name plus [PhaseTCPData] and [PhaseOther].
type Phase string

// The phases, in the order a WebSocket connection usually goes through them.
const (
	PhaseHandshake1      Phase = "tcp-handshake-1"     // SYN
	PhaseHandshake2      Phase = "tcp-handshake-2"     // SYN-ACK
	PhaseHandshake3      Phase = "tcp-handshake-3"     // the ACK that completes the handshake
	PhaseUpgradeRequest  Phase = "ws-upgrade-request"  // the client's HTTP upgrade request
	PhaseUpgradeResponse Phase = "ws-upgrade-response" // the server's 101 Switching Protocols
	PhaseHTTPRequest     Phase = "http-request"        // any other HTTP request
	PhaseHTTPResponse    Phase = "http-response"       // any other HTTP response, failed upgrades included
	PhaseAck             Phase = "ack"                 // a pure acknowledgement
	PhaseWSData          Phase = "ws-data"             // WebSocket text, binary or continuation frames
	PhaseWSControl       Phase = "ws-control"          // WebSocket close, ping or pong frames
	PhaseTeardown        Phase = "tcp-teardown"        // FIN, or the ACK of the last FIN
	PhaseReset           Phase = "tcp-reset"           // RST
	PhaseRetransmission  Phase = "tcp-retransmission"  // bytes sent before, sent again
	PhaseOutOfOrder      Phase = "tcp-out-of-order"    // bytes that arrive after later ones
	PhaseWindowUpdate    Phase = "tcp-window-update"   // an ACK that only changes the window
	PhaseKeepAlive       Phase = "tcp-keepalive"       // a keep-alive probe or its answer
	PhaseTCPData         Phase = "tcp-data"            // payload that is neither HTTP nor WebSocket
	PhaseOther           Phase = "other"               // not a TCP packet, or one that could not be decoded
	phaseNone            Phase = ""
)

// Params holds an event's parameters, each name at most once, in no
// particular order. Values are string, bool, int, int64, uint32, uint64,
// []int or []string; the package documentation lists every kind's
// parameters. (A list takes far less memory than a map for the few
// parameters of an event, and a capture has many events.)
type Params []Param

// Param is one parameter of an event.
type Param struct {
	Name  string
	Value any
}

// Get returns the value of the named parameter, nil when it is absent.
func (p Params) Get(name string) any {
	v, _ := p.Lookup(name)
	return v
}

// Lookup returns the value of the named parameter and whether it is
// present.
func (p Params) Lookup(name string) (any, bool) {
	for i := range p {
		if p[i].Name == name {
			return p[i].Value, true
		}
	}
	return nil, false
}

// Set sets the named parameter, adding it when it is absent.
func (p *Params) Set(name string, v any) {
	for i := range *p {
		if (*p)[i].Name == name {
			(*p)[i].Value = v
			return
		}
	}
	*p = append(*p, Param{name, v})
}

// Map returns the parameters as a map.
func (p Params) Map() map[string]any {
	m := make(map[string]any, len(p))
	for _, kv := range p {
		m[kv.Name] = kv.Value
	}
	return m
}

// Event is one thing a packet does or shows: a step of a handshake, a frame it
// completes, a fault. Kind is a stable lowercase-hyphenated name (see the
// package documentation for the list and each kind's parameters).
type Event struct {
	Kind   EventKind
	Params Params
	// Frame and Message point at the frame or message the event is about,
	// when there is one.
	Frame   *Frame
	Message *Message
}

// Int returns the named parameter as an int64, or 0 when it is absent or
// not an integer.
func (e Event) Int(name string) int64 {
	switch v := e.Params.Get(name).(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case uint64:
		return int64(v)
	case uint32:
		return int64(v)
	case uint16:
		return int64(v)
	case uint8:
		return int64(v)
	}
	return 0
}

// String returns the named parameter as a string, or "" when it is absent or
// not a string.
func (e Event) String(name string) string {
	s, _ := e.Params.Get(name).(string)
	return s
}

// Bool returns the named parameter as a bool, false when absent.
func (e Event) Bool(name string) bool {
	b, _ := e.Params.Get(name).(bool)
	return b
}

// Range is a half-open byte range [Start, End).
type Range struct {
	Start, End int
}

// Len returns the number of bytes in the range.
func (r Range) Len() int { return r.End - r.Start }

// In returns the bytes of b that r covers, as far as b has them: nil when
// r lies outside b, never a panic.
func (r Range) In(b []byte) []byte {
	lo, hi := max(0, min(r.Start, len(b))), max(0, min(r.End, len(b)))
	if lo > hi {
		return nil
	}
	return b[lo:hi]
}

// Field is a labelled part of one packet's TCP payload: an HTTP header line,
// a WebSocket frame header field, a masking key, (part of) a payload. A field
// whose bytes are spread over several packets appears once in each, with the
// part that packet holds.
type Field struct {
	// Kind is the field's stable name; the package documentation lists them.
	Kind FieldKind
	// Payload is the range within the packet's TCP payload; Data is the same
	// bytes within the packet's captured Data.
	Payload Range
	Data    Range
	// Name is the header name of an "http-header" field.
	Name string
	// Frame is the frame a "ws-..." field belongs to.
	Frame *Frame
	// Offset is where the field's first byte in this packet lies within the
	// whole field: for "ws-payload", the offset into the frame's payload (so
	// that Frame.Payload[Offset:Offset+Payload.Len()] is its unmasked form).
	Offset int64
	// Partial reports that the field continues in another packet.
	Partial bool
}

// Connection is one TCP connection: its two ends, what it carried and how
// it ended.
type Connection struct {
	// ID numbers connections from 1 in the order their first packet appears.
	ID int
	// Client and Server are the two ends.
	Client, Server netip.AddrPort
	// RoleBasis says how the roles were decided: "syn", "syn-ack",
	// "http-request", "http-response", "ws-masking", "ws-port",
	// "shared-port" or "port-number".
	RoleBasis string
	// FirstPacket and LastPacket are the numbers of its first and last
	// packets.
	FirstPacket, LastPacket int
	// Packets is how many packets it has.
	Packets int
	// ClientISN and ServerISN are the initial sequence numbers when the
	// handshake was captured (HaveISN).
	ClientISN, ServerISN uint32
	HaveISN              bool
	// Upgrade describes the HTTP upgrade to WebSocket, nil when none was
	// seen.
	Upgrade *Upgrade
	// WebSocket reports whether the connection carries WebSocket frames
	// (after an upgrade, or recognised mid-session).
	WebSocket bool
	// WebSocketBasis says why: "upgrade", "ws-port" or "heuristic".
	WebSocketBasis string
	// Deflate holds the negotiated permessage-deflate parameters, nil when
	// the extension is not in use.
	Deflate *DeflateParams
	// Teardown is how the connection ended: "four-way", "three-way",
	// "simultaneous", "reset", "half-closed" (one FIN only) or "" (still
	// open when the capture ended).
	Teardown string
	// Bytes counts the payload bytes each end sent (first copies only).
	ClientBytes, ServerBytes int64
	// Gaps counts the stream bytes never captured, per end.
	ClientGapBytes, ServerGapBytes int64
	// TLS is what the connection's TLS showed, nil when it is not TLS.
	TLS *TLSInfo
}

// End returns the address of the given end.
func (c *Connection) End(r Role) netip.AddrPort {
	if r == Server {
		return c.Server
	}
	return c.Client
}

// DeflateParams are the negotiated parameters of permessage-deflate
// (RFC 7692). Window bits of 0 mean the default, 15.
type DeflateParams struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
	// Raw is the extension as the server's response wrote it.
	Raw string
	// Inferred reports parameters assumed (RFC 7692 defaults) because the
	// capture shows compressed frames but not the upgrade.
	Inferred bool
}

// Upgrade is an HTTP request to switch a connection to WebSocket and the
// server's answer.
type Upgrade struct {
	// RequestPacket and ResponsePacket are the numbers of the packets that
	// complete the request and response heads (0 when not seen).
	RequestPacket, ResponsePacket int
	// RequestLength and ResponseLength are the lengths of the heads in
	// bytes, through the empty line.
	RequestLength, ResponseLength int

	Method, Path, HTTPVersion string
	Host, Origin              string
	Key                       string   // Sec-WebSocket-Key
	Version                   string   // Sec-WebSocket-Version
	Protocols                 []string // Sec-WebSocket-Protocol offered
	Extensions                string   // Sec-WebSocket-Extensions offered
	RequestHeaders            []Header

	Status             int
	Reason             string
	Accept             string // Sec-WebSocket-Accept the server sent
	ExpectedAccept     string // the value the key calls for
	AcceptValid        bool
	Protocol           string // the subprotocol the server chose
	ResponseExtensions string // Sec-WebSocket-Extensions the server accepted
	ResponseHeaders    []Header

	// Succeeded reports a 101 answer with a valid accept key.
	Succeeded bool
}

// Header is one HTTP header field as it appeared.
type Header struct {
	Name, Value string
}

// PacketInfo is everything wstrace knows about one packet.
type PacketInfo struct {
	// Number counts packets from 1 in capture order.
	Number int
	// Time is when the packet was captured, in the zone of Summary:
	// Options.Location, else local time.
	Time time.Time
	// Packet is the captured packet; Decoded its headers.
	Packet  *capture.Packet
	Decoded *decode.Packet
	// Summary is the packet's line as tcpdump -n prints it.
	Summary string

	// Conn is the TCP connection, nil for other packets; From is the end
	// that sent it.
	Conn *Connection
	From Role

	// Phase is the packet's primary step; Events everything it does.
	Phase  Phase
	Events []Event
	// Fields are the labelled byte ranges of its TCP payload.
	Fields []Field
	// Frames and Messages are the WebSocket frames and messages this packet
	// completes.
	Frames   []*Frame
	Messages []*Message
	// TLSRecords are the TLS records this packet completes.
	TLSRecords []*TLSRecord

	// PayloadOffset is where the TCP payload starts in Packet.Data;
	// PayloadLength is its length on the wire, Captured how much of it the
	// capture holds.
	PayloadOffset, PayloadLength, Captured int
	// Seq and Ack are the sequence and acknowledgement numbers as tcpdump
	// prints them: relative when Relative, else absolute.
	Seq, Ack uint32
	Relative bool
	// StreamOffset is the position of the payload's first byte in the
	// sender's byte stream (0 is the first byte after the SYN, or the first
	// byte seen in a capture that starts mid-connection).
	StreamOffset int64
	// Window is the receive window in bytes, scaled when the handshake
	// announced a scale factor (WindowScaled).
	Window       int64
	WindowScaled bool

	// HasTCP reports a TCP header, whose flags are TCPFlags;
	// LinkHeaderLength is how many bytes of Packet.Data the link-layer
	// header takes. They repeat what Decoded says, for when
	// Options.DropDecoded leaves Decoded nil.
	HasTCP           bool
	TCPFlags         decode.TCPFlags
	LinkHeaderLength uint16

	// phaseBy is 1 + the index of the event that decides Phase, 0 when
	// none does.
	phaseBy int32
}

// Event returns the first event of the given kind, and whether there is one.
func (p *PacketInfo) Event(kind EventKind) (Event, bool) {
	for _, e := range p.Events {
		if e.Kind == kind {
			return e, true
		}
	}
	return Event{}, false
}

// Frame is one WebSocket frame.
type Frame struct {
	// Index is the frame's position in Result.Frames.
	Index int
	Conn  *Connection
	From  Role
	// Packet is the number of the packet that completes the frame (as
	// tshark shows it), FirstPacket the one that holds its first byte.
	Packet, FirstPacket int
	// StreamOffset is where the frame starts in the sender's byte stream.
	StreamOffset int64

	FIN    bool
	RSV    uint8 // the three bits as a number: RSV1 = 4, RSV2 = 2, RSV3 = 1
	Opcode websocket.Opcode
	Masked bool
	// MaskKey is the masking key, valid when Masked.
	MaskKey [4]byte
	// PayloadLength is the length the header declares; LengthBits the form
	// it used: 7, 16 or 64.
	PayloadLength uint64
	LengthBits    int
	HeaderLength  int
	// Payload is the payload, unmasked. It holds at most the message size
	// cap; PayloadTruncated reports bytes it lacks (cut by the cap, never
	// captured, or after the end of the capture).
	Payload          []byte
	PayloadTruncated bool
	// Complete reports whether every byte of the frame was captured. Frames
	// with bytes lost in a gap, or cut by the end of the capture, are listed
	// with Complete false.
	Complete bool
	// Message is the message the frame belongs to (nil until the message
	// completes, and for frames of a message never completed).
	Message *Message
	// Faults are the protocol faults the frame shows.
	Faults []string
}

// OpcodeName returns the name RFC 6455 gives the frame's opcode.
func (f *Frame) OpcodeName() string { return f.Opcode.String() }

// IsControl reports whether the frame is a control frame (close, ping,
// pong or a reserved control opcode).
func (f *Frame) IsControl() bool { return f.Opcode.IsControl() }

// Message is a complete WebSocket message: a data message (one or more
// frames) or a control frame.
type Message struct {
	// Index is the message's position in Result.Messages.
	Index int
	Conn  *Connection
	From  Role
	// Packet is the number of the packet that completes it.
	Packet int
	Time   time.Time
	// Opcode is the first frame's opcode (text, binary or a control opcode).
	Opcode websocket.Opcode
	Frames []*Frame
	// Compressed reports permessage-deflate (RSV1 on the first frame).
	Compressed bool
	// Data is the payload after unmasking, reassembly and decompression, at
	// most the message size cap. Size is the full length when it is known:
	// the payload length of an uncompressed message (larger than len(Data)
	// when bytes are missing), the decompressed length of a compressed one,
	// or -1 when a compressed message was cut by the cap or a gap.
	// WireSize is the sum of the frames' payload lengths on the wire.
	Data      []byte
	Size      int64
	WireSize  int64
	Truncated bool
	// Incomplete reports that part of the message was not captured (or its
	// compression context was not), so Data holds only what could be
	// recovered.
	Incomplete bool
	// CapHit reports that decompression stopped at the size cap.
	CapHit bool
	// RetainCapHit reports that Data was cut because the content kept of
	// all messages reached Options.MaxRetained.
	RetainCapHit bool
	// Text reports an opcode-1 message whose data is valid UTF-8; JSON that
	// the data is a JSON value.
	Text, ValidUTF8, JSON bool
	// CloseCode and CloseReason are a close frame's status code (0 when the
	// frame has none) and reason.
	CloseCode   int
	CloseReason string
	// RelayOf is the message this one relays: the same payload the server
	// received or sent on another connection shortly before. Relays lists
	// the messages that relay this one.
	RelayOf *Message
	Relays  []*Message
	// CausedBy is, for a server's text message, the client message that
	// caused it: the latest earlier text message from a client, on any
	// connection, whose content this one carries (its whole text, or a
	// JSON string value of four or more characters; the one with the most
	// such contents wins, then the latest). Nil when none does.
	CausedBy *Message
	// Faults are the protocol faults the message shows.
	Faults []string

	counted int64 // bytes of Data counted against Options.MaxRetained
}

// OpcodeName returns the name of the message's opcode.
func (m *Message) OpcodeName() string { return m.Opcode.String() }

// Result is the annotation of a whole capture.
type Result struct {
	Connections []*Connection
	Packets     []*PacketInfo
	Frames      []*Frame
	Messages    []*Message
}
