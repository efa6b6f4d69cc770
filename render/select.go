package render

import (
	"strings"

	"github.com/wstrace/wstrace/annotate"
)

// Selects reports whether the selection of o keeps the packet: its number
// within First..Last (--packets), its connection Conn (--conn) and the
// Filter. Every output format — pages, pcapng, JSON and JSON lines —
// applies this one test.
func (o Options) Selects(pi *annotate.PacketInfo) bool {
	switch {
	case o.First > 0 && pi.Number < o.First, o.Last > 0 && pi.Number > o.Last:
		return false
	case o.Conn > 0 && (pi.Conn == nil || pi.Conn.ID != o.Conn):
		return false
	case o.Filter != nil && !o.Filter(pi):
		return false
	}
	return true
}

// Selective reports whether o leaves any packet out.
func (o Options) Selective() bool {
	return o.First > 0 || o.Last > 0 || o.Conn > 0 || o.Filter != nil
}

// RedactLine returns a packet's tcpdump line with the token-like query
// values of any request target it shows masked, as pages show it.
func RedactLine(line string, pi *annotate.PacketInfo) string { return redactLine(line, pi) }

// RedactParam returns the value of an event parameter or upgrade field
// named name as every format shows it under --redact: a request target
// ("path") with its token-like query values masked, a subprotocol
// ("protocol", or one of "protocols") that carries a credential masked
// whole. Other values come back unchanged.
func RedactParam(name, value string) string {
	switch name {
	case "path":
		v, _ := RedactTarget(value)
		return v
	case "protocol", "protocols":
		if secretProtocol(value) {
			return strings.Repeat(string(RedactMark), len(value))
		}
	}
	return value
}
