package annotate

import "slices"

// add appends an event to the packet and brings its phase up to date. It
// returns a reference to the event so that the caller can add to its
// parameters later.
func (pi *PacketInfo) add(kind EventKind, p Params) eventRef {
	pi.addEvent(Event{Kind: kind, Params: p})
	return eventRef{pi, len(pi.Events) - 1}
}

// addEvent appends a full event (with frame or message pointers) and
// brings the packet's phase up to date in constant time: only the new
// event can become the one that decides the phase.
func (pi *PacketInfo) addEvent(e Event) {
	e.Params = fit(e.Params)
	if pi.Events == nil {
		// Most packets that have events have one or two.
		pi.Events = make([]Event, 0, 2)
	}
	pi.Events = append(pi.Events, e)
	i := len(pi.Events) - 1
	if r := phaseRank(&pi.Events[i]); r >= 0 && (pi.phaseBy == 0 || r < phaseRank(&pi.Events[pi.phaseBy-1])) {
		pi.phaseBy = int32(i + 1)
	}
	pi.Phase = pi.currentPhase()
}

// currentPhase returns the phase the packet's deciding event calls for,
// read with its parameters as they are now.
func (pi *PacketInfo) currentPhase() Phase {
	if pi.Conn == nil {
		return PhaseOther
	}
	if pi.phaseBy > 0 {
		return eventPhase(&pi.Events[pi.phaseBy-1])
	}
	if pi.PayloadLength > 0 {
		return PhaseTCPData
	}
	return PhaseAck
}

// exact returns a copy of p without spare room, for an event to keep
// parameters built in a scratch slice.
func exact(p Params) Params {
	return append(make(Params, 0, len(p)), p...)
}

// fit returns p without spare room: the events of a capture are kept to
// the end.
func fit(p Params) Params {
	if cap(p) > len(p) {
		return slices.Clone(p)
	}
	return p
}

// eventRef names an event of a packet, whose parameters may still change.
// (Events are only ever appended to a packet, so the index stays good.)
type eventRef struct {
	pi *PacketInfo
	i  int
}

// valid reports whether r names an event.
func (r eventRef) valid() bool { return r.pi != nil }

// get returns the named parameter.
func (r eventRef) get(name string) any { return r.pi.Events[r.i].Params.Get(name) }

// set sets the named parameter.
func (r eventRef) set(name string, v any) { r.pi.Events[r.i].Params.Set(name, v) }

// phaseOrder lists, most important first, the events that decide a
// packet's phase. The first kind present wins.
var phaseOrder = []struct {
	kind  EventKind
	phase Phase
}{
	{EventTCPHandshake1, PhaseHandshake1},
	{EventTCPHandshake2, PhaseHandshake2},
	{EventTCPRetransmission, PhaseRetransmission},
	{EventTCPOutOfOrder, PhaseOutOfOrder},
	{EventTCPReset, PhaseReset},
	{EventTLSClientHello, PhaseTLSClientHello},
	{EventTLSServerHello, PhaseTLSServerHello},
	{EventWSUpgradeRequest, PhaseUpgradeRequest},
	{EventWSUpgradeResponse, PhaseUpgradeResponse},
	{EventHTTPRequest, PhaseHTTPRequest},
	{EventHTTPResponse, PhaseHTTPResponse},
	{EventHTTPPartial, ""}, // decided by its "message" parameter
	{EventWSControl, PhaseWSControl},
	{EventWSData, PhaseWSData},
	{EventWSFramePart, ""}, // decided by its "control" parameter
	{EventTLSAlert, PhaseTLSAlert},
	{EventTLSHandshake, PhaseTLSHandshake},
	{EventTLSChangeCipherSpec, PhaseTLSChangeCipherSpec},
	{EventTLSApplicationData, PhaseTLSApplicationData},
	{EventTLSRecordPart, ""}, // decided by its "content_type" parameter
	{EventTCPData, PhaseTCPData},
	{EventTCPTeardown, PhaseTeardown},
	{EventTCPKeepalive, PhaseKeepAlive},
	{EventTCPWindowUpdate, PhaseWindowUpdate},
	{EventTCPHandshake3, PhaseHandshake3},
	{EventAck, PhaseAck},
}

// rankOf maps an event kind to its position in phaseOrder.
var rankOf = func() map[EventKind]int {
	m := make(map[EventKind]int, len(phaseOrder))
	for i, o := range phaseOrder {
		m[o.kind] = i
	}
	return m
}()

// phaseRank returns the position of the event's kind in phaseOrder, or -1
// when the event does not decide phases (a repeated SYN stays a handshake
// step, so its retransmission event does not count).
func phaseRank(e *Event) int {
	r, ok := rankOf[e.Kind]
	if !ok || (e.Kind == EventTCPRetransmission && e.Bool("syn")) {
		return -1
	}
	return r
}

// eventPhase returns the phase a deciding event calls for.
func eventPhase(e *Event) Phase {
	switch e.Kind {
	case EventHTTPPartial:
		if e.String("message") == "response" {
			return PhaseHTTPResponse
		}
		return PhaseHTTPRequest
	case EventWSFramePart:
		if e.Bool("control") {
			return PhaseWSControl
		}
		return PhaseWSData
	case EventTLSRecordPart:
		return tlsPartPhase(e.String("content_type"))
	}
	return phaseOrder[rankOf[e.Kind]].phase
}

// choosePhase returns the phase the packet's events call for, looking at
// every event: for a packet whose events were not added one by one.
func choosePhase(pi *PacketInfo) Phase { return scanPhase(pi, false) }

// contentPhase is the phase a packet has for what it carries, leaving out
// how it travelled (retransmitted, out of order): what an ACK of its bytes
// acknowledges.
func contentPhase(pi *PacketInfo) Phase { return scanPhase(pi, true) }

// scanPhase finds the deciding event among all of the packet's events;
// content leaves out retransmission and reordering.
func scanPhase(pi *PacketInfo, content bool) Phase {
	if pi.Conn == nil {
		return PhaseOther
	}
	best, bestRank := -1, len(phaseOrder)
	for i := range pi.Events {
		e := &pi.Events[i]
		if content && (e.Kind == EventTCPRetransmission || e.Kind == EventTCPOutOfOrder) {
			continue
		}
		if r := phaseRank(e); r >= 0 && r < bestRank {
			best, bestRank = i, r
		}
	}
	if best >= 0 {
		return eventPhase(&pi.Events[best])
	}
	if pi.PayloadLength > 0 {
		return PhaseTCPData
	}
	return PhaseAck
}
