package annotate

import (
	"sort"
	"time"
)

// stream is one direction of a connection: the bytes one end sent, put
// back in order. Stream offset 0 is the first byte after the SYN (or the
// first byte seen, when the capture starts mid-connection).
type stream struct {
	cs   *connState
	role Role

	base     uint32 // sequence number of stream offset 0
	haveBase bool
	next     int64     // offset of the next byte to hand to the flow
	maxEnd   int64     // highest end of any segment seen
	maxTime  time.Time // when maxEnd last grew

	pending      []segment // out-of-order segments, sorted by offset
	pendingBytes int

	fin    bool
	finOff int64

	// acked is the highest offset the peer has acknowledged.
	acked     int64
	haveAcked bool
	sent      []sentSeg // first copies of data not yet acknowledged

	// The header values of the last packet this end sent, for telling
	// window updates, duplicate ACKs and keep-alives apart.
	haveLast      bool
	lastAck       uint32
	lastWin       uint16
	lastAckPkt    int
	dupAcks       int
	dupOf         int // the packet the duplicate ACKs repeat
	lastKeepAlive int // number of this end's last keep-alive probe

	wscale int // window scale shift from the SYN, -1 when none
	mss    int

	// A hole the peer has acknowledged: the bytes before ackedTo were
	// acknowledged (by ackPkt, first) but not captured yet. They are
	// taken as lost only when the look-ahead runs out (see
	// checkAckedAhead); until then a late segment can fill the hole.
	ackedTo    int64
	ackPkt     *PacketInfo
	ackWaiting int // packets of the connection since ackPkt

	flow *flow
}

// segment is captured payload waiting in the reassembly queue.
type segment struct {
	off    int64
	data   []byte // captured bytes
	wire   int    // length on the wire (>= len(data))
	pkt    *PacketInfo
	payOff int // offset of data[0] within the packet's TCP payload
}

func (s segment) end() int64 { return s.off + int64(s.wire) }

// sentSeg remembers which packet first carried a range of the stream, so
// that an acknowledgement can say what it acknowledges.
type sentSeg struct {
	start, end int64
	pkt        *PacketInfo
	fin        bool
}

func newStream(cs *connState, r Role) *stream {
	st := &stream{cs: cs, role: r, wscale: -1}
	st.flow = newFlow(cs, st)
	return st
}

func (st *stream) setRole(r Role) {
	st.role = r
	st.flow.role = r
	if st.flow.inner != nil {
		st.flow.inner.role = r
	}
}

// setBase fixes stream offset 0 at sequence number seq.
func (st *stream) setBase(seq uint32) {
	st.base, st.haveBase = seq, true
	st.next, st.maxEnd = 0, 0
}

// offsetOf returns the stream offset of sequence number seq, taking the
// closest match to the current position (sequence numbers wrap).
func (st *stream) offsetOf(seq uint32) int64 {
	ref := st.base + uint32(st.next)
	return st.next + int64(int32(seq-ref))
}

// receive takes a segment's payload: captured bytes data of a payload of
// wire bytes starting at offset start, carried by pi. It delivers what is
// new and in order, queues what is ahead, and reports how the segment
// relates to what came before.
func (st *stream) receive(pi *PacketInfo, start int64, data []byte, wire int) {
	end := start + int64(wire)
	switch {
	case end <= st.next:
		st.retransmitted(pi, start, end, 0)
		return
	case start < st.next:
		st.retransmitted(pi, start, end, st.next-start)
		skip := st.next - start
		st.logSent(pi, st.next, end)
		st.deliverSegment(pi, segment{off: st.next, data: clip(data, skip), wire: wire - int(skip), pkt: pi, payOff: int(skip)})
		st.drain(pi)
		return
	case start > st.next:
		st.queue(pi, segment{off: start, data: data, wire: wire, pkt: pi})
		return
	}
	switch {
	case st.ackPkt != nil && start < st.ackedTo:
		st.capturedLate(pi, start, end)
	case st.maxEnd > start:
		st.late(pi, start, end)
	}
	st.logSent(pi, start, end)
	st.deliverSegment(pi, segment{off: start, data: data, wire: wire, pkt: pi})
	st.drain(pi)
}

// Look-ahead for bytes acknowledged before they were captured: how many
// packets of the connection, how much capture time, and how many held
// bytes may pass before the hole is taken as bytes never captured.
const (
	ackAheadPackets = 64
	ackAheadTime    = 200 * time.Millisecond
	ackAheadBytes   = 1 << 20
)

// ackedAhead records that pi acknowledges the bytes before off, beyond
// what the capture has shown of this stream.
func (st *stream) ackedAhead(pi *PacketInfo, off int64) {
	if off > st.ackedTo {
		st.ackedTo = off
	}
	if st.ackPkt == nil {
		st.ackPkt, st.ackWaiting = pi, 0
	}
}

// checkAckedAhead settles an acknowledged hole after each packet of the
// connection: filled, it is forgotten; when the look-ahead runs out, its
// bytes are declared never captured, on the ACK that first covered them.
func (st *stream) checkAckedAhead(cur *PacketInfo) {
	if st.ackPkt == nil {
		return
	}
	if st.next >= st.ackedTo {
		st.ackPkt = nil
		return
	}
	if cur != st.ackPkt {
		st.ackWaiting++
	}
	if st.ackWaiting > ackAheadPackets || cur.Time.Sub(st.ackPkt.Time) > ackAheadTime || st.pendingBytes > ackAheadBytes {
		st.settleAckedAhead()
	}
}

// settleAckedAhead declares the acknowledged hole bytes never captured.
func (st *stream) settleAckedAhead() {
	pi := st.ackPkt
	if pi == nil {
		return
	}
	st.ackPkt = nil
	if n := st.gapTo(pi, st.ackedTo, "ack"); n > 0 {
		pi.add(EventTCPAckUnseen, Params{{"bytes", n}})
	}
}

// capturedLate notes a segment whose bytes the peer acknowledged before
// the capture showed them: the capture's order differs from the order
// they were sent in (a capture on several CPUs, merged captures, a tap).
func (st *stream) capturedLate(pi *PacketInfo, start, end int64) {
	pi.add(EventTCPOutOfOrder, Params{{"bytes", end - start}, {"later_bytes", max(st.maxEnd-end, 0)}, {"acked_first", st.ackPkt.Number}})
}

// clip drops the first n bytes of b, as far as b has them.
func clip(b []byte, n int64) []byte {
	if n >= int64(len(b)) {
		return nil
	}
	return b[n:]
}

// retransmitted notes a segment whose bytes (all, or the first overlap
// bytes) went by before.
func (st *stream) retransmitted(pi *PacketInfo, start, end, overlap int64) {
	p := Params{{"bytes", end - start}}
	if overlap > 0 {
		p.Set("overlap", overlap)
	}
	if orig := st.firstCarrier(start); orig != nil {
		p.Set("original", orig.Number)
	}
	pi.add(EventTCPRetransmission, p)
}

// late classifies a segment of bytes never seen before that arrives after
// later bytes of the stream, as Wireshark does: a retransmission when the
// peer already asked for it again with duplicate ACKs (fast
// retransmission) or when it comes later than a round trip after the
// bytes beyond it, else out of order.
func (st *stream) late(pi *PacketInfo, start, end int64) {
	peer := st.cs.streams[st.role.Peer()]
	if peer.dupAcks >= 2 && peer.haveLast && st.offsetOf(peer.lastAck) == start {
		pi.add(EventTCPRetransmission, Params{{"bytes", end - start}, {"fast", true}, {"first_copy_missing", true}})
		return
	}
	threshold := 3 * time.Millisecond
	if st.cs.irtt > 0 {
		threshold = st.cs.irtt
	}
	if pi.Time.Sub(st.maxTime) < threshold && end != st.maxEnd {
		pi.add(EventTCPOutOfOrder, Params{{"bytes", end - start}, {"later_bytes", st.maxEnd - end}})
		return
	}
	pi.add(EventTCPRetransmission, Params{{"bytes", end - start}, {"first_copy_missing", true}})
}

// firstCarrier returns the packet that first carried the byte at off, if it
// is still remembered.
func (st *stream) firstCarrier(off int64) *PacketInfo {
	for _, s := range st.sent {
		if s.start <= off && off < s.end {
			return s.pkt
		}
	}
	for _, s := range st.pending {
		if s.off <= off && off < s.end() {
			return s.pkt
		}
	}
	return nil
}

// queue holds a segment that lies ahead of the next expected byte.
func (st *stream) queue(pi *PacketInfo, seg segment) {
	end := seg.end()
	// Parts already queued are retransmissions of queued bytes.
	covered := int64(0)
	for _, q := range st.pending {
		lo, hi := max(q.off, seg.off), min(q.end(), end)
		if hi > lo {
			covered += hi - lo
		}
	}
	if covered >= int64(seg.wire) {
		st.retransmitted(pi, seg.off, end, 0)
		return
	}
	switch {
	case st.ackPkt != nil && seg.off < st.ackedTo:
		st.capturedLate(pi, seg.off, end)
	case seg.off < st.maxEnd:
		st.late(pi, seg.off, end)
	}
	st.logSent(pi, seg.off, end)
	if end > st.maxEnd {
		st.maxEnd, st.maxTime = end, pi.Time
	}
	i := sort.Search(len(st.pending), func(i int) bool { return st.pending[i].off > seg.off })
	st.pending = append(st.pending, segment{})
	copy(st.pending[i+1:], st.pending[i:])
	st.pending[i] = seg
	st.pendingBytes += len(seg.data)
	for (st.pendingBytes > st.cs.a.opts.MaxReassembly || len(st.pending) > defaultMaxPendingChunks) && len(st.pending) > 0 {
		st.gapTo(pi, st.pending[0].off, "reassembly-limit")
	}
}

// deliverSegment hands a segment that starts at st.next to the flow; cur
// is the packet being annotated (which completes whatever the bytes
// complete).
func (st *stream) deliverSegment(cur *PacketInfo, seg segment) {
	if seg.off != st.next {
		return
	}
	if n := len(seg.data); n > 0 {
		st.flow.data(seg.off, seg.data, seg.pkt, seg.payOff, cur)
	}
	st.next = seg.off + int64(len(seg.data))
	if missing := seg.wire - len(seg.data); missing > 0 {
		// The snap length cut the packet: its last bytes were never
		// captured.
		st.flow.gap(st.next, int64(missing), cur)
		st.addGapBytes(int64(missing))
		st.next += int64(missing)
	}
	if st.next > st.maxEnd {
		st.maxEnd, st.maxTime = st.next, seg.pkt.Time
	}
	st.countBytes(int64(seg.wire))
}

// drain delivers queued segments that have become contiguous.
func (st *stream) drain(cur *PacketInfo) {
	for len(st.pending) > 0 && st.pending[0].off <= st.next {
		seg := st.pending[0]
		st.pending = st.pending[1:]
		st.pendingBytes -= len(seg.data)
		if seg.end() <= st.next {
			continue
		}
		if skip := st.next - seg.off; skip > 0 {
			seg.data = clip(seg.data, skip)
			seg.wire -= int(skip)
			seg.payOff += int(skip)
			seg.off = st.next
		}
		by := cur
		if by == nil || seg.pkt.Number > by.Number {
			// A hole settled late: what the segment completes, it
			// completes no earlier than its own packet.
			by = seg.pkt
		}
		st.deliverSegment(by, seg)
	}
	if len(st.pending) == 0 {
		st.pending = nil
	}
	if st.fin && st.next >= st.finOff {
		// Every byte before the FIN went by: the sender is done.
		st.flow.finish()
	}
}

// gapTo declares the bytes from st.next up to off never captured, tells
// the flow, and delivers what the queue holds after them. why is "ack"
// (the peer acknowledged them), "reassembly-limit" or "end-of-capture".
func (st *stream) gapTo(cur *PacketInfo, off int64, why string) (total int64) {
	for {
		st.drain(cur)
		if off <= st.next {
			return total
		}
		upTo := off
		if len(st.pending) > 0 && st.pending[0].off < upTo {
			upTo = st.pending[0].off
		}
		n := upTo - st.next
		if cur != nil {
			cur.add(EventTCPGap, Params{{"bytes", n}, {"stream_offset", st.next}, {"reason", why}, {"direction", st.role.String()}})
		}
		st.flow.gap(st.next, n, cur)
		st.addGapBytes(n)
		total += n
		st.next = upTo
	}
}

func (st *stream) addGapBytes(n int64) {
	if st.role == Client {
		st.cs.c.ClientGapBytes += n
	} else {
		st.cs.c.ServerGapBytes += n
	}
}

func (st *stream) countBytes(n int64) {
	if st.role == Client {
		st.cs.c.ClientBytes += n
	} else {
		st.cs.c.ServerBytes += n
	}
}

// flush delivers everything still queued at the end of the capture,
// declaring the holes before it never captured.
func (st *stream) flush(cur *PacketInfo) {
	st.settleAckedAhead()
	for len(st.pending) > 0 {
		st.gapTo(cur, st.pending[0].off, "end-of-capture")
	}
}

// logSent remembers that pi first carried the bytes [start, end). The log
// stays sorted by offset.
func (st *stream) logSent(pi *PacketInfo, start, end int64) {
	if end <= start {
		return
	}
	st.insertSent(sentSeg{start: start, end: end, pkt: pi})
}

func (st *stream) insertSent(s sentSeg) {
	if len(st.sent) >= maxSentLog {
		st.sent = append(st.sent[:0], st.sent[len(st.sent)/2:]...)
	}
	i := len(st.sent)
	for i > 0 && st.sent[i-1].start > s.start {
		i--
	}
	st.sent = append(st.sent, sentSeg{})
	copy(st.sent[i+1:], st.sent[i:])
	st.sent[i] = s
}

// logFin remembers that pi carried the FIN.
func (st *stream) logFin(pi *PacketInfo, off int64) {
	st.insertSent(sentSeg{start: off, end: off + 1, pkt: pi, fin: true})
}

// ackedBy records that the peer acknowledged everything before offset off
// (a FIN counts as one byte) and returns what that newly acknowledges.
func (st *stream) ackedBy(off int64) (bytes int64, pkts []*PacketInfo, fin bool) {
	from := st.acked
	if !st.haveAcked {
		from = off
		if len(st.sent) > 0 && st.sent[0].start < off {
			from = st.sent[0].start
		}
	}
	if st.haveAcked && off <= st.acked {
		return 0, nil, false
	}
	st.acked, st.haveAcked = off, true
	i := 0
	for ; i < len(st.sent); i++ {
		s := st.sent[i]
		if s.start >= off {
			break
		}
		if s.end > from {
			if s.fin {
				fin = true
			} else {
				lo, hi := max(s.start, from), min(s.end, off)
				bytes += hi - lo
			}
			if len(pkts) == 0 || pkts[len(pkts)-1] != s.pkt {
				pkts = append(pkts, s.pkt)
			}
		}
		if s.end > off {
			break
		}
	}
	// Drop what is wholly acknowledged.
	j := 0
	for j < len(st.sent) && st.sent[j].end <= off {
		j++
	}
	st.sent = st.sent[j:]
	if len(st.sent) == 0 {
		st.sent = nil
	}
	return bytes, pkts, fin
}
