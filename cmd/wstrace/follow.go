package main

import (
	"fmt"
	"io"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
)

// follower prints each packet's explanation while a capture runs, in the
// classic style: the comment, then the packet as tcpdump -A prints it.
type follower struct {
	w    *render.SafeWriter // keeps control characters from the wire off the terminal
	ann  *annotate.Annotator
	opts render.Options
	src  render.Capture
}

func newFollower(w io.Writer, f pageFlags, name string) (*follower, error) {
	opts, err := f.options("")
	if err != nil {
		return nil, err
	}
	opts.Style = render.StyleClassic
	// Parse the messages once, not for every packet.
	lang := opts.Lang
	if lang == "" {
		lang = "en"
	}
	if opts.Catalog, err = render.LoadCatalog(lang, opts.Templates); err != nil {
		return nil, err
	}
	return &follower{w: render.NewSafeWriter(w), ann: annotate.New(f.annotateOptions()), opts: opts, src: render.Capture{Name: name}}, nil
}

// add explains one packet. What later packets reveal (a relay, the end of a
// frame) is explained on those packets; the page rendered at the end has
// the whole story.
func (f *follower) add(p *capture.Packet) {
	pi, err := f.ann.Add(p)
	if err != nil || pi == nil {
		fmt.Fprintf(f.w, "packet %d: %v\n", p.Number, err)
		return
	}
	res := &annotate.Result{Packets: []*annotate.PacketInfo{pi}, Frames: pi.Frames, Messages: pi.Messages}
	if pi.Conn != nil {
		res.Connections = []*annotate.Connection{pi.Conn}
	}
	page, err := render.Build(res, f.src, f.opts)
	if err != nil {
		fmt.Fprintf(f.w, "packet %d: %v\n", p.Number, err)
		return
	}
	for _, pk := range page.Packets {
		fmt.Fprint(f.w, pk.Comment(), pk.Block(), "\n")
	}
	f.w.Flush()
}
