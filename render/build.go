package render

import (
	"bytes"
	"errors"
	"fmt"
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
	"github.com/wstrace/wstrace/capture/tcpdump"
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

// Sections returns the section names in page order.
func Sections() []string {
	return []string{SectionConnect, SectionTLS, SectionUpgrade, SectionMessages, SectionClose, SectionTeardown, SectionOther}
}

func sectionRank(s string) int { return slices.Index(Sections(), s) }

// previewBytes is how much of a message a guide sentence quotes.
const previewBytes = 40

// Build makes the page for an annotated capture.
func Build(res *annotate.Result, src Capture, opts Options) (*Page, error) {
	return build(res, src, opts, len(res.Packets))
}

// build makes the page for res, which holds some of the total packets of
// the capture (all of them, except for a digest).
func build(res *annotate.Result, src Capture, opts Options, total int) (*Page, error) {
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
		cat:     cat,
		opts:    opts,
		page:    &Page{Lang: opts.Lang, Style: opts.Style, Hex: opts.Hex, Generator: "wstrace", labels: map[string]string{}, templates: opts.Templates},
		src:     src,
		res:     res,
		total:   total,
		section: map[*annotate.Connection]string{},
		shown:   map[string]bool{},
		packets: map[int]*annotate.PacketInfo{},
	}
	b.page.Fragment, b.page.IDPrefix = opts.Fragment, opts.IDPrefix
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

type builder struct {
	cat            *Catalog
	opts           Options
	page           *Page
	src            Capture
	res            *annotate.Result
	total          int // packets in the capture
	client, server Wire
	section        map[*annotate.Connection]string
	shown          map[string]bool // frame kinds with a table already
	packets        map[int]*annotate.PacketInfo
	nick           map[*annotate.Connection]Wire // the names clients gave
	tcp            *tcpFacts
	rawExplained   bool // a note has said how -A prints tabs and newlines
	selectedInfo   []*annotate.PacketInfo
	redacted       []string // header and parameter names redacted anywhere
	app            *appPage // application protocols (app.go)
	err            error

	scratch   bytes.Buffer      // where messages are made
	constText map[string]string // messages without data, by key
	plainText map[string]string // their plain text, by key
	addrs     map[netip.AddrPort]Wire
	flagText  map[decode.TCPFlags]string

	// Memory used again from packet to packet: the data of the messages
	// being made (a template keeps none of it).
	base, event, ackBase eventData
	frame                frameData
	message              messageData
	params               map[string]any
	heading              map[string]any
	argMap               map[string]any
}

// args returns the builder's map for the data of a message, emptied: it
// serves one message at a time.
func (b *builder) args() map[string]any {
	if b.argMap == nil {
		b.argMap = make(map[string]any, 8)
	}
	clear(b.argMap)
	return b.argMap
}

// plain returns the plain text of a message without data.
func (b *builder) plain(key string) string {
	if s, ok := b.plainText[key]; ok {
		return s
	}
	s := PlainText(b.text(key, nil))
	if b.plainText == nil {
		b.plainText = map[string]string{}
	}
	b.plainText[key] = s
	return s
}

// text executes a catalog message, remembering the first error. Messages
// without data are made once.
func (b *builder) text(key string, data any) string {
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

// eventData is what a message template sees.
type eventData struct {
	// From and To name the sender and the receiver ("the browser").
	From, To Wire
	// FromPort and ToPort are their TCP ports; FromAddr and ToAddr their
	// addresses with ports.
	FromPort, ToPort uint16
	FromAddr, ToAddr Wire
	// FromClient reports that the client sent the packet.
	FromClient bool
	// Client and Server name the two roles.
	Client, Server Wire
	// Len is the TCP payload length; Seq and Ack the numbers tcpdump shows.
	Len      int
	Seq, Ack uint32
	// Flags is tcpdump's flag string, such as "[S.]".
	Flags string
	// Absolute reports a packet whose numbers tcpdump prints absolute
	// although the connection's initial numbers are known (it has no ACK
	// flag); RelSeq is then its sequence number relative to the sender's
	// initial one.
	Absolute bool
	RelSeq   uint32
	// ResetAfter is, for a RST sent after its sender's FIN, the packet
	// whose data it answers (0 for none).
	ResetAfter int
	// P holds the event's parameters; strings in it are Wire values.
	P map[string]any
	// Acked says what an acknowledgement acknowledges (Markdown), or "".
	Acked string
	// Frame and Message describe the frame or message the event is about.
	Frame   *frameData
	Message *messageData
	// CloseName is the name of a close frame's status code, or "".
	CloseName Wire
	// Classic reports the classic style (sentences there quote messages
	// in full, as the page has no other place for them).
	Classic bool

	b *builder
}

// Port returns the client port of connection id (a template calls it as
// {{.Port .P.of_connection}}), or 0.
func (d *eventData) Port(id any) uint16 {
	if d.b == nil {
		return 0
	}
	n, _ := strconv.Atoi(fmt.Sprint(id))
	if c := d.b.connection(n); c != nil {
		return c.Client.Port()
	}
	return 0
}

// Outside returns, for a packet the page does not show, the words that
// say so (" (not shown on this page)"), else "".
func (d *eventData) Outside(n any) string {
	if d.b == nil {
		return ""
	}
	num, err := strconv.Atoi(fmt.Sprint(n))
	if err != nil || d.b.shownPacket(num) {
		return ""
	}
	return d.b.plain("ui.ref.outside")
}

type frameData struct {
	Opcode     string // localized name: "text", "文字"
	OpcodeNum  int
	FIN        bool
	RSV1       bool
	Masked     bool
	Key        string // masking key in hex, "9c 26 5f d1"
	Length     uint64 // payload length
	Header     int    // header length
	LengthBits int
	Index      int
	// InCompressed reports a frame after the first of a compressed
	// message: RSV1 is 0, yet its payload is deflate data (RFC 7692
	// section 6.1).
	InCompressed bool
}

type messageData struct {
	CapHit      bool // inflating stopped at the size cap
	Opcode      string
	OpcodeNum   int
	Size        int64
	WireSize    int64
	Frames      int
	Compressed  bool
	Masked      bool
	Key         string
	Text        string // Markdown: a code span with the (cut) text, or ""
	Binary      bool
	CloseCode   int
	CloseReason Wire
	CloseName   Wire
	Relay       int // packet of the message this one relays, 0 for none
	RelayConn   int
	Index       int
}

// baseData fills d with what every message about the packet may use, and
// returns d.
func (b *builder) baseData(pi *annotate.PacketInfo, d *eventData) *eventData {
	*d = eventData{Client: b.client, Server: b.server, Len: pi.PayloadLength, Seq: pi.Seq, Ack: pi.Ack, Classic: b.opts.Style == StyleClassic, b: b}
	if c := pi.Conn; c != nil {
		from, to := c.End(pi.From), c.End(pi.From.Peer())
		d.From, d.To = b.roleName(pi.From), b.roleName(pi.From.Peer())
		d.FromPort, d.ToPort = from.Port(), to.Port()
		d.FromAddr, d.ToAddr = b.addrWire(from), b.addrWire(to)
		d.FromClient = pi.From == annotate.Client
	}
	if f, ok := tcpFlags(pi); ok {
		d.Flags = b.flags(f)
		if c := pi.Conn; c != nil && c.HaveISN && !pi.Relative && f&decode.ACK == 0 && f&decode.SYN == 0 {
			isn := c.ClientISN
			if pi.From == annotate.Server {
				isn = c.ServerISN
			}
			d.Absolute, d.RelSeq = true, pi.Seq-isn
		}
	}
	return d
}

// tcpFlags returns the flags of the packet's TCP header, and whether it
// has one.
func tcpFlags(pi *annotate.PacketInfo) (decode.TCPFlags, bool) {
	if d := pi.Decoded; d != nil {
		if d.TCP == nil {
			return 0, false
		}
		return d.TCP.Flags, true
	}
	return pi.TCPFlags, pi.HasTCP
}

// addrWire returns an address with its port as text, made once per
// address.
func (b *builder) addrWire(a netip.AddrPort) Wire {
	w, ok := b.addrs[a]
	if !ok {
		if b.addrs == nil {
			b.addrs = map[netip.AddrPort]Wire{}
		}
		w = Wire(a.String())
		b.addrs[a] = w
	}
	return w
}

// flags returns tcpdumpFlags(f), made once per set of flags.
func (b *builder) flags(f decode.TCPFlags) string {
	s, ok := b.flagText[f]
	if !ok {
		if b.flagText == nil {
			b.flagText = map[decode.TCPFlags]string{}
		}
		s = tcpdumpFlags(f)
		b.flagText[f] = s
	}
	return s
}

// tcpdumpFlags returns the flags as tcpdump prints them between brackets,
// in tcpdump's order ("[S.E]"): the packet line's flags and the diagram's
// come from the one function.
func tcpdumpFlags(f decode.TCPFlags) string { return tcpdump.Flags(uint8(f)) }

// wireParams makes an event's parameters ready for a template: strings
// become Wire values, lists are joined, and request targets are redacted.
// The map is the builder's, cleared and filled again at each call: it
// serves one message at a time.
func (b *builder) wireParams(p annotate.Params) map[string]any {
	if b.params == nil {
		b.params = make(map[string]any, 16)
	}
	m := b.params
	clear(m)
	for _, kv := range p {
		k := kv.Name
		switch v := kv.Value.(type) {
		case string:
			if k == "path" && !b.opts.NoRedact {
				v, _ = RedactTarget(v)
			}
			m[k] = Wire(v)
		case []string:
			w := make([]string, len(v))
			for i, s := range v {
				w[i] = EscapeText(s)
			}
			m[k] = strings.Join(w, ", ")
		case []int:
			m[k] = joinInts(v)
		default:
			m[k] = v
		}
	}
	return m
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func (b *builder) opcodeName(op websocket.Opcode) string {
	key := "opcode." + strconv.Itoa(int(op))
	if !b.cat.Has(key) {
		return b.text("opcode.reserved", map[string]any{"Opcode": int(op)})
	}
	return b.text(key, nil)
}

func hexBytes(p []byte) string {
	s := make([]string, len(p))
	for i, c := range p {
		s[i] = hexByte(c)
	}
	return strings.Join(s, " ")
}

// hexByte returns c in two hex digits.
func hexByte(c byte) string { return hexPairs[2*int(c) : 2*int(c)+2] }

// frameData returns what messages about a frame see. It is the builder's
// memory, good until the next call.
func (b *builder) frameData(fr *annotate.Frame) *frameData {
	if fr == nil {
		return nil
	}
	fd := &b.frame
	*fd = frameData{
		Opcode: b.opcodeName(fr.Opcode), OpcodeNum: int(fr.Opcode), FIN: fr.FIN, RSV1: fr.RSV&4 != 0,
		Masked: fr.Masked, Length: fr.PayloadLength, Header: fr.HeaderLength, LengthBits: fr.LengthBits, Index: fr.Index,
	}
	if fr.Masked {
		fd.Key = hexBytes(fr.MaskKey[:])
	}
	if m := fr.Message; m != nil && m.Compressed && len(m.Frames) > 0 && m.Frames[0] != fr {
		fd.InCompressed = true
	}
	return fd
}

// messageData returns what messages about a WebSocket message see. It is
// the builder's memory, good until the next call.
func (b *builder) messageData(m *annotate.Message) *messageData {
	if m == nil {
		return nil
	}
	md := &b.message
	*md = messageData{
		Opcode: b.opcodeName(m.Opcode), OpcodeNum: int(m.Opcode), Size: m.Size, WireSize: m.WireSize,
		Frames: len(m.Frames), Compressed: m.Compressed, CloseCode: m.CloseCode, CloseReason: Wire(m.CloseReason), Index: m.Index,
		CapHit: m.CapHit && m.Compressed,
	}
	if len(m.Frames) > 0 && m.Frames[0].Masked {
		md.Masked = true
		md.Key = hexBytes(m.Frames[0].MaskKey[:])
	}
	if m.RelayOf != nil {
		md.Relay = m.RelayOf.Packet
		if m.RelayOf.Conn != nil {
			md.RelayConn = m.RelayOf.Conn.ID
		}
	}
	isText := messageIsText(m)
	md.Binary = !isText
	limit := previewBytes
	if b.opts.Style == StyleClassic {
		limit = b.opts.maxBytes()
	}
	if isText && m.Opcode != websocket.OpClose && len(m.Data) > 0 {
		// cutText looks at no more than the first limit+1 bytes.
		text := m.Data
		if limit > 0 && len(text) > limit+1 {
			text = text[:limit+1]
		}
		shown, more := cutText(string(text), limit, m.Size)
		md.Text = CodeSpan(shown)
		if more > 0 {
			args := b.args()
			args["More"] = more
			md.Text += b.text("ui.more-bytes", args)
		}
	}
	return md
}

// messageIsText reports whether a message's data is text.
func messageIsText(m *annotate.Message) bool {
	return m.Opcode != websocket.OpBinary && utf8.Valid(m.Data)
}

// cutText cuts s to at most limit bytes (at a character boundary; 0 means
// no limit). It returns the text kept and how many bytes of the message
// (size bytes in all) it leaves out.
func cutText(s string, limit int, size int64) (string, int64) {
	if limit > 0 && len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s, max(0, size-int64(len(s)))
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
				if i := int(e.Int("frame")); i >= 0 && i < len(b.res.Frames) && e.Params.Get("frame") != nil {
					d.Frame = b.frameData(b.res.Frames[i])
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
			} else if i := int(e.Int("frame")); e.Params.Get("frame") != nil && i >= 0 && i < len(b.res.Frames) {
				d.Frame = b.frameData(b.res.Frames[i])
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

// netData returns the packet's bytes from the network-layer header on.
func netData(pi *annotate.PacketInfo) ([]byte, int) {
	if pi.Packet == nil {
		return nil, 0
	}
	off := int(pi.LinkHeaderLength)
	if pi.Decoded != nil {
		off = pi.Decoded.LinkHeaderLength
	}
	if off > len(pi.Packet.Data) {
		off = len(pi.Packet.Data)
	}
	return pi.Packet.Data[off:], off
}

// dump lays out the packet's bytes, redacted, with the notes they call for.
func (b *builder) dump(pi *annotate.PacketInfo, p *Packet) {
	data, linkLen := netData(pi)
	redacted := false
	if !b.opts.NoRedact && pi.Captured > 0 {
		payloadAt := pi.PayloadOffset - linkLen
		if payloadAt >= 0 && payloadAt <= len(data) {
			payload := data[payloadAt:min(len(data), payloadAt+pi.Captured)]
			masked, reds := redactPayload(payload, pi.Fields)
			if len(reds) > 0 {
				data = append(append(append([]byte(nil), data[:payloadAt]...), masked...), data[payloadAt+len(payload):]...)
				redacted = true
				for _, r := range reds {
					p.Notes = append(p.Notes, b.text("ui.note.redacted", map[string]any{"What": Wire(r.What), "Bytes": r.Bytes}))
					if !slices.Contains(b.redacted, r.What) {
						b.redacted = append(b.redacted, r.What)
					}
				}
				p.Line = redactLine(p.Line, pi)
			}
		}
	}
	switch {
	case pi.Packet == nil:
	case redacted:
		cp := *pi.Packet
		cp.Data = append(append([]byte(nil), cp.Data[:linkLen]...), data...)
		cp.Comments = nil
		p.captured = &cp
	default:
		// Unchanged: the pcapng writer replaces the comments anyway.
		p.captured = pi.Packet
	}
	p.Dump = NewDump(data, b.opts.Hex, b.opts.maxBytes())
	// tcpdump -A prints the bytes 0x0a and 0x09 as they are, even in the
	// headers, where they break a line or open a gap: say so once.
	if !b.opts.Hex && !b.rawExplained {
		head := data
		if at := pi.PayloadOffset - linkLen; at >= 0 && at <= len(data) {
			head = data[:at]
		}
		if i := bytes.IndexAny(head, "\n\t"); i >= 0 {
			b.rawExplained = true
			p.Notes = append(p.Notes, b.text("ui.note.raw-bytes", map[string]any{"Tab": head[i] == '\t', "Offset": i, "OffsetHex": fmt.Sprintf("0x%04x", i)}))
		}
	}
	if p.Dump.Omitted > 0 {
		p.Notes = append(p.Notes, b.text("ui.note.cut", map[string]any{"Shown": p.Dump.Shown, "More": p.Dump.Omitted, "Max": b.opts.maxBytes()}))
	}
	if pi.Packet != nil && pi.Packet.Length > len(pi.Packet.Data) {
		p.Notes = append(p.Notes, b.text("ui.note.snap", map[string]any{"Captured": len(pi.Packet.Data), "Length": pi.Packet.Length}))
	}
	// Marks for every field the page can point at.
	for i, f := range pi.Fields {
		start, end := f.Data.Start-linkLen, f.Data.End-linkLen
		if start < 0 || end <= start {
			continue
		}
		p.Marks = append(p.Marks, Mark{ID: fmt.Sprintf("%s-%d", p.ID, i), Start: start, End: end})
	}
}

// redactLine redacts the request target in a tcpdump line (tcpdump prints
// the first line of HTTP on well-known ports).
func redactLine(line string, pi *annotate.PacketInfo) string {
	for _, e := range pi.Events {
		if path := e.String("path"); path != "" {
			if red, names := RedactTarget(path); len(names) > 0 {
				line = strings.ReplaceAll(line, path, red)
			}
		}
	}
	return line
}

// markFor returns the ID of the mark of field i of the packet, or "".
func markFor(p *Packet, i int) string {
	id := fmt.Sprintf("%s-%d", p.ID, i)
	for _, m := range p.Marks {
		if m.ID == id {
			return id
		}
	}
	return ""
}

// frameTables adds a field table for each frame whose header starts in the
// packet and that is the first of its kind on the page.
func (b *builder) frameTables(pi *annotate.PacketInfo, p *Packet) {
	data, linkLen := netData(pi)
	for i, f := range pi.Fields {
		if f.Kind != annotate.FieldWSFlagsOpcode || f.Frame == nil {
			continue
		}
		fr := f.Frame
		// A table for the first frame of each kind on each connection: a
		// new opcode, sender, length form, RSV1, a fragment, a
		// continuation of a compressed message, a close code.
		connID := 0
		if fr.Conn != nil {
			connID = fr.Conn.ID
		}
		inCompressed := fr.Message != nil && fr.Message.Compressed && fr.RSV&4 == 0
		kind := fmt.Sprintf("%d/%d/%v/%d/%v/%d/%v/%v", connID, fr.Opcode, fr.Masked, fr.LengthBits, fr.RSV&4 != 0, pi.From, fr.FIN, inCompressed)
		if b.shown[kind] {
			continue
		}
		b.shown[kind] = true
		// The header's fields in this packet.
		fields := map[annotate.FieldKind]int{annotate.FieldWSFlagsOpcode: i}
		for j, g := range pi.Fields {
			if g.Frame == fr && j != i {
				fields[g.Kind] = j
			}
		}
		bytesOf := func(kind annotate.FieldKind) []byte {
			j, ok := fields[kind]
			if !ok {
				return nil
			}
			r := pi.Fields[j].Data
			return sub(data, annotate.Range{Start: r.Start - linkLen, End: r.End - linkLen})
		}
		b0, b1 := bytesOf(annotate.FieldWSFlagsOpcode), bytesOf(annotate.FieldWSMaskLength)
		if len(b0) != 1 || len(b1) != 1 {
			continue
		}
		fd := b.frameData(fr)
		t := &FrameTable{Title: b.text("ui.frame.title", map[string]any{"Opcode": fd.Opcode, "From": b.roleName(pi.From), "LengthBits": fr.LengthBits,
			"Compressed": fd.RSV1, "Fragment": !fr.FIN && fr.Opcode != websocket.OpContinuation, "InCompressed": fd.InCompressed, "Packet": pi.Number})}
		bit := func(v byte, n uint) string { return strconv.Itoa(int(v>>n) & 1) }
		row := func(name, bits, value, meaning string, field annotate.FieldKind, raw []byte) {
			mark := ""
			if j, ok := fields[field]; ok {
				mark = markFor(p, j)
			}
			t.Rows = append(t.Rows, FieldRow{Name: name, Bits: bits, Value: value, Meaning: meaning, Hex: hexBytes(raw), Mark: mark})
		}
		set := func(v bool) map[string]any { return map[string]any{"Set": v, "Frame": fd} }
		row("FIN", bit(b0[0], 7), bit(b0[0], 7), b.text("field.fin", set(b0[0]&0x80 != 0)), annotate.FieldWSFlagsOpcode, b0)
		row("RSV1", bit(b0[0], 6), bit(b0[0], 6), b.text("field.rsv1", set(b0[0]&0x40 != 0)), annotate.FieldWSFlagsOpcode, b0)
		row("RSV2, RSV3", bit(b0[0], 5)+bit(b0[0], 4), bit(b0[0], 5)+bit(b0[0], 4), b.text("field.rsv", set(b0[0]&0x30 != 0)), annotate.FieldWSFlagsOpcode, b0)
		op := b0[0] & 0x0f
		row("opcode", fmt.Sprintf("%04b", op), fmt.Sprintf("0x%x", op), b.text("field.opcode", map[string]any{"Name": b.opcodeName(websocket.Opcode(op)), "Control": websocket.Opcode(op).IsControl()}), annotate.FieldWSFlagsOpcode, b0)
		row("MASK", bit(b1[0], 7), bit(b1[0], 7), b.text("field.mask", set(b1[0]&0x80 != 0)), annotate.FieldWSMaskLength, b1)
		l7 := b1[0] & 0x7f
		row("Payload len", fmt.Sprintf("%07b", l7), strconv.Itoa(int(l7)), b.text("field.length", map[string]any{"Value": int(l7), "Frame": fd}), annotate.FieldWSMaskLength, b1)
		diagram := []bitField{{"FIN", 1, uint64(b0[0] >> 7)}, {"RSV1", 1, uint64(b0[0]>>6) & 1}, {"RSV2", 1, uint64(b0[0]>>5) & 1}, {"RSV3", 1, uint64(b0[0]>>4) & 1},
			{"opcode", 4, uint64(op)}, {"MASK", 1, uint64(b1[0] >> 7)}, {"Payload len", 7, uint64(l7)}}
		if ext := bytesOf(annotate.FieldWSExtendedLength); len(ext) == 2 || len(ext) == 8 {
			var v uint64
			for _, c := range ext {
				v = v<<8 | uint64(c)
			}
			row("Extended payload length", fmt.Sprintf("%d bits", len(ext)*8), groupDigits(strconv.FormatUint(v, 10)), b.text("field.ext-length", map[string]any{"Value": v, "Bits": len(ext) * 8}), annotate.FieldWSExtendedLength, ext)
			diagram = append(diagram, bitField{"Extended payload length", len(ext) * 8, v})
		}
		if key := bytesOf(annotate.FieldWSMaskingKey); len(key) == 4 {
			row("Masking-key", "32 bits", hexBytes(key), b.text("field.masking-key", map[string]any{"Key": hexBytes(key)}), annotate.FieldWSMaskingKey, key)
			diagram = append(diagram, bitField{"Masking-key", 32, uint64(key[0])<<24 | uint64(key[1])<<16 | uint64(key[2])<<8 | uint64(key[3])})
		}
		payload := bytesOf(annotate.FieldWSPayload)
		row("Payload data", b.text("ui.frame.payload-bits", map[string]any{"Bytes": fr.PayloadLength}), "", b.text("field.payload", map[string]any{"Frame": fd, "Here": len(payload), "Partial": uint64(len(payload)) < fr.PayloadLength}), annotate.FieldWSPayload, cutBytes(payload, 8))
		if fr.Opcode == websocket.OpClose && len(fr.Payload) >= 2 {
			// The close frame's status code: the payload's first two
			// bytes, unmasked (RFC 6455 section 5.5.1).
			code := int(fr.Payload[0])<<8 | int(fr.Payload[1])
			name := ""
			if key := "close." + strconv.Itoa(code); b.cat.Has(key) {
				name = b.plain(key)
			}
			row("Status code", "16 bits", strconv.Itoa(code), b.text("field.close-code", map[string]any{"Code": code, "Name": Wire(name), "Masked": fr.Masked}), "", fr.Payload[:2])
		}
		t.Diagram = bitDiagram(diagram)
		p.Frames = append(p.Frames, t)
	}
}

func cutBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// payloads shows each message the packet completes.
func (b *builder) payloads(pi *annotate.PacketInfo, p *Packet) {
	for _, e := range pi.Events {
		m := e.Message
		if e.Kind != annotate.EventWSMessage || m == nil {
			continue
		}
		md := b.messageData(m)
		args := b.args()
		args["Message"], args["From"] = md, b.roleName(m.From)
		v := &Payload{Title: b.text("ui.payload.title", args)}
		if md.Masked && len(m.Frames) > 0 {
			fr := m.Frames[0]
			args := b.args()
			args["Key"], args["Message"] = md.Key, md
			v.Steps = append(v.Steps, b.text("ui.payload.unmask", args))
			v.Unmask = b.unmaskRows(fr, !md.Compressed)
		}
		if md.Compressed {
			args := b.args()
			args["Message"] = md
			v.Steps = append(v.Steps, b.text("ui.payload.inflate", args))
		}
		limit := b.opts.maxBytes()
		data := m.Data
		if limit > 0 && len(data) > limit {
			data = data[:limit]
		}
		if more := m.Size - int64(len(data)); more > 0 {
			args := b.args()
			args["Shown"], args["More"], args["Size"] = len(data), more, m.Size
			v.Note = b.text("ui.note.payload-cut", args)
		}
		isText := messageIsText(m)
		switch {
		case m.Opcode == websocket.OpClose:
			if m.CloseCode == 0 && len(m.Data) == 0 {
				v.Text = ""
			} else {
				v.Text = Printable(fmt.Sprintf("%d %s", m.CloseCode, m.CloseReason), true)
				v.Lang = "text"
			}
		case isText:
			text := string(data)
			if len(m.Data) > len(data) {
				for !utf8.ValidString(text) && len(text) > 0 {
					text = text[:len(text)-1]
				}
			}
			v.Text = Printable(text, true)
			v.Lang = "text"
			if m.JSON {
				v.Lang = "json"
			}
		default:
			v.Hex = NewDump(data, true, 0)
		}
		p.Payloads = append(p.Payloads, v)
	}
}

// unmaskRows is a worked example of unmasking the first bytes of a frame:
// the bytes on the wire, the key repeated, their XOR and its characters.
func (b *builder) unmaskRows(fr *annotate.Frame, withText bool) [][]string {
	n := min(len(fr.Payload), 8)
	if n == 0 {
		return nil
	}
	row := func(label string) []string { return append(make([]string, 0, n+2), b.plain(label)) }
	wire, key, xor, chars := row("ui.unmask.wire"), row("ui.unmask.key"), row("ui.unmask.xor"), row("ui.unmask.text")
	for i := 0; i < n; i++ {
		k := fr.MaskKey[i%4]
		c := fr.Payload[i]
		wire = append(wire, hexByte(c^k))
		key = append(key, hexByte(k))
		xor = append(xor, hexByte(c))
		ch := "."
		switch {
		case c == ' ':
			ch = "␠" // a space, made visible
		case c > 0x20 && c < 0x7f:
			ch = printableASCII[c-0x20 : c-0x20+1]
		}
		chars = append(chars, ch)
	}
	if len(fr.Payload) > n {
		for _, r := range []*[]string{&wire, &key, &xor, &chars} {
			*r = append(*r, "…")
		}
	}
	if !withText { // compressed: the XOR gives deflate data, not text
		return [][]string{wire, key, xor}
	}
	return [][]string{wire, key, xor, chars}
}

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
		for _, name := range Sections() {
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
			path, _ = RedactTarget(path)
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
			s[i] = CodeSpan(a.String())
		}
		return strings.Join(s, ", ")
	}
	fact := func(label, value string) {
		pg.Summary = append(pg.Summary, Fact{Label: b.text(label, d), Value: value})
	}
	if b.src.Name != "" {
		fact("ui.summary.capture", CodeSpan(b.src.Name))
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
		args := map[string]any{"Packet": 0, "Byte": int64(0), "Cut": errors.Is(err, io.ErrUnexpectedEOF), "Detail": CodeSpan(err.Error()), "Shown": len(b.res.Packets)}
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
	return strings.Join(strings.Fields(Printable(s, false)), " ")
}

// legend explains tcpdump's flags.
func (b *builder) legend() {
	for _, f := range []struct{ flags, key string }{
		{"[S]", "flag.syn"}, {"[S.]", "flag.syn-ack"}, {"[.]", "flag.ack"}, {"[P.]", "flag.psh-ack"},
		{"[F.]", "flag.fin-ack"}, {"[R]", "flag.rst"}, {"[R.]", "flag.rst-ack"},
	} {
		b.page.Legend = append(b.page.Legend, Fact{Label: CodeSpan(f.flags), Value: b.text(f.key, nil)})
	}
}
