package render_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/tcpdump"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/markdown"
	"github.com/wstrace/wstrace/render/text"
)

// FuzzRender feeds arbitrary capture files through the annotator and every
// output format: nothing from the wire may make the renderer fail or panic.
func FuzzRender(f *testing.F) {
	for _, name := range []string{"../testdata/workerman-chat.pcap", "../testdata/chromium-ws-deflate.pcap"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		r, err := capture.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		pr := tcpdump.NewPrinter(io.Discard, tcpdump.Options{Location: time.UTC})
		a := annotate.New(annotate.Options{Summary: pr.Line, MaxMessageSize: 1 << 16, MaxReassembly: 1 << 16})
		for n := 0; n < 2000; n++ {
			p, err := r.Next()
			if errors.Is(err, io.EOF) || err != nil {
				break
			}
			if _, err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		res := a.Finish()
		opts := render.Options{Hex: flags&1 != 0, NoRedact: flags&2 != 0, MaxBytes: int(flags>>4) * 16}
		if flags&4 != 0 {
			opts.Style = render.StyleClassic
		}
		opts.Lang = render.Languages()[int(flags>>2)%3]
		p, err := render.Build(res, render.Capture{Name: "fuzz.pcap"}, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, write := range []func(io.Writer, *render.Page) error{
			markdown.Write, html.Write, render.WritePcapng,
			func(w io.Writer, p *render.Page) error { return text.Write(w, p, text.Options{Color: true}) },
		} {
			if err := write(io.Discard, p); err != nil {
				t.Fatal(err)
			}
		}
	})
}
