package annotate

import (
	"bytes"
	"slices"
	"time"
)

// RecordKind says what a Record holds.
type RecordKind uint8

// The kinds of records a streaming Annotator hands over.
const (
	RecordPacket     RecordKind = iota + 1 // Record.Packet
	RecordFrame                            // Record.Frame
	RecordMessage                          // Record.Message
	RecordConnection                       // Record.Connection
)

// String returns the kind's name: "packet", "frame", "message" or
// "connection".
func (k RecordKind) String() string {
	switch k {
	case RecordPacket:
		return "packet"
	case RecordFrame:
		return "frame"
	case RecordMessage:
		return "message"
	case RecordConnection:
		return "connection"
	}
	return "unknown"
}

// Record is one fact a streaming Annotator (Options.Emit) hands over once
// it is final. Exactly the field Kind names is set.
//
// Records come in this order: packets in capture order, each followed by
// the frames it completes; a message once no later message can relay it
// (Options.RelayWindow after it, in capture time); a connection once it
// is closed, flushed and its last packet handed over, or at Finish. So a
// frame comes after its packet, a message after its frames, a connection
// after all its packets (its messages may follow within the relay window).
type Record struct {
	Kind       RecordKind
	Packet     *PacketInfo
	Frame      *Frame
	Message    *Message
	Connection *Connection
}

// closedLinger is how long (in capture time) a closed connection stays
// known after its last packet, so that a late retransmission or ACK still
// finds it.
const closedLinger = 2 * time.Second

// push queues a packet Add annotated and hands over what became final.
func (a *Annotator) push(pi *PacketInfo) error {
	if a.err != nil {
		return a.err
	}
	a.queue = append(a.queue, pi)
	a.queueBytes += len(pi.Packet.Data)
	a.sinceScan++
	over := len(a.queue)-a.queueHead > a.opts.MaxHeld || a.queueBytes > DefaultMaxHeldBytes
	if over || a.sinceScan >= max(256, len(a.states)) {
		a.sinceScan = 0
		a.scan(over)
	}
	a.err = a.release(false)
	return a.err
}

// scan looks at every open connection for the oldest packet something may
// still change, and drops the connections that are closed and quiet.
// When over, the oldest packets are given up as they are until the queue
// is back to three quarters of its bounds.
func (a *Annotator) scan(over bool) {
	cut := 0
	if over {
		n, bytes := len(a.queue)-a.queueHead, a.queueBytes
		for i := a.queueHead; i < len(a.queue)-1; i++ {
			if n <= a.opts.MaxHeld*3/4 && bytes <= DefaultMaxHeldBytes*3/4 {
				break
			}
			cut = a.queue[i].Number
			n--
			bytes -= len(a.queue[i].Packet.Data)
		}
	}
	w := a.last.Number // the newest packet may still get end-of-capture events
	now := a.last.Time
	keep := a.states[:0]
	for _, cs := range a.states {
		if cut > 0 && !cs.strong && len(cs.early) > 0 && cs.early[0].Number <= cut {
			cs.settleRoles()
		}
		if cs.closed && now.Sub(cs.lastTime) > closedLinger {
			cs.finish()
			cs.settleRoles()
			if ps := a.pairs[cs.key]; ps != nil && ps.conn == cs {
				ps.conn = nil
				if !ps.haveTD {
					delete(a.pairs, cs.key)
				}
			}
			a.doneConns = append(a.doneConns, cs.c)
			continue
		}
		if p := cs.oldestPinned(); p > 0 && p < w {
			w = p
		}
		keep = append(keep, cs)
	}
	clear(a.states[len(keep):])
	a.states = keep
	a.watermark = max(w, cut+1)
}

// release hands over the queued packets before the watermark (all of
// them when all), the messages past the relay window and the connections
// whose packets are all handed over.
func (a *Annotator) release(all bool) error {
	for a.queueHead < len(a.queue) {
		pi := a.queue[a.queueHead]
		if !all && pi.Number >= a.watermark {
			break
		}
		a.queue[a.queueHead] = nil
		a.queueHead++
		a.queueBytes -= len(pi.Packet.Data)
		if pi.Phase == phaseNone {
			pi.Phase = pi.currentPhase()
		}
		if err := a.emit(Record{Kind: RecordPacket, Packet: pi}); err != nil {
			return err
		}
		for _, f := range pi.Frames {
			if err := a.emit(Record{Kind: RecordFrame, Frame: f}); err != nil {
				return err
			}
		}
		a.msgs = append(a.msgs, pi.Messages...)
	}
	if a.queueHead > 1024 && a.queueHead*2 > len(a.queue) {
		n := copy(a.queue, a.queue[a.queueHead:])
		clear(a.queue[n:])
		a.queue = a.queue[:n]
		a.queueHead = 0
	}
	for a.msgsHead < len(a.msgs) {
		m := a.msgs[a.msgsHead]
		if !all && a.opts.RelayWindow >= 0 && a.last.Time.Sub(m.Time) <= a.opts.RelayWindow {
			break
		}
		a.msgs[a.msgsHead] = nil
		a.msgsHead++
		a.retained -= m.counted
		if err := a.emit(Record{Kind: RecordMessage, Message: m}); err != nil {
			return err
		}
	}
	if a.msgsHead > 1024 && a.msgsHead*2 > len(a.msgs) {
		n := copy(a.msgs, a.msgs[a.msgsHead:])
		clear(a.msgs[n:])
		a.msgs = a.msgs[:n]
		a.msgsHead = 0
	}
	next := -1 // the number of the oldest packet still held
	if a.queueHead < len(a.queue) {
		next = a.queue[a.queueHead].Number
	}
	k := 0
	for _, c := range a.doneConns {
		if next >= 0 && c.LastPacket >= next {
			a.doneConns[k] = c
			k++
			continue
		}
		if err := a.emit(Record{Kind: RecordConnection, Connection: c}); err != nil {
			return err
		}
	}
	clear(a.doneConns[k:])
	a.doneConns = a.doneConns[:k]
	return nil
}

// flushAll hands over everything still held, at Finish.
func (a *Annotator) flushAll() error {
	if a.err != nil {
		return a.err
	}
	for _, cs := range a.states {
		a.doneConns = append(a.doneConns, cs.c)
	}
	slices.SortFunc(a.doneConns, func(x, y *Connection) int { return x.ID - y.ID })
	a.states = nil
	clear(a.pairs)
	return a.release(true)
}

// oldestPinned returns the number of the oldest packet that the
// connection's open state may still add to (fields or events of a frame
// or HTTP head in progress, bytes waiting for a hole, a teardown whose
// pattern is not known, roles not yet settled), or 0 when there is none.
func (cs *connState) oldestPinned() int {
	m := 0
	pinNum := func(n int) {
		if n > 0 && (m == 0 || n < m) {
			m = n
		}
	}
	pin := func(pi *PacketInfo) {
		if pi != nil {
			pinNum(pi.Number)
		}
	}
	if !cs.strong && len(cs.early) > 0 {
		pin(cs.early[0])
	}
	if cs.c.Teardown == "" && len(cs.teardowns) > 0 {
		pin(cs.teardowns[0].pi)
	}
	for _, r := range []Role{Client, Server} {
		st := cs.streams[r]
		pin(st.ackPkt)
		for i := range st.pending {
			pin(st.pending[i].pkt)
		}
		for _, f := range []*flow{st.flow, st.flow.inner} {
			if f == nil {
				continue
			}
			for i := range f.chunks {
				pin(f.chunks[i].pkt)
			}
			if len(f.headParts) > 0 {
				pin(f.headParts[0])
			}
			for i := range f.held {
				pin(f.held[i].pkt)
			}
			if w := f.ws; w != nil {
				for _, p := range w.parts {
					pin(p.pi)
				}
				if len(w.msgFrames) > 0 {
					pinNum(w.msgFrames[0].Packet)
				}
			}
		}
	}
	return m
}

// settleRoles decides for good the roles of a connection that still rests
// on port numbers, as Finish does for every connection: an end that
// several connections share is the server.
func (cs *connState) settleRoles() {
	if cs.strong {
		return
	}
	if cs.c.RoleBasis == "port-number" {
		a, c := cs.a, cs.c
		clientShared := a.servers[c.Client] || a.ends[c.Client] > 1
		serverShared := a.servers[c.Server] || a.ends[c.Server] > 1
		if clientShared && !serverShared {
			cs.swapRoles()
			c.RoleBasis = "shared-port"
		}
	}
	cs.strong = true
	cs.early = nil
}

// retain counts the message's content against Options.MaxRetained, and
// cuts it to what fits when the cap is reached. It reports how many bytes
// the message keeps and whether the cap cut it. Content that repeats an
// earlier message's (shared, see sharedData) costs nothing more.
func (a *Annotator) retain(m *Message, shared bool) (int, bool) {
	n := int64(len(m.Data))
	if a.opts.MaxRetained < 0 || shared || n == 0 {
		return int(n), false
	}
	if a.retained+n <= a.opts.MaxRetained {
		a.retained += n
		m.counted = n
		return int(n), false
	}
	room := max(a.opts.MaxRetained-a.retained, 0)
	m.Data = bytes.Clone(m.Data[:room])
	m.Truncated = true
	m.RetainCapHit = true
	a.retained += room
	m.counted = room
	a.capHit = true
	return int(room), true
}

// Err returns the error that stopped a streaming Annotator (one Emit
// returned), nil when there is none.
func (a *Annotator) Err() error { return a.err }

// RetainCapHit reports whether Options.MaxRetained cut the content of a
// message so far.
func (a *Annotator) RetainCapHit() bool { return a.capHit }
