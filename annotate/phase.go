package annotate

import "slices"

// add appends an event to the packet and brings its phase up to date. It
// returns a reference to the event so that the caller can add to its
// parameters later.
func (pi *PacketInfo) add(kind string, p Params) eventRef {
	pi.Events = append(pi.Events, Event{Kind: kind, Params: fit(p)})
	pi.Phase = choosePhase(pi)
	return eventRef{pi, len(pi.Events) - 1}
}

// addEvent appends a full event (with frame or message pointers).
func (pi *PacketInfo) addEvent(e Event) {
	e.Params = fit(e.Params)
	pi.Events = append(pi.Events, e)
	pi.Phase = choosePhase(pi)
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
	kind  string
	phase Phase
}{
	{"tcp-handshake-1", PhaseHandshake1},
	{"tcp-handshake-2", PhaseHandshake2},
	{"tcp-retransmission", PhaseRetransmission},
	{"tcp-out-of-order", PhaseOutOfOrder},
	{"tcp-reset", PhaseReset},
	{"ws-upgrade-request", PhaseUpgradeRequest},
	{"ws-upgrade-response", PhaseUpgradeResponse},
	{"http-request", PhaseHTTPRequest},
	{"http-response", PhaseHTTPResponse},
	{"http-partial", ""}, // decided by its "message" parameter
	{"ws-control", PhaseWSControl},
	{"ws-data", PhaseWSData},
	{"ws-frame-part", ""}, // decided by its "control" parameter
	{"tcp-data", PhaseTCPData},
	{"tcp-teardown", PhaseTeardown},
	{"tcp-keepalive", PhaseKeepAlive},
	{"tcp-window-update", PhaseWindowUpdate},
	{"tcp-handshake-3", PhaseHandshake3},
	{"ack", PhaseAck},
}

// choosePhase returns the phase the packet's events call for.
func choosePhase(pi *PacketInfo) Phase {
	if pi.Conn == nil {
		return PhaseOther
	}
	for _, o := range phaseOrder {
		for _, e := range pi.Events {
			if e.Kind != o.kind {
				continue
			}
			switch e.Kind {
			case "http-partial":
				if e.String("message") == "response" {
					return PhaseHTTPResponse
				}
				return PhaseHTTPRequest
			case "ws-frame-part":
				if e.Bool("control") {
					return PhaseWSControl
				}
				return PhaseWSData
			case "tcp-retransmission":
				if e.Bool("syn") {
					continue // a repeated SYN stays a handshake step
				}
			}
			return o.phase
		}
	}
	if pi.PayloadLength > 0 {
		return PhaseTCPData
	}
	return PhaseAck
}

// contentPhase is the phase a packet has for what it carries, leaving out
// how it travelled (retransmitted, out of order): what an ACK of its bytes
// acknowledges.
func contentPhase(pi *PacketInfo) Phase {
	saved := pi.Events
	kept := make([]Event, 0, len(saved))
	for _, e := range saved {
		if e.Kind != "tcp-retransmission" && e.Kind != "tcp-out-of-order" {
			kept = append(kept, e)
		}
	}
	pi.Events = kept
	ph := choosePhase(pi)
	pi.Events = saved
	return ph
}
