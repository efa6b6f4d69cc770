package render_test

import (
	"io"
	"testing"

	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/internal/rendertest"
	"github.com/wstrace/wstrace/render/markdown"
)

func BenchmarkBuild(b *testing.B) {
	res := rendertest.Annotate(b, "../testdata/chromium-ws-plain-any.pcap")
	for b.Loop() {
		if _, err := render.Build(res, render.Capture{Name: "x.pcap"}, render.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	res := rendertest.Annotate(b, "../testdata/chromium-ws-plain-any.pcap")
	p, err := render.Build(res, render.Capture{Name: "x.pcap"}, render.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		markdown.Write(io.Discard, p)
		html.Write(io.Discard, p)
	}
}
