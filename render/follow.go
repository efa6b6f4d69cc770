package render

import (
	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/app"
	"github.com/wstrace/wstrace/capture"
)

// followWindow is how many packets before a packet a [Follower] keeps at
// least for its explanation: the packet an ACK acknowledges, the message a
// reply answers. What lasts longer — the phase of each connection, the
// window scales its SYNs set, the data not yet acknowledged, the names
// clients gave, the application protocol's state — is kept per
// connection until the connection ends.
const followWindow = 128

// A Follower explains the packets of a running capture one at a time, as
// they arrive (wstrace capture --follow, the live page). It is the page's
// builder run packet by packet: one builder follows the capture from its
// first packet, so that a sentence about an earlier packet finds it and
// what a page says once (how tcpdump -A prints a newline, the table of a
// frame's fields) is said once, and each packet's page holds just that
// packet. Memory stays bounded however long the capture runs: packets
// older than the window and connections that ended are forgotten. What
// later packets reveal is explained on those packets.
type Follower struct {
	ann     *annotate.Annotator
	b       *builder
	tcp     *tcpTracker
	apps    *app.Tracker
	appRecs []app.Record           // the application records of the window's packets
	recent  []*annotate.PacketInfo // the window, oldest first
}

// NewFollower returns a Follower that annotates with aopts and builds each
// packet's page with opts. The annotator streams (records that are final
// are forgotten once aopts.Emit, if set, has them). Give opts a Catalog to
// share one; otherwise the Follower loads its own, once. The error is the
// catalog's.
func NewFollower(aopts annotate.Options, opts Options, src Capture) (*Follower, error) {
	opts.EarlierShown = true // every packet is shown when it arrives
	b, err := newBuilder(src, opts, 0)
	if err != nil {
		return nil, err
	}
	b.app = &appPage{hidden: map[int]bool{}}
	b.nick = map[*annotate.Connection]Wire{}
	b.frameIndex = map[int]*annotate.Frame{}
	b.messageIndex = map[int]*annotate.Message{}
	b.conns = map[int]*annotate.Connection{}
	f := &Follower{b: b, tcp: newTCPTracker(), apps: app.NewTracker(app.Options{Reveal: opts.NoRedact})}
	b.tcp = &f.tcp.facts
	emit := aopts.Emit
	aopts.Emit = func(r annotate.Record) error {
		if r.Kind == annotate.RecordConnection {
			f.forget(r.Connection)
		}
		if emit != nil {
			return emit(r)
		}
		return nil
	}
	f.ann = annotate.New(aopts)
	return f, nil
}

// Add annotates p, after every packet added before it, and returns the page
// that explains it: nil when the page's selection leaves it out or the
// annotator has nothing to say of it.
func (f *Follower) Add(p *capture.Packet) (*Page, error) {
	pi, err := f.ann.Add(p)
	if err != nil || pi == nil {
		return nil, err
	}
	b := f.b
	f.remember(pi)
	defer f.tcp.forgetFacts()
	section := b.sectionOf(pi)
	selected := b.opts.Selects(pi)
	f.tcp.add(pi, selected)
	f.explainApp(pi)
	if !selected || b.hiddenHeartbeat(pi) {
		return nil, nil
	}
	b.page = b.newPage()
	b.page.Packets = []*Packet{b.packet(pi, section)}
	b.sections()
	if err := b.err; err != nil {
		b.err = nil
		return nil, err
	}
	return b.page, nil
}

// remember adds a packet to the window, with the frames and messages it
// holds, and forgets what has left the window.
func (f *Follower) remember(pi *annotate.PacketInfo) {
	b := f.b
	f.recent = append(f.recent, pi)
	b.packets[pi.Number] = pi
	if c := pi.Conn; c != nil {
		b.conns[c.ID] = c
	}
	for _, fr := range pi.Frames {
		b.frameIndex[fr.Index] = fr
	}
	for _, fd := range pi.Fields {
		if fd.Frame != nil {
			b.frameIndex[fd.Frame.Index] = fd.Frame
		}
	}
	for _, m := range pi.Messages {
		b.messageIndex[m.Index] = m
		learnNick(b.nick, m)
	}
	if len(f.recent) < 2*followWindow {
		return
	}
	// Keep the last followWindow packets; forgetting in batches keeps the
	// cost per packet constant.
	old := f.recent[:len(f.recent)-followWindow]
	oldest := f.recent[len(f.recent)-followWindow].Number
	for _, q := range old {
		delete(b.packets, q.Number)
		delete(b.app.hidden, q.Number)
	}
	f.recent = append(f.recent[:0], f.recent[len(old):]...)
	for i, fr := range b.frameIndex {
		// A frame still incomplete is kept: a later part may name it.
		if fr.Packet > 0 && max(fr.Packet, fr.FirstPacket) < oldest {
			delete(b.frameIndex, i)
		}
	}
	for i, m := range b.messageIndex {
		if m.Packet < oldest {
			delete(b.messageIndex, i)
		}
	}
	keep := f.appRecs[:0]
	for _, r := range f.appRecs {
		if r.Loc.Packet >= oldest {
			keep = append(keep, r)
		}
	}
	clear(f.appRecs[len(keep):])
	f.appRecs = keep
}

// explainApp follows the application protocol through the packet: the
// HTTP body and the WebSocket messages it completes.
func (f *Follower) explainApp(pi *annotate.PacketInfo) {
	recs := f.apps.Packet(pi)
	for _, m := range pi.Messages {
		recs = append(recs, f.apps.Message(m)...)
	}
	a := f.b.app
	if len(recs) > 0 || a.res == nil {
		// Index the window's records again only when it has new ones.
		f.appRecs = append(f.appRecs, recs...)
		a.res = app.NewResult(f.appRecs)
	}
	if pi.Conn != nil {
		if si, ok := f.apps.Stream(pi.Conn.ID); ok {
			a.res.Streams[pi.Conn.ID] = si
		}
	}
	if f.b.opts.HideHeartbeats {
		a.markHeartbeat(pi)
	}
}

// forget drops what is kept of a connection that has ended.
func (f *Follower) forget(c *annotate.Connection) {
	if c == nil {
		return
	}
	f.tcp.forget(c)
	f.apps.Forget(c)
	delete(f.b.section, c)
	delete(f.b.nick, c)
	delete(f.b.conns, c.ID)
	delete(f.b.app.announced, c.ID)
}
