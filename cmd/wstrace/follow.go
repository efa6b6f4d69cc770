package main

import (
	"fmt"
	"io"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
)

// follower prints each packet's explanation while a capture runs, in the
// classic style: the comment, then the packet as tcpdump -A prints it. The
// explaining is render.Follower's, the live page's too.
type follower struct {
	w  *render.SafeWriter // keeps control characters from the wire off the terminal
	fl *render.Follower
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
	aopts := f.annotateOptions()
	// The annotator streams: it forgets what is final, so memory stays
	// bounded however long the capture runs (the Follower keeps the recent
	// packets the explanations need).
	aopts.Emit = func(annotate.Record) error { return nil }
	return &follower{w: render.NewSafeWriter(w), fl: render.NewFollower(aopts, opts, render.Capture{Name: name})}, nil
}

// add explains one packet.
func (f *follower) add(p *capture.Packet) {
	page, err := f.fl.Add(p)
	if err != nil {
		fmt.Fprintf(f.w, "packet %d: %v\n", p.Number, err)
		return
	}
	if page == nil {
		return
	}
	for _, pk := range page.Packets {
		fmt.Fprint(f.w, pk.Comment(), pk.Block(), "\n")
	}
	f.w.Flush()
}
