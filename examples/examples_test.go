// Package examples_test checks that the example pages shipped in this
// directory are what wstrace renders now, so that they cannot drift from the
// code. examples/generate.sh regenerates them.
package examples_test

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/markdown"
)

// page is one shipped page of a capture.
type page struct {
	file   string // such as workerman-chat.zh-TW.html
	style  render.Style
	lang   string
	format render.Format
}

// pagesOf lists the pages generate.sh writes for the capture called name.
func pagesOf(name string) []page {
	var pages []page
	for _, lang := range []string{"en", "zh-TW", "zh-CN"} {
		for _, format := range []render.Format{render.FormatMarkdown, render.FormatHTML} {
			pages = append(pages, page{fmt.Sprintf("%s.%s.%s", name, lang, format), render.StyleGuide, lang, format})
		}
	}
	return append(pages, page{name + ".classic.zh-TW.md", render.StyleClassic, "zh-TW", render.FormatMarkdown})
}

// TestPagesUpToDate renders each shipped capture's pages again, as
// `TZ=UTC wstrace render` does, and compares them with the files here.
func TestPagesUpToDate(t *testing.T) {
	for _, c := range []struct {
		capture, name string
		hideBeats     bool // --hide-heartbeats
	}{
		{"workerman-chat.pcap", "workerman-chat", false},
		{"demo.pcapng", "demo", false},
		{"socketio-chat.pcap", "socketio-chat", true},
		{"chromium-wss.pcapng", "chromium-wss", false}, // decrypted with the keys it carries
	} {
		res := annotateFile(t, c.capture)
		for _, p := range pagesOf(c.name) {
			t.Run(p.file, func(t *testing.T) {
				shipped, err := os.ReadFile(p.file)
				if err != nil {
					t.Fatalf("%v (run: sudo bash examples/generate.sh)", err)
				}
				built, err := render.Build(res, render.Capture{Name: c.capture}, render.Options{Style: p.style, Lang: p.lang, HideHeartbeats: c.hideBeats})
				if err != nil {
					t.Fatal(err)
				}
				var now bytes.Buffer
				if p.format == render.FormatHTML {
					err = html.Write(&now, built)
				} else {
					err = markdown.Write(&now, built)
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(shipped, now.Bytes()) {
					t.Errorf("examples/%s is not what wstrace renders now (%s).\n"+
						"Regenerate the examples with: sudo bash examples/generate.sh\n"+
						"or this page alone with: TZ=UTC go run ./cmd/wstrace render%s --style %s --lang %s -o examples/%s examples/%s",
						p.file, firstDiff(string(shipped), now.String()), map[bool]string{true: " --hide-heartbeats"}[c.hideBeats], p.style, p.lang, p.file, c.capture)
				}
			})
		}
	}
}

// annotateFile annotates a capture with its times in UTC, as TZ=UTC does.
func annotateFile(t *testing.T, path string) *annotate.Result {
	t.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := annotate.Annotate(src, annotate.Options{Location: time.UTC})
	if err != nil {
		t.Fatalf("annotate %s: %v", path, err)
	}
	return res
}

// firstDiff describes the first line where the shipped page and the page
// rendered now differ.
func firstDiff(shipped, now string) string {
	line, x, y := testenv.FirstDiff(shipped, now)
	return fmt.Sprintf("line %d is\n\t%.200s\nand would now be\n\t%.200s", line, x, y)
}
