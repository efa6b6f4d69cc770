package annotate

import (
	"encoding/binary"

	"github.com/wstrace/wstrace/capture/decode"
)

// tcp annotates the TCP-level behaviour of a packet and feeds its payload
// to the reassembly of its direction.
func (cs *connState) tcp(pi *PacketInfo, d *decode.Packet, from Role) {
	t := d.TCP
	c := cs.c
	st, peer := cs.streams[from], cs.streams[from.Peer()]
	syn := t.Flags&decode.SYN != 0
	fin := t.Flags&decode.FIN != 0
	rst := t.Flags&decode.RST != 0
	ack := t.Flags&decode.ACK != 0
	wire := pi.PayloadLength

	// Window, scaled as the handshake agreed (never on SYNs).
	pi.Window = int64(t.Window)
	if !syn && st.wscale >= 0 && peer.wscale >= 0 {
		pi.Window <<= uint(st.wscale)
		pi.WindowScaled = true
	}

	switch {
	case syn && !ack:
		retrans := cs.synSeen && t.Seq == c.ClientISN
		if !cs.synSeen {
			cs.synTime = pi.Time
		}
		cs.synSeen = true
		c.ClientISN = t.Seq
		st.setBase(t.Seq + 1)
		st.readOptions(t)
		p := synParams(t)
		pi.add(EventTCPHandshake1, p)
		if retrans {
			pi.add(EventTCPRetransmission, Params{{"bytes", int64(0)}, {"syn", true}})
		}
	case syn && ack:
		retrans := cs.synAckSeen && t.Seq == c.ServerISN
		cs.synAckSeen = true
		c.ServerISN = t.Seq
		c.HaveISN = cs.synSeen
		st.setBase(t.Seq + 1)
		st.readOptions(t)
		if !cs.synSeen {
			// The SYN was not captured: the SYN-ACK still tells where the
			// client's bytes start.
			peer.setBase(t.Ack)
		}
		p := synParams(t)
		p.Set("ack", pi.Ack)
		pi.add(EventTCPHandshake2, p)
		if retrans {
			pi.add(EventTCPRetransmission, Params{{"bytes", int64(0)}, {"syn", true}})
		}
	}
	if !st.haveBase {
		st.setBase(t.Seq)
	}
	start := st.offsetOf(t.Seq)
	if syn {
		start = st.offsetOf(t.Seq + 1)
	}
	pi.StreamOffset = start

	// A sequence number beyond every byte seen from this end: bytes went
	// by that the capture missed.
	seen := st.maxEnd
	if st.fin && st.finOff+1 > seen {
		seen = st.finOff + 1 // the FIN takes a sequence number
	}
	if !rst && !syn && start > seen {
		pi.add(EventTCPPreviousSegmentMissing, Params{{"missing_bytes", start - seen}})
		if wire == 0 {
			st.maxEnd, st.maxTime = start, pi.Time
			if st.ackPkt == nil || start > st.ackedTo {
				// (A hole the peer acknowledged waits for its own
				// look-ahead: the segment may still be captured late.)
				st.settleAckedAhead()
				st.gapTo(pi, start, "seq")
			}
		}
	}

	if wire > len(d.Payload) {
		pi.add(EventTCPTruncated, Params{{"captured", int64(len(d.Payload))}, {"length", int64(wire)}})
	}

	// Acknowledgement: what it acknowledges, and whether it reveals bytes
	// of the peer's stream that were never captured.
	var ackOff int64
	var newly int64
	var ackedPkts []*PacketInfo
	var ackedFin bool
	if ack && peer.haveBase {
		ackOff = peer.offsetOf(t.Ack)
		finAcked := peer.fin && ackOff > peer.finOff
		dataEnd := ackOff
		if finAcked {
			dataEnd = peer.finOff
		}
		if dataEnd > peer.next && (!syn || cs.synSeen) && !rst {
			// The peer acknowledges bytes not captured (yet): a capture
			// can show a segment after the ACK that covers it. Wait a
			// little for it before taking the bytes as lost.
			peer.ackedAhead(pi, dataEnd)
		}
		newly, ackedPkts, ackedFin = peer.ackedBy(ackOff)
	}

	pure := wire == 0 && !syn && !fin && !rst
	handled := false
	if pure && ack && from == Client && cs.synAckSeen && !cs.hs3Seen && t.Ack == c.ServerISN+1 {
		cs.hs3Seen = true
		if cs.synSeen {
			cs.irtt = pi.Time.Sub(cs.synTime)
		}
		pi.add(EventTCPHandshake3, Params{{"ack", pi.Ack}})
		handled = true
	}

	// Keep-alive: one byte (or none) just below what was already sent.
	if !syn && !fin && !rst && wire <= 1 && st.next > 0 && start == st.next-1 && (wire == 0 || start+1 <= st.maxEnd) {
		pi.add(EventTCPKeepalive, Params{{"bytes", int64(wire)}})
		st.lastKeepAlive = pi.Number
		handled = true
		wire = -1 // do not deliver
	} else if pure && peer.lastKeepAlive != 0 && st.haveLast && t.Ack == st.lastAck && peer.lastKeepAlive > st.lastAckPkt {
		pi.add(EventTCPKeepalive, Params{{"reply", true}, {"probe", peer.lastKeepAlive}})
		handled = true
	}

	if rst {
		p := Params{}
		if ack {
			p.Set("ack", pi.Ack)
		}
		pi.add(EventTCPReset, p)
		if c.Teardown == "" || !cs.closed {
			cs.setTeardown("reset")
		}
		cs.closed = true
		// Nothing more will be delivered: flush what is held and free the
		// decoders.
		for _, r := range []Role{Client, Server} {
			cs.streams[r].flush(pi)
			cs.streams[r].flow.finish()
		}
	}

	// The payload.
	if wire > 0 {
		st.receive(pi, start, d.Payload, wire)
	}

	// FIN.
	if fin {
		finOff := start + int64(max(wire, 0))
		cs.finSeen(pi, from, finOff, ackOff, ack)
		st.drain(pi)
	}

	// Acknowledgements of FINs.
	if ack && !rst && cs.finAcknowledged(pi, from, ackOff, fin) {
		handled = true
	}

	if pure && !handled {
		cs.pureAck(pi, st, peer, t, ackOff, newly, ackedPkts, ackedFin)
	}
	if t.Window == 0 && !rst && !syn && !fin {
		pi.add(EventTCPZeroWindow, nil)
	}
	if ack {
		if t.Ack != st.lastAck {
			st.dupAcks = 0
		}
		st.haveLast, st.lastAck, st.lastWin, st.lastAckPkt = true, t.Ack, t.Window, pi.Number
	}
	for _, r := range []Role{Client, Server} {
		cs.streams[r].checkAckedAhead(pi)
	}
}

// synParams lists the parameters of a SYN or SYN-ACK.
func synParams(t *decode.TCP) Params {
	p := Params{{"isn", t.Seq}, {"window", int64(t.Window)}}
	for _, o := range t.Options {
		switch o.Kind {
		case decode.OptMSS:
			if len(o.Data) >= 2 {
				p.Set("mss", int64(binary.BigEndian.Uint16(o.Data)))
			}
		case decode.OptWScale:
			if len(o.Data) >= 1 {
				p.Set("wscale", int64(o.Data[0]))
			}
		case decode.OptSACKPerm:
			p.Set("sack_permitted", true)
		case decode.OptTimestamp:
			p.Set("timestamps", true)
		}
	}
	return p
}

// readOptions records the window scale and MSS a SYN announces.
func (st *stream) readOptions(t *decode.TCP) {
	st.wscale = -1
	for _, o := range t.Options {
		switch o.Kind {
		case decode.OptWScale:
			if len(o.Data) >= 1 {
				st.wscale = min(int(o.Data[0]), 14)
			}
		case decode.OptMSS:
			if len(o.Data) >= 2 {
				st.mss = int(binary.BigEndian.Uint16(o.Data))
			}
		}
	}
}

// pureAck classifies a segment without payload, SYN, FIN or RST.
func (cs *connState) pureAck(pi *PacketInfo, st, peer *stream, t *decode.TCP, ackOff, newly int64, pkts []*PacketInfo, fin bool) {
	if t.Flags&decode.ACK == 0 {
		pi.add(EventTCPData, Params{{"bytes", int64(0)}})
		return
	}
	// Window updates and duplicate ACKs, as Wireshark tells them: the same
	// sequence and acknowledgement numbers as this end's previous segment.
	if st.haveLast && t.Ack == st.lastAck && st.offsetOf(t.Seq) == st.maxEnd && newly == 0 && !fin && t.Window != 0 {
		if t.Window != st.lastWin {
			pi.add(EventTCPWindowUpdate, Params{{"window", pi.Window}, {"previous", scaleWindow(st, peer, st.lastWin)}})
			st.dupAcks = 0
			return
		}
		st.dupAcks++
		if st.dupAcks == 1 {
			st.dupOf = st.lastAckPkt
		}
		pi.add(EventTCPDupAck, Params{{"ack", pi.Ack}, {"count", int64(st.dupAcks)}, {"original", st.dupOf}})
		pi.add(EventAck, ackParams(pi, 0, nil, false))
		return
	}
	st.dupAcks = 0
	pi.add(EventAck, ackParams(pi, newly, pkts, fin))
}

func scaleWindow(st, peer *stream, w uint16) int64 {
	if st.wscale >= 0 && peer.wscale >= 0 {
		return int64(w) << uint(st.wscale)
	}
	return int64(w)
}

// ackParams describes what an ACK newly acknowledges.
func ackParams(pi *PacketInfo, bytes int64, pkts []*PacketInfo, fin bool) Params {
	n := 2
	if len(pkts) > 0 {
		n += 2
	}
	if fin {
		n++
	}
	p := append(make(Params, 0, n), Param{"ack", pi.Ack}, Param{"acked_bytes", bytes})
	if len(pkts) > 0 {
		nums := make([]int, 0, len(pkts))
		var last *PacketInfo
		for _, q := range pkts {
			nums = append(nums, q.Number)
			last = q
		}
		p.Set("acked_packets", nums)
		p.Set("acked_phase", string(contentPhase(last)))
	}
	if fin {
		p.Set("acked_fin", true)
	}
	return p
}

// finSeen handles a FIN from one end at stream offset finOff.
func (cs *connState) finSeen(pi *PacketInfo, from Role, finOff, ackOff int64, ack bool) {
	st, ps := cs.streams[from], cs.streams[from.Peer()]
	if st.fin {
		if finOff == st.finOff && pi.PayloadLength == 0 {
			p := Params{{"bytes", int64(0)}, {"fin", true}}
			if f := cs.finPkt[from]; f != nil {
				p.Set("original", f.Number)
			}
			pi.add(EventTCPRetransmission, p)
		}
		return
	}
	st.fin, st.finOff = true, finOff
	st.logFin(pi, finOff)
	cs.finPkt[from] = pi
	cs.tdSteps++
	p := Params{{"fin", true}, {"step", int64(cs.tdSteps)}}
	other := from.Peer()
	if cs.finPkt[other] == nil {
		p.Set("first", true)
	} else {
		acksFirst := ack && ps.fin && ackOff > ps.finOff
		if acksFirst {
			p.Set("acks_fin", true)
		}
		var pattern string
		switch {
		case !acksFirst && !cs.finAcked[other]:
			pattern = "simultaneous"
		case cs.firstFinAcked:
			pattern = "four-way"
		default:
			pattern = "three-way"
		}
		cs.teardowns = append(cs.teardowns, pi.add(EventTCPTeardown, p))
		if cs.c.Teardown != "reset" {
			cs.setTeardown(pattern)
		}
		return
	}
	cs.teardowns = append(cs.teardowns, pi.add(EventTCPTeardown, p))
}

// finAcknowledged handles an acknowledgement from one end that may cover
// the other end's FIN. isFin reports that the packet carries a FIN itself
// (its teardown event already says so).
func (cs *connState) finAcknowledged(pi *PacketInfo, from Role, ackOff int64, isFin bool) bool {
	other := from.Peer()
	ps := cs.streams[other]
	if !ps.fin || cs.finAcked[other] || ackOff <= ps.finOff {
		return false
	}
	cs.finAcked[other] = true
	if cs.finPkt[from] == nil {
		cs.firstFinAcked = true
	}
	defer func() {
		if cs.finAcked[Client] && cs.finAcked[Server] {
			cs.closed = true
		}
	}()
	if isFin {
		return false
	}
	cs.tdSteps++
	p := Params{{"fin", false}, {"acks_fin", true}, {"step", int64(cs.tdSteps)}}
	if f := cs.finPkt[other]; f != nil {
		p.Set("acked_packet", f.Number)
	}
	if cs.finAcked[from] {
		p.Set("last", true)
	}
	if t := cs.c.Teardown; t != "" && t != "reset" {
		p.Set("pattern", t)
	}
	cs.teardowns = append(cs.teardowns, pi.add(EventTCPTeardown, p))
	return true
}

// setTeardown records how the connection ended, and tells every teardown
// event so far.
func (cs *connState) setTeardown(pattern string) {
	cs.c.Teardown = pattern
	if pattern == "reset" || pattern == "half-closed" {
		return
	}
	for _, e := range cs.teardowns {
		e.set("pattern", pattern)
	}
}
