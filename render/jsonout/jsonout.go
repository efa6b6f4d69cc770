package jsonout

import (
	"encoding/base64"
	"encoding/hex"
	"io"
	"slices"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/render/internal/redact"
)

// FormatName and Version identify the document; Version changes only when a
// field changes meaning or disappears (new fields may appear at any time).
const (
	FormatName = "wstrace"
	Version    = 1
)

// Options tunes the output. The zero value writes compact JSON without
// frame payloads.
type Options struct {
	// Indent pretty-prints the document with two-space indentation.
	Indent bool
	// FramePayloads adds each frame's unmasked payload ("payload_base64").
	FramePayloads bool
	// Select, when set, keeps only the packets it accepts, with the
	// frames and messages they complete and the connections they belong
	// to (render.Options.Selects is the test every format applies).
	Select func(*annotate.PacketInfo) bool
	// Redact masks what pages mask under --redact: token-like query
	// values of request targets (in the upgrade, in events and in
	// packet lines) and subprotocols that carry a credential.
	Redact bool
}

// Document is the whole JSON document. Decoding wstrace's output into it
// gives the values back.
type Document struct {
	Format      string       `json:"format"`
	Version     int          `json:"version"`
	Packets     []Packet     `json:"packets"`
	Frames      []Frame      `json:"frames"`
	Messages    []Message    `json:"messages"`
	Connections []Connection `json:"connections"`
}

// Connection is one TCP connection.
type Connection struct {
	ID             int      `json:"id"`
	Client         string   `json:"client"`
	Server         string   `json:"server"`
	RoleBasis      string   `json:"role_basis"`
	FirstPacket    int      `json:"first_packet"`
	LastPacket     int      `json:"last_packet"`
	Packets        int      `json:"packets"`
	ClientISN      *uint32  `json:"client_isn"`
	ServerISN      *uint32  `json:"server_isn"`
	WebSocket      bool     `json:"websocket"`
	WebSocketBasis string   `json:"websocket_basis"`
	Upgrade        *Upgrade `json:"upgrade"`
	Deflate        *Deflate `json:"deflate"`
	Teardown       string   `json:"teardown"`
	ClientBytes    int64    `json:"client_bytes"`
	ServerBytes    int64    `json:"server_bytes"`
	ClientGapBytes int64    `json:"client_gap_bytes"`
	ServerGapBytes int64    `json:"server_gap_bytes"`
	TLS            *TLS     `json:"tls"`
	App            *ConnApp `json:"app"`
}

// Upgrade is the HTTP upgrade of a connection.
type Upgrade struct {
	RequestPacket      int      `json:"request_packet"`
	ResponsePacket     int      `json:"response_packet"`
	Method             string   `json:"method"`
	Path               string   `json:"path"`
	Host               string   `json:"host"`
	Origin             string   `json:"origin"`
	Key                string   `json:"key"`
	Version            string   `json:"version"`
	Protocols          []string `json:"protocols"`
	Extensions         string   `json:"extensions"`
	Status             int      `json:"status"`
	Reason             string   `json:"reason"`
	Accept             string   `json:"accept"`
	ExpectedAccept     string   `json:"expected_accept"`
	AcceptValid        bool     `json:"accept_valid"`
	Protocol           string   `json:"protocol"`
	ResponseExtensions string   `json:"response_extensions"`
	Succeeded          bool     `json:"succeeded"`
}

// Deflate holds the negotiated permessage-deflate parameters.
type Deflate struct {
	ServerNoContextTakeover bool   `json:"server_no_context_takeover"`
	ClientNoContextTakeover bool   `json:"client_no_context_takeover"`
	ServerMaxWindowBits     int    `json:"server_max_window_bits"`
	ClientMaxWindowBits     int    `json:"client_max_window_bits"`
	Raw                     string `json:"raw"`
	Inferred                bool   `json:"inferred"`
}

// Packet is one captured packet.
type Packet struct {
	Number        int     `json:"number"`
	Time          string  `json:"time"`
	Connection    int     `json:"connection"`
	From          string  `json:"from"`
	Summary       string  `json:"summary"`
	Phase         string  `json:"phase"`
	Length        int     `json:"length"`
	CapturedBytes int     `json:"captured_length"`
	PayloadOffset int     `json:"payload_offset"`
	PayloadLength int     `json:"payload_length"`
	Seq           *uint32 `json:"seq"`
	Ack           *uint32 `json:"ack"`
	Relative      bool    `json:"relative"`
	StreamOffset  int64   `json:"stream_offset"`
	Window        int64   `json:"window"`
	Events        []Event `json:"events"`
	Fields        []Field `json:"fields"`
	Frames        []int   `json:"frames"`
	Messages      []int   `json:"messages"`
	App           []App   `json:"app"`
}

// Event is an event: its kind and its parameters, flattened into one
// object.
type Event map[string]any

// Kind returns the event's kind.
func (e Event) Kind() string { s, _ := e["kind"].(string); return s }

// Field is a labelled byte range of a packet's TCP payload.
type Field struct {
	Kind      string `json:"kind"`
	Name      string `json:"name,omitempty"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
	DataStart int    `json:"data_start"`
	DataEnd   int    `json:"data_end"`
	Frame     *int   `json:"frame"`
	Offset    int64  `json:"offset"`
	Partial   bool   `json:"partial"`
}

// Frame is one WebSocket frame.
type Frame struct {
	Index         int      `json:"index"`
	Packet        int      `json:"packet"`
	FirstPacket   int      `json:"first_packet"`
	Connection    int      `json:"connection"`
	From          string   `json:"from"`
	FIN           bool     `json:"fin"`
	RSV           uint8    `json:"rsv"`
	Opcode        uint8    `json:"opcode"`
	OpcodeName    string   `json:"opcode_name"`
	Masked        bool     `json:"masked"`
	MaskKey       *string  `json:"mask_key"`
	PayloadLength uint64   `json:"payload_length"`
	LengthBits    int      `json:"length_bits"`
	HeaderLength  int      `json:"header_length"`
	StreamOffset  int64    `json:"stream_offset"`
	Complete      bool     `json:"complete"`
	Message       *int     `json:"message"`
	Faults        []string `json:"faults"`
	PayloadBase64 *string  `json:"payload_base64,omitempty"`
}

// Message is one WebSocket message.
type Message struct {
	Index       int      `json:"index"`
	Packet      int      `json:"packet"`
	Time        string   `json:"time"`
	Connection  int      `json:"connection"`
	From        string   `json:"from"`
	Opcode      uint8    `json:"opcode"`
	OpcodeName  string   `json:"opcode_name"`
	Fragments   int      `json:"fragments"`
	Frames      []int    `json:"frames"`
	Compressed  bool     `json:"compressed"`
	Size        int64    `json:"size"`
	WireSize    int64    `json:"wire_size"`
	Text        *string  `json:"text,omitempty"`
	DataBase64  *string  `json:"data_base64,omitempty"`
	JSON        bool     `json:"json"`
	CloseCode   *int     `json:"close_code"`
	CloseReason *string  `json:"close_reason"`
	RelayOf     *int     `json:"relay_of"`
	Relays      []int    `json:"relays"`
	CausedBy    *int     `json:"caused_by"`
	Truncated   bool     `json:"truncated"`
	CapHit      bool     `json:"cap_hit"`
	Incomplete  bool     `json:"incomplete"`
	Faults      []string `json:"faults"`
	App         []App    `json:"app"`
}

// Write writes res to w as a JSON document followed by a newline: the
// document that [Build] returns, as encoding/json writes it (without HTML
// escaping), but encoded a value at a time straight from res, so that the
// memory it takes does not grow with the capture.
func Write(w io.Writer, res *annotate.Result, opts Options) error {
	return writeRecords(NewStream(w, opts), res)
}

// WriteLines writes res to w as JSON lines, as a [Stream] from [NewLines]
// writes the records of a streaming annotator.
func WriteLines(w io.Writer, res *annotate.Result, opts Options) error {
	return writeRecords(NewLines(w, opts), res)
}

// writeRecords hands res to s in the order a streaming annotator would.
func writeRecords(s *Stream, res *annotate.Result) error {
	for _, p := range res.Packets {
		if err := s.Record(annotate.Record{Kind: annotate.RecordPacket, Packet: p}); err != nil {
			return err
		}
		for _, f := range p.Frames {
			if err := s.Record(annotate.Record{Kind: annotate.RecordFrame, Frame: f}); err != nil {
				return err
			}
		}
	}
	for _, m := range res.Messages {
		if err := s.Record(annotate.Record{Kind: annotate.RecordMessage, Message: m}); err != nil {
			return err
		}
	}
	for _, c := range res.Connections {
		if err := s.Record(annotate.Record{Kind: annotate.RecordConnection, Connection: c}); err != nil {
			return err
		}
	}
	return s.Close()
}

// Build turns an annotation into the document Write encodes.
func Build(res *annotate.Result, opts Options) *Document {
	d := &Document{
		Format:      FormatName,
		Version:     Version,
		Connections: make([]Connection, 0, len(res.Connections)),
		Packets:     make([]Packet, 0, len(res.Packets)),
		Frames:      make([]Frame, 0, len(res.Frames)),
		Messages:    make([]Message, 0, len(res.Messages)),
	}
	conns, msgs := map[int]bool{}, map[int]bool{}
	t := newTracker(opts)
	for _, p := range res.Packets {
		apps := appRecords(t.Packet(p))
		if opts.Select != nil && !opts.Select(p) {
			continue
		}
		if p.Conn != nil {
			conns[p.Conn.ID] = true
		}
		for _, m := range p.Messages {
			msgs[m.Index] = true
		}
		d.Packets = append(d.Packets, packet(p, opts.Redact))
		d.Packets[len(d.Packets)-1].App = apps
		for _, f := range p.Frames {
			d.Frames = append(d.Frames, frame(f, opts))
		}
	}
	for _, m := range res.Messages {
		apps := appRecords(t.Message(m))
		if opts.Select == nil || msgs[m.Index] {
			d.Messages = append(d.Messages, message(m))
			d.Messages[len(d.Messages)-1].App = apps
		}
	}
	for _, c := range res.Connections {
		if opts.Select == nil || conns[c.ID] {
			d.Connections = append(d.Connections, connection(c, opts.Redact))
			d.Connections[len(d.Connections)-1].App = connApp(t, c)
		}
	}
	return d
}

// timeLayout is the layout of the document's times: RFC 3339 with
// nanoseconds.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// tcpFlags returns the flags of the packet's TCP header, and whether it
// has one: from Decoded, or when it was dropped, from the PacketInfo.
func tcpFlags(p *annotate.PacketInfo) (decode.TCPFlags, bool) {
	if d := p.Decoded; d != nil {
		if d.TCP == nil {
			return 0, false
		}
		return d.TCP.Flags, true
	}
	return p.TCPFlags, p.HasTCP
}

func timeString(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

func connID(c *annotate.Connection) int {
	if c == nil {
		return 0
	}
	return c.ID
}

func connection(c *annotate.Connection, masked bool) Connection {
	out := Connection{
		ID:             c.ID,
		Client:         c.Client.String(),
		Server:         c.Server.String(),
		RoleBasis:      c.RoleBasis,
		FirstPacket:    c.FirstPacket,
		LastPacket:     c.LastPacket,
		Packets:        c.Packets,
		WebSocket:      c.WebSocket,
		WebSocketBasis: c.WebSocketBasis,
		Teardown:       c.Teardown,
		ClientBytes:    c.ClientBytes,
		ServerBytes:    c.ServerBytes,
		ClientGapBytes: c.ClientGapBytes,
		ServerGapBytes: c.ServerGapBytes,
		TLS:            tlsOf(c.TLS),
	}
	if c.HaveISN {
		ci, si := c.ClientISN, c.ServerISN
		out.ClientISN, out.ServerISN = &ci, &si
	}
	if u := c.Upgrade; u != nil {
		out.Upgrade = &Upgrade{
			RequestPacket:      u.RequestPacket,
			ResponsePacket:     u.ResponsePacket,
			Method:             u.Method,
			Path:               redactIf(masked, "path", u.Path),
			Host:               u.Host,
			Origin:             u.Origin,
			Key:                u.Key,
			Version:            u.Version,
			Protocols:          redactAll(masked, nonNil(u.Protocols)),
			Extensions:         u.Extensions,
			Status:             u.Status,
			Reason:             u.Reason,
			Accept:             u.Accept,
			ExpectedAccept:     u.ExpectedAccept,
			AcceptValid:        u.AcceptValid,
			Protocol:           redactIf(masked, "protocol", u.Protocol),
			ResponseExtensions: u.ResponseExtensions,
			Succeeded:          u.Succeeded,
		}
	}
	if df := c.Deflate; df != nil {
		out.Deflate = &Deflate{
			ServerNoContextTakeover: df.ServerNoContextTakeover,
			ClientNoContextTakeover: df.ClientNoContextTakeover,
			ServerMaxWindowBits:     df.ServerMaxWindowBits,
			ClientMaxWindowBits:     df.ClientMaxWindowBits,
			Raw:                     df.Raw,
			Inferred:                df.Inferred,
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func packet(p *annotate.PacketInfo, masked bool) Packet {
	out := Packet{
		Number:     p.Number,
		Time:       timeString(p.Time),
		Connection: connID(p.Conn),
		From:       p.From.String(),
		Summary:    p.Summary,

		Phase:         string(p.Phase),
		PayloadOffset: p.PayloadOffset,
		PayloadLength: p.PayloadLength,
		Relative:      p.Relative,
		StreamOffset:  p.StreamOffset,
		Window:        p.Window,
		Events:        make([]Event, 0, len(p.Events)),
		Fields:        make([]Field, 0, len(p.Fields)),
		Frames:        make([]int, 0, len(p.Frames)),
		Messages:      make([]int, 0, len(p.Messages)),
	}
	if masked {
		out.Summary = redact.Line(out.Summary, p)
	}
	if p.Packet != nil {
		out.Length = p.Packet.Length
		out.CapturedBytes = len(p.Packet.Data)
	}
	if flags, tcp := tcpFlags(p); tcp {
		seq, ack := p.Seq, p.Ack
		out.Seq = &seq
		if flags&decode.ACK != 0 {
			out.Ack = &ack
		}
	}
	for _, e := range p.Events {
		ev := make(Event, len(e.Params)+1)
		for _, kv := range e.Params {
			ev[kv.Name] = redactValue(masked, kv.Name, kv.Value)
		}
		ev["kind"] = string(e.Kind)
		out.Events = append(out.Events, ev)
	}
	for _, f := range p.Fields {
		jf := Field{
			Kind:      string(f.Kind),
			Name:      f.Name,
			Start:     f.Payload.Start,
			End:       f.Payload.End,
			DataStart: f.Data.Start,
			DataEnd:   f.Data.End,
			Offset:    f.Offset,
			Partial:   f.Partial,
		}
		if f.Frame != nil {
			i := f.Frame.Index
			jf.Frame = &i
		}
		out.Fields = append(out.Fields, jf)
	}
	for _, f := range p.Frames {
		out.Frames = append(out.Frames, f.Index)
	}
	for _, m := range p.Messages {
		out.Messages = append(out.Messages, m.Index)
	}
	return out
}

func frame(f *annotate.Frame, opts Options) Frame {
	out := Frame{
		Index:         f.Index,
		Packet:        f.Packet,
		FirstPacket:   f.FirstPacket,
		Connection:    connID(f.Conn),
		From:          f.From.String(),
		FIN:           f.FIN,
		RSV:           f.RSV,
		Opcode:        uint8(f.Opcode),
		OpcodeName:    f.OpcodeName(),
		Masked:        f.Masked,
		PayloadLength: f.PayloadLength,
		LengthBits:    f.LengthBits,
		HeaderLength:  f.HeaderLength,
		StreamOffset:  f.StreamOffset,
		Complete:      f.Complete,
		Faults:        nonNil(f.Faults),
	}
	if f.Masked {
		k := hex.EncodeToString(f.MaskKey[:])
		out.MaskKey = &k
	}
	if f.Message != nil {
		i := f.Message.Index
		out.Message = &i
	}
	if opts.FramePayloads {
		s := base64.StdEncoding.EncodeToString(f.Payload)
		out.PayloadBase64 = &s
	}
	return out
}

func message(m *annotate.Message) Message {
	out := Message{
		Index:      m.Index,
		Packet:     m.Packet,
		Time:       timeString(m.Time),
		Connection: connID(m.Conn),
		From:       m.From.String(),
		Opcode:     uint8(m.Opcode),
		OpcodeName: m.OpcodeName(),
		Fragments:  len(m.Frames),
		Frames:     make([]int, 0, len(m.Frames)),
		Compressed: m.Compressed,
		Size:       m.Size,
		WireSize:   m.WireSize,
		JSON:       m.JSON,
		Relays:     make([]int, 0, len(m.Relays)),
		Truncated:  m.Truncated,
		CapHit:     m.CapHit,
		Incomplete: m.Incomplete,
		Faults:     nonNil(m.Faults),
	}
	for _, f := range m.Frames {
		out.Frames = append(out.Frames, f.Index)
	}
	if m.Text {
		s := string(m.Data)
		out.Text = &s
	} else {
		s := base64.StdEncoding.EncodeToString(m.Data)
		out.DataBase64 = &s
	}
	if m.Opcode == websocket.OpClose {
		code, reason := m.CloseCode, m.CloseReason
		out.CloseCode, out.CloseReason = &code, &reason
	}
	if m.RelayOf != nil {
		i := m.RelayOf.Index
		out.RelayOf = &i
	}
	for _, r := range m.Relays {
		out.Relays = append(out.Relays, r.Index)
	}
	if m.CausedBy != nil {
		i := m.CausedBy.Index
		out.CausedBy = &i
	}
	return out
}

// redactIf returns value as --redact shows it, when masked is set.
func redactIf(masked bool, name, value string) string {
	if !masked {
		return value
	}
	return redact.Param(name, value)
}

// redactAll redacts each of a list of subprotocols.
func redactAll(masked bool, values []string) []string {
	if !masked {
		return values
	}
	var out []string
	for i, v := range values {
		if r := redact.Param("protocols", v); r != v {
			if out == nil {
				out = slices.Clone(values)
			}
			out[i] = r
		}
	}
	if out == nil {
		return values
	}
	return out
}

// redactValue redacts an event parameter.
func redactValue(masked bool, name string, v any) any {
	if !masked {
		return v
	}
	switch v := v.(type) {
	case string:
		return redact.Param(name, v)
	case []string:
		if name == "protocols" {
			return redactAll(true, v)
		}
	}
	return v
}
