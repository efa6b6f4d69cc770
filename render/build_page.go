package render

import (
	"errors"
	"fmt"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/render/internal/redact"
)

// This file makes the page-wide parts: sections, the summary, the legend.

// sections groups the packets by connection and section.
func (b *builder) sections() {
	if b.opts.Order == OrderTime {
		b.sectionsInTime()
		return
	}
	conns := map[int]bool{}
	for _, p := range b.page.Packets {
		if p.Conn > 0 {
			conns[p.Conn] = true
		}
	}
	multi := len(conns) > 1
	byConn := map[int]map[string]*Section{}
	var order []int
	for _, p := range b.page.Packets {
		if byConn[p.Conn] == nil {
			byConn[p.Conn] = map[string]*Section{}
			order = append(order, p.Conn)
		}
		s := byConn[p.Conn][p.Section]
		if s == nil {
			s = &Section{ID: p.Section, Level: 2}
			if multi {
				s.ID = fmt.Sprintf("c%d-%s", p.Conn, p.Section)
				s.Level = 3
			}
			byConn[p.Conn][p.Section] = s
		}
		s.Packets = append(s.Packets, p)
	}
	slices.Sort(order)
	for _, id := range order {
		conn := b.connection(id)
		if multi && id > 0 {
			d := b.connData(conn)
			b.page.Sections = append(b.page.Sections, &Section{ID: fmt.Sprintf("c%d", id), Level: 2, Title: b.text("ui.connection", d)})
		}
		for _, name := range sectionOrder() {
			s := byConn[id][name]
			if s == nil {
				continue
			}
			d := b.connData(conn)
			s.Title = b.text("section."+name, d)
			for _, para := range strings.Split(b.text("section."+name+".intro", d), "\n") {
				if strings.TrimSpace(para) != "" {
					s.Prose = append(s.Prose, para)
				}
			}
			b.page.Sections = append(b.page.Sections, s)
		}
	}
}

func (b *builder) connection(id int) *annotate.Connection {
	if c := b.conns[id]; c != nil {
		return c
	}
	for _, c := range b.res.Connections {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// connData is what the connection-level messages see.
type connData struct {
	N                      int
	Client, Server         Wire
	ClientPort, ServerPort uint16
	ClientAddr, ServerAddr Wire
	Upgrade                *annotate.Upgrade
	Path, Key, Accept      Wire
	Deflate                bool
	Teardown               string
	Known                  bool
}

func (b *builder) connData(c *annotate.Connection) *connData {
	d := &connData{Client: b.client, Server: b.server}
	if c == nil {
		return d
	}
	d.Known = true
	d.N = c.ID
	d.ClientPort, d.ServerPort = c.Client.Port(), c.Server.Port()
	d.ClientAddr, d.ServerAddr = Wire(c.Client.String()), Wire(c.Server.String())
	d.Deflate = c.Deflate != nil
	d.Teardown = c.Teardown
	if u := c.Upgrade; u != nil {
		d.Upgrade = u
		path := u.Path
		if !b.opts.NoRedact {
			path, _ = redact.Target(path)
		}
		d.Path, d.Key, d.Accept = Wire(path), Wire(u.Key), Wire(u.Accept)
	}
	return d
}

// ends returns the clients and the servers of the connections of the
// packets shown, each once, in order of appearance.
func (b *builder) ends() (clients, servers []netip.AddrPort) {
	seenClient := map[netip.AddrPort]bool{}
	seenServer := map[netip.AddrPort]bool{}
	var last *annotate.Connection
	for _, pi := range b.selectedInfo {
		c := pi.Conn
		if c == nil || c == last {
			continue
		}
		last = c
		if !seenClient[c.Client] {
			seenClient[c.Client] = true
			clients = append(clients, c.Client)
		}
		if !seenServer[c.Server] {
			seenServer[c.Server] = true
			servers = append(servers, c.Server)
		}
	}
	return clients, servers
}

// summary writes the title, the introduction and the facts.
func (b *builder) summary() {
	pg := b.page
	conns := map[int]bool{}
	messages, fromClient := 0, 0
	closes := false // a close frame, a FIN or a RST is shown
	clients, servers := b.ends()
	for _, pi := range b.selectedInfo {
		if c := pi.Conn; c != nil {
			conns[c.ID] = true
		}
		if f, ok := tcpFlags(pi); ok && f&(decode.FIN|decode.RST) != 0 {
			closes = true
		}
		for _, m := range pi.Messages {
			if m.Opcode == websocket.OpClose {
				closes = true
			}
			if !m.Opcode.IsControl() {
				messages++
				if m.From == annotate.Client {
					fromClient++
				}
			}
		}
	}
	var first, last time.Time
	if n := len(b.selectedInfo); n > 0 {
		first, last = b.selectedInfo[0].Time, b.selectedInfo[n-1].Time
	}
	serverPort := uint16(0)
	if len(servers) > 0 {
		serverPort = servers[0].Port()
	}
	d := map[string]any{
		"Capture": Wire(b.src.Name), "Client": b.client, "Server": b.server, "ServerPort": serverPort,
		"Shown": len(b.selectedInfo), "Total": b.total, "Connections": len(conns),
		"Messages": messages, "FromClient": fromClient, "FromServer": messages - fromClient,
		"Seconds": strconv.FormatFloat(last.Sub(first).Seconds(), 'f', 3, 64),
		// In the zone of the packet lines (annotate.Options.Location,
		// else local time, honouring TZ), named.
		"Start":  first.Format("2006-01-02 15:04:05.000000 MST"),
		"Hex":    b.opts.Hex,
		"Closes": closes,
	}
	title, intro := "ui.guide.title", "ui.guide.intro"
	if b.opts.Style == StyleClassic {
		title, intro = "ui.classic.title", "ui.classic.intro"
	}
	pg.Title = b.text(title, d)
	if len(b.selectedInfo) == 0 {
		intro = "ui.intro.empty"
	}
	for _, para := range strings.Split(b.text(intro, d), "\n") {
		if strings.TrimSpace(para) != "" {
			pg.Intro = append(pg.Intro, para)
		}
	}
	if len(b.selectedInfo) > 0 {
		pg.Intro = append(pg.Intro, b.steps()...)
	}
	addrs := func(list []netip.AddrPort) string {
		s := make([]string, len(list))
		for i, a := range list {
			s[i] = mdsafe.CodeSpan(a.String())
		}
		return strings.Join(s, ", ")
	}
	fact := func(label, value string) {
		pg.Summary = append(pg.Summary, Fact{Label: b.text(label, d), Value: value})
	}
	if b.src.Name != "" {
		fact("ui.summary.capture", mdsafe.CodeSpan(b.src.Name))
	}
	if len(clients) > 0 {
		fact("ui.summary.client", addrs(clients))
		fact("ui.summary.server", addrs(servers))
	}
	if len(b.selectedInfo) > 0 {
		fact("ui.summary.start", b.text("ui.summary.start-value", d))
		fact("ui.summary.duration", b.text("ui.summary.duration-value", d))
	}
	fact("ui.summary.packets", b.text("ui.summary.packets-value", d))
	fact("ui.summary.connections", strconv.Itoa(len(conns)))
	fact("ui.summary.messages", b.text("ui.summary.messages-value", d))
	if err := b.src.Err; err != nil {
		args := map[string]any{"Packet": 0, "Byte": int64(0), "Cut": errors.Is(err, io.ErrUnexpectedEOF), "Detail": mdsafe.CodeSpan(err.Error()), "Shown": len(b.res.Packets)}
		var ce *capture.Error
		if errors.As(err, &ce) {
			args["Packet"], args["Byte"] = ce.Packet, ce.Offset
		}
		pg.Notes = append([]string{b.text("ui.note.capture-ended", args)}, pg.Notes...)
	}
	pg.redactedAny = len(b.redacted) > 0
	if !b.opts.NoRedact {
		pg.Notes = append(pg.Notes, b.text("ui.note.redact-page", map[string]any{"Names": Wire(strings.Join(b.redacted, ", ")), "Any": len(b.redacted) > 0}))
	}
}

// cutRunes returns the text of data (valid UTF-8) on one line, its spaces
// collapsed, cut to n characters.
func cutRunes(data []byte, n int) string {
	// The line made of a prefix of data is a prefix of the whole line: when
	// it is long enough already, the rest of data does not matter.
	if prefix := 64 * n; len(data) > prefix {
		for prefix > 0 && !utf8.RuneStart(data[prefix]) {
			prefix--
		}
		if s := oneLine(string(data[:prefix])); utf8.RuneCountInString(s) > n {
			return string([]rune(s)[:n-1]) + "…"
		}
	}
	s := oneLine(string(data))
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// oneLine makes text printable on one line, its runs of spaces collapsed.
func oneLine(s string) string {
	return strings.Join(strings.Fields(mdsafe.Printable(s, false)), " ")
}

// legend explains tcpdump's flags.
func (b *builder) legend() {
	for _, f := range []struct{ flags, key string }{
		{"[S]", "flag.syn"}, {"[S.]", "flag.syn-ack"}, {"[.]", "flag.ack"}, {"[P.]", "flag.psh-ack"},
		{"[F.]", "flag.fin-ack"}, {"[R]", "flag.rst"}, {"[R.]", "flag.rst-ack"},
	} {
		b.page.Legend = append(b.page.Legend, Fact{Label: mdsafe.CodeSpan(f.flags), Value: b.text(f.key, nil)})
	}
}
