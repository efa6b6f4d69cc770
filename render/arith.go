package render

import (
	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture/decode"
)

// tcpFacts is the arithmetic of the packets' numbers that no single event
// holds: what the ack of a data packet acknowledges, where a connection's
// window scaling is first worth explaining, what a RST answers.
type tcpFacts struct {
	// piggy lists, for a data packet whose ack acknowledges new bytes,
	// the packets of the peer that carried them.
	piggy map[int][]int
	// scale holds the window scale shift to explain at a packet: the
	// first packet shown of each end of a connection with scaled windows.
	scale map[int]int
	// resetAfter is, for a RST sent after its sender's FIN, the packet
	// whose data the RST answers.
	resetAfter map[int]int
}

// endKey names one end of a connection.
type endKey struct {
	c    *annotate.Connection
	from annotate.Role
}

// dataEnd is where a packet's payload ends in its sender's stream.
type dataEnd struct {
	end    int64
	number int
}

// computeTCPFacts goes through every packet (shown or not) in order.
func (b *builder) computeTCPFacts() {
	t := newTCPTracker()
	for _, pi := range b.res.Packets {
		t.add(pi, b.shownPacket(pi.Number))
	}
	b.tcp = &t.facts
}

// A tcpTracker follows both ends of every connection packet by packet, in
// capture order, and finds the tcpFacts of each packet: a page's builder
// runs one over all its packets, a Follower one packet at a time.
type tcpTracker struct {
	facts        tcpFacts
	sent         map[endKey][]dataEnd // data not yet acknowledged, in order
	lastAck      map[endKey]int64
	shift        map[endKey]int
	explained    map[endKey]bool
	finSent      map[endKey]bool
	dataAfterFin map[endKey]int
}

func newTCPTracker() *tcpTracker {
	return &tcpTracker{
		facts:   tcpFacts{piggy: map[int][]int{}, scale: map[int]int{}, resetAfter: map[int]int{}},
		sent:    map[endKey][]dataEnd{},
		lastAck: map[endKey]int64{}, shift: map[endKey]int{}, explained: map[endKey]bool{},
		finSent: map[endKey]bool{}, dataAfterFin: map[endKey]int{},
	}
}

// add follows one packet; shown says whether the page shows it (a window
// scale is explained on the first packet shown of each end).
func (t *tcpTracker) add(pi *annotate.PacketInfo, shown bool) {
	c := pi.Conn
	flags, ok := tcpFlags(pi)
	if c == nil || !ok {
		return
	}
	f := &t.facts
	me, peer := endKey{c, pi.From}, endKey{c, pi.From.Peer()}
	for _, e := range pi.Events {
		if e.Kind == annotate.EventTCPHandshake1 || e.Kind == annotate.EventTCPHandshake2 {
			if e.Params.Get("wscale") != nil {
				t.shift[me] = int(e.Int("wscale"))
			} else {
				t.shift[me] = -1
			}
		}
	}
	if pi.PayloadLength > 0 {
		t.sent[me] = append(t.sent[me], dataEnd{pi.StreamOffset + int64(pi.PayloadLength), pi.Number})
		if t.finSent[peer] {
			t.dataAfterFin[peer] = pi.Number
		}
	}
	if flags&decode.FIN != 0 {
		t.finSent[me] = true
	}
	if flags&decode.RST != 0 && t.finSent[me] && t.dataAfterFin[me] > 0 {
		f.resetAfter[pi.Number] = t.dataAfterFin[me]
	}
	if flags&decode.SYN == 0 && pi.WindowScaled && !t.explained[me] && shown {
		if s, ok := t.shift[me]; ok && s > 0 {
			t.explained[me] = true
			f.scale[pi.Number] = s
		}
	}
	if flags&decode.ACK == 0 || !pi.Relative || !c.HaveISN {
		return
	}
	acked := int64(pi.Ack) - 1 // the stream offset of the next byte expected
	if acked <= t.lastAck[me] {
		return
	}
	t.lastAck[me] = acked
	var nums []int
	list := t.sent[peer]
	i := 0
	for ; i < len(list) && list[i].end <= acked; i++ {
		nums = append(nums, list[i].number)
	}
	t.sent[peer] = list[i:]
	if pi.PayloadLength > 0 && len(nums) > 0 {
		f.piggy[pi.Number] = nums
	}
}

// forget drops what the tracker holds for both ends of a connection that
// has ended.
func (t *tcpTracker) forget(c *annotate.Connection) {
	for _, r := range []annotate.Role{annotate.Client, annotate.Server} {
		k := endKey{c, r}
		delete(t.sent, k)
		delete(t.lastAck, k)
		delete(t.shift, k)
		delete(t.explained, k)
		delete(t.finSent, k)
		delete(t.dataAfterFin, k)
	}
}

// forgetFacts drops the facts found so far, once their packets are
// explained.
func (t *tcpTracker) forgetFacts() {
	clear(t.facts.piggy)
	clear(t.facts.scale)
	clear(t.facts.resetAfter)
}

// arithData is what the sentences on a packet's numbers see.
type arithData struct {
	From, To   Wire
	Seq, End   uint32
	Last       uint32 // the last byte's number, End - 1
	Len        int
	Ack        uint32
	HasAck     bool
	Piggy      string
	PiggyCount int
	Outside    string
	// Scale is the window scale shift explained here (0: none); Win the
	// window as printed and Window in bytes.
	// AcksFin reports an ack that covers a FIN, which takes one sequence
	// number of its own.
	AcksFin     bool
	FinSeq      uint32 // the FIN's sequence number, Ack - 1
	Scale       int
	Factor      int64
	Win, Window int64
}

// arithmetic returns the sentences that do the arithmetic of a packet's
// numbers: the bytes its seq range holds, the byte its ack expects, what
// an ack riding on data acknowledges, the window scale.
func (b *builder) arithmetic(pi *annotate.PacketInfo, base *eventData) []string {
	if b.tcp == nil || pi.Conn == nil {
		return nil
	}
	flags, ok := tcpFlags(pi)
	if !ok || flags&(decode.SYN|decode.RST) != 0 {
		return nil
	}
	var out []string
	d := &arithData{From: base.From, To: base.To, Seq: pi.Seq, End: pi.Seq + uint32(pi.PayloadLength), Last: pi.Seq + uint32(pi.PayloadLength) - 1, Len: pi.PayloadLength, Ack: pi.Ack, HasAck: flags&decode.ACK != 0}
	if nums := b.tcp.piggy[pi.Number]; len(nums) > 0 {
		d.Piggy, d.PiggyCount = b.joinList(nums), len(nums)
		for _, n := range nums {
			if !b.shownPacket(n) {
				d.Outside = b.plain("ui.ref.outside")
			}
		}
	}
	for _, e := range pi.Events {
		if e.Bool("acks_fin") || e.Bool("acked_fin") {
			d.AcksFin, d.FinSeq = true, pi.Ack-1
		}
	}
	switch {
	case pi.PayloadLength > 0 && pi.Relative:
		out = append(out, b.text("arith.data", d))
	case d.HasAck && pi.Relative && pi.Phase != annotate.PhaseHandshake3:
		out = append(out, b.text("arith.ack", d))
	}
	if s := b.tcp.scale[pi.Number]; s > 0 {
		d.Scale, d.Window, d.Factor = s, pi.Window, 1<<uint(s)
		d.Win = pi.Window >> uint(s)
		out = append(out, b.text("arith.window", d))
	}
	return out
}
