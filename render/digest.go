package render

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
)

// Defaults of Options.MaxConnections and Options.MaxPackets: what a page
// can teach before it stops being read.
const (
	DefaultMaxConnections = 20
	DefaultMaxPackets     = 2000
)

// A Collector gathers, from the records of a streaming annotator
// (annotate.Options.Emit), what a page of the capture needs: the selected
// packets of the first Options.MaxConnections connections, up to
// Options.MaxPackets packets, with their frames and messages, and a row of
// figures for every selected connection. Its memory is bounded by those
// limits and the number of connections, not by the capture.
//
// When the selection holds more than the limits, [Collector.Build] makes
// a digest: the first connections explained in full, and an overview of
// every connection that says how to show any other (--conn N).
type Collector struct {
	opts              Options
	maxConns, maxPkts int

	res       annotate.Result
	total     int // packets in the capture
	shown     map[int]bool
	keptPkt   int // number of the last packet kept
	keptMsgs  map[int]bool
	rows      map[int]*ConnRow
	omitted   int // selected packets not kept
	selected  int // selected packets
	nonTCP    int // selected packets of no connection
	overflow  bool
	connOrder []int
}

// ConnRow is one line of a digest's overview: the figures of one
// connection.
type ConnRow struct {
	ID                       int
	Client, Server           netip.AddrPort
	Start, End               time.Time
	Packets, Messages        int
	ClientBytes, ServerBytes int64
	// CloseCode is the code of the first close frame (0: none, or one
	// without a code); HaveClose reports a close frame.
	CloseCode int
	HaveClose bool
	Teardown  string
	Faults    int
	// Kept and Selected count the connection's packets on the page and in
	// the selection.
	Kept, Selected int
	// FirstKept is the number of its first packet on the page.
	FirstKept int
}

// NewCollector returns a Collector for a page with the given options.
func NewCollector(opts Options) *Collector {
	c := &Collector{
		opts:     opts,
		maxConns: opts.MaxConnections,
		maxPkts:  opts.MaxPackets,
		shown:    map[int]bool{},
		keptMsgs: map[int]bool{},
		rows:     map[int]*ConnRow{},
	}
	if c.maxConns == 0 {
		c.maxConns = DefaultMaxConnections
	}
	if c.maxPkts == 0 {
		c.maxPkts = DefaultMaxPackets
	}
	return c
}

// Record takes one record of a streaming annotator. It never fails; its
// signature is annotate.Options.Emit's.
func (c *Collector) Record(r annotate.Record) error {
	switch r.Kind {
	case annotate.RecordPacket:
		c.packet(r.Packet)
	case annotate.RecordFrame:
		if f := r.Frame; f.Packet == c.keptPkt {
			for len(c.res.Frames) <= f.Index {
				c.res.Frames = append(c.res.Frames, nil)
			}
			c.res.Frames[f.Index] = f
		}
	case annotate.RecordMessage:
		m := r.Message
		if row := c.rows[connID(m.Conn)]; row != nil {
			row.Messages++
			if m.Opcode == websocket.OpClose && !row.HaveClose {
				row.HaveClose, row.CloseCode = true, m.CloseCode
			}
		}
		if c.keptMsgs[m.Index] {
			delete(c.keptMsgs, m.Index)
			c.res.Messages = append(c.res.Messages, m)
		}
	case annotate.RecordConnection:
		conn := r.Connection
		if row := c.rows[conn.ID]; row != nil {
			row.Client, row.Server = conn.Client, conn.Server
			row.Packets = conn.Packets
			row.ClientBytes, row.ServerBytes = conn.ClientBytes, conn.ServerBytes
			row.Teardown = conn.Teardown
		}
	}
	return nil
}

func connID(c *annotate.Connection) int {
	if c == nil {
		return 0
	}
	return c.ID
}

func (c *Collector) packet(pi *annotate.PacketInfo) {
	c.total++
	if !c.opts.Selects(pi) {
		return
	}
	c.selected++
	id := connID(pi.Conn)
	row := c.rows[id]
	if id != 0 && row == nil {
		row = &ConnRow{ID: id, Start: pi.Time, Client: pi.Conn.Client, Server: pi.Conn.Server}
		c.rows[id] = row
		c.connOrder = append(c.connOrder, id)
	}
	if row != nil {
		row.End = pi.Time
		row.Selected++
		for _, e := range pi.Events {
			if e.Kind == annotate.EventWSFault {
				row.Faults++
			}
		}
	}
	keep := c.maxPkts < 0 || len(c.res.Packets) < c.maxPkts
	if keep && id != 0 && !c.shown[id] {
		if c.maxConns >= 0 && len(c.shown) >= c.maxConns {
			keep = false
		} else {
			c.shown[id] = true
			c.res.Connections = append(c.res.Connections, pi.Conn)
		}
	}
	if id == 0 {
		c.nonTCP++
	}
	if !keep {
		c.omitted++
		c.overflow = true
		return
	}
	if row != nil {
		if row.Kept == 0 {
			row.FirstKept = pi.Number
		}
		row.Kept++
	}
	c.res.Packets = append(c.res.Packets, pi)
	c.keptPkt = pi.Number
	for _, m := range pi.Messages {
		c.keptMsgs[m.Index] = true
	}
}

// Digest reports whether the selection held more than one page shows.
func (c *Collector) Digest() bool { return c.overflow }

// Rows returns the overview's rows: every selected connection, in order of
// ID.
func (c *Collector) Rows() []*ConnRow {
	rows := make([]*ConnRow, 0, len(c.rows))
	for _, r := range c.rows {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b *ConnRow) int { return a.ID - b.ID })
	return rows
}

// Result returns what the page shows, as an annotation. Frames are
// indexed as in the whole capture (Frame.Index), nil where not kept;
// Messages holds the kept messages in order.
func (c *Collector) Result() *annotate.Result { return &c.res }

// Build makes the page: the packets kept, and, when the selection held
// more, the digest's overview of every connection.
func (c *Collector) Build(src Capture) (*Page, error) {
	pg, err := build(&c.res, src, c.opts, c.total)
	if err != nil || !c.overflow {
		return pg, err
	}
	cat, err := LoadCatalog(pageLang(c.opts), c.opts.Templates)
	if err != nil {
		return nil, err
	}
	rows := c.Rows()
	firstHidden := 0
	for _, r := range rows {
		if r.Kept < r.Selected {
			firstHidden = r.ID
			break
		}
	}
	data := map[string]any{
		"Connections": len(rows), "Packets": c.selected, "Total": c.total,
		"ShownConnections": len(c.shown), "ShownPackets": len(c.res.Packets), "Omitted": c.omitted,
		"MaxConnections": c.maxConns, "MaxPackets": c.maxPkts, "Example": firstHidden,
		"Capture": Wire(src.Name),
	}
	n := "N"
	if firstHidden > 0 {
		n = strconv.Itoa(firstHidden)
	}
	data["Command"] = Wire("wstrace render --conn " + n + " " + src.Name)
	text := func(key string, d any) string {
		s, err2 := cat.Text(key, d)
		if err2 != nil && err == nil {
			err = err2
		}
		return s
	}
	sec := &Section{ID: "overview", Level: 2, Title: text("ui.digest.title", data)}
	sec.Prose = append(sec.Prose, text("ui.digest.intro", data))
	// The table goes in parts of overviewRows rows, each with its header,
	// so that no writer has to parse a table of every connection at once.
	var t strings.Builder
	cols := []string{"ui.digest.col.id", "ui.digest.col.client", "ui.digest.col.start", "ui.digest.col.duration",
		"ui.digest.col.packets", "ui.digest.col.messages", "ui.digest.col.client-bytes", "ui.digest.col.server-bytes",
		"ui.digest.col.close", "ui.digest.col.teardown", "ui.digest.col.faults", "ui.digest.col.shown"}
	var head strings.Builder
	head.WriteString("|")
	for _, k := range cols {
		head.WriteString(" " + text(k, nil) + " |")
	}
	head.WriteString("\n|")
	for range cols {
		head.WriteString(" --- |")
	}
	for i, r := range rows {
		if i%overviewRows == 0 {
			if i > 0 {
				sec.Prose = append(sec.Prose, t.String())
				t.Reset()
			}
			t.WriteString(head.String())
		}
		t.WriteString("\n| ")
		id := strconv.Itoa(r.ID)
		if r.Kept > 0 {
			id = fmt.Sprintf("[%d](#p%d)", r.ID, r.FirstKept)
		}
		close := "–"
		if r.HaveClose {
			close = strconv.Itoa(r.CloseCode)
			if r.CloseCode == 0 {
				close = text("ui.digest.no-code", nil)
			}
		}
		teardown := "–"
		if key, ok := teardownKeys[r.Teardown]; ok {
			teardown = text(key, nil)
		}
		shown := text("ui.digest.shown-none", nil)
		switch {
		case r.Kept == r.Selected:
			shown = text("ui.digest.shown-all", nil)
		case r.Kept > 0:
			shown = text("ui.digest.shown-part", map[string]any{"Kept": r.Kept})
		}
		cells := []string{id, "`" + r.Client.String() + "`", r.Start.UTC().Format("15:04:05.000"),
			strconv.FormatFloat(r.End.Sub(r.Start).Seconds(), 'f', 3, 64) + " s",
			strconv.Itoa(r.Packets), strconv.Itoa(r.Messages),
			strconv.FormatInt(r.ClientBytes, 10), strconv.FormatInt(r.ServerBytes, 10),
			close, teardown, strconv.Itoa(r.Faults), shown}
		t.WriteString(strings.Join(cells, " | "))
		t.WriteString(" |")
	}
	sec.Prose = append(sec.Prose, t.String())
	if err != nil {
		return nil, err
	}
	pg.Sections = append([]*Section{sec}, pg.Sections...)
	pg.Notes = append(pg.Notes, text("ui.digest.note", data))
	return pg, nil
}

// pageLang returns the page language the options call for.
func pageLang(o Options) string {
	if o.Lang == "" {
		return "en"
	}
	return o.Lang
}

// teardownKeys are the catalog keys of the ways a connection ends.
var teardownKeys = map[string]string{
	"four-way":     "ui.digest.teardown.four-way",
	"three-way":    "ui.digest.teardown.three-way",
	"simultaneous": "ui.digest.teardown.simultaneous",
	"reset":        "ui.digest.teardown.reset",
	"half-closed":  "ui.digest.teardown.half-closed",
}

// overviewRows is how many rows each part of the overview table holds.
const overviewRows = 500
