package jsonout

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/render/internal/redact"
)

// flushAt is how many bytes the encoder gathers before it writes them:
// more than a bufio.Writer of 64 KiB holds (the command's), which then
// passes them on without copying them.
const flushAt = 128 << 10

// encoder writes the document a value at a time, straight from the
// annotation, so that no copy of the whole document (or of its text) is
// ever held. Its output is byte for byte what encoding/json writes for the
// [Document] that [Build] returns: the same member order, the same escaping
// (without HTML escaping), map keys sorted, and, when indenting, the
// layout of json.Indent with two spaces.
type encoder struct {
	w      io.Writer
	buf    []byte
	err    error
	indent bool
	depth  int
	// count holds, per open array or object, how many members it has so
	// far; an empty one is closed as [] or {}.
	count []int

	// orders caches, per event kind, the orders of the parameter lists
	// seen (the events of a kind have a few lists: a client's frame has a
	// mask_key, a server's none).
	orders map[annotate.EventKind][]*paramOrder
	// The time last written, to the second, as timeLayout formats it.
	second     int64
	secondText []byte
	// redact masks what --redact masks (Options.Redact).
	redact bool
}

// paramOrder is the order in which an event's members are written: the
// indexes of its parameters sorted by name, -1 standing for "kind".
type paramOrder struct {
	names []string // the parameter names it is for, in the event's order
	order []int
	keys  [][]byte // the names in order, as JSON strings
}

// maxOrders is how many parameter lists the encoder remembers per event
// kind.
const maxOrders = 8

// fits reports whether the order is the one for the parameters p.
func (po *paramOrder) fits(p annotate.Params) bool {
	if len(po.names) != len(p) {
		return false
	}
	for i := range p {
		if p[i].Name != po.names[i] {
			return false
		}
	}
	return true
}

func newEncoder(w io.Writer, indent bool) *encoder {
	return &encoder{w: w, indent: indent, buf: make([]byte, 0, flushAt+4096)}
}

func (e *encoder) flush() {
	if e.err == nil && len(e.buf) > 0 {
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
}

func (e *encoder) maybeFlush() {
	if len(e.buf) >= flushAt {
		e.flush()
	}
}

// lineStart is what starts an indented value: a comma (left out before
// the first value), a line end and the indentation of all but the
// deepest documents, so that one append writes them.
const lineStart = ",\n                                "

// newline ends the line and indents the next.
func (e *encoder) newline() { e.lineStart(false) }

// lineStart writes, before a value, the comma that separates it from the
// one before (when more is set), and with indent a line end and the
// indentation.
func (e *encoder) lineStart(more bool) {
	from := 1
	if more {
		from = 0
	}
	if !e.indent {
		e.buf = append(e.buf, lineStart[from:1]...)
		return
	}
	if n := 2 + 2*e.depth; n <= len(lineStart) {
		e.buf = append(e.buf, lineStart[from:n]...)
		return
	}
	e.buf = append(e.buf, lineStart[from:2]...)
	for range e.depth {
		e.buf = append(e.buf, ' ', ' ')
	}
}

// open starts an object or array.
func (e *encoder) open(c byte) {
	e.buf = append(e.buf, c)
	e.depth++
	e.count = append(e.count, 0)
}

// close ends the innermost object or array.
func (e *encoder) close(c byte) {
	n := e.count[len(e.count)-1]
	e.count = e.count[:len(e.count)-1]
	e.depth--
	if n > 0 {
		e.newline()
	}
	e.buf = append(e.buf, c)
}

// next starts a member of the innermost object or array.
func (e *encoder) next() {
	i := len(e.count) - 1
	e.lineStart(e.count[i] > 0)
	e.count[i]++
}

// key starts an object member. name needs no escaping.
func (e *encoder) key(name string) {
	e.next()
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '"')
	e.colon()
}

func (e *encoder) str(s string)      { e.buf = appendString(e.buf, s) }
func (e *encoder) bytesStr(b []byte) { e.buf = appendString(e.buf, b) }
func (e *encoder) int(n int64) {
	if n >= 0 {
		e.uint(uint64(n))
		return
	}
	e.buf = strconv.AppendInt(e.buf, n, 10)
}

// uint writes n; most numbers of the document (offsets, lengths, flags)
// have one or two digits, written without a trip through strconv.
func (e *encoder) uint(n uint64) {
	switch {
	case n < 10:
		e.buf = append(e.buf, byte('0'+n))
	case n < 100:
		e.buf = append(e.buf, byte('0'+n/10), byte('0'+n%10))
	default:
		e.buf = strconv.AppendUint(e.buf, n, 10)
	}
}
func (e *encoder) bool(b bool)          { e.buf = strconv.AppendBool(e.buf, b) }
func (e *encoder) null()                { e.buf = append(e.buf, "null"...) }
func (e *encoder) strField(k, v string) { e.key(k); e.str(v) }
func (e *encoder) intField(k string, v int64) {
	e.key(k)
	e.int(v)
}
func (e *encoder) boolField(k string, v bool) { e.key(k); e.bool(v) }

func (e *encoder) ints(v []int) {
	e.open('[')
	for _, n := range v {
		e.next()
		e.int(int64(n))
	}
	e.close(']')
}

func (e *encoder) strings(v []string) {
	e.open('[')
	for _, s := range v {
		e.next()
		e.str(s)
	}
	e.close(']')
}

func (e *encoder) connection(c *annotate.Connection, ca *ConnApp) {
	e.open('{')
	e.connectionMembers(c, ca)
	e.close('}')
}

// connectionMembers writes the members of a connection object.
func (e *encoder) connectionMembers(c *annotate.Connection, ca *ConnApp) {
	e.intField("id", int64(c.ID))
	e.strField("client", c.Client.String())
	e.strField("server", c.Server.String())
	e.strField("role_basis", c.RoleBasis)
	e.intField("first_packet", int64(c.FirstPacket))
	e.intField("last_packet", int64(c.LastPacket))
	e.intField("packets", int64(c.Packets))
	e.key("client_isn")
	if c.HaveISN {
		e.uint(uint64(c.ClientISN))
	} else {
		e.null()
	}
	e.key("server_isn")
	if c.HaveISN {
		e.uint(uint64(c.ServerISN))
	} else {
		e.null()
	}
	e.boolField("websocket", c.WebSocket)
	e.strField("websocket_basis", c.WebSocketBasis)
	e.key("upgrade")
	if u := c.Upgrade; u != nil {
		e.open('{')
		e.intField("request_packet", int64(u.RequestPacket))
		e.intField("response_packet", int64(u.ResponsePacket))
		e.strField("method", u.Method)
		e.strField("path", redactIf(e.redact, "path", u.Path))
		e.strField("host", u.Host)
		e.strField("origin", u.Origin)
		e.strField("key", u.Key)
		e.strField("version", u.Version)
		e.key("protocols")
		e.strings(redactAll(e.redact, u.Protocols))
		e.strField("extensions", u.Extensions)
		e.intField("status", int64(u.Status))
		e.strField("reason", u.Reason)
		e.strField("accept", u.Accept)
		e.strField("expected_accept", u.ExpectedAccept)
		e.boolField("accept_valid", u.AcceptValid)
		e.strField("protocol", redactIf(e.redact, "protocol", u.Protocol))
		e.strField("response_extensions", u.ResponseExtensions)
		e.boolField("succeeded", u.Succeeded)
		e.close('}')
	} else {
		e.null()
	}
	e.key("deflate")
	if df := c.Deflate; df != nil {
		e.open('{')
		e.boolField("server_no_context_takeover", df.ServerNoContextTakeover)
		e.boolField("client_no_context_takeover", df.ClientNoContextTakeover)
		e.intField("server_max_window_bits", int64(df.ServerMaxWindowBits))
		e.intField("client_max_window_bits", int64(df.ClientMaxWindowBits))
		e.strField("raw", df.Raw)
		e.boolField("inferred", df.Inferred)
		e.close('}')
	} else {
		e.null()
	}
	e.strField("teardown", c.Teardown)
	e.intField("client_bytes", c.ClientBytes)
	e.intField("server_bytes", c.ServerBytes)
	e.intField("client_gap_bytes", c.ClientGapBytes)
	e.intField("server_gap_bytes", c.ServerGapBytes)
	e.tls(c)
	e.key("app")
	if ca == nil {
		e.null()
	} else {
		e.other(ca)
	}
}

func (e *encoder) packet(p *annotate.PacketInfo, apps []App) {
	e.open('{')
	e.packetMembers(p, apps)
	e.close('}')
}

// packetMembers writes the members of a packet object.
func (e *encoder) packetMembers(p *annotate.PacketInfo, apps []App) {
	e.intField("number", int64(p.Number))
	e.key("time")
	e.time(p.Time)
	e.intField("connection", int64(connID(p.Conn)))
	e.strField("from", p.From.String())
	if e.redact {
		e.strField("summary", redact.Line(p.Summary, p))
	} else {
		e.strField("summary", p.Summary)
	}
	e.strField("phase", string(p.Phase))
	length, captured := 0, 0
	if p.Packet != nil {
		length, captured = p.Packet.Length, len(p.Packet.Data)
	}
	e.intField("length", int64(length))
	e.intField("captured_length", int64(captured))
	e.intField("payload_offset", int64(p.PayloadOffset))
	e.intField("payload_length", int64(p.PayloadLength))
	flags, tcp := tcpFlags(p)
	e.key("seq")
	if tcp {
		e.uint(uint64(p.Seq))
	} else {
		e.null()
	}
	e.key("ack")
	if tcp && flags&decode.ACK != 0 {
		e.uint(uint64(p.Ack))
	} else {
		e.null()
	}
	e.boolField("relative", p.Relative)
	e.intField("stream_offset", p.StreamOffset)
	e.intField("window", p.Window)
	e.key("events")
	e.open('[')
	for _, ev := range p.Events {
		e.next()
		e.event(ev)
	}
	e.close(']')
	e.key("fields")
	e.open('[')
	for i := range p.Fields {
		e.next()
		e.field(&p.Fields[i])
	}
	e.close(']')
	e.key("frames")
	e.open('[')
	for _, f := range p.Frames {
		e.next()
		e.int(int64(f.Index))
	}
	e.close(']')
	e.key("messages")
	e.open('[')
	for _, m := range p.Messages {
		e.next()
		e.int(int64(m.Index))
	}
	e.close(']')
	e.key("app")
	e.apps(apps)
}

// time writes t quoted, as timeString writes it. The packets of a second
// share all but its fraction, formatted once.
func (e *encoder) time(t time.Time) {
	t = t.UTC()
	if sec := t.Unix(); e.secondText == nil || sec != e.second {
		e.second = sec
		e.secondText = t.AppendFormat(e.secondText[:0], timeLayout[:len("2006-01-02T15:04:05")])
	}
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, e.secondText...)
	// The fraction: '.' and nine digits; then "Z" (UTC's zone).
	ns := t.Nanosecond()
	e.buf = append(e.buf, ".000000000Z\""...)
	for i := len(e.buf) - 3; ns > 0; i-- {
		e.buf[i] = byte('0' + ns%10)
		ns /= 10
	}
}

// event writes an event as one object: its parameters and its kind, the
// names in sorted order as encoding/json writes a map.
func (e *encoder) event(ev annotate.Event) {
	e.open('{')
	po := e.paramOrder(&ev)
	for j, i := range po.order {
		e.next()
		e.buf = append(e.buf, po.keys[j]...)
		e.colon()
		if i < 0 {
			e.str(string(ev.Kind))
			continue
		}
		name, v := ev.Params[i].Name, ev.Params[i].Value
		if s, ok := v.(string); ok && e.redact {
			e.str(redact.Param(name, s))
			continue
		}
		e.value(redactValue(e.redact, name, v))
	}
	e.close('}')
}

func (e *encoder) colon() {
	e.buf = append(e.buf, ':')
	if e.indent {
		e.buf = append(e.buf, ' ')
	}
}

// paramOrder returns the order in which event writes the members of ev:
// the indexes of its parameters, leaving out any named "kind", and -1 for
// the kind, sorted by name.
func (e *encoder) paramOrder(ev *annotate.Event) *paramOrder {
	known := e.orders[ev.Kind]
	for _, po := range known {
		if po.fits(ev.Params) {
			return po
		}
	}
	var po *paramOrder
	if len(known) < maxOrders {
		if e.orders == nil {
			e.orders = map[annotate.EventKind][]*paramOrder{}
		}
		po = &paramOrder{}
		e.orders[ev.Kind] = append(known, po)
	} else {
		po = known[len(known)-1]
	}
	po.names, po.order = po.names[:0], po.order[:0]
	for i := range ev.Params {
		po.names = append(po.names, ev.Params[i].Name)
		if ev.Params[i].Name != "kind" {
			po.order = append(po.order, i)
		}
	}
	po.order = append(po.order, -1) // the kind
	name := func(i int) string {
		if i < 0 {
			return "kind"
		}
		return ev.Params[i].Name
	}
	slices.SortFunc(po.order, func(a, b int) int { return strings.Compare(name(a), name(b)) })
	po.keys = po.keys[:0]
	for _, i := range po.order {
		po.keys = append(po.keys, appendString(nil, name(i)))
	}
	return po
}

// value writes a parameter value.
func (e *encoder) value(v any) {
	switch v := v.(type) {
	case nil:
		e.null()
	case string:
		e.str(v)
	case bool:
		e.bool(v)
	case int:
		e.int(int64(v))
	case int64:
		e.int(v)
	case int32:
		e.int(int64(v))
	case int16:
		e.int(int64(v))
	case int8:
		e.int(int64(v))
	case uint:
		e.uint(uint64(v))
	case uint64:
		e.uint(v)
	case uint32:
		e.uint(uint64(v))
	case uint16:
		e.uint(uint64(v))
	case uint8:
		e.uint(uint64(v))
	case []int:
		if v == nil {
			e.null()
			return
		}
		e.ints(v)
	case []string:
		if v == nil {
			e.null()
			return
		}
		e.strings(v)
	default:
		e.other(v)
	}
}

// apps writes a packet's or message's application records; most have
// none, which needs no trip through encoding/json.
func (e *encoder) apps(apps []App) {
	switch {
	case apps == nil:
		e.null()
	case len(apps) == 0:
		e.buf = append(e.buf, '[', ']')
	default:
		e.other(apps)
	}
}

// other writes a value of a type the parameters do not normally hold, the
// way encoding/json does.
func (e *encoder) other(v any) {
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		if e.err == nil {
			e.err = err
		}
		return
	}
	b := bytes.TrimSuffix(raw.Bytes(), []byte{'\n'})
	if !e.indent {
		e.buf = append(e.buf, b...)
		return
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, strings.Repeat("  ", e.depth), "  "); err != nil {
		if e.err == nil {
			e.err = err
		}
		return
	}
	e.buf = append(e.buf, out.Bytes()...)
}

func (e *encoder) field(f *annotate.Field) {
	e.open('{')
	e.strField("kind", string(f.Kind))
	if f.Name != "" {
		e.strField("name", f.Name)
	}
	e.intField("start", int64(f.Payload.Start))
	e.intField("end", int64(f.Payload.End))
	e.intField("data_start", int64(f.Data.Start))
	e.intField("data_end", int64(f.Data.End))
	e.key("frame")
	if f.Frame != nil {
		e.int(int64(f.Frame.Index))
	} else {
		e.null()
	}
	e.intField("offset", f.Offset)
	e.boolField("partial", f.Partial)
	e.close('}')
}

func (e *encoder) frame(f *annotate.Frame, opts Options) {
	e.open('{')
	e.frameMembers(f, opts)
	e.close('}')
}

// frameMembers writes the members of a frame object.
func (e *encoder) frameMembers(f *annotate.Frame, opts Options) {
	e.intField("index", int64(f.Index))
	e.intField("packet", int64(f.Packet))
	e.intField("first_packet", int64(f.FirstPacket))
	e.intField("connection", int64(connID(f.Conn)))
	e.strField("from", f.From.String())
	e.boolField("fin", f.FIN)
	e.intField("rsv", int64(f.RSV))
	e.intField("opcode", int64(f.Opcode))
	e.strField("opcode_name", f.OpcodeName())
	e.boolField("masked", f.Masked)
	e.key("mask_key")
	if f.Masked {
		const digits = "0123456789abcdef"
		e.buf = append(e.buf, '"')
		for _, c := range f.MaskKey {
			e.buf = append(e.buf, digits[c>>4], digits[c&0xf])
		}
		e.buf = append(e.buf, '"')
	} else {
		e.null()
	}
	e.key("payload_length")
	e.uint(f.PayloadLength)
	e.intField("length_bits", int64(f.LengthBits))
	e.intField("header_length", int64(f.HeaderLength))
	e.intField("stream_offset", f.StreamOffset)
	e.boolField("complete", f.Complete)
	e.key("message")
	if f.Message != nil {
		e.int(int64(f.Message.Index))
	} else {
		e.null()
	}
	e.key("faults")
	e.strings(f.Faults)
	if opts.FramePayloads {
		e.key("payload_base64")
		e.base64(f.Payload)
	}
}

func (e *encoder) base64(b []byte) {
	e.buf = append(e.buf, '"')
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.buf = append(e.buf, '"')
}

func (e *encoder) message(m *annotate.Message, apps []App) {
	e.open('{')
	e.messageMembers(m, apps)
	e.close('}')
}

// messageMembers writes the members of a message object.
func (e *encoder) messageMembers(m *annotate.Message, apps []App) {
	e.intField("index", int64(m.Index))
	e.intField("packet", int64(m.Packet))
	e.key("time")
	e.time(m.Time)
	e.intField("connection", int64(connID(m.Conn)))
	e.strField("from", m.From.String())
	e.intField("opcode", int64(m.Opcode))
	e.strField("opcode_name", m.OpcodeName())
	e.intField("fragments", int64(len(m.Frames)))
	e.key("frames")
	e.open('[')
	for _, f := range m.Frames {
		e.next()
		e.int(int64(f.Index))
	}
	e.close(']')
	e.boolField("compressed", m.Compressed)
	e.intField("size", m.Size)
	e.intField("wire_size", m.WireSize)
	if m.Text {
		e.key("text")
		e.bytesStr(m.Data)
	} else {
		e.key("data_base64")
		e.base64(m.Data)
	}
	e.boolField("json", m.JSON)
	e.key("close_code")
	if m.Opcode == websocket.OpClose {
		e.int(int64(m.CloseCode))
	} else {
		e.null()
	}
	e.key("close_reason")
	if m.Opcode == websocket.OpClose {
		e.str(m.CloseReason)
	} else {
		e.null()
	}
	e.key("relay_of")
	if m.RelayOf != nil {
		e.int(int64(m.RelayOf.Index))
	} else {
		e.null()
	}
	e.key("relays")
	e.open('[')
	for _, r := range m.Relays {
		e.next()
		e.int(int64(r.Index))
	}
	e.close(']')
	e.key("caused_by")
	if m.CausedBy != nil {
		e.int(int64(m.CausedBy.Index))
	} else {
		e.null()
	}
	e.boolField("truncated", m.Truncated)
	e.boolField("cap_hit", m.CapHit)
	e.boolField("incomplete", m.Incomplete)
	e.key("faults")
	e.strings(m.Faults)
	e.key("app")
	e.apps(apps)
}

// asciiSafe tells the bytes appendString copies as they are: ASCII other
// than controls, DEL, quote and backslash. (Bytes from 0x80 up are false:
// they start UTF-8 sequences, looked at one rune at a time.)
var asciiSafe = func() (t [256]bool) {
	for b := 0x20; b < 0x7f; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendString appends s as a JSON string, escaped as encoding/json does
// without HTML escaping: quote, backslash and control characters escaped,
// invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped; and, unlike
// encoding/json, DEL and the C1 controls (U+0080-U+009F) escaped too, so
// that no control character reaches a terminal showing the document. The
// decoded value is the same.
func appendString[S []byte | string](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if asciiSafe[b] {
				i++
				// Long runs, eight bytes a step.
				for i+8 <= len(s) && asciiSafe[s[i]] && asciiSafe[s[i+1]] && asciiSafe[s[i+2]] &&
					asciiSafe[s[i+3]] && asciiSafe[s[i+4]] && asciiSafe[s[i+5]] && asciiSafe[s[i+6]] &&
					asciiSafe[s[i+7]] {
					i += 8
				}
				for i < len(s) && asciiSafe[s[i]] {
					i++
				}
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		n := min(len(s)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(s[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c >= 0x80 && c < 0xa0 {
			// C1 controls (such as U+009B, CSI) are valid JSON, but a
			// terminal showing the document would obey them.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
