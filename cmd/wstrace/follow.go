package main

import (
	"io"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/output"
)

// follower prints each packet's explanation while a capture runs
// (capture --follow); output.Follower does the work.
type follower struct {
	out *output.Follower
	err error // the first error writing to the terminal
}

func newFollower(w io.Writer, f pageFlags, name string) (*follower, error) {
	opts, err := f.options("")
	if err != nil {
		return nil, err
	}
	out, err := output.NewFollower(w, f.annotateOptions(), opts, render.Capture{Name: name})
	if err != nil {
		return nil, err
	}
	return &follower{out: out}, nil
}

// add explains one packet; once writing fails, it stops writing (the
// packets are still recorded).
func (f *follower) add(p *capture.Packet) {
	if f.err == nil {
		f.err = f.out.Add(p)
	}
}
