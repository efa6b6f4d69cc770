package render

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"github.com/wstrace/wstrace/render/internal/redact"
)

// diagram draws the sequence diagram of the packets shown.
func (b *builder) diagram() {
	pg := b.page
	if len(pg.Packets) == 0 {
		return
	}
	d := &Diagram{}
	index := map[netip.AddrPort]int{}
	clients, servers := b.ends()
	// Clients around the servers: the first on the left, the others on
	// the right.
	var ends []netip.AddrPort
	if len(clients) > 0 {
		ends = append(ends, clients[0])
	}
	ends = append(ends, servers...)
	if len(clients) > 1 {
		ends = append(ends, clients[1:]...)
	}
	isClient := make(map[netip.AddrPort]bool, len(clients))
	for _, c := range clients {
		isClient[c] = true
	}
	for i, e := range ends {
		client := isClient[e]
		name, many := b.server.String(), len(servers) > 1
		if client {
			name, many = b.client.String(), len(clients) > 1
		}
		// Ends of one role are told apart by their ports.
		if many {
			name = b.text("ui.diagram.participant", map[string]any{"Name": Wire(name), "Port": e.Port()})
		}
		d.Participants = append(d.Participants, Participant{Name: mdsafe.PlainText(name), Detail: e.String(), Client: client})
		index[e] = i
	}
	bands := map[string]string{}
	for _, s := range sectionOrder() {
		bands[s] = b.plain(bandKey(s))
	}
	light := 0
	for _, pi := range b.selectedInfo {
		if pi.Phase == annotate.PhaseAck || pi.Phase == annotate.PhaseWindowUpdate {
			light++
		}
	}
	sections := make(map[int]string, len(pg.Packets))
	for _, p := range pg.Packets {
		sections[p.Number] = p.Section
	}
	skipLight := len(b.selectedInfo) > 40 && light > 0
	const maxArrows = 80
	for _, pi := range b.selectedInfo {
		c := pi.Conn
		if c == nil {
			d.Omitted++
			continue
		}
		isLight := pi.Phase == annotate.PhaseAck || pi.Phase == annotate.PhaseWindowUpdate
		if isLight && skipLight || len(d.Arrows) >= maxArrows {
			d.Omitted++
			continue
		}
		from, to := c.End(pi.From), c.End(pi.From.Peer())
		section := sections[pi.Number]
		d.Arrows = append(d.Arrows, Arrow{From: index[from], To: index[to], Packet: pi.Number, Ref: "p" + strconv.Itoa(pi.Number),
			Label: b.arrowText(pi), Light: isLight, Section: section, Band: bands[section]})
	}
	if d.Omitted > 0 {
		d.Note = b.text("ui.diagram.omitted", map[string]any{"Omitted": d.Omitted, "Acks": skipLight})
	}
	if len(d.Arrows) > 0 {
		pg.Diagram = d
	}
}

// arrowLabel is the short plain-text label of a packet in the diagram:
// the request or response line, the messages the packet completes, and
// what each frame is when it is a fragment or a control frame.
func (b *builder) arrowLabel(pi *annotate.PacketInfo) string {
	flags := ""
	if f, ok := tcpFlags(pi); ok {
		flags = b.flags(f)
	}
	var parts []string
	for _, e := range pi.Events {
		switch e.Kind {
		case annotate.EventWSUpgradeRequest, annotate.EventHTTPRequest:
			if e.Bool("part") {
				continue
			}
			path := e.String("path")
			if !b.opts.NoRedact {
				path, _ = redact.Target(path)
			}
			parts = append(parts, e.String("method")+" "+path)
		case annotate.EventWSUpgradeResponse, annotate.EventHTTPResponse:
			if e.Bool("part") {
				continue
			}
			parts = append(parts, strconv.Itoa(int(e.Int("status")))+" "+e.String("reason"))
		case annotate.EventWSData, annotate.EventWSControl:
			if fr := e.Frame; fr != nil {
				if l := b.frameLabel(fr); l != "" {
					parts = append(parts, l)
				}
			}
		case annotate.EventWSMessage:
			if m := e.Message; m != nil {
				label := mdsafe.PlainText(b.opcodeName(m.Opcode))
				switch {
				case m.Opcode == websocket.OpClose:
					label += fmt.Sprintf(" %d", m.CloseCode)
				case !m.Opcode.IsControl() && messageIsText(m):
					label += " " + cutRunes(m.Data, 28)
				}
				if m.Opcode.IsControl() {
					label = b.plainWith("ui.diagram.control", label)
				}
				parts = append(parts, label)
			}
		}
	}
	if len(parts) == 0 {
		return flags
	}
	return strings.Join(parts, "; ")
}

// frameLabel names a frame that is a fragment of a message ("" for a
// frame that is a whole message: the message's label says it all).
func (b *builder) frameLabel(fr *annotate.Frame) string {
	switch {
	case fr.Opcode.IsControl() || fr.Opcode != websocket.OpContinuation && fr.FIN:
		return ""
	case fr.Opcode != websocket.OpContinuation:
		return b.plainWith("ui.diagram.fragment-first", mdsafe.PlainText(b.opcodeName(fr.Opcode)))
	case fr.FIN:
		return b.plain("ui.diagram.fragment-last")
	}
	return b.plain("ui.diagram.fragment")
}

// plainWith returns the plain text of a diagram message about one thing
// (a label, such as an opcode's name).
func (b *builder) plainWith(key, what string) string {
	return mdsafe.PlainText(b.text(key, map[string]any{"What": Wire(what)}))
}

// bandKey is the catalog key of a section's band in the diagram.
func bandKey(section string) string {
	switch section {
	case SectionConnect:
		return "ui.diagram.band.connect"
	case SectionUpgrade:
		return "ui.diagram.band.upgrade"
	case SectionMessages:
		return "ui.diagram.band.messages"
	case SectionClose:
		return "ui.diagram.band.close"
	case SectionTeardown:
		return "ui.diagram.band.teardown"
	}
	return "ui.diagram.band.other"
}
