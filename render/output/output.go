// Package output writes an annotated capture in any of wstrace's output
// formats. It picks the writer a [render.Format] calls for (markdown, html,
// text, pcapng from the page model; json and jsonl record by record as the
// annotation goes), so that commands only parse flags and call it.
package output

import (
	"errors"
	"io"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/jsonout"
	"github.com/wstrace/wstrace/render/markdown"
	"github.com/wstrace/wstrace/render/text"
)

// Options say what to write and how.
type Options struct {
	// Format is the output format.
	Format render.Format
	// Page holds the selection, redaction, language and page limits; it
	// applies to every format.
	Page render.Options
	// Annotate configures the annotator; Write sets its Emit.
	Annotate annotate.Options
	// Capture names the capture on the page; Write sets its Err.
	Capture render.Capture
	// Color gives the text format ANSI colours.
	Color bool
	// FramePayloads adds each frame's payload to json and jsonl.
	FramePayloads bool
	// Secrets, when set, returns the TLS secrets a pcapng output embeds. It
	// is called after the capture is read (a pcapng input's own secrets are
	// known only then).
	Secrets func() []capture.Secrets
	// ReadErr, when set, is given the error that stopped the reading and
	// returns the one to report, on the page and to the caller (for
	// example an error that names the file and packet already).
	ReadErr func(error) error
	// Stop, when set, is asked once the capture is read; when it reports
	// true nothing more is written (the run was interrupted).
	Stop func() bool
}

// Write annotates every packet of src and writes the result to w in
// opts.Format. Memory stays the size of what is open in the capture for
// json and jsonl, and of the page's limits for the pages.
//
// When src fails before io.EOF, everything before the failure is written,
// the output is complete, and the failure is returned as readErr. err
// reports that the output could not be written (w then holds an incomplete
// output).
func Write(w io.Writer, src capture.Source, opts Options) (readErr, err error) {
	if opts.Format.Streams() {
		return writeStream(w, src, opts)
	}
	page := opts.Page
	if opts.Format == render.FormatPcapng {
		// A capture file keeps every selected packet.
		page.MaxConnections, page.MaxPackets = -1, -1
	}
	col := render.NewCollector(page)
	aopts := opts.Annotate
	aopts.Emit = col.Record
	_, readErr = annotate.Annotate(src, aopts)
	readErr = opts.mapReadErr(readErr)
	if opts.Stop != nil && opts.Stop() {
		return readErr, nil
	}
	capt := opts.Capture
	capt.Err = readErr
	p, err := col.Build(capt)
	if err != nil {
		return readErr, err
	}
	switch opts.Format {
	case render.FormatHTML:
		err = html.Write(w, p)
	case render.FormatText:
		err = text.Write(w, p, text.Options{Color: opts.Color})
	case render.FormatPcapng:
		if opts.Secrets != nil {
			p.Secrets = opts.Secrets()
		}
		err = render.WritePcapng(w, p)
	default:
		err = markdown.Write(w, p)
	}
	return readErr, err
}

// writeStream writes json or jsonl record by record as the annotation goes.
func writeStream(w io.Writer, src capture.Source, opts Options) (readErr, err error) {
	jopts := jsonout.Options{Indent: true, FramePayloads: opts.FramePayloads, Redact: !opts.Page.NoRedact}
	if opts.Page.Selective() {
		jopts.Select = opts.Page.Selects
	}
	err = jsonout.WriteSource(w, src, opts.Annotate, jopts, opts.Format == render.FormatJSONL)
	var re *jsonout.ReadError
	if err != nil && errors.As(err, &re) {
		return opts.mapReadErr(err), nil
	}
	return nil, err
}

func (o *Options) mapReadErr(err error) error {
	if err != nil && o.ReadErr != nil {
		return o.ReadErr(err)
	}
	return err
}
