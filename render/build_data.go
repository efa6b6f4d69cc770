package render

import (
	"fmt"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/capture/tcpdump"
	"github.com/wstrace/wstrace/render/internal/redact"
)

// This file holds what the message templates see of an event, a frame, a
// message and a packet.

// eventData is what a message template sees.
type eventData struct {
	// From and To name the sender and the receiver ("the browser").
	From, To Wire
	// FromPort and ToPort are their TCP ports; FromAddr and ToAddr their
	// addresses with ports.
	FromPort, ToPort uint16
	FromAddr, ToAddr Wire
	// FromClient reports that the client sent the packet.
	FromClient bool
	// Client and Server name the two roles.
	Client, Server Wire
	// Len is the TCP payload length; Seq and Ack the numbers tcpdump shows.
	Len      int
	Seq, Ack uint32
	// Flags is tcpdump's flag string, such as "[S.]".
	Flags string
	// Absolute reports a packet whose numbers tcpdump prints absolute
	// although the connection's initial numbers are known (it has no ACK
	// flag); RelSeq is then its sequence number relative to the sender's
	// initial one.
	Absolute bool
	RelSeq   uint32
	// ResetAfter is, for a RST sent after its sender's FIN, the packet
	// whose data it answers (0 for none).
	ResetAfter int
	// P holds the event's parameters; strings in it are Wire values.
	P map[string]any
	// Acked says what an acknowledgement acknowledges (Markdown), or "".
	Acked string
	// Frame and Message describe the frame or message the event is about.
	Frame   *frameData
	Message *messageData
	// CloseName is the name of a close frame's status code, or "".
	CloseName Wire
	// Classic reports the classic style (sentences there quote messages
	// in full, as the page has no other place for them).
	Classic bool

	b *builder
}

// Port returns the client port of connection id (a template calls it as
// {{.Port .P.of_connection}}), or 0.
func (d *eventData) Port(id any) uint16 {
	if d.b == nil {
		return 0
	}
	n, _ := strconv.Atoi(fmt.Sprint(id))
	if c := d.b.connection(n); c != nil {
		return c.Client.Port()
	}
	return 0
}

// Outside returns, for a packet the page does not show, the words that
// say so (" (not shown on this page)"), else "".
func (d *eventData) Outside(n any) string {
	if d.b == nil {
		return ""
	}
	num, err := strconv.Atoi(fmt.Sprint(n))
	if err != nil || d.b.shownPacket(num) {
		return ""
	}
	return d.b.plain("ui.ref.outside")
}

type frameData struct {
	Opcode     string // localized name: "text", "文字"
	OpcodeNum  int
	FIN        bool
	RSV1       bool
	Masked     bool
	Key        string // masking key in hex, "9c 26 5f d1"
	Length     uint64 // payload length
	Header     int    // header length
	LengthBits int
	Index      int
	// InCompressed reports a frame after the first of a compressed
	// message: RSV1 is 0, yet its payload is deflate data (RFC 7692
	// section 6.1).
	InCompressed bool
}

type messageData struct {
	CapHit      bool // inflating stopped at the size cap
	Opcode      string
	OpcodeNum   int
	Size        int64
	WireSize    int64
	Frames      int
	Compressed  bool
	Masked      bool
	Key         string
	Text        string // Markdown: a code span with the (cut) text, or ""
	Binary      bool
	CloseCode   int
	CloseReason Wire
	CloseName   Wire
	Relay       int // packet of the message this one relays, 0 for none
	RelayConn   int
	Index       int
}

// baseData fills d with what every message about the packet may use, and
// returns d.
func (b *builder) baseData(pi *annotate.PacketInfo, d *eventData) *eventData {
	*d = eventData{Client: b.client, Server: b.server, Len: pi.PayloadLength, Seq: pi.Seq, Ack: pi.Ack, Classic: b.opts.Style == StyleClassic, b: b}
	if c := pi.Conn; c != nil {
		from, to := c.End(pi.From), c.End(pi.From.Peer())
		d.From, d.To = b.roleName(pi.From), b.roleName(pi.From.Peer())
		d.FromPort, d.ToPort = from.Port(), to.Port()
		d.FromAddr, d.ToAddr = b.addrWire(from), b.addrWire(to)
		d.FromClient = pi.From == annotate.Client
	}
	if f, ok := tcpFlags(pi); ok {
		d.Flags = b.flags(f)
		if c := pi.Conn; c != nil && c.HaveISN && !pi.Relative && f&decode.ACK == 0 && f&decode.SYN == 0 {
			isn := c.ClientISN
			if pi.From == annotate.Server {
				isn = c.ServerISN
			}
			d.Absolute, d.RelSeq = true, pi.Seq-isn
		}
	}
	return d
}

// tcpFlags returns the flags of the packet's TCP header, and whether it
// has one.
func tcpFlags(pi *annotate.PacketInfo) (decode.TCPFlags, bool) {
	if d := pi.Decoded; d != nil {
		if d.TCP == nil {
			return 0, false
		}
		return d.TCP.Flags, true
	}
	return pi.TCPFlags, pi.HasTCP
}

// addrWire returns an address with its port as text, made once per
// address.
func (b *builder) addrWire(a netip.AddrPort) Wire {
	w, ok := b.addrs[a]
	if !ok {
		if b.addrs == nil || len(b.addrs) >= maxCachedAddrs {
			// A Follower's capture runs for hours: start again rather
			// than keep every address it ever saw.
			b.addrs = map[netip.AddrPort]Wire{}
		}
		w = Wire(a.String())
		b.addrs[a] = w
	}
	return w
}

// maxCachedAddrs bounds the addresses whose text a builder keeps.
const maxCachedAddrs = 4096

// flags returns tcpdumpFlags(f), made once per set of flags.
func (b *builder) flags(f decode.TCPFlags) string {
	s, ok := b.flagText[f]
	if !ok {
		if b.flagText == nil {
			b.flagText = map[decode.TCPFlags]string{}
		}
		s = tcpdumpFlags(f)
		b.flagText[f] = s
	}
	return s
}

// tcpdumpFlags returns the flags as tcpdump prints them between brackets,
// in tcpdump's order ("[S.E]"): the packet line's flags and the diagram's
// come from the one function.
func tcpdumpFlags(f decode.TCPFlags) string { return tcpdump.Flags(uint8(f)) }

// wireParams makes an event's parameters ready for a template: strings
// become Wire values, lists are joined, and request targets are redacted.
// The map is the builder's, cleared and filled again at each call: it
// serves one message at a time.
func (b *builder) wireParams(p annotate.Params) map[string]any {
	if b.params == nil {
		b.params = make(map[string]any, 16)
	}
	m := b.params
	clear(m)
	for _, kv := range p {
		k := kv.Name
		switch v := kv.Value.(type) {
		case string:
			if k == "path" && !b.opts.NoRedact {
				v, _ = redact.Target(v)
			}
			m[k] = Wire(v)
		case []string:
			w := make([]string, len(v))
			for i, s := range v {
				w[i] = mdsafe.EscapeText(s)
			}
			m[k] = strings.Join(w, ", ")
		case []int:
			m[k] = joinInts(v)
		default:
			m[k] = v
		}
	}
	return m
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func (b *builder) opcodeName(op websocket.Opcode) string {
	key := "opcode." + strconv.Itoa(int(op))
	if !b.cat.Has(key) {
		return b.text("opcode.reserved", map[string]any{"Opcode": int(op)})
	}
	return b.text(key, nil)
}

func hexBytes(p []byte) string {
	s := make([]string, len(p))
	for i, c := range p {
		s[i] = hexByte(c)
	}
	return strings.Join(s, " ")
}

// hexByte returns c in two hex digits.
func hexByte(c byte) string { return hexPairs[2*int(c) : 2*int(c)+2] }

// frameData returns what messages about a frame see. It is the builder's
// memory, good until the next call.
func (b *builder) frameData(fr *annotate.Frame) *frameData {
	if fr == nil {
		return nil
	}
	fd := &b.frame
	*fd = frameData{
		Opcode: b.opcodeName(fr.Opcode), OpcodeNum: int(fr.Opcode), FIN: fr.FIN, RSV1: fr.RSV&4 != 0,
		Masked: fr.Masked, Length: fr.PayloadLength, Header: fr.HeaderLength, LengthBits: fr.LengthBits, Index: fr.Index,
	}
	if fr.Masked {
		fd.Key = hexBytes(fr.MaskKey[:])
	}
	if m := fr.Message; m != nil && m.Compressed && len(m.Frames) > 0 && m.Frames[0] != fr {
		fd.InCompressed = true
	}
	return fd
}

// messageData returns what messages about a WebSocket message see. It is
// the builder's memory, good until the next call.
func (b *builder) messageData(m *annotate.Message) *messageData {
	if m == nil {
		return nil
	}
	md := &b.message
	*md = messageData{
		Opcode: b.opcodeName(m.Opcode), OpcodeNum: int(m.Opcode), Size: m.Size, WireSize: m.WireSize,
		Frames: len(m.Frames), Compressed: m.Compressed, CloseCode: m.CloseCode, CloseReason: Wire(m.CloseReason), Index: m.Index,
		CapHit: m.CapHit && m.Compressed,
	}
	if len(m.Frames) > 0 && m.Frames[0].Masked {
		md.Masked = true
		md.Key = hexBytes(m.Frames[0].MaskKey[:])
	}
	if m.RelayOf != nil {
		md.Relay = m.RelayOf.Packet
		if m.RelayOf.Conn != nil {
			md.RelayConn = m.RelayOf.Conn.ID
		}
	}
	isText := messageIsText(m)
	md.Binary = !isText
	limit := previewBytes
	if b.opts.Style == StyleClassic {
		limit = b.opts.maxBytes()
	}
	if isText && m.Opcode != websocket.OpClose && len(m.Data) > 0 {
		// cutText looks at no more than the first limit+1 bytes.
		text := m.Data
		if limit > 0 && len(text) > limit+1 {
			text = text[:limit+1]
		}
		shown, more := cutText(string(text), limit, m.Size)
		md.Text = mdsafe.CodeSpan(shown)
		if more > 0 {
			args := b.args()
			args["More"] = more
			md.Text += b.text("ui.more-bytes", args)
		}
	}
	return md
}

// messageIsText reports whether a message's data is text.
func messageIsText(m *annotate.Message) bool {
	return m.Opcode != websocket.OpBinary && utf8.Valid(m.Data)
}

// cutText cuts s to at most limit bytes (at a character boundary; 0 means
// no limit). It returns the text kept and how many bytes of the message
// (size bytes in all) it leaves out.
func cutText(s string, limit int, size int64) (string, int64) {
	if limit > 0 && len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s, max(0, size-int64(len(s)))
}
