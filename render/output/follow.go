package output

import (
	"fmt"
	"io"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/safewriter"
)

// A Follower writes the explanation of each packet of a running capture as
// the packet arrives (wstrace capture --follow), in the page's classic
// style: the comment, then the packet as tcpdump -A prints it. The
// explaining is a [render.Follower]'s, as on the live page; memory stays
// bounded however long the capture runs.
type Follower struct {
	w  *safewriter.Writer // keeps control characters from the wire off the terminal
	fl *render.Follower
}

// NewFollower returns a Follower that writes to w. It annotates with aopts
// and explains with page, whose selection and language apply; its style is
// always classic. capt names the capture, such as the interface.
func NewFollower(w io.Writer, aopts annotate.Options, page render.Options, capt render.Capture) (*Follower, error) {
	page.Style = render.StyleClassic
	fl, err := render.NewFollower(aopts, page, capt)
	if err != nil {
		return nil, err
	}
	return &Follower{w: safewriter.New(w), fl: fl}, nil
}

// Add explains p, after every packet added before it, and writes the
// explanation unless the selection leaves p out. A packet the annotator
// cannot take is reported in its place, and the following ones are still
// explained. Add returns the error of writing to w.
func (f *Follower) Add(p *capture.Packet) error {
	page, err := f.fl.Add(p)
	if err != nil {
		fmt.Fprintf(f.w, "packet %d: %v\n", p.Number, err)
		return f.w.Flush()
	}
	if page == nil {
		return nil
	}
	for _, pk := range page.Packets {
		if _, err := fmt.Fprint(f.w, pk.Comment(), pk.Block(), "\n"); err != nil {
			return err
		}
	}
	return f.w.Flush()
}
