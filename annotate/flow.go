package annotate

import (
	"github.com/wstrace/wstrace/annotate/httpmsg"
	"github.com/wstrace/wstrace/annotate/websocket"
)

// flowMode says how a flow reads the bytes that come next.
type flowMode int

const (
	modeStart  flowMode = iota // nothing seen yet
	modeHTTP                   // HTTP message heads
	modeBody                   // an HTTP body
	modeHold                   // client bytes after an upgrade request, held until the answer
	modeWS                     // WebSocket frames
	modeOpaque                 // bytes of no known protocol
	modeTLS                    // TLS records (tls.go); the plaintext goes to the inner flow
)

// maxChunks bounds the chunk records a flow keeps to place fields in
// packets.
const maxChunks = 1 << 16

// chunkRef records which packet carried a run of a stream's bytes.
type chunkRef struct {
	off    int64 // stream offset of the first byte
	n      int
	pkt    *PacketInfo
	payOff int // offset of the first byte within the packet's TCP payload
}

// heldChunk is a run of client bytes held while an upgrade is pending.
type heldChunk struct {
	off    int64
	data   []byte
	pkt    *PacketInfo
	payOff int
	gap    int64 // when non-zero, a gap of this many bytes instead of data
}

// flow reads the reassembled bytes of one direction: HTTP heads and
// bodies, then WebSocket frames.
type flow struct {
	cs   *connState
	st   *stream
	role Role
	mode flowMode

	chunks []chunkRef

	// HTTP
	head      []byte
	headOff   int64
	headParts []*PacketInfo
	bodyLeft  int64
	chunked   *httpmsg.ChunkedBody
	toClose   bool // the body runs to the end of the stream

	// held bytes (client, upgrade pending)
	held      []heldChunk
	heldBytes int

	// WebSocket
	ws *wsFlow

	done bool // finished: the sender can send no more

	// opaque data
	opaqueEvent eventRef // the tcp-data event of the opaque bytes
	noSniffAt   int64    // a stream offset where the protocol was judged and failed

	// TLS (tls.go): the wire flow holds the records, inner reads the
	// decrypted bytes. An inner flow is virtual: its offsets count
	// plaintext bytes (vnext is the next), which lie nowhere on the wire.
	inner   *flow
	virtual bool
	vnext   int64
}

func newFlow(cs *connState, st *stream) *flow {
	return &flow{cs: cs, st: st, role: st.role}
}

// data takes the next bytes of the stream: b starts at stream offset off
// and was carried by owner at payOff in its TCP payload; cur is the packet
// being annotated.
func (f *flow) data(off int64, b []byte, owner *PacketInfo, payOff int, cur *PacketInfo) {
	f.addChunk(off, len(b), owner, payOff)
	f.consume(off, b, owner, payOff, cur)
	f.pruneChunks()
}

// consume reads bytes whose chunk is recorded.
func (f *flow) consume(off int64, b []byte, owner *PacketInfo, payOff int, cur *PacketInfo) {
	stuck := 0
	for len(b) > 0 {
		if stuck > 4 {
			// The modes keep handing the bytes to each other: take them as
			// opaque data rather than loop.
			f.noSniffAt = off
			f.mode = modeOpaque
		}
		n := 0
		switch f.mode {
		case modeStart:
			f.decide(b)
		case modeHTTP:
			n = f.httpHead(off, b, owner, payOff, cur)
		case modeBody:
			n = f.body(off, b, owner, cur)
		case modeHold:
			f.hold(off, b, owner, payOff)
			n = len(b)
		case modeWS:
			f.ws.feed(off, b, owner, payOff, cur)
			n = len(b)
		case modeOpaque:
			n = f.opaque(off, b, owner, payOff, cur)
		case modeTLS:
			f.tlsData(b, cur)
			n = len(b)
		}
		if n == 0 {
			stuck++
		} else {
			stuck = 0
		}
		off += int64(n)
		b = b[n:]
		payOff += n
	}
}

// gap tells the flow that n bytes from offset off were never captured.
func (f *flow) gap(off, n int64, cur *PacketInfo) {
	switch f.mode {
	case modeHTTP:
		if len(f.head) > 0 {
			cur.add(EventHTTPLost, Params{{"bytes", int64(len(f.head))}, {"direction", f.role.String()}})
		}
		f.head, f.headParts = nil, nil
		// Wait for something that looks like a head at a segment start.
		f.mode = modeOpaque
		f.opaqueEvent = eventRef{}
	case modeBody:
		switch {
		case f.toClose:
		case f.chunked != nil:
			f.mode = modeOpaque
		case n < f.bodyLeft:
			f.bodyLeft -= n
		default:
			n -= f.bodyLeft
			f.bodyLeft = 0
			f.mode = modeHTTP
			if n > 0 {
				f.mode = modeOpaque
			}
		}
	case modeHold:
		f.held = append(f.held, heldChunk{off: off, gap: n})
	case modeWS:
		f.ws.gap(off, n, cur)
	case modeTLS:
		f.tlsGap(n, cur)
	}
}

// finish ends the flow at the end of the capture.
// finish ends the flow: its sender sent its FIN and every byte before it
// went by, the connection was reset, or the capture ended. What is held
// is flushed and the decoders' memory released; bytes that still come are
// annotated as tcp-data.
func (f *flow) finish() {
	if f.done {
		return
	}
	f.done = true
	last := f.cs.a.last
	if f.mode == modeHold {
		f.release(false, last)
	}
	if f.mode == modeWS && f.ws != nil {
		f.ws.finish(last)
	}
	if f.mode == modeTLS {
		f.tlsFinish(last)
	}
	f.ws, f.head, f.headParts, f.held, f.chunked = nil, nil, nil, nil, nil
	f.chunks = nil
	f.mode = modeOpaque
	f.opaqueEvent = eventRef{}
}

func (f *flow) addChunk(off int64, n int, pkt *PacketInfo, payOff int) {
	if len(f.chunks) >= maxChunks {
		f.chunks = append(f.chunks[:0], f.chunks[len(f.chunks)/2:]...)
	}
	if k := len(f.chunks); k > 0 {
		c := &f.chunks[k-1]
		if c.pkt == pkt && c.off+int64(c.n) == off && c.payOff+c.n == payOff {
			c.n += n
			return
		}
	}
	f.chunks = append(f.chunks, chunkRef{off: off, n: n, pkt: pkt, payOff: payOff})
}

// keepFrom returns the lowest stream offset whose chunk may still be
// needed to place a field.
func (f *flow) keepFrom() int64 {
	switch f.mode {
	case modeHTTP:
		if len(f.head) > 0 {
			return f.headOff
		}
	case modeHold:
		if len(f.held) > 0 {
			return f.held[0].off
		}
	case modeWS:
		if f.ws != nil {
			return f.ws.keepFrom()
		}
	case modeTLS:
		return f.tlsKeepFrom()
	}
	return f.nextOff()
}

// nextOff is the stream offset of the next byte the flow will read.
func (f *flow) nextOff() int64 {
	if f.virtual {
		return f.vnext
	}
	return f.st.next
}

// proto returns the flow that reads the stream's protocol: the inner flow
// of a TLS stream, else the stream's flow.
func (st *stream) proto() *flow {
	if st.flow.inner != nil {
		return st.flow.inner
	}
	return st.flow
}

func (f *flow) pruneChunks() {
	from := f.keepFrom()
	i := 0
	for i < len(f.chunks) && f.chunks[i].off+int64(f.chunks[i].n) <= from {
		i++
	}
	if i > 0 {
		f.chunks = append(f.chunks[:0], f.chunks[i:]...)
	}
}

// place adds a field for the stream bytes [start, end) to every packet
// that carried some of them. base is the stream offset of the whole
// field's first byte (for Field.Offset), fr the frame it belongs to.
func (f *flow) place(kind FieldKind, name string, start, end, base int64, fr *Frame) {
	if end <= start || f.virtual {
		return
	}
	for _, c := range f.chunks {
		cEnd := c.off + int64(c.n)
		lo, hi := max(start, c.off), min(end, cEnd)
		if hi <= lo {
			continue
		}
		pay := Range{Start: c.payOff + int(lo-c.off), End: c.payOff + int(hi-c.off)}
		fl := Field{
			Kind:    kind,
			Payload: pay,
			Data:    Range{Start: c.pkt.PayloadOffset + pay.Start, End: c.pkt.PayloadOffset + pay.End},
			Name:    name,
			Frame:   fr,
			Offset:  lo - base,
			Partial: lo > start || hi < end,
		}
		if c.pkt.Fields == nil {
			// A frame's header and payload are three to five fields.
			c.pkt.Fields = make([]Field, 0, 4)
		}
		c.pkt.Fields = append(c.pkt.Fields, fl)
	}
}

// packetsOf returns the packets that carried stream bytes [start, end), in
// order.
func (f *flow) packetsOf(start, end int64) []*PacketInfo {
	return f.appendPacketsOf(nil, start, end)
}

// appendPacketsOf appends what packetsOf returns to out.
func (f *flow) appendPacketsOf(out []*PacketInfo, start, end int64) []*PacketInfo {
	for _, c := range f.chunks {
		if c.off+int64(c.n) <= start || c.off >= end {
			continue
		}
		if len(out) == 0 || out[len(out)-1] != c.pkt {
			out = append(out, c.pkt)
		}
	}
	return out
}

// decide picks the protocol of a direction from its first bytes.
func (f *flow) decide(b []byte) {
	cs := f.cs
	if !f.virtual && f.tlsHello(b) {
		return
	}
	switch {
	case httpmsg.LooksLikeRequest(b) && (f.role == Client || !cs.strong):
		cs.confirmRoles(f.role, true, "http-request")
		f.mode = modeHTTP
	case httpmsg.LooksLikeResponse(b) && (f.role == Server || !cs.strong):
		cs.confirmRoles(f.role, false, "http-response")
		f.mode = modeHTTP
	case cs.c.WebSocket:
		f.startWS(!cs.synSeen && !websocket.LooksLikeFrames(b, f.role == Client))
	case cs.a.wsPorts[cs.c.Server.Port()] || cs.a.wsPorts[cs.c.Client.Port()]:
		cs.markWebSocket("ws-port")
		f.startWS(!cs.synSeen && !websocket.LooksLikeFrames(b, f.role == Client))
	default:
		if f.sniffWS(b) {
			return
		}
		f.mode = modeOpaque
	}
}

// sniffWS switches the flow to WebSocket if b looks like frames, settling
// the roles by the mask bit. It reports whether it did.
func (f *flow) sniffWS(b []byte) bool {
	cs := f.cs
	asClient := websocket.LooksLikeFrames(b, true)
	asServer := websocket.LooksLikeFrames(b, false)
	if !asClient && !asServer {
		return false
	}
	if !cs.strong && asClient != asServer {
		cs.confirmRoles(f.role, asClient, "ws-masking")
	} else if cs.strong && ((f.role == Client && !asClient) || (f.role == Server && !asServer)) {
		// Frames masked the wrong way for the known roles: still
		// WebSocket, with faults.
	}
	cs.markWebSocket("heuristic")
	f.startWS(false)
	return true
}

// startWS switches the flow to WebSocket frames; hunt makes it look for
// the first frame header instead of assuming one starts at the next byte.
func (f *flow) startWS(hunt bool) {
	f.mode = modeWS
	if f.ws == nil {
		f.ws = newWSFlow(f)
	}
	if hunt {
		f.ws.hunt()
	}
}

// markWebSocket records that the connection carries WebSocket frames.
func (cs *connState) markWebSocket(basis string) {
	if cs.c.WebSocket {
		return
	}
	cs.c.WebSocket = true
	cs.c.WebSocketBasis = basis
	for _, r := range []Role{Client, Server} {
		fl := cs.streams[r].proto()
		if fl.mode == modeOpaque {
			fl.mode = modeStart
		}
	}
}

// opaque consumes bytes of no known protocol. At each segment start it
// looks again for HTTP or WebSocket.
func (f *flow) opaque(off int64, b []byte, owner *PacketInfo, payOff int, cur *PacketInfo) int {
	if (payOff == 0 || !f.opaqueEvent.valid()) && off != f.noSniffAt {
		f.noSniffAt = off
		if f.done {
			goto opaque
		}
		if f.cs.c.WebSocket {
			f.startWS(!websocket.LooksLikeFrames(b, f.role == Client))
			return 0
		}
		if httpmsg.LooksLikeRequest(b) || httpmsg.LooksLikeResponse(b) {
			if f.cs.c.Upgrade == nil || !f.cs.c.Upgrade.Succeeded {
				f.mode = modeHTTP
				f.opaqueEvent = eventRef{}
				return 0
			}
		}
		if f.sniffWS(b) {
			return 0
		}
	}
opaque:
	f.place(FieldTCPData, "", off, off+int64(len(b)), off, nil)
	if !f.opaqueEvent.valid() || f.opaqueEvent.get("packet") != owner.Number {
		f.opaqueEvent = owner.add(EventTCPData, Params{{"bytes", int64(0)}, {"packet", owner.Number}})
	}
	f.opaqueEvent.set("bytes", f.opaqueEvent.get("bytes").(int64)+int64(len(b)))
	return len(b)
}

// hold keeps client bytes sent after an upgrade request until the server
// answers.
func (f *flow) hold(off int64, b []byte, owner *PacketInfo, payOff int) {
	f.held = append(f.held, heldChunk{off: off, data: b, pkt: owner, payOff: payOff})
	f.heldBytes += len(b)
	if f.heldBytes > defaultMaxHeld {
		// No answer in sight: judge the bytes on their own.
		f.release(false, owner)
	}
}

// release replays the held bytes once the fate of the upgrade is known:
// as frames when ws, else as whatever they look like.
func (f *flow) release(ws bool, cur *PacketInfo) {
	held := f.held
	f.held, f.heldBytes = nil, 0
	switch {
	case ws:
		f.startWS(false)
	case len(held) > 0 && held[0].gap == 0 && websocket.LooksLikeFrames(held[0].data, f.role == Client):
		f.cs.markWebSocket("heuristic")
		f.startWS(false)
	default:
		f.mode = modeHTTP
	}
	for _, h := range held {
		if h.gap > 0 {
			f.gap(h.off, h.gap, cur)
			continue
		}
		// The bytes were recorded as chunks when they arrived; replay
		// them without adding them again.
		f.replay(h.off, h.data, h.pkt, h.payOff)
	}
	f.pruneChunks()
}

// replay feeds bytes whose chunk is already recorded.
func (f *flow) replay(off int64, b []byte, owner *PacketInfo, payOff int) {
	f.consume(off, b, owner, payOff, owner)
}
