package render

import (
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
