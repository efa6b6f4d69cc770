package render_test

import (
	"io"
	"os"
	"testing"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/markdown"
)

// BenchmarkRenderTLS renders, from the file to the Markdown page, the same
// Chromium chat session captured over ws:// and over wss:// (TLS 1.3,
// decrypted with the browser's key log). The budget: the decrypted
// capture costs at most twice the plaintext one.
func BenchmarkRenderTLS(b *testing.B) {
	f, err := os.Open("../testdata/chromium-wss-tls13.keylog")
	if err != nil {
		b.Fatal(err)
	}
	keys, err := tlsrec.ParseKeyLog(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name, file string
		keys       *tlsrec.KeyLog
	}{
		{"plaintext", "../testdata/chromium-ws-plain-any.pcap", nil},
		{"decrypted", "../testdata/chromium-wss-tls13.pcap", keys},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				r, err := capture.OpenFile(bc.file)
				if err != nil {
					b.Fatal(err)
				}
				res, err := annotate.Annotate(r, annotate.Options{KeyLog: bc.keys})
				r.Close()
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Frames) < 28 {
					b.Fatalf("%d frames", len(res.Frames))
				}
				p, err := render.Build(res, render.Capture{Name: "x.pcap"}, render.Options{})
				if err != nil {
					b.Fatal(err)
				}
				markdown.Write(io.Discard, p)
			}
		})
	}
}
