package render

import (
	"bytes"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
)

// Capture describes the capture a page is built from.
type Capture struct {
	// Name is the file name the page shows (its base name is enough).
	Name string
	// Err is the error that stopped the reading before the end of the
	// capture, or nil. The page then says, in its language, that the
	// capture ended early, where and why (a *capture.Error names the
	// packet and byte).
	Err error
}

// The sections of a connection's life, in order.
const (
	SectionConnect  = "connect"
	SectionUpgrade  = "upgrade"
	SectionMessages = "messages"
	SectionClose    = "close"
	SectionTeardown = "teardown"
	SectionOther    = "other"
)

// sectionOrder returns the section names in page order.
func sectionOrder() []string {
	return []string{SectionConnect, SectionTLS, SectionUpgrade, SectionMessages, SectionClose, SectionTeardown, SectionOther}
}

func sectionRank(s string) int { return slices.Index(sectionOrder(), s) }

// previewBytes is how much of a message a guide sentence quotes.
const previewBytes = 40

// Build makes the page for an annotated capture.
func Build(res *annotate.Result, src Capture, opts Options) (*Page, error) {
	return build(res, src, opts, len(res.Packets))
}

// build makes the page for res, which holds some of the total packets of
// the capture (all of them, except for a digest).
func build(res *annotate.Result, src Capture, opts Options, total int) (*Page, error) {
	b, err := newBuilder(src, opts, total)
	if err != nil {
		return nil, err
	}
	b.res = res
	for _, pi := range res.Packets {
		b.packets[pi.Number] = pi
	}
	b.computeTCPFacts()
	b.appSetup()
	// Sections follow each connection through all its packets, shown or
	// not, so that a selection starting mid-connection still names the
	// right phase.
	sections := make([]string, len(res.Packets))
	for i, pi := range res.Packets {
		sections[i] = b.sectionOf(pi)
	}
	for i, pi := range res.Packets {
		if b.selected(pi) {
			b.page.Packets = append(b.page.Packets, b.packet(pi, sections[i]))
		}
	}
	b.sections()
	b.summary()
	b.teach()
	b.appNote()
	b.diagram()
	b.legend()
	if b.err != nil {
		return nil, b.err
	}
	return b.page, nil
}

// newBuilder returns a builder for a page with opts, of a capture of total
// packets, with no packets yet: build gives it a whole Result, a Follower
// one packet at a time.
func newBuilder(src Capture, opts Options, total int) (*builder, error) {
	if opts.Style == "" {
		opts.Style = StyleGuide
	}
	if opts.Lang == "" {
		opts.Lang = "en"
	}
	if err := checkIDPrefix(opts.IDPrefix); err != nil {
		return nil, err
	}
	cat := opts.Catalog
	if cat == nil {
		var err error
		if cat, err = LoadCatalog(opts.Lang, opts.Templates); err != nil {
			return nil, err
		}
	}
	b := &builder{
		opts:      opts,
		src:       src,
		total:     total,
		knowledge: knowledge{res: &annotate.Result{}, section: map[*annotate.Connection]string{}, packets: map[int]*annotate.PacketInfo{}},
		layout:    layout{shown: map[string]bool{}},
		sentences: sentences{cat: cat},
	}
	b.page = b.newPage()
	for _, k := range cat.Keys() {
		if strings.HasPrefix(k, "ui.label.") || k == "ui.pcapng.redacted" {
			b.page.labels[k] = b.text(k, nil)
		}
	}
	b.client = Wire(b.text("role.client", nil))
	b.server = Wire(b.text("role.server", nil))
	if opts.ClientName != "" {
		b.client = Wire(opts.ClientName)
	}
	if opts.ServerName != "" {
		b.server = Wire(opts.ServerName)
	}
	if b.err != nil {
		return nil, b.err
	}
	return b, nil
}

// newPage returns an empty page with the builder's options; the labels
// are the first page's.
func (b *builder) newPage() *Page {
	p := &Page{Lang: b.opts.Lang, Style: b.opts.Style, Hex: b.opts.Hex, Generator: "wstrace", labels: map[string]string{}, templates: b.opts.Templates}
	if b.page != nil {
		p.labels = b.page.labels
	}
	p.Fragment, p.IDPrefix = b.opts.Fragment, b.opts.IDPrefix
	return p
}

// frameAt returns the frame with the given index, nil when the builder
// does not have it.
func (b *builder) frameAt(i int) *annotate.Frame {
	return atIndex(b.res.Frames, i, func(f *annotate.Frame) int { return f.Index }, &b.frameIndex)
}

// messageAt returns the message with the given index, nil when the
// builder does not have it (a page built by a Collector holds only some
// messages of the capture, so an index is not a position).
func (b *builder) messageAt(i int) *annotate.Message {
	return atIndex(b.res.Messages, i, func(m *annotate.Message) int { return m.Index }, &b.messageIndex)
}

// atIndex returns the element of list whose index is i: list[i] where
// positions are indexes, otherwise the one in *byIndex, which it makes
// from list the first time.
func atIndex[T any](list []*T, i int, index func(*T) int, byIndex *map[int]*T) *T {
	if i >= 0 && i < len(list) && list[i] != nil && index(list[i]) == i {
		return list[i]
	}
	if *byIndex == nil {
		*byIndex = make(map[int]*T, len(list))
		for _, v := range list {
			if v != nil {
				(*byIndex)[index(v)] = v
			}
		}
	}
	return (*byIndex)[i]
}

// A builder makes a page. It is three parts: what the capture has told
// so far (knowledge), what the page holds and has said so far (layout),
// and the catalog with the memory its messages are made in (sentences).
// build runs it over a whole Result; a Follower one packet at a time.
type builder struct {
	opts           Options
	src            Capture
	total          int // packets in the capture
	client, server Wire

	knowledge
	layout
	sentences
}

// knowledge is what the builder knows of the capture: the packets it can
// look up, and what lasts per connection.
type knowledge struct {
	res          *annotate.Result
	packets      map[int]*annotate.PacketInfo
	frameIndex   map[int]*annotate.Frame      // frames by index, where not by position
	messageIndex map[int]*annotate.Message    // messages by index, where not by position
	conns        map[int]*annotate.Connection // connections the packets' messages name, by ID
	section      map[*annotate.Connection]string
	nick         map[*annotate.Connection]Wire // the names clients gave
	tcp          *tcpFacts
	app          *appPage // application protocols (app.go)
}

// layout is what the page holds so far, and what it has said that a page
// says once.
type layout struct {
	page         *Page
	shown        map[string]bool // frame kinds with a table already
	rawExplained bool            // a note has said how -A prints tabs and newlines
	selectedInfo []*annotate.PacketInfo
	redacted     []string // header and parameter names redacted anywhere
}

// sentences makes the page's messages from the catalog. It keeps the
// first error, makes the messages without data once, and uses its memory
// again from packet to packet: a template keeps none of the data it is
// given.
type sentences struct {
	cat       *Catalog
	err       error
	scratch   bytes.Buffer      // where messages are made
	constText map[string]string // messages without data, by key
	plainText map[string]string // their plain text, by key
	addrs     map[netip.AddrPort]Wire
	flagText  map[decode.TCPFlags]string

	// The data of the messages being made.
	base, event, ackBase eventData
	frame                frameData
	message              messageData
	params               map[string]any
	heading              map[string]any
	argMap               map[string]any
}

// args returns the builder's map for the data of a message, emptied: it
// serves one message at a time.
func (b *sentences) args() map[string]any {
	if b.argMap == nil {
		b.argMap = make(map[string]any, 8)
	}
	clear(b.argMap)
	return b.argMap
}

// plain returns the plain text of a message without data.
func (b *sentences) plain(key string) string {
	if s, ok := b.plainText[key]; ok {
		return s
	}
	s := mdsafe.PlainText(b.text(key, nil))
	if b.plainText == nil {
		b.plainText = map[string]string{}
	}
	b.plainText[key] = s
	return s
}

// text executes a catalog message, remembering the first error. Messages
// without data are made once.
func (b *sentences) text(key string, data any) string {
	if s, ok := b.cat.fixed[key]; ok {
		return s // plain text: the same for any data
	}
	if data == nil {
		if s, ok := b.constText[key]; ok {
			return s
		}
	}
	// The message is made in a buffer that is used again, and kept in a
	// string of its own size: pages keep every sentence.
	b.scratch.Reset()
	err := b.cat.execute(&b.scratch, key, data)
	s := b.scratch.String()
	if err != nil {
		s = ""
	}
	if data == nil && err == nil {
		if b.constText == nil {
			b.constText = map[string]string{}
		}
		b.constText[key] = s
	}
	if err != nil && b.err == nil {
		b.err = err
	}
	return s
}

func (b *builder) selected(pi *annotate.PacketInfo) bool {
	if !b.opts.Selects(pi) || b.hiddenHeartbeat(pi) {
		return false
	}
	b.selectedInfo = append(b.selectedInfo, pi)
	return true
}

// roleName returns the name of an end of a connection.
func (b *builder) roleName(r annotate.Role) Wire {
	if r == annotate.Server {
		return b.server
	}
	return b.client
}

// sectionOf returns the section a packet belongs to, moving its
// connection's section forward as the connection goes through its life.
func (b *builder) sectionOf(pi *annotate.PacketInfo) string {
	c := pi.Conn
	if c == nil {
		return SectionOther
	}
	cur := b.section[c]
	next := ""
	switch pi.Phase {
	case annotate.PhaseHandshake1, annotate.PhaseHandshake2, annotate.PhaseHandshake3:
		next = SectionConnect
	case annotate.PhaseUpgradeRequest, annotate.PhaseUpgradeResponse, annotate.PhaseHTTPRequest, annotate.PhaseHTTPResponse:
		next = SectionUpgrade
	case annotate.PhaseWSData:
		next = SectionMessages
	case annotate.PhaseWSControl:
		next = SectionMessages
		for _, f := range pi.Frames {
			if f.Opcode == websocket.OpClose {
				next = SectionClose
			}
		}
		for _, e := range pi.Events {
			if e.Kind == annotate.EventWSControl && websocket.Opcode(e.Int("opcode")) == websocket.OpClose {
				next = SectionClose
			}
		}
	case annotate.PhaseTeardown, annotate.PhaseReset:
		next = SectionTeardown
	default:
		next = tlsSection(pi.Phase)
	}
	switch {
	case next != "" && sectionRank(next) > sectionRank(cur):
		cur = next
	case cur == "" && c.WebSocket && c.Upgrade == nil:
		cur = SectionMessages
	case cur == "":
		cur = SectionConnect
	}
	b.section[c] = cur
	return cur
}

// packet explains one packet.
func (b *builder) packet(pi *annotate.PacketInfo, section string) *Packet {
	p := &Packet{Number: pi.Number, ID: "p" + strconv.Itoa(pi.Number), Time: pi.Time, Line: pi.Summary, Phase: string(pi.Phase)}
	if pi.Conn != nil {
		p.Conn = pi.Conn.ID
		p.FromClient = pi.From == annotate.Client
	}
	p.Section = section
	b.noteConnections(pi)
	base := b.baseData(pi, &b.base)

	// The comment's first line: the handshake step, or the section.
	switch pi.Phase {
	case annotate.PhaseHandshake1, annotate.PhaseHandshake2, annotate.PhaseHandshake3:
		p.Title = b.text("step."+string(pi.Phase), base)
	default:
		p.Title = b.text("section."+p.Section, base)
	}
	if b.heading == nil {
		b.heading = make(map[string]any, 2)
	}
	b.heading["Number"], b.heading["What"] = pi.Number, b.nounOf(pi, base)
	p.Heading = b.text("ui.packet-heading", b.heading)

	// One sentence per event.
	if len(pi.Events) > 0 {
		p.Text = make([]string, 0, len(pi.Events))
	}
	for _, e := range pi.Events {
		d := &b.event
		*d = *base
		d.P = b.wireParams(e.Params)
		if code := e.Int("close_code"); code > 0 {
			if key := "close." + strconv.Itoa(int(code)); b.cat.Has(key) {
				d.CloseName = Wire(b.plain(key))
			} else {
				d.CloseName = Wire(e.String("close_code_name"))
			}
		}
		d.Frame = b.frameData(e.Frame)
		d.Message = b.messageData(e.Message)
		key := "event." + string(e.Kind)
		switch e.Kind {
		case annotate.EventAck, annotate.EventTCPTeardown:
			d.Acked = b.acked(e, base)
		case annotate.EventWSData, annotate.EventWSControl, annotate.EventWSFramePart:
			if d.Frame == nil {
				if e.Params.Get("frame") != nil {
					d.Frame = b.frameData(b.frameAt(int(e.Int("frame"))))
				}
			}
		case annotate.EventTCPReset:
			if b.tcp != nil {
				d.ResetAfter = b.tcp.resetAfter[pi.Number]
			}
		case annotate.EventWSFault:
			if f := "fault." + e.String("fault"); b.cat.Has(f) {
				key = f
			}
		}
		if !b.cat.Has(key) {
			key = "event.unknown"
			d.P["kind"] = Wire(e.Kind)
		}
		if s := strings.TrimSpace(b.text(key, d)); s != "" {
			p.Text = append(p.Text, s)
		}
		if e.Kind == annotate.EventWSMessage {
			if s := b.story(e.Message); s != "" {
				p.Text = append(p.Text, s)
			}
		}
	}
	p.Text = append(p.Text, b.appText(pi)...)
	p.Text = append(p.Text, b.arithmetic(pi, base)...)
	if len(p.Text) == 0 {
		p.Text = nil
	}
	if len(pi.Events) == 0 {
		p.Text = append(p.Text, b.text("event.unknown", &eventData{P: map[string]any{"kind": Wire(pi.Phase)}}))
	}

	b.dump(pi, p)
	b.frameTables(pi, p)
	b.tlsPayloads(pi, p)
	b.payloads(pi, p)
	return p
}

// noteConnections remembers the connections the packet's events name
// through their messages: a relay's sentence names the connection of the
// message relayed, which the page may not show.
func (b *builder) noteConnections(pi *annotate.PacketInfo) {
	note := func(m *annotate.Message) {
		if m != nil && m.Conn != nil {
			if b.conns == nil {
				b.conns = map[int]*annotate.Connection{}
			}
			b.conns[m.Conn.ID] = m.Conn
		}
	}
	for _, e := range pi.Events {
		if m := e.Message; m != nil {
			note(m.RelayOf)
			for _, r := range m.Relays {
				note(r)
			}
		}
	}
}

// nounOf returns the short name of a packet: what its phase stands for,
// told apart where one phase covers different things (a FIN or the ACK of
// one, a whole frame or part of one).
func (b *builder) nounOf(pi *annotate.PacketInfo, d *eventData) string {
	key := "noun." + string(pi.Phase)
	switch pi.Phase {
	case annotate.PhaseTeardown:
		if e, ok := pi.Event(annotate.EventTCPTeardown); ok {
			if e.Bool("fin") {
				key = "noun.fin"
			} else {
				key = "noun.fin-ack"
			}
		}
	case annotate.PhaseWSData, annotate.PhaseWSControl:
		d.Frame = nil
		if len(pi.Frames) > 0 {
			d.Frame = b.frameData(pi.Frames[0])
		} else if e, ok := pi.Event(annotate.EventWSFramePart); ok {
			key = "noun.frame-part"
			if e.Frame != nil {
				d.Frame = b.frameData(e.Frame)
			} else if e.Params.Get("frame") != nil {
				d.Frame = b.frameData(b.frameAt(int(e.Int("frame"))))
			}
		}
	}
	if !b.cat.Has(key) {
		key = "noun.other"
	}
	s := b.text(key, d)
	d.Frame = nil
	return s
}

// acked says what an acknowledgement acknowledges: "the 101 response
// (packet 17)".
func (b *builder) acked(e annotate.Event, base *eventData) string {
	nums, _ := e.Params.Get("acked_packets").([]int)
	if n := e.Int("acked_packet"); n > 0 && len(nums) == 0 {
		nums = []int{int(n)}
	}
	if len(nums) == 0 {
		return ""
	}
	what := ""
	if last := b.packets[nums[len(nums)-1]]; last != nil {
		what = b.nounOf(last, b.baseData(last, &b.ackBase))
	}
	outside := ""
	for _, n := range nums {
		if !b.shownPacket(n) {
			outside = b.plain("ui.ref.outside")
		}
	}
	list := b.joinList(nums)
	args := b.args()
	args["What"], args["Packets"], args["Count"], args["Outside"] = what, list, len(nums), outside
	return b.text("ui.acked", args)
}
