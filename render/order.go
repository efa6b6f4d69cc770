package render

import (
	"fmt"
	"strings"
)

// Order is how a guide page lays out its sections.
type Order string

// The orders.
const (
	// OrderConn groups the packets by connection, then by phase: each
	// connection's story told whole (the default).
	OrderConn Order = "conn"
	// OrderTime keeps the packets in capture order, a section for each run
	// of packets of one phase of one connection: the order a lesson tells
	// them in, connections interleaved as they happened.
	OrderTime Order = "time"
)

// ParseOrder returns the order that s names ("conn" or "time").
func ParseOrder(s string) (Order, error) {
	switch Order(strings.ToLower(s)) {
	case OrderConn, "":
		return OrderConn, nil
	case OrderTime:
		return OrderTime, nil
	}
	return "", fmt.Errorf("render: unknown order %q (want conn or time)", s)
}

// sectionsInTime lays the packets out in capture order: a section for each
// run of packets of one phase of one connection. A phase's introduction
// comes with its first section only.
func (b *builder) sectionsInTime() {
	conns := map[int]bool{}
	for _, p := range b.page.Packets {
		if p.Conn > 0 {
			conns[p.Conn] = true
		}
	}
	multi := len(conns) > 1
	used := map[string]int{}        // section IDs given, to tell runs apart
	introduced := map[string]bool{} // phases whose introduction is on the page
	var cur *Section
	curConn, curName := -1, ""
	for _, p := range b.page.Packets {
		if cur != nil && p.Conn == curConn && p.Section == curName {
			cur.Packets = append(cur.Packets, p)
			continue
		}
		curConn, curName = p.Conn, p.Section
		d := b.connData(b.connection(p.Conn))
		id := p.Section
		title := b.text("section."+p.Section, d)
		if multi && p.Conn > 0 {
			id = fmt.Sprintf("c%d-%s", p.Conn, p.Section)
			title = b.text("ui.section.in-connection", map[string]any{"N": p.Conn, "Title": title})
		}
		if used[id]++; used[id] > 1 {
			id = fmt.Sprintf("%s-%d", id, used[id])
		}
		cur = &Section{ID: id, Level: 2, Title: title, Packets: []*Packet{p}}
		if !introduced[p.Section] {
			introduced[p.Section] = true
			for _, para := range strings.Split(b.text("section."+p.Section+".intro", d), "\n") {
				if strings.TrimSpace(para) != "" {
					cur.Prose = append(cur.Prose, para)
				}
			}
		}
		b.page.Sections = append(b.page.Sections, cur)
	}
}
