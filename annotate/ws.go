package annotate

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"unicode/utf8"

	"github.com/wstrace/wstrace/annotate/websocket"
)

// wsFlow reads the WebSocket frames of one direction.
type wsFlow struct {
	f       *flow
	fr      *websocket.FrameReader
	asm     *websocket.MessageAssembler
	deflate *DeflateParams // the parameters asm was made with

	lastEnd int64 // stream offset just past the last frame, or where frames start
	started bool
	// lostStart reports that what came before the next frame is unknown
	// (a capture that starts mid-session, or compression assumed late):
	// the assembler must not take a continuation or missing compression
	// context for faults.
	lostStart bool
	hunting   bool
	parts     []eventRef    // ws-frame-part events of the frame in progress
	msgFrames []*Frame      // frames of the data message in progress
	carriers  []*PacketInfo // scratch room for frame
}

// opcodeNames holds the names of the 16 opcodes as parameter values, so
// that an event does not box its opcode's name again.
var opcodeNames = func() (names [16]any) {
	for op := range names {
		names[op] = websocket.Opcode(op).String()
	}
	return names
}()

// opcodeNameValue returns op.String() as a parameter value.
func opcodeNameValue(op websocket.Opcode) any {
	if int(op) < len(opcodeNames) {
		return opcodeNames[op]
	}
	return op.String()
}

func wsRole(r Role) websocket.Role {
	if r == Client {
		return websocket.Client
	}
	return websocket.Server
}

func newWSFlow(f *flow) *wsFlow {
	w := &wsFlow{f: f}
	w.lostStart = f.cs.c.Upgrade == nil || !f.cs.c.Upgrade.Succeeded
	w.fr = websocket.NewFrameReader(wsRole(f.role))
	w.fr.MaxPayload = f.cs.a.opts.MaxMessageSize
	w.newAssembler(f.cs.deflate)
	return w
}

func (w *wsFlow) newAssembler(d *DeflateParams) {
	opts := websocket.AssemblerOptions{
		Sender:         wsRole(w.f.role),
		MaxMessageSize: w.f.cs.a.opts.MaxMessageSize,
	}
	if d != nil {
		opts.Deflate = &websocket.DeflateParams{
			ServerNoContextTakeover: d.ServerNoContextTakeover,
			ClientNoContextTakeover: d.ClientNoContextTakeover,
			ServerMaxWindowBits:     d.ServerMaxWindowBits,
			ClientMaxWindowBits:     d.ClientMaxWindowBits,
		}
	}
	w.deflate = d
	w.asm = websocket.NewMessageAssembler(opts)
}

// hunt makes the reader look for the first frame header rather than
// assume one starts at the next byte (a capture that starts mid-session).
func (w *wsFlow) hunt() {
	w.fr.Resync()
	w.hunting = true
}

func (w *wsFlow) keepFrom() int64 { return w.lastEnd }

// feed hands the reader bytes at stream offset off, carried by owner at
// payOff in its TCP payload.
func (w *wsFlow) feed(off int64, b []byte, owner *PacketInfo, payOff int, cur *PacketInfo) {
	if !w.started {
		w.started = true
		w.lastEnd = off
	}
	if w.hunting && payOff == 0 && w.fr.Offset() <= off && websocket.LooksLikeFrames(b, w.f.role == Client) {
		// Senders usually start a segment with a frame: take this one
		// rather than wait for the search to gather more evidence.
		w.fr = websocket.NewFrameReader(wsRole(w.f.role))
		w.fr.MaxPayload = w.f.cs.a.opts.MaxMessageSize
		w.hunting = false
		w.lostStart = true
		w.lastEnd = off
	}
	w.fr.Feed(b, off)
	w.drain(cur)
	if end := off + int64(len(b)); end > w.lastEnd && !w.hunting {
		n := end - max(off, w.lastEnd)
		if k := len(w.parts); k > 0 && w.parts[k-1].get("packet") == owner.Number {
			w.parts[k-1].set("bytes", w.parts[k-1].get("bytes").(int64)+n)
			return
		}
		p := owner.add(EventWSFramePart, Params{{"bytes", n}, {"packet", owner.Number}, {"frame_offset", max(off, w.lastEnd) - w.lastEnd}})
		w.parts = append(w.parts, p)
	}
}

// gap tells the reader that n bytes at off were never captured.
func (w *wsFlow) gap(off, n int64, cur *PacketInfo) {
	if !w.started {
		w.started = true
		w.lastEnd = off + n
		w.fr.Feed(nil, off+n)
		return
	}
	w.fr.Skip(n)
	w.drain(cur)
}

// finish flushes the reader at the end of the capture.
func (w *wsFlow) finish(last *PacketInfo) {
	w.fr.Flush()
	w.drain(nil)
}

// drain handles every frame (and loss of sync) the reader has ready.
func (w *wsFlow) drain(cur *PacketInfo) {
	for {
		wf, err := w.fr.Next()
		if errors.Is(err, websocket.ErrShort) {
			return
		}
		var se *websocket.SyncError
		if errors.As(err, &se) {
			w.hunting = true
			w.parts = nil
			w.msgFrames = nil
			if cur != nil {
				cur.add(EventWSSyncLost, Params{{"stream_offset", se.Offset}, {"gap_bytes", se.Gap}, {"direction", w.f.role.String()}})
			}
			continue
		}
		if err != nil || wf == nil {
			continue
		}
		w.frame(wf, cur)
	}
}

// frame turns a frame from the reader into a Frame, with its fields,
// events and message.
func (w *wsFlow) frame(wf *websocket.Frame, cur *PacketInfo) {
	f := w.f
	cs := f.cs
	a := cs.a
	h := wf.Header
	w.hunting = false
	end := wf.End
	if end < wf.PayloadOffset {
		end = wf.PayloadOffset
	}
	// The packets that carried the frame, in scratch room: they are
	// only looked at here.
	start, stop := wf.Offset, end
	if wf.Header.PayloadLength == 0 {
		stop = wf.PayloadOffset
	}
	carriers := f.appendPacketsOf(w.carriers[:0], start, stop)
	defer func() { w.carriers = carriers[:0]; clear(carriers) }()
	if cur == nil {
		if len(carriers) == 0 {
			return
		}
		cur = carriers[len(carriers)-1]
	}
	// A capture that starts mid-session can show compressed frames without
	// the upgrade that negotiated compression.
	if h.RSV&websocket.RSV1 != 0 && !h.Opcode.IsControl() && h.Opcode != websocket.OpContinuation &&
		cs.c.Upgrade == nil && cs.deflate == nil {
		cs.deflate = &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Inferred: true}
		cs.c.Deflate = cs.deflate
	}
	if cs.deflate != w.deflate {
		w.newAssembler(cs.deflate)
		w.lostStart = w.lostStart || cs.deflate.Inferred
	}

	fr := &Frame{
		Index:         a.nFrames,
		Conn:          cs.c,
		From:          f.role,
		Packet:        cur.Number,
		StreamOffset:  wf.Offset,
		FIN:           h.Fin,
		RSV:           h.RSV,
		Opcode:        h.Opcode,
		Masked:        h.Masked,
		MaskKey:       h.MaskKey,
		PayloadLength: h.PayloadLength,
		LengthBits:    h.LengthBits,
		HeaderLength:  h.HeaderLength,
		Payload:       wf.Payload,
		Complete:      wf.Missing == 0,
	}
	fr.PayloadTruncated = !wf.Complete()
	if len(carriers) > 0 {
		fr.FirstPacket = carriers[0].Number
	} else {
		fr.FirstPacket = cur.Number
	}
	a.nFrames++
	if a.emit == nil {
		a.res.Frames = append(a.res.Frames, fr)
	}
	if cur.Number == fr.Packet {
		cur.Frames = append(cur.Frames, fr)
	}

	// Fields.
	o := wf.Offset
	f.place(FieldWSFlagsOpcode, "", o, o+1, o, fr)
	f.place(FieldWSMaskLength, "", o+1, o+2, o+1, fr)
	ext := int64(0)
	switch h.LengthBits {
	case 16:
		ext = 2
	case 64:
		ext = 8
	}
	if ext > 0 {
		f.place(FieldWSExtendedLength, "", o+2, o+2+ext, o+2, fr)
	}
	if h.Masked {
		f.place(FieldWSMaskingKey, "", o+2+ext, o+6+ext, o+2+ext, fr)
	}
	f.place(FieldWSPayload, "", wf.PayloadOffset, end, wf.PayloadOffset, fr)

	// Parts seen while the frame was in progress.
	for _, p := range w.parts {
		p.set("frame", fr.Index)
		p.set("opcode_name", fr.OpcodeName())
		p.set("control", fr.IsControl())
		p.set("completed_by", cur.Number)
	}
	w.parts = nil
	for _, pi := range carriers {
		if pi == cur {
			continue
		}
		if _, ok := pi.Event("ws-frame-part"); !ok {
			pi.add(EventWSFramePart, Params{{"frame", fr.Index}, {"opcode_name", fr.OpcodeName()}, {"control", fr.IsControl()}, {"completed_by", cur.Number}, {"packet", pi.Number}})
		}
	}
	w.lastEnd = wf.End
	if wf.End == math.MaxInt64 {
		w.lastEnd = f.nextOff()
	}

	// The frame's event.
	// Built in the annotator's scratch room; the event keeps an exact copy.
	p := append(a.params[:0],
		Param{"frame", fr.Index},
		Param{"fin", fr.FIN},
		Param{"rsv", int64(fr.RSV)},
		Param{"opcode", int64(fr.Opcode)},
		Param{"opcode_name", opcodeNameValue(fr.Opcode)},
		Param{"masked", fr.Masked},
		Param{"payload_length", clampInt64(fr.PayloadLength)},
		Param{"length_bits", int64(fr.LengthBits)},
		Param{"header_length", int64(fr.HeaderLength)},
	)
	if fr.Masked {
		p = append(p, Param{"mask_key", hex.EncodeToString(fr.MaskKey[:])})
	}
	if len(carriers) > 1 {
		nums := make([]int, len(carriers))
		for i, c := range carriers {
			nums[i] = c.Number
		}
		p = append(p, Param{"packets", nums})
	}
	if wf.Resynced {
		p = append(p, Param{"resynced", true})
	}
	if !fr.Complete {
		p = append(p, Param{"complete", false})
		p = append(p, Param{"missing_bytes", wf.Missing})
	}
	if wf.Truncated {
		p = append(p, Param{"truncated", true})
	}
	kind := EventWSData
	if fr.IsControl() {
		kind = EventWSControl
		switch h.Opcode {
		case websocket.OpClose:
			code, reason, _ := websocket.ParseClosePayload(fr.Payload)
			if code != 0 {
				p = append(p, Param{"close_code", int64(code)})
				p = append(p, Param{"close_code_name", websocket.CloseCodeName(code)})
				p = append(p, Param{"close_reason", reason})
			}
		case websocket.OpPing, websocket.OpPong:
			if utf8.Valid(fr.Payload) {
				p = append(p, Param{"payload_text", string(fr.Payload)})
			}
		}
	}
	a.params = p
	cur.addEvent(Event{Kind: kind, Params: exact(p), Frame: fr})

	// Message assembly.
	if !h.Opcode.IsControl() {
		if h.Opcode != websocket.OpContinuation {
			w.msgFrames = nil
		}
		if len(w.msgFrames) < 1<<16 {
			w.msgFrames = append(w.msgFrames, fr)
		}
	}
	if w.lostStart && !wf.Resynced {
		// Let the assembler know that the stream's start is unknown.
		c := *wf
		c.Resynced = true
		wf = &c
	}
	w.lostStart = false
	msg, faults := w.asm.Add(wf)
	for _, ft := range wf.Faults {
		fr.Faults = append(fr.Faults, string(ft.Kind))
		cur.addEvent(Event{Kind: EventWSFault, Params: Params{{"fault", string(ft.Kind)}, {"detail", ft.Detail}, {"frame", fr.Index}}, Frame: fr})
	}
	for _, ft := range faults {
		fr.Faults = append(fr.Faults, string(ft.Kind))
		cur.addEvent(Event{Kind: EventWSFault, Params: Params{{"fault", string(ft.Kind)}, {"detail", ft.Detail}, {"frame", fr.Index}}, Frame: fr})
	}
	if msg == nil {
		return
	}
	frames := []*Frame{fr}
	if !h.Opcode.IsControl() {
		frames = w.msgFrames
		w.msgFrames = nil
	}
	w.message(msg, frames, cur)
}

func clampInt64(n uint64) int64 {
	if n > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n)
}

// message records a complete message.
func (w *wsFlow) message(msg *websocket.Message, frames []*Frame, cur *PacketInfo) {
	f := w.f
	cs := f.cs
	a := cs.a
	m := &Message{
		Index:       a.nMessages,
		Conn:        cs.c,
		From:        f.role,
		Packet:      cur.Number,
		Time:        cur.Time,
		Opcode:      msg.Opcode,
		Frames:      frames,
		Compressed:  msg.Compressed,
		Data:        msg.Payload,
		WireSize:    msg.WirePayloadLength,
		Truncated:   msg.Truncated,
		Incomplete:  msg.Incomplete,
		CloseCode:   int(msg.CloseCode),
		CloseReason: msg.CloseReason,
	}
	switch {
	case !m.Compressed:
		m.Size = m.WireSize
	case m.Truncated || m.Incomplete:
		m.Size = -1
	default:
		m.Size = int64(len(m.Data))
	}
	m.CapHit = m.Truncated && !m.Incomplete
	if cap(m.Data)-len(m.Data) > 1<<12 {
		m.Data = bytes.Clone(m.Data) // do not keep the decompressor's spare room
	}
	m.ValidUTF8 = utf8.Valid(m.Data)
	m.Text = msg.Opcode == websocket.OpText && m.ValidUTF8
	if m.Text {
		m.JSON = looksLikeJSON(m.Data)
	}
	for _, ft := range msg.Faults {
		m.Faults = append(m.Faults, string(ft.Kind))
	}
	for _, fr := range frames {
		fr.Message = m
	}
	a.nMessages++
	if a.emit == nil {
		a.res.Messages = append(a.res.Messages, m)
	}

	cur.Messages = append(cur.Messages, m)

	p := append(a.params[:0],
		Param{"message", m.Index},
		Param{"opcode", int64(m.Opcode)},
		Param{"opcode_name", opcodeNameValue(m.Opcode)},
		Param{"fragments", int64(len(frames))},
		Param{"compressed", m.Compressed},
		Param{"size", m.Size},
		Param{"wire_size", m.WireSize},
	)
	if len(frames) > 0 {
		fi := make([]int, len(frames))
		for i, fr := range frames {
			fi[i] = fr.Index
		}
		p = append(p, Param{"frames", fi})
		p = append(p, Param{"first_packet", frames[0].FirstPacket})
	}
	if msg.Opcode == websocket.OpText {
		p = append(p, Param{"utf8_valid", m.ValidUTF8})
		p = append(p, Param{"json", m.JSON})
	}
	if m.Truncated {
		p = append(p, Param{"truncated", true})
	}
	if m.Incomplete {
		p = append(p, Param{"incomplete", true})
	}
	if msg.Opcode == websocket.OpClose {
		p = append(p, Param{"close_code", int64(m.CloseCode)})
		if m.CloseCode != 0 {
			p = append(p, Param{"close_code_name", websocket.CloseCodeName(uint16(m.CloseCode))})
		}
		p = append(p, Param{"close_reason", m.CloseReason})
	}
	if !m.Opcode.IsControl() {
		if m.From == Client {
			a.cause.add(m)
		} else if a.cause.link(m); m.CausedBy != nil {
			p = append(p, Param{"caused_by", m.CausedBy.Index})
			p = append(p, Param{"cause_packet", m.CausedBy.Packet})
			p = append(p, Param{"cause_connection", m.CausedBy.Conn.ID})
		}
	}
	a.params = p
	cur.addEvent(Event{Kind: EventWSMessage, Params: exact(p), Message: m})
	if m.CapHit && m.Compressed {
		cur.addEvent(Event{Kind: EventWSSizeCap, Params: Params{{"message", m.Index}, {"cap", a.opts.MaxMessageSize}}, Message: m})
	}
	shareable := !m.Opcode.IsControl() && !m.Incomplete
	shared := false
	var key uint64
	if shareable {
		key = a.relay.hash(m)
		if d, ok := a.shared.lookup(m.Data, key); ok {
			m.Data, shared = d, true
		}
		a.relay.add(m, key, cur)
	}
	kept, hit := a.retain(m, shared)
	if hit {
		cur.addEvent(Event{Kind: EventWSMemoryCap, Params: Params{{"message", m.Index}, {"cap", a.opts.MaxRetained}, {"kept", int64(kept)}}, Message: m})
	} else if shareable && !shared {
		a.shared.store(m.Data, key)
	}
}

// looksLikeJSON reports whether b is a JSON object or array.
func looksLikeJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	if len(t) < 2 || (t[0] != '{' && t[0] != '[') {
		return false
	}
	return json.Valid(t)
}
