package render

import (
	"slices"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
)

// followWindow is how many packets before a packet a [Follower] keeps for
// its explanation: the packet an ACK acknowledges, the SYN that set the
// window scale, the phase a segment continues.
const followWindow = 128

// A Follower explains the packets of a running capture one at a time, as
// they arrive (wstrace capture --follow, the live page). Each packet's page
// is built from the packets just before it too, so that a sentence about an
// earlier packet finds it, but shows only that packet, with the earlier
// ones counted as shown above it. The window keeps the work and memory per
// packet bounded however long the capture runs; what later packets reveal
// is explained on those packets.
type Follower struct {
	ann    *annotate.Annotator
	opts   Options
	src    Capture
	recent []*annotate.PacketInfo
}

// NewFollower returns a Follower that annotates with aopts and builds each
// packet's page with opts (whose First, Last and EarlierShown it sets). Give
// opts a Catalog, so that the messages are parsed once, not per packet.
func NewFollower(aopts annotate.Options, opts Options, src Capture) *Follower {
	return &Follower{ann: annotate.New(aopts), opts: opts, src: src}
}

// Add annotates p, after every packet added before it, and returns the page
// that explains it: nil when the page's selection leaves it out or the
// annotator has nothing to say of it.
func (f *Follower) Add(p *capture.Packet) (*Page, error) {
	pi, err := f.ann.Add(p)
	if err != nil || pi == nil {
		return nil, err
	}
	f.recent = append(f.recent, pi)
	if len(f.recent) > followWindow {
		f.recent = slices.Delete(f.recent, 0, len(f.recent)-followWindow)
	}
	opts := f.opts
	if opts.First > 0 && pi.Number < opts.First || opts.Last > 0 && pi.Number > opts.Last {
		return nil, nil
	}
	res := &annotate.Result{Packets: f.recent}
	for _, q := range f.recent {
		res.Frames = append(res.Frames, q.Frames...)
		res.Messages = append(res.Messages, q.Messages...)
		if c := q.Conn; c != nil && !slices.Contains(res.Connections, c) {
			res.Connections = append(res.Connections, c)
		}
	}
	opts.First, opts.Last, opts.EarlierShown = pi.Number, pi.Number, true
	return Build(res, f.src, opts)
}
